package org.updraft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code updraft rollout create|list|status|preview|start|pause|resume|abort}: releases going out to a
 * product's devices in waves (docs/rollouts.md), with per-wave progress bars.
 */
@Command(name = "rollout", mixinStandardHelpOptions = true,
        description = {"Roll a release out in waves: a canary group, then shares of the fleet.",
                "A wave advances on confirmations and the rollout halts on failures.",
                "States: draft -> running <-> paused -> completed | halted | aborted."},
        subcommands = {RolloutCommand.Create.class, RolloutCommand.List.class, RolloutCommand.Status.class,
                RolloutCommand.Start.class, RolloutCommand.Pause.class, RolloutCommand.Resume.class, RolloutCommand.Abort.class,
                RolloutCommand.Preview.class, RolloutCommand.Delete.class, RolloutCommand.Rollback.class})
final class RolloutCommand {

    /** Width of a wave's progress bar, in characters between the brackets. */
    static final int BAR = 20;

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a rollout of a release: a draft until started (--start: at once).",
                    "Unset options take the server's defaults: waves 1,10,50,100, success 0.9,",
                    "failure 0.1, soak 10m, 50 concurrent downloads, 5 attempts, backoff 1m."})
    static final class Create implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "PRODUCT", description = "Product name.")
        String product;

        @Parameters(index = "1", paramLabel = "VERSION", description = "The release to roll out (uploaded, usually with --hold).")
        String version;

        @Option(names = "--waves", paramLabel = "LIST",
                description = "Tag groups, then rising cumulative percentages, e.g. canary,1,10,50,100.")
        String waves;

        @Option(names = "--success", paramLabel = "SHARE", description = "Share of a wave confirmed to advance, 0..1 (e.g. 0.9).")
        Double success;

        @Option(names = "--failure", paramLabel = "SHARE",
                description = "Share of a wave failed or rolled back above which the rollout halts, 0..1 (e.g. 0.1).")
        Double failure;

        @Option(names = "--soak", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "Minimum time per wave, e.g. 10m.")
        Duration soak;

        @Option(names = "--max-concurrent", paramLabel = "N", description = "Downloads of this rollout in flight at once.")
        Integer maxConcurrent;

        @Option(names = "--max-attempts", paramLabel = "N", description = "Attempts per device before it counts as failed.")
        Integer maxAttempts;

        @Option(names = "--backoff", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "Wait after a failed attempt, doubling per attempt, e.g. 1m.")
        Duration backoff;

        @Option(names = "--tag", paramLabel = "TAG",
                description = "Only devices carrying this tag (repeatable: any of them; default every device of the product).")
        java.util.List<String> tags;

        @Option(names = "--from", paramLabel = "RANGE", description = "Only devices running a version in this range, e.g. \">=1.0 <2.0\".")
        String from;

        @Option(names = "--start", description = "Start the rollout right after creating it.")
        boolean start;

        @Option(names = "--install-deadline", paramLabel = "DURATION", converter = DurationConverter.class,
                description = {"A device that downloaded the release and has not checked in running it",
                        "within this counts as failed (\"silent after download\"), e.g. 30m",
                        "(default: 3 of the product's observed poll intervals, at least 5m; 1h if unknown)."})
        Duration installDeadline;

        @Option(names = "--window", paramLabel = "WINDOW",
                description = {"New offers only inside this window, e.g. \"mon-fri 01:00-05:00\" or \"daily 22:00-02:00\"",
                        "(repeatable; needs --time-zone). In-flight transfers finish outside it."})
        java.util.List<String> windows;

        @Option(names = "--time-zone", paramLabel = "ZONE", description = "IANA time zone of the --window hours, e.g. Europe/Berlin or UTC.")
        String timeZone;

        @Option(names = "--rate", paramLabel = "N", description = "At most N new offers per minute across the whole rollout.")
        Integer rate;

        @Option(names = "--ramp-start", paramLabel = "N",
                description = "Ramp: N new offers per minute when a wave opens, doubling every --ramp-doubling up to --rate.")
        Integer rampStart;

        @Option(names = "--ramp-doubling", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "The ramp's doubling period, whole minutes, e.g. 10m.")
        Duration rampDoubling;

        @Override
        public Integer call() {
            ObjectNode body = body(spec, version, waves, tags, from, success, failure, soak, maxConcurrent, maxAttempts, backoff);
            if (installDeadline != null) {
                body.put("installDeadlineSeconds", seconds(spec, "--install-deadline", installDeadline));
            }
            if (windows != null) {
                body.put("windows", String.join("; ", windows));
            }
            if (timeZone != null) {
                body.put("timeZone", timeZone);
            }
            if (rate != null) {
                body.put("offersPerMinute", rate);
            }
            if (rampStart != null) {
                body.put("rampStartPerMinute", rampStart);
            }
            if (rampDoubling != null) {
                if (rampDoubling.toMillis() % 60_000 != 0) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--ramp-doubling takes whole minutes, e.g. 10m or 1h; got "
                            + human(rampDoubling));
                }
                body.put("rampDoublingMinutes", rampDoubling.toMinutes());
            }
            PrintWriter out = spec.commandLine().getOut();
            try (ApiClient api = remote.client()) {
                // --start: one request that creates and starts, both or neither (a refused start leaves no draft).
                ApiClient.Reply created = api.post("/api/v1/products/" + ApiClient.segment(product) + "/rollouts"
                        + (start ? "?start=true" : ""), body);
                if (remote.json) {
                    out.println(created.body());
                    out.flush();
                    return 0;
                }
                JsonNode rollout = created.json();
                String id = Table.text(rollout.path("id"));
                out.println("Created rollout " + id + ": " + Table.text(rollout.path("product")) + " "
                        + Table.text(rollout.path("version")) + " (" + Table.text(rollout.path("state")) + ")");
                details(rollout).print(out);
                if (start) {
                    transition(rollout, out);
                } else {
                    out.println("Start it with: updraft rollout start " + id);
                    out.flush();
                }
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List rollouts, oldest first.")
    static final class List implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Option(names = "--product", paramLabel = "PRODUCT", description = "Only rollouts of this product.")
        String product;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                Map<String, String> filter = new LinkedHashMap<>();
                filter.put("product", product);
                ApiClient.Reply reply = api.get("/api/v1/rollouts" + ApiClient.query(filter));
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return 0;
                }
                JsonNode rollouts = reply.json();
                if (rollouts.isEmpty()) {
                    out.println((product == null ? "No rollouts yet." : "No rollouts of " + product + " yet.")
                            + " Create one with: updraft rollout create " + (product == null ? "PRODUCT" : product) + " VERSION");
                    out.flush();
                    return 0;
                }
                Table table = Table.of("ID", "PRODUCT", "VERSION", "STATE", "WAVE", "CONFIRMED", "FAILED", "CREATED", "REASON");
                for (JsonNode r : rollouts) {
                    int members = 0;
                    int confirmed = 0;
                    int failed = 0;
                    for (JsonNode w : r.path("progress")) {
                        members += w.path("members").asInt();
                        confirmed += w.path("confirmed").asInt();
                        failed += w.path("failed").asInt() + w.path("rolledBack").asInt();
                    }
                    table.row(Table.text(r.path("id")), Table.text(r.path("product")), Table.text(r.path("version")),
                            Table.text(r.path("state")), wave(r), confirmed + "/" + members, String.valueOf(failed),
                            Table.time(r.path("createdAt")), Table.brief(r.path("reason"), 100));
                }
                table.print(out);
            }
            return 0;
        }
    }

    @Command(name = "status", aliases = "show", mixinStandardHelpOptions = true,
            description = {"Show a rollout with a progress bar per wave (# confirmed, x failed or rolled back).",
                    "With --watch: refresh every --interval (in place on a terminal, else one snapshot each time) until the rollout"
                            + " is completed (exit 0), halted or aborted (exit 1), or --timeout passes (exit 1)."})
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "ID", description = "Rollout id.")
        long id;

        @Option(names = "--watch", description = "Keep refreshing until the rollout finishes.")
        boolean watch;

        @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "2s", converter = DurationConverter.class,
                description = "Time between refreshes with --watch (default ${DEFAULT-VALUE}).")
        Duration interval;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "24h", converter = DurationConverter.class,
                description = "Stop watching (exit 1) after this long (default ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        public Integer call() {
            if (watch && interval.isZero()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be longer than 0");
            }
            PrintWriter out = spec.commandLine().getOut();
            try (ApiClient api = remote.client()) {
                if (!watch) {
                    ApiClient.Reply reply = api.get(path(id));
                    if (remote.json) {
                        out.println(reply.body());
                    } else {
                        snapshot(reply.json()).forEach(out::println);
                    }
                    out.flush();
                    return 0;
                }
                return watch(api, id, out, !remote.json && stdoutIsTerminal() ? terminalColumns() : 0, remote.json, interval,
                        timeout);
            }
        }
    }

    @Command(name = "preview", mixinStandardHelpOptions = true,
            description = {"Show which known devices each wave of a rollout gets.",
                    "For a draft: what a start would do; for a started rollout: what it has, by the rule the",
                    "server uses at start; a device that first checks in later joins by the same rule.",
                    "--macs lists every device, not only the counts."})
    static final class Preview implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "ID", description = "Rollout id.")
        long id;

        @Option(names = "--macs", description = "List the devices of each wave.")
        boolean macs;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.get(path(id) + "/preview");
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return 0;
                }
                JsonNode p = reply.json();
                out.println("Rollout " + Table.text(p.path("rollout")) + " (" + Table.text(p.path("state")) + "): "
                        + Table.text(p.path("devices")) + " known devices");
                Table table = macs ? Table.of("WAVE", "DEVICES", "MACS") : Table.of("WAVE", "DEVICES");
                for (JsonNode w : p.path("waves")) {
                    String label = (w.path("wave").asInt() + 1) + " " + Table.text(w.path("label"));
                    if (macs) {
                        table.row(label, Table.text(w.path("devices")), joined(w.path("macs")));
                    } else {
                        table.row(label, Table.text(w.path("devices")));
                    }
                }
                String none = String.valueOf(p.path("inNoWave").size());
                if (macs) {
                    table.row("no wave", none, joined(p.path("inNoWave")));
                } else {
                    table.row("no wave", none);
                }
                table.print(out);
                out.flush();
            }
            return 0;
        }

        private static String joined(JsonNode list) {
            java.util.List<String> out = new ArrayList<>();
            list.forEach(m -> out.add(m.asText()));
            return out.isEmpty() ? "-" : String.join(" ", out);
        }
    }

    @Command(name = "start", mixinStandardHelpOptions = true, description = "Start a draft rollout: its first wave is offered.")
    static final class Start extends Transition {
        Start() {
            super("start");
        }
    }

    @Command(name = "pause", mixinStandardHelpOptions = true,
            description = "Pause a running rollout: no new offers; transfers in flight finish.")
    static final class Pause extends Transition {
        Pause() {
            super("pause");
        }
    }

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused rollout.")
    static final class Resume extends Transition {
        Resume() {
            super("resume");
        }
    }

    @Command(name = "abort", mixinStandardHelpOptions = true,
            description = "Abort a rollout for good: no new offers; devices keep whatever valid release they run.")
    static final class Abort extends Transition {
        @Option(names = "--reason", paramLabel = "TEXT", description = "Why (shown in status and list; default \"aborted by operator\").")
        String reason;

        Abort() {
            super("abort");
        }

        @Override
        JsonNode body() {
            return reason == null ? ApiClient.object() : ApiClient.object().put("reason", reason);
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = {"Roll the fleet back in one step: a downgrade rollout of the previous release.",
                    "The release is the one before the newest release devices run (or --to), the devices those running a",
                    "newer version. Waves, thresholds",
                    "and anti-rollback (security counters) apply as to any rollout; the releases rolled back stop being",
                    "the baseline. A draft until started (--start: at once, both or neither). See docs/lifecycle.md."})
    static final class Rollback implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(index = "0", paramLabel = "PRODUCT", description = "Product name.")
        String product;

        @Option(names = "--to", paramLabel = "VERSION", description = "The older release to go back to (default: the one before "
                + "the newest release devices run).")
        String to;

        @Option(names = "--waves", paramLabel = "LIST", description = "Waves, e.g. canary,10,100 (default: the server's).")
        String waves;

        @Option(names = "--success", paramLabel = "SHARE", description = "Share of a wave confirmed to advance, 0..1.")
        Double success;

        @Option(names = "--failure", paramLabel = "SHARE", description = "Share of a wave failed above which the rollback halts, 0..1.")
        Double failure;

        @Option(names = "--soak", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "Minimum time each wave runs, e.g. 10m.")
        Duration soak;

        @Option(names = "--max-concurrent", paramLabel = "N", description = "Downloads in flight at once.")
        Integer maxConcurrent;

        @Option(names = "--tag", paramLabel = "TAG", description = "Only devices with this tag (repeatable).")
        java.util.List<String> tags;

        @Option(names = "--start", description = "Start it at once (created and started in one step, or neither).")
        boolean start;

        @Override
        public Integer call() {
            ObjectNode body = body(spec, to, waves, tags, null, success, failure, soak, maxConcurrent, null, null);
            PrintWriter out = spec.commandLine().getOut();
            try (ApiClient api = remote.client()) {
                ApiClient.Reply created = api.post("/api/v1/products/" + ApiClient.segment(product) + "/rollback"
                        + (start ? "?start=true" : ""), body);
                if (remote.json) {
                    out.println(created.body());
                    out.flush();
                    return 0;
                }
                JsonNode rollout = created.json();
                String id = Table.text(rollout.path("id"));
                out.println("Created rollback " + id + ": " + Table.text(rollout.path("product")) + " back to "
                        + Table.text(rollout.path("version")) + " (" + Table.text(rollout.path("state")) + ", a downgrade)");
                details(rollout).print(out);
                if (start) {
                    transition(rollout, out);
                } else {
                    out.println("Start it with: updraft rollout start " + id);
                    out.flush();
                }
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete a draft rollout (it never offered anything). A rollout that started stays as history: abort it.")
    static final class Delete implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "ID", description = "Rollout id.")
        long id;

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.delete(path(id));
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                } else {
                    JsonNode r = reply.json();
                    out.println("Deleted draft rollout " + id + " (" + Table.text(r.path("product")) + " " + Table.text(r.path("version"))
                            + ").");
                }
                out.flush();
            }
            return 0;
        }
    }

    /** The JSON of a rollout spec: only the fields given (the server's defaults take the rest). */
    static ObjectNode body(CommandSpec spec, String version, String waves, java.util.List<String> tags, String from, Double success,
                           Double failure, Duration soak, Integer maxConcurrent, Integer maxAttempts, Duration backoff) {
        ObjectNode body = ApiClient.object();
        if (version != null) {
            body.put("version", version);
        }
        if (waves != null) {
            body.put("waves", waves);
        }
        if (tags != null) {
            ArrayNode list = body.putArray("targetTags");
            tags.forEach(list::add);
        }
        if (from != null) {
            body.put("fromVersions", from);
        }
        if (success != null) {
            body.put("successThreshold", success);
        }
        if (failure != null) {
            body.put("failureThreshold", failure);
        }
        if (soak != null) {
            body.put("soakSeconds", seconds(spec, "--soak", soak));
        }
        if (maxConcurrent != null) {
            body.put("maxConcurrent", maxConcurrent);
        }
        if (maxAttempts != null) {
            body.put("maxAttempts", maxAttempts);
        }
        if (backoff != null) {
            body.put("backoffSeconds", seconds(spec, "--backoff", backoff));
        }
        return body;
    }

    /** POST /api/v1/rollouts/{id}/{action}, then the rollout's new state in one line. */
    abstract static class Transition implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "ID", description = "Rollout id.")
        long id;

        private final String action;

        Transition(String action) {
            this.action = action;
        }

        /** The request body; the server reads none but abort's reason. */
        JsonNode body() {
            return ApiClient.object();
        }

        @Override
        public Integer call() {
            try (ApiClient api = remote.client()) {
                ApiClient.Reply reply = api.post(path(id) + "/" + action, body());
                PrintWriter out = spec.commandLine().getOut();
                if (remote.json) {
                    out.println(reply.body());
                    out.flush();
                    return 0;
                }
                transition(reply.json(), out);
            }
            return 0;
        }
    }

    // ---- watching -----------------------------------------------------------------------------

    /**
     * Shows the rollout every {@code interval} until it finishes: redrawn in place on a terminal {@code columns} wide
     * (0: not a terminal), else one snapshot per interval separated by blank lines. 0 when completed; halted, aborted
     * and timing out are failures.
     */
    static int watch(ApiClient api, long id, PrintWriter out, int columns, boolean json, Duration interval, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        int drawn = 0;
        while (true) {
            ApiClient.Reply reply = api.get(path(id));
            JsonNode rollout = reply.json();
            java.util.List<String> lines = json ? java.util.List.of(reply.body()) : snapshot(rollout);
            if (columns > 0 && drawn > 0) {
                out.print("\033[" + drawn + "A\r\033[J");
            } else if (drawn > 0 && !json) {
                out.println();
            }
            lines.forEach(out::println);
            out.flush();
            drawn = rows(lines, columns);
            String state = Table.text(rollout.path("state"));
            switch (state) {
                case "completed" -> {
                    return 0;
                }
                case "halted", "aborted" -> throw new CommandFailure("rollout " + id + " " + state
                        + (Table.text(rollout.path("reason")).equals("-") ? "" : ": " + rollout.path("reason").asText()));
                default -> {
                    // still going
                }
            }
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.isNegative() || left.isZero()) {
                throw new CommandFailure("stopped watching rollout " + id + " after " + human(timeout) + " (--timeout); it is still "
                        + state);
            }
            try {
                Thread.sleep(left.compareTo(interval) < 0 ? left : interval);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommandFailure("interrupted while watching rollout " + id, e);
            }
        }
    }

    /** The terminal rows {@code lines} take on a terminal {@code columns} wide (long lines wrap). */
    static int rows(java.util.List<String> lines, int columns) {
        int rows = 0;
        for (String line : lines) {
            rows += columns <= 0 || line.isEmpty() ? 1 : (line.length() + columns - 1) / columns;
        }
        return rows;
    }

    /** The terminal's width: {@code stty size} on /dev/tty, else $COLUMNS, else 80. */
    static int terminalColumns() {
        try {
            Process stty = new ProcessBuilder("sh", "-c", "stty size < /dev/tty").redirectErrorStream(true).start();
            String answer = new String(stty.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip();
            if (stty.waitFor() == 0 && answer.matches("\\d+ \\d+")) {
                int columns = Integer.parseInt(answer.substring(answer.indexOf(' ') + 1));
                if (columns > 0) {
                    return columns;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no stty: fall through
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String env = System.getenv("COLUMNS");
        return env != null && env.matches("\\d{1,4}") && Integer.parseInt(env) > 0 ? Integer.parseInt(env) : 80;
    }

    /** True when file descriptor 1 is a terminal (Linux: /proc/self/fd/1 points at a tty). */
    static boolean stdoutIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        Path fd1 = Path.of("/proc/self/fd/1");
        if (Files.exists(fd1, LinkOption.NOFOLLOW_LINKS)) {
            try {
                String target = Files.readSymbolicLink(fd1).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        return System.console() != null;
    }

    // ---- rendering ----------------------------------------------------------------------------

    /** The status view: a heading, one progress row per wave, and what happens next (or why it ended). */
    static java.util.List<String> snapshot(JsonNode r) {
        java.util.List<String> lines = new ArrayList<>();
        lines.add("Rollout " + Table.text(r.path("id")) + " (" + Table.text(r.path("product")) + " "
                + Table.text(r.path("version")) + "): " + state(r, false));
        int current = r.path("currentWave").asInt(-1);
        String state = Table.text(r.path("state"));
        boolean active = state.equals("running") || state.equals("paused");
        Table table = Table.of("", "WAVE", "PROGRESS", "CONFIRMED", "FAILED", "ROLLED BACK", "UPDATING", "PENDING", "ATTEMPTS");
        for (JsonNode w : r.path("progress")) {
            int members = w.path("members").asInt();
            int confirmed = w.path("confirmed").asInt();
            int failed = w.path("failed").asInt();
            int rolledBack = w.path("rolledBack").asInt();
            int pending = w.path("pending").asInt();
            int updating = w.path("offered").asInt() + w.path("downloading").asInt() + w.path("downloaded").asInt()
                    + w.path("installed").asInt();
            boolean here = active && w.path("index").asInt(-2) == current;
            table.row(here ? ">" : " ", Table.text(w.path("label")), bar(members, confirmed, failed + rolledBack),
                    confirmed + "/" + members + " " + (members == 0 ? "-" : (confirmed * 100 / members) + "%"),
                    String.valueOf(failed), String.valueOf(rolledBack), String.valueOf(updating), String.valueOf(pending),
                    members - pending == 0 ? "-" : String.format(Locale.ROOT, "%.1f", w.path("meanAttempts").asDouble()));
        }
        StringWriter rows = new StringWriter();
        table.print(new PrintWriter(rows));
        lines.addAll(rows.toString().lines().toList());
        JsonNode policy = r.path("policy");
        String id = Table.text(r.path("id"));
        lines.add(switch (state) {
            case "draft" -> "Draft; start it with: updraft rollout start " + id;
            case "running" -> "Wave " + Table.text(r.path("currentWaveLabel")) + " since " + Table.time(r.path("waveStartedAt"))
                    + "; advances at " + share(policy.path("successThreshold")) + " confirmed after "
                    + human(Duration.ofSeconds(policy.path("soakSeconds").asLong())) + ", halts above "
                    + share(policy.path("failureThreshold")) + " failed.";
            case "paused" -> "Paused: no new offers; resume with: updraft rollout resume " + id;
            case "completed" -> "Completed at " + Table.time(r.path("finishedAt")) + ".";
            default -> capitalized(state) + " at " + Table.time(r.path("finishedAt"))
                    + (Table.text(r.path("reason")).equals("-") ? "." : ": " + r.path("reason").asText());
        });
        return lines;
    }

    /** "[#####x..............]": confirmed, failed or rolled back, the rest; blank when the wave has no members. */
    static String bar(int members, int confirmed, int failed) {
        if (members <= 0) {
            return "[" + " ".repeat(BAR) + "]";
        }
        int bad = failed * BAR / members;
        if (failed > 0 && bad == 0) {
            bad = 1;
        }
        int good = Math.min(confirmed * BAR / members, BAR - bad);
        return "[" + "#".repeat(good) + "x".repeat(bad) + ".".repeat(BAR - good - bad) + "]";
    }

    /** After a state change: "Rollout 7 (relay 2.0.0): paused at wave canary (1 of 5)." and what that means. */
    static void transition(JsonNode r, PrintWriter out) {
        out.println("Rollout " + Table.text(r.path("id")) + " (" + Table.text(r.path("product")) + " " + Table.text(r.path("version"))
                + "): " + state(r, true) + ".");
        switch (Table.text(r.path("state"))) {
            case "paused" -> out.println("No new offers until resumed (updraft rollout resume " + Table.text(r.path("id"))
                    + "); transfers in flight finish.");
            case "aborted" -> out.println("No new offers; devices keep whatever valid release they run.");
            default -> {
                // nothing to add
            }
        }
        out.flush();
    }

    /** "running, wave canary (1 of 5)", "paused at wave 10% (3 of 5)", "halted: why" (with {@code reason}). */
    static String state(JsonNode r, boolean reason) {
        String state = Table.text(r.path("state"));
        return switch (state) {
            case "running" -> "running, wave " + wave(r);
            case "paused" -> "paused at wave " + wave(r);
            case "halted", "aborted" -> state + (reason && !Table.text(r.path("reason")).equals("-") ? ": " + r.path("reason").asText() : "");
            default -> state;
        };
    }

    /** "canary (1 of 5)". */
    static String wave(JsonNode r) {
        return Table.text(r.path("currentWaveLabel")) + " (" + (r.path("currentWave").asInt() + 1) + " of " + r.path("waves").size() + ")";
    }

    /** Label/value lines of a rollout's target and policy. */
    static Table details(JsonNode r) {
        java.util.List<String> waves = new ArrayList<>();
        for (JsonNode w : r.path("waves")) {
            waves.add(w.asText());
        }
        java.util.List<String> tags = new ArrayList<>();
        for (JsonNode t : r.path("targetTags")) {
            tags.add(t.asText());
        }
        String target = (tags.isEmpty() ? "every device of " + Table.text(r.path("product"))
                : "devices of " + Table.text(r.path("product")) + " tagged " + String.join(" or ", tags))
                + (Table.text(r.path("fromVersions")).equals("-") ? "" : ", running " + r.path("fromVersions").asText())
                + " (pinned devices excluded)";
        JsonNode policy = r.path("policy");
        Table t = Table.details()
                .row("waves", waves.isEmpty() ? "-" : String.join(", ", waves))
                .row("target", target)
                .row("advance at", share(policy.path("successThreshold")) + " of a wave confirmed")
                .row("halt above", share(policy.path("failureThreshold")) + " of a wave failed or rolled back")
                .row("soak", human(Duration.ofSeconds(policy.path("soakSeconds").asLong())) + " per wave at least")
                .row("downloads", "at most " + Table.text(policy.path("maxConcurrent")) + " at once")
                .row("attempts", "at most " + Table.text(policy.path("maxAttempts")) + " per device, backoff "
                        + human(Duration.ofSeconds(policy.path("backoffSeconds").asLong())) + " doubling");
        // Delivery limits, from servers that report them.
        if (policy.hasNonNull("installDeadlineSeconds")) {
            t.row("deadline", "failed when silent " + human(Duration.ofSeconds(policy.path("installDeadlineSeconds").asLong()))
                    + " after a download");
        }
        if (policy.hasNonNull("windows")) {
            t.row("windows", policy.path("windows").asText() + " (" + Table.text(policy.path("timeZone")) + ")");
        }
        if (policy.hasNonNull("offersPerMinute")) {
            t.row("rate", "at most " + policy.path("offersPerMinute").asInt() + " new offers a minute"
                    + (policy.hasNonNull("rampStartPerMinute") ? ", from " + policy.path("rampStartPerMinute").asInt()
                    + " when a wave opens, doubling every " + human(Duration.ofMinutes(policy.path("rampDoublingMinutes").asLong())) : ""));
        }
        return t.row("created", Table.time(r.path("createdAt")));
    }

    /** 0.9 as "90%", 0.125 as "12.5%". */
    static String share(JsonNode value) {
        if (!value.isNumber()) {
            return Table.text(value);
        }
        return BigDecimal.valueOf(value.asDouble()).movePointRight(2).stripTrailingZeros().toPlainString() + "%";
    }

    /** "0s", "45s", "10m", "1h 30m", "1m 5s", "250ms". */
    static String human(Duration d) {
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        if (s == 0) {
            return "0s";
        }
        java.util.List<String> parts = new ArrayList<>();
        long days = s / 86_400;
        long hours = s % 86_400 / 3600;
        long minutes = s % 3600 / 60;
        long seconds = s % 60;
        if (days > 0) {
            parts.add(days + "d");
        }
        if (hours > 0) {
            parts.add(hours + "h");
        }
        if (minutes > 0) {
            parts.add(minutes + "m");
        }
        if (seconds > 0) {
            parts.add(seconds + "s");
        }
        return String.join(" ", parts);
    }

    /** A duration option as whole seconds; "1500ms" is a usage error, not silently rounded. */
    static long seconds(CommandSpec spec, String option, Duration d) {
        if (d.toMillis() % 1000 != 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + " takes whole seconds, e.g. 30s or 10m; got "
                    + d.toMillis() + "ms");
        }
        return d.toSeconds();
    }

    private static String path(long id) {
        return "/api/v1/rollouts/" + id;
    }

    private static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
