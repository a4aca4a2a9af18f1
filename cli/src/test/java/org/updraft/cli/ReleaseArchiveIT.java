package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive as a production host gets it (docs/production.md, "The release archive"):
 * {@code bin/package} around the jar this build made, unpacked into an empty directory and run
 * with a PATH that has no Maven, a Java found as a JRE ({@code jre/} beside {@code bin/}, which
 * has no {@code javac}) and a configuration file: {@code updraft version} answers, and a server
 * started from it answers {@code /health} and {@code /ready} and stops gracefully on SIGTERM.
 */
class ReleaseArchiveIT {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Pattern LISTENING = Pattern.compile("^Updraft listening on (http://\\S+) ");

    @TempDir
    Path dir;

    static String run(Path cwd, Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + out).isEqualTo(0);
        return out;
    }

    /** A PATH of the few tools bin/updraft and bin/jdk use, and no mvn. */
    Path pathWithoutMaven() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("path"));
        for (String tool : List.of("bash", "dirname", "mkdir", "rm", "readlink", "ls", "sort", "mktemp", "mv", "cat", "awk", "env")) {
            for (String d : List.of("/usr/bin", "/bin")) {
                Path real = Path.of(d, tool);
                if (Files.isExecutable(real) && !Files.exists(bin.resolve(tool))) {
                    Files.createSymbolicLink(bin.resolve(tool), real);
                }
            }
        }
        return bin;
    }

    @Test
    @Timeout(300)
    void theUnpackedArchiveRunsAServerWithAJreAndNoMaven() throws Exception {
        Path jar = ROOT.resolve("cli/target/updraft.jar");
        assertThat(jar).as("built by package before this integration test").exists();
        String archive = run(ROOT, Map.of(), "bash", ROOT.resolve("bin/package").toString(), "--jar", jar.toString(),
                "--out", dir.resolve("out").toString()).strip();
        String version = Files.readAllLines(ROOT.resolve("pom.xml")).stream().filter(l -> l.contains("<version>")).findFirst().orElseThrow()
                .replaceAll(".*<version>(.*)</version>.*", "$1");
        assertThat(archive).isEqualTo(dir.resolve("out/updraft-" + version + ".tar.gz").toString());

        Path unpacked = Files.createDirectories(dir.resolve("opt"));
        run(unpacked, Map.of(), "tar", "-xzf", archive);
        Path home = unpacked.resolve("updraft-" + version);
        List<String> shipped = new java.util.ArrayList<>(List.of("bin/updraft", "bin/jdk", "lib/updraft.jar", "deploy/nginx/updraft.conf",
                "deploy/systemd/updraft.service", "deploy/docker/Dockerfile", "deploy/updraft.conf.example", "README.md", "VERSION"));
        shipped.add("docs/production.md");
        shipped.add("docs/configuration.md");
        for (String f : shipped) {
            assertThat(home.resolve(f)).as(f).exists();
        }
        assertThat(home.resolve("pom.xml")).doesNotExist();
        assertThat(home.resolve("cli")).doesNotExist();
        assertThat(Files.isExecutable(home.resolve("bin/updraft"))).isTrue();

        // A "JRE": the running JDK's java and release file, without javac.
        Path javaHome = Path.of(System.getProperty("java.home"));
        Files.createDirectories(home.resolve("jre/bin"));
        Files.createSymbolicLink(home.resolve("jre/bin/java"), javaHome.resolve("bin/java"));
        Files.copy(javaHome.resolve("release"), home.resolve("jre/release"));
        Path path = pathWithoutMaven();
        Map<String, String> env = Map.of("PATH", path.toString(), "JAVA_HOME", "", "UPDRAFT_JAVA_HOME", "", "UPDRAFT_AOT", "0",
                "UPDRAFT_CACHE_DIR", dir.resolve("cache").toString());
        assertThat(new ProcessBuilder("bash", "-c", "command -v mvn").redirectErrorStream(true)
                .directory(dir.toFile()).start().waitFor()).isEqualTo(0); // the test machine has Maven ...
        ProcessBuilder noMvn = new ProcessBuilder("bash", "-c", "command -v mvn");
        noMvn.environment().putAll(env);
        assertThat(noMvn.start().waitFor()).as("... the archive's PATH has none").isNotEqualTo(0);

        String versionOut = run(dir, env, home.resolve("bin/updraft").toString(), "version");
        assertThat(versionOut).startsWith("updraft " + version + "\nJava " + Runtime.version());

        Path conf = Files.writeString(dir.resolve("updraft.conf"), "host = 127.0.0.1\nport = 0\ndata-dir = " + dir.resolve("data")
                + "\nshutdown-drain = 5s\n");
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/updraft").toString(), "server", "--config", conf.toString())
                .directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process server = pb.start();
        StringBuffer output = new StringBuffer();
        CompletableFuture<String> url = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    output.append(line).append('\n');
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        url.complete(m.group(1));
                    }
                }
            } catch (IOException e) {
                url.completeExceptionally(e);
            }
            url.completeExceptionally(new IOException("the server ended without listening:\n" + output));
        });
        try {
            URI base = URI.create(url.get(120, TimeUnit.SECONDS));
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(base.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(base.resolve("/ready")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).isEqualTo("{\"status\":\"READY\"}");
            assertThat(output.toString()).contains("  data:     " + dir.resolve("data"));

            server.toHandle().destroy(); // SIGTERM (Process.destroy would also close the pipe the last lines come through)
            assertThat(server.waitFor(60, TimeUnit.SECONDS)).isTrue();
            reader.join(10_000); // the last lines, written just before the exit
            assertThat(server.exitValue()).as(output.toString()).isEqualTo(143);
            assertThat(output.toString()).contains("Stopped: answered check-ins and update reports written");
        } finally {
            server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }
}
