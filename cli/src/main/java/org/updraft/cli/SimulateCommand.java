package org.updraft.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.updraft.device.powercut.PowerCutEnumeration;
import org.updraft.device.powercut.Profile;
import org.updraft.device.powercut.Report;
import org.updraft.device.powercut.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code updraft simulate powercut}: the exhaustive power-cut enumeration, as a table. Offline. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Run device simulations (offline).",
        subcommands = {SimulateCommand.PowerCut.class, SimulateFleetCommand.class})
final class SimulateCommand {

    @Command(name = "powercut", mixinStandardHelpOptions = true,
            description = {"Cut the power at every flash operation of an update (before, torn, after) for every boot",
                    "model and layout, power on again, and count boots into the old image, the new image, and bricks.",
                    "Exit 1 if a power-safe model (NONOS boot, IDF otadata) bricked or failed its follow-up update;",
                    "the Arduino eboot copy is not power-safe by design and its bricks are reported, not failed on."})
    static final class PowerCut implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
                description = "Seed for torn writes and erases (default ${DEFAULT-VALUE}).")
        long seed;

        @Override
        public Integer call() {
            Report report = new PowerCutEnumeration(seed).run(Profile.all());
            PrintWriter out = spec.commandLine().getOut();
            out.print(report.table());
            out.flush();
            boolean failed = false;
            for (Row row : report.rows()) {
                boolean powerSafe = row.profile().startsWith("nonos") || row.profile().startsWith("idf-otadata");
                if (powerSafe && (row.bricks() > 0 || !row.failedFollowUps().isEmpty())) {
                    spec.commandLine().getErr().println("error: " + row.profile() + " " + row.scenario() + ": "
                            + row.bricks() + " bricks, follow-up failed after " + row.failedFollowUps());
                    failed = true;
                }
            }
            spec.commandLine().getErr().flush();
            return failed ? Updraft.FAILED : 0;
        }
    }
}
