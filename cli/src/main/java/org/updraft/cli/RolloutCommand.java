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
        subcommands = {RolloutCreate.class, RolloutList.class, RolloutStatus.class,
                RolloutStart.class, RolloutPause.class, RolloutResume.class, RolloutAbort.class,
                RolloutPreview.class, RolloutDelete.class, RolloutRollback.class})
final class RolloutCommand {

    /** Width of a wave's progress bar, in characters between the brackets. */
    static final int BAR = 20;

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

    static String path(long id) {
        return "/api/v1/rollouts/" + id;
    }

    static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
