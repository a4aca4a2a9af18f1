package org.updraft.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.fleet.FleetClock;
import org.updraft.device.fleet.FleetReport;
import org.updraft.device.fleet.FleetSimulator;
import org.updraft.device.fleet.Progress;
import org.updraft.device.fleet.Scenario;
import org.updraft.device.fleet.ServerApi;
import org.updraft.server.UpdraftServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code updraft demo}: a server, two sample releases, 50 emulated devices and a staged rollout
 * (canary, 10 %, 50 %, 100 %) over a flaky link, on a clock 120× faster than real time — the whole
 * rollout in well under a minute.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a demo: a server, two sample releases, emulated devices and a staged rollout, shown live.",
                "A complete rollout in well under a minute: the server's clock runs --speed times faster than real time."
                        + " --keep leaves the server running afterwards (Ctrl-C to stop)."})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1", description = "Interface to listen on (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "0",
            description = "Port (default: a free one, so that the demo never collides with a server of yours).")
    int port;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Keep the demo's data here (e.g. ./updraft-demo); default: a temporary directory, deleted afterwards.")
    Path dataDir;

    @Option(names = "--devices", paramLabel = "N", defaultValue = "50", description = "Emulated devices (default ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--profile", paramLabel = "ID", defaultValue = "nonos-512k", description = "Device profile (default ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--speed", paramLabel = "X", defaultValue = "120", description = "Fleet seconds per real second (default ${DEFAULT-VALUE}).")
    double speed;

    @Option(names = "--keep", description = "Keep the server running after the report.")
    boolean keep;

    /**
     * What to do next, true when it is printed: with --keep the server still runs, so the rollout
     * can be looked at; without, it is about to stop, and the hint says how to see a demo again
     * rather than pointing at a server that is gone.
     */
    static String closingHint(boolean keep, URI base, long rolloutId, String token, Path keptData) {
        if (keep) {
            return "see it: updraft rollout status " + rolloutId + " --server " + base + " --token " + token + "\n";
        }
        String hint = "The demo's server stops now. To look around afterwards, run updraft demo --keep (it serves until Ctrl-C).\n";
        if (keptData != null) {
            Path d = keptData.toAbsolutePath().normalize();
            hint += "Its data stays in " + d + ": updraft token reset-admin --data-dir " + d + " makes an admin token for it,\n"
                    + "then updraft server --data-dir " + d + " serves it (on this machine's real clock).\n";
        }
        return hint;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        FleetClock clock = SimulateFleetCommand.clock(speed);
        Scenario scenario;
        try {
            DeviceProfile p = DeviceProfile.of(profile);
            scenario = new Scenario(URI.create("http://127.0.0.1"), null, "demo-" + Long.toString(System.currentTimeMillis() % 1_000_000, 36),
                    new Scenario.Fleet(devices, p, Duration.ofSeconds(60), 0, Math.min(3, devices)),
                    new Scenario.Faults(0.2, 0, Scenario.Faults.TYPICAL_ESP_LINK, 0.01, Duration.ofMinutes(5)),
                    new Scenario.Plan("canary,10,50,100", 0.9, 0.2, Duration.ofSeconds(90), 20, 10, Duration.ofSeconds(15),
                            Duration.ofSeconds(60), false),
                    clock, Duration.ofHours(3), 1);
        } catch (IllegalArgumentException e) {
            throw CommandFailure.usage(e.getMessage());
        }
        ScaledServer.quiet();
        boolean temporary = dataDir == null;
        Path dir = temporary ? Files.createTempDirectory("updraft-demo-") : dataDir;
        UpdraftServer server;
        try {
            server = ScaledServer.start(host, port, dir, clock, null);
        } catch (IllegalStateException e) {
            throw new CommandFailure(e.getMessage() + (port != 0 ? " (leave out --port for a free one)" : ""));
        }
        try {
            URI base = server.baseUri();
            out.println("Updraft demo server: " + base + "   (data: " + dir + ", clock ×" + (long) speed + ")");
            out.println("  API:      " + base + "/api/v1/rollouts   devices: " + base + "/api/v1/devices?product=" + scenario.product());
            out.println("  OpenAPI:  " + base + "/api/openapi.yaml   health: " + base + "/health   metrics: " + base + "/metrics");
            out.println("  token:    " + ScaledServer.token() + "   (admin, valid while this demo runs; export UPDRAFT_TOKEN=…)");
            out.println("  releases " + "1.0.0 (on every device) and 1.1.0 (held for the rollout), product " + scenario.product()
                    + ", " + devices + " " + profile + " devices, 20 % of transfers dropped");
            out.println();
            out.flush();
            Progress progress = SimulateFleetCommand.stdoutIsTerminal() ? Progress.live(System.out) : Progress.NONE;
            FleetReport report;
            try {
                report = FleetSimulator.run(scenario.withServer(base).withToken(ScaledServer.token()), progress);
            } catch (ServerApi.ApiException e) {
                throw new CommandFailure(e.getMessage());
            }
            out.println();
            out.print(report.table());
            out.println();
            out.print(closingHint(keep, base, report.rolloutId(), ScaledServer.token(), temporary ? null : dir));
            out.flush();
            if (keep) {
                out.println("serving until Ctrl-C");
                out.flush();
                server.join();
            }
            return report.settled() && report.fleet().bricked() == 0 ? 0 : Updraft.FAILED;
        } finally {
            server.close();
            if (temporary) {
                SimulateFleetCommand.delete(dir);
            }
        }
    }
}
