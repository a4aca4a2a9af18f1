package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The newcomer's walk-through: the README's shell blocks between {@code <!-- walkthrough:begin -->}
 * and {@code <!-- walkthrough:end -->}, run verbatim by bash against the built jar
 * (cli/target/updraft.jar; an integration test, so it runs after {@code package}), each step's
 * exit code and key output asserted.
 *
 * <p>The only differences from a person's terminal are environment variables: the port and the
 * data directory through {@code UPDRAFT_PORT} and {@code UPDRAFT_DATA_DIR}, which the README
 * itself names, so that the run takes a free port and a temporary directory; {@code UPDRAFT_JAR}
 * so that {@code bin/updraft} runs the jar this build made instead of starting a nested Maven build;
 * {@code UPDRAFT_AOT=0}, no AOT training run for one server start. The commands run in a temporary
 * directory whose {@code bin} is a symbolic link to the repository's.
 */
class ReadmeWalkthroughIT {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Pattern BLOCK = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path dir;

    /** One command as bash runs it: its text, exit code and output (stdout and stderr, with the background server's lines). */
    record Step(String command, int exit, String output) {
        @Override
        public String toString() {
            return "$ " + command + "\n" + output + "(exit " + exit + ")";
        }
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void theQuickStartRunsAsPrinted() throws Exception {
        List<String> commands = commands(Files.readString(ROOT.resolve("README.md")));
        Files.createSymbolicLink(dir.resolve("bin"), ROOT.resolve("bin"));
        List<Step> steps = run(commands);
        String transcript = String.join("\n", steps.stream().map(Step::toString).toList());

        assertThat(steps).as(transcript).hasSize(commands.size());
        for (Step step : steps) {
            assertThat(step.exit()).as("every step succeeds:\n" + transcript).isZero();
        }
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("bin/updraft status --wait", "Updraft at http://localhost:");
        expected.put("bin/updraft sample --chip esp8266 --kind arduino --version 1.0.0", "Wrote relay-1.0.0.bin: sample Arduino ESP8266 sketch 1.0.0");
        expected.put("bin/updraft sample --chip esp8266 --kind arduino --version 1.1.0", "Not executable");
        expected.put("bin/updraft inspect relay-1.1.0.bin", "sample    made by updraft sample (UPDRAFT-SAMPLE-NOT-EXECUTABLE)");
        expected.put("bin/updraft product create relay", "Created product relay");
        expected.put("bin/updraft release upload relay 1.0.0", "Released relay 1.0.0");
        expected.put("curl ", "HTTP/1.1 304 ");
        expected.put("bin/updraft device list", "18:FE:34:00:00:01");
        expected.put("bin/updraft release upload relay 1.1.0 --firmware relay-1.1.0.bin --hold", "Released relay 1.1.0");
        expected.put("bin/updraft device tag 18:FE:34:00:00:01 canary", "canary");
        expected.put("bin/updraft rollout create relay 1.1.0", "Created rollout ");
        expected.put("bin/updraft rollout list --product relay", "running");
        int from = 0;
        for (var e : expected.entrySet()) {
            int at = find(steps, e.getKey(), from);
            assertThat(at).as("a step starting with '" + e.getKey() + "' after step " + from + "\n" + transcript).isGreaterThanOrEqualTo(0);
            assertThat(steps.get(at).output()).as(steps.get(at).toString()).contains(e.getValue());
            from = at + 1;
        }
        int secondCheckIn = find(steps, "curl ", find(steps, "bin/updraft rollout create", 0));
        assertThat(steps.get(secondCheckIn).output()).as("the canary is offered 1.1.0\n" + transcript).contains("HTTP/1.1 200 ");
        assertThat(Files.readAllBytes(dir.resolve("fw.bin"))).isEqualTo(Files.readAllBytes(dir.resolve("relay-1.1.0.bin")));

        // What the server said on its first start (its lines are in the transcript: it ran in the background).
        assertThat(transcript).contains("  data:     " + dir.resolve("updraft-data") + " (new: created empty just now)")
                .contains("Bootstrap admin token (shown once): upd_")
                .contains("It is also kept in " + dir.resolve("updraft-data/bootstrap-token"));
    }

    /** The shell blocks between the walk-through markers, as logical commands (continuation lines joined), comments and blank lines left out. */
    static List<String> commands(String readme) {
        int begin = readme.indexOf("<!-- walkthrough:begin -->");
        int end = readme.indexOf("<!-- walkthrough:end -->");
        assertThat(begin).as("README.md has the walk-through markers").isGreaterThanOrEqualTo(0);
        assertThat(end).isGreaterThan(begin);
        List<String> commands = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme.substring(begin, end));
        StringBuilder pending = new StringBuilder();
        while (m.find()) {
            for (String line : m.group(1).split("\n")) {
                if (pending.isEmpty() && (line.isBlank() || line.strip().startsWith("#"))) {
                    continue;
                }
                pending.append(line);
                if (line.endsWith("\\")) {
                    pending.append('\n');
                    continue;
                }
                commands.add(pending.toString());
                pending.setLength(0);
            }
        }
        assertThat(commands).as("commands in the walk-through").hasSizeGreaterThan(10);
        return commands;
    }

    /**
     * Runs the commands in one bash, each between markers that carry its exit code; a command
     * that ends in '&' is started in the background. The server is stopped when the script ends.
     */
    private List<Step> run(List<String> commands) throws IOException, InterruptedException {
        StringBuilder script = new StringBuilder("trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT\n");
        for (int i = 0; i < commands.size(); i++) {
            String c = commands.get(i);
            script.append("echo '@@step ").append(i).append("'\n").append(c).append('\n');
            script.append("echo \"@@exit ").append(i).append(" ").append(c.strip().endsWith("&") ? "0" : "$?").append("\"\n");
        }
        Path file = Files.writeString(dir.resolve("walkthrough.sh"), script);
        ProcessBuilder pb = new ProcessBuilder("bash", file.toString()).directory(dir.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("UPDRAFT_"));
        env.put("UPDRAFT_PORT", String.valueOf(freePort()));
        env.put("UPDRAFT_DATA_DIR", dir.resolve("updraft-data").toString());
        env.put("UPDRAFT_JAR", ROOT.resolve("cli/target/updraft.jar").toString());
        env.put("UPDRAFT_AOT", "0");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return steps(commands, output);
    }

    private static List<Step> steps(List<String> commands, String output) {
        List<Step> steps = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^@@step (\\d+)\\n(.*?)^@@exit \\1 (\\d+)$", Pattern.DOTALL).matcher(output);
        while (m.find()) {
            int i = Integer.parseInt(m.group(1));
            steps.add(new Step(commands.get(i), Integer.parseInt(m.group(3)), m.group(2)));
        }
        if (steps.size() < commands.size()) {
            steps.add(new Step("(the rest of the output)", -1, output));
        }
        return steps;
    }

    private static int find(List<Step> steps, String prefix, int from) {
        for (int i = Math.max(0, from); i < steps.size(); i++) {
            if (steps.get(i).command().startsWith(prefix)) {
                return i;
            }
        }
        return -1;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
