package org.updraft.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.updraft.device.powercut.FilesystemCuts;
import org.updraft.device.powercut.PowerCutEnumeration;
import org.updraft.device.powercut.PowerCutEnumeration.Depth;
import org.updraft.device.powercut.Profile;
import org.updraft.device.powercut.Report;
import org.updraft.device.powercut.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code updraft simulate powercut}: the power-cut enumeration, as a table. Offline. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = "Run device simulations (offline).",
        subcommands = {SimulateCommand.PowerCut.class, SimulateFleetCommand.class})
final class SimulateCommand {

    @Command(name = "powercut", mixinStandardHelpOptions = true,
            description = {"Cut the power during updates on every boot model and layout, and count bricks.",
                    "Cuts before, torn and after a flash operation, powers on again, cuts again during the recovery boots and"
                            + " during the retried update, and counts boots into the old image, the new image, and bricks."
                            + " Real-size images by default (ESP8266 ~300 KiB, ESP32 ~1 MiB): the first and last 8 operations are"
                            + " cut in every mode and 12 more cuts are drawn with --seed from between; --all-cuts cuts every"
                            + " operation (hours).",
                    "Exit 1 if a power-safe model (NONOS boot, IDF otadata) bricked or failed its follow-up update;",
                    "the Arduino eboot copy is not power-safe by design and its bricks are reported, not failed on.",
                    "Then the file system updates (updateFS / updateSpiffs, written in place; ATOMIC_FS_UPDATE): every cut,"
                            + " the file systems lost; exit 1 only if a retried file system update does not complete."})
    static final class PowerCut implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
                description = "Seed for the torn patterns and the drawn cut points (default ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--images", paramLabel = "real|small", defaultValue = "real",
                description = "real: ESP8266 304-312 KiB (216-224 KiB on the 512 KB map), ESP32 1028-1036 KiB;"
                        + " small: 8-20 KiB (default ${DEFAULT-VALUE}).")
        String images;

        @Option(names = "--all-cuts",
                description = "Cut every operation of every scenario in every mode instead of drawing (with real"
                        + " images: hours).")
        boolean allCuts;

        @Override
        public Integer call() {
            Profile.Images size = switch (images) {
                case "real" -> Profile.Images.REAL;
                case "small" -> Profile.Images.SMALL;
                default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "--images must be real or small, got '" + images + "'");
            };
            Depth depth = allCuts ? new Depth(0, 0, Depth.DEEP.recoveryCuts(), Depth.DEEP.retrySamples(),
                    Depth.DEEP.tornVariants()) : Depth.DEEP;
            Report report = new PowerCutEnumeration(seed, depth).run(Profile.all(size));
            PrintWriter out = spec.commandLine().getOut();
            out.print(report.table());
            // File system updates write in place: lost file systems are the finding, not a failure
            // (docs/power-cut.md, "Filesystem updates"); a retry that does not complete is.
            java.util.List<FilesystemCuts.FsRow> fsRows = new FilesystemCuts(seed).run();
            out.println();
            out.print(FilesystemCuts.table(fsRows));
            out.flush();
            boolean failed = false;
            for (FilesystemCuts.FsRow row : fsRows) {
                if (!row.failedRetries().isEmpty()) {
                    spec.commandLine().getErr().println("error: " + row.profile() + " " + row.scenario()
                            + ": the retried file system update did not complete after " + row.failedRetries());
                    failed = true;
                }
            }
            for (Row row : report.rows()) {
                boolean powerSafe = row.profile().startsWith("nonos") || row.profile().startsWith("idf-otadata");
                if (powerSafe && (row.bricks() > 0 || row.secondBricks() > 0 || !row.failedFollowUps().isEmpty())) {
                    spec.commandLine().getErr().println("error: " + row.profile() + " " + row.scenario() + ": "
                            + row.bricks() + " bricks, " + row.secondBricks() + " after a second cut, follow-up failed after "
                            + row.failedFollowUps());
                    failed = true;
                }
            }
            spec.commandLine().getErr().flush();
            return failed ? Updraft.FAILED : 0;
        }
    }
}
