package org.updraft.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
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
 * {@code updraft simulate fleet}: N emulated devices, a rollout, faults, a report per wave
 * (docs/rollouts.md, "Fleet simulator"). Without {@code --server}, an in-process server on a temporary directory runs
 * on the same scaled clock as the devices.
 */
@Command(name = "fleet", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run N emulated devices through a staged rollout against a real server, and report per wave.",
                "Each device is a thread on a scaled clock; transfers are dropped, stalled and slow, and devices go offline."
                        + " Prints a live view (on a terminal) and a report per wave. Exit 1 if a device bricked or the run hit --limit."})
final class SimulateFleetCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--devices", paramLabel = "N", defaultValue = "100", description = "Emulated devices, 1..20000 (default ${DEFAULT-VALUE}).")
    int devices;

    @Option(names = "--profile", paramLabel = "ID", defaultValue = "nonos-512k",
            description = "nonos-512k (trial boot), arduino-4m or arduino-1m (eboot copy), esp32-4m (IDF rollback) (default ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--poll", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "Fleet time between check-ins, ±20 %% jitter (default ${DEFAULT-VALUE}).")
    Duration poll;

    @Option(names = "--drop", paramLabel = "P", defaultValue = "0", description = "Probability that an image transfer is cut mid-body (default ${DEFAULT-VALUE}).")
    double drop;

    @Option(names = "--stall", paramLabel = "P", defaultValue = "0", description = "Probability that an image transfer stops until the device times out (default ${DEFAULT-VALUE}).")
    double stall;

    @Option(names = "--link", paramLabel = "BYTES/S", defaultValue = "60000", description = "Device link speed in fleet time; 0 = unlimited (default ${DEFAULT-VALUE}).")
    long link;

    @Option(names = "--offline", paramLabel = "P", defaultValue = "0", description = "Probability per poll that a device goes offline (default ${DEFAULT-VALUE}).")
    double offline;

    @Option(names = "--offline-for", paramLabel = "DURATION", defaultValue = "30m", converter = DurationConverter.class,
            description = "Mean length of an offline spell (default ${DEFAULT-VALUE}).")
    Duration offlineFor;

    @Option(names = "--large-share", paramLabel = "SHARE", defaultValue = "0",
            description = {"With --profile arduino-1m: the share of devices that run a large sketch, too large to leave room for "
                    + "the new release (default ${DEFAULT-VALUE}).",
                    "The run designates a small stepping stone: those devices take it first, then the release."})
    double largeShare;

    @Option(names = "--bad-release", description = "The new release crashes on boot: trial boot / IDF rollback reverts it and the device reports rolled_back.")
    boolean badRelease;

    @Option(names = "--waves", paramLabel = "LIST", defaultValue = "canary,1,10,50,100", description = "Waves: a tag group, then cumulative percentages (default ${DEFAULT-VALUE}).")
    String waves;

    @Option(names = "--canaries", paramLabel = "N", description = "Devices tagged with the first tag wave (default: 1 %% of the fleet, 1..20).")
    Integer canaries;

    @Option(names = "--success", paramLabel = "SHARE", defaultValue = "0.9", description = "Success threshold to advance a wave (default ${DEFAULT-VALUE}).")
    double success;

    @Option(names = "--failure", paramLabel = "SHARE", defaultValue = "0.1", description = "Failure threshold above which the rollout halts (default ${DEFAULT-VALUE}).")
    double failure;

    @Option(names = "--soak", paramLabel = "DURATION", defaultValue = "10m", converter = DurationConverter.class, description = "Minimum time per wave (default ${DEFAULT-VALUE}).")
    Duration soak;

    @Option(names = "--max-concurrent", paramLabel = "N", defaultValue = "50", description = "Downloads in flight at once (default ${DEFAULT-VALUE}).")
    int maxConcurrent;

    @Option(names = "--max-attempts", paramLabel = "N", defaultValue = "10", description = "Attempts per device before it is failed (default ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--backoff", paramLabel = "DURATION", defaultValue = "1m", converter = DurationConverter.class,
            description = "Wait after a failed attempt, doubling per attempt (default ${DEFAULT-VALUE}).")
    Duration backoff;

    @Option(names = "--health-window", paramLabel = "DURATION", defaultValue = "5m", converter = DurationConverter.class,
            description = "The product's health window before an installed device is confirmed (default ${DEFAULT-VALUE}).")
    Duration healthWindow;

    @Option(names = "--server", paramLabel = "URL", description = "A running server (its clock is real: soak, backoff and health window take real time). Default: an in-process server on a temp dir with the scaled clock.")
    URI server;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:UPDRAFT_TOKEN}",
            showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
            description = "Admin bearer token for --server (default: $UPDRAFT_TOKEN); the in-process server needs none.")
    String token;

    @Option(names = "--mqtt", paramLabel = "URL", description = "MQTT broker (tcp://127.0.0.1:1883): devices subscribe to updraft/<product>/<mac>/update and pull at once.")
    String mqtt;

    @Option(names = "--mqtt-shared", description = {"With --mqtt: one broker connection for the whole fleet (a subscription to "
            + "updraft/<product>/+/update whose messages go to the device the topic names) instead of one per device.",
            "The server publishes one message per device either way; what this leaves out is the broker's side of thousands of connections."})
    boolean mqttShared;

    @Option(names = "--speed", paramLabel = "X", defaultValue = "600", description = "Fleet seconds per real second (default ${DEFAULT-VALUE}).")
    double speed;

    @Option(names = "--limit", paramLabel = "DURATION", defaultValue = "24h", converter = DurationConverter.class,
            description = "Fleet time after which the run stops, settled or not (default ${DEFAULT-VALUE}).")
    Duration limit;

    @Option(names = "--product", paramLabel = "NAME", description = "Product to create (default fleet-<profile>-<random>).")
    String product;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed for faults, jitter and MACs (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the report as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        FleetClock clock = clock(speed);
        Scenario scenario;
        try {
            DeviceProfile p = DeviceProfile.of(profile);
            int c = canaries != null ? canaries : Math.max(1, Math.min(20, devices / 100));
            if (mqttShared && mqtt == null) {
                throw new IllegalArgumentException("--mqtt-shared needs --mqtt URL (the broker the devices listen on)");
            }
            String name = product != null ? product : "fleet-" + p.id() + "-" + HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
            scenario = new Scenario(URI.create("http://127.0.0.1"), mqtt, name,
                    new Scenario.Fleet(devices, p, poll, mqtt == null ? 0 : 1, Math.min(c, devices), mqttShared, largeShare),
                    new Scenario.Faults(drop, stall, link, offline, offlineFor),
                    new Scenario.Plan(waves, success, failure, soak, maxConcurrent, maxAttempts, backoff, healthWindow, badRelease),
                    clock, limit, seed);
        } catch (IllegalArgumentException e) {
            throw CommandFailure.usage(e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        FleetReport report = simulate(token == null || token.isBlank() ? scenario : scenario.withToken(token.strip()), server, out,
                spec.commandLine().getErr());
        out.print(report.table());
        out.flush();
        if (json != null) {
            report.writeJson(json);
        }
        return report.settled() && report.fleet().bricked() == 0 && report.fleet().invalid() == 0 ? 0 : Updraft.FAILED;
    }

    static FleetClock clock(double speed) {
        try {
            return FleetClock.scaled(speed);
        } catch (IllegalArgumentException e) {
            throw CommandFailure.usage(e.getMessage());
        }
    }

    /**
     * A warning when {@code devices} may need more file descriptors than {@code limit} (-1: unknown):
     * each device holds a socket while it checks in and, when there is a {@code link}, the link two
     * more, so a fleet that polls in step can need three per device (one without a link); a device
     * with its own broker connection ({@code brokerEach}: MQTT wake-ups not shared) holds one more. Below
     * that, accepts fail with "Too many open files" and the rollout crawls (the 10,000-device
     * benchmark ran into exactly this at a limit of 4,096).
     */
    static String descriptorsShort(int devices, boolean link, boolean brokerEach, long limit) {
        long needed = (1L + (link ? 2 : 0) + (brokerEach ? 1 : 0)) * devices + 256;
        if (limit < 0 || limit >= needed) {
            return null;
        }
        return "warning: " + devices + " devices may need up to " + needed + " open files, but this process may open " + limit
                + "; raise it (ulimit -n " + needed + ") or expect refused connections";
    }

    private static long maxDescriptors() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
    }

    /** Runs {@code scenario} against {@code server}, or an in-process scaled server on a temp dir when null. */
    static FleetReport simulate(Scenario scenario, URI server, PrintWriter out, PrintWriter err) throws Exception {
        Progress progress = stdoutIsTerminal() ? Progress.live(System.out) : Progress.NONE;
        boolean brokerEach = scenario.mqttUrl() != null && scenario.fleet().mqttShare() > 0 && !scenario.fleet().mqttShared();
        String shortOfFiles = descriptorsShort(scenario.fleet().devices(), scenario.faults().needLink(), brokerEach, maxDescriptors());
        if (shortOfFiles != null) {
            err.println(shortOfFiles);
            err.flush();
        }
        if (server != null) {
            err.println("note: the server at " + server + " runs on its own (real) clock: soak, backoff and health window take real time");
            err.flush();
            return run(scenario.withServer(server), progress);
        }
        ScaledServer.quiet();
        Path dir = Files.createTempDirectory("updraft-fleet-");
        try (UpdraftServer s = ScaledServer.start("127.0.0.1", 0, dir, scenario.clock(), scenario.mqttUrl())) {
            out.println("in-process server " + s.baseUri() + " (data " + dir + ", clock ×" + (long) scenario.clock().speed() + ")");
            out.flush();
            return run(scenario.withServer(s.baseUri()).withToken(ScaledServer.token()), progress);
        } finally {
            delete(dir);
        }
    }

    private static FleetReport run(Scenario scenario, Progress progress) throws InterruptedException {
        try {
            return FleetSimulator.run(scenario, progress);
        } catch (ServerApi.ApiException e) {
            throw new CommandFailure(e.getMessage());
        } catch (IOException e) {
            throw new CommandFailure("fleet run failed: " + e.getMessage());
        }
    }

    /** True when file descriptor 1 is a terminal (Linux: /proc/self/fd/1 points at a tty); the live view needs one. */
    static boolean stdoutIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        Path fd1 = Path.of("/proc/self/fd/1");
        if (Files.exists(fd1, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try {
                String target = Files.readSymbolicLink(fd1).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        return System.console() != null;
    }

    static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is not worth failing the run for
        }
    }
}
