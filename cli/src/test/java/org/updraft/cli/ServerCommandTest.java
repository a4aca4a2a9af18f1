package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.server.ServerConfig;

/**
 * {@code updraft server}: the startup line, a clear failure when the port is taken, and the
 * bootstrap admin token printed by the start that really serves.
 */
class ServerCommandTest {

    @TempDir
    Path dir;

    @Test
    void startupLinesNameWhatIsBoundWhereDevicesReachItDataDirectoryAndDatabase() {
        ServerConfig embedded = new ServerConfig("0.0.0.0", 8080, dir, null);
        assertThat(ServerCommand.listening(URI.create("http://127.0.0.1:8080"), embedded, 8080, false, List.of("192.168.1.23", "10.0.0.5")))
                .isEqualTo("Updraft listening on http://127.0.0.1:8080 (bound to 0.0.0.0:8080: all interfaces)\n"
                        + "  devices on the LAN: http://192.168.1.23:8080/u/PRODUCT  http://10.0.0.5:8080/u/PRODUCT\n"
                        + "  data:     " + dir.toAbsolutePath().normalize() + "\n"
                        + "  database: jdbc:sqlite:" + dir.toAbsolutePath().resolve("updraft.db") + "\n");

        ServerConfig pg = new ServerConfig("0.0.0.0", 8080, dir, "jdbc:postgresql://db:5432/updraft?user=u&password=hunter2&ssl=true");
        assertThat(ServerCommand.listening(URI.create("http://127.0.0.1:8080/"), pg, 8080, true, List.of())).isEqualTo(
                "Updraft listening on http://127.0.0.1:8080 (bound to 0.0.0.0:8080: all interfaces)\n"
                        + "  devices: this machine has no LAN address right now; use an address of it that devices can reach\n"
                        + "  data:     " + dir.toAbsolutePath().normalize() + " (new: created empty just now)\n"
                        + "  database: jdbc:postgresql://db:5432/updraft?user=u&password=***&ssl=true\n");

        ServerConfig local = new ServerConfig("127.0.0.1", 9000, dir, null);
        assertThat(ServerCommand.listening(URI.create("http://127.0.0.1:9000"), local, 9000, false, List.of("192.168.1.23")))
                .startsWith("Updraft listening on http://127.0.0.1:9000 (bound to 127.0.0.1:9000: this machine only)\n"
                        + "  devices: none can reach a loopback address; start with --host 0.0.0.0 for devices on the network\n");

        ServerConfig one = new ServerConfig("192.168.1.23", 8080, dir, null);
        assertThat(ServerCommand.listening(URI.create("http://192.168.1.23:8080"), one, 8080, false, List.of("192.168.1.23", "10.0.0.5")))
                .startsWith("Updraft listening on http://192.168.1.23:8080 (bound to 192.168.1.23:8080)\n"
                        + "  devices: http://192.168.1.23:8080/u/PRODUCT\n");
    }

    @Test
    void aDataDirectoryIsNewWhenMissingOrEmpty() throws Exception {
        assertThat(ServerCommand.isNew(dir.resolve("missing"))).isTrue();
        assertThat(ServerCommand.isNew(java.nio.file.Files.createDirectory(dir.resolve("empty")))).isTrue();
        java.nio.file.Files.writeString(dir.resolve("empty/updraft.db"), "");
        assertThat(ServerCommand.isNew(dir.resolve("empty"))).isFalse();
    }

    @Test
    void lanAddressesAreSiteLocalIpv4AndLoopbackIsRecognised() {
        assertThat(Lan.addresses()).allSatisfy(a -> assertThat(a).matches("(10|172|192)\\.[0-9.]+"));
        assertThat(Lan.isLoopback("127.0.0.1")).isTrue();
        assertThat(Lan.isLoopback("127.1.2.3")).isTrue();
        assertThat(Lan.isLoopback("[::1]")).isTrue();
        assertThat(Lan.isLoopback("localhost")).isTrue();
        assertThat(Lan.isLoopback("0.0.0.0")).isFalse();
        assertThat(Lan.isLoopback("192.168.1.23")).isFalse();
        assertThat(Lan.isLoopback("updraft.example")).isFalse();
    }

    @Test
    void aTakenPortIsAClearFailure() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Run run = Run.of("server", "--host", "127.0.0.1", "--port", String.valueOf(port), "--data-dir", dir.toString());
            assertThat(run.exit()).as(run.toString()).isEqualTo(1);
            assertThat(run.out()).isEmpty();
            assertThat(run.err()).startsWith("error: cannot listen on 127.0.0.1:" + port + ": ")
                    .endsWith(" (is another server running there? choose another --port)\n");
        }
    }

    @Test
    void aFirstStartThatCannotListenCreatesNoTokenAndTheNextStartPrintsAWorkingOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Run failed = Run.of("server", "--host", "127.0.0.1", "--port", String.valueOf(taken.getLocalPort()), "--data-dir", dir.toString());
            assertThat(failed.exit()).as(failed.toString()).isEqualTo(1);
            assertThat(failed.out()).doesNotContain("token");
        }
        // Nothing was burnt: the failed start left the token table empty (it had been created, unprinted).
        try (org.updraft.server.store.Database db = org.updraft.server.store.Database.open(
                org.updraft.server.store.EmbeddedDatabase.url(dir))) {
            assertThat(new org.updraft.server.auth.ApiTokens(db.jdbi()).list()).isEmpty();
        }

        // The next start, a real `updraft server` process on a free port, prints the token, and it works.
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "org.updraft.cli.Updraft",
                "server", "--host", "127.0.0.1", "--port", "0", "--data-dir", dir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                java.nio.charset.StandardCharsets.UTF_8))) {
            String listening = out.readLine();
            assertThat(listening).as("first line of updraft server").startsWith("Updraft listening on http://127.0.0.1:")
                    .endsWith(" (bound to 127.0.0.1:" + listening.replaceAll(".*:(\\d+) .*", "$1") + ": this machine only)");
            String url = listening.substring("Updraft listening on ".length(), listening.indexOf(" (bound to "));
            assertThat(out.readLine()).startsWith("  devices: ");
            assertThat(out.readLine()).as("a data directory made by the failed start is not new").isEqualTo("  data:     " + dir.toAbsolutePath());
            assertThat(out.readLine()).startsWith("  database: jdbc:sqlite:");
            String tokenLine = out.readLine();
            assertThat(tokenLine).startsWith("Bootstrap admin token (shown once): upd_");
            String secret = tokenLine.substring("Bootstrap admin token (shown once): ".length());

            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpResponse<String> tokens = http.send(java.net.http.HttpRequest.newBuilder(URI.create(url + "/api/v1/tokens"))
                    .header("Authorization", "Bearer " + secret).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(tokens.statusCode()).as(tokens.body()).isEqualTo(200);
            assertThat(tokens.body()).contains("\"name\":\"bootstrap\"");
        } finally {
            p.destroy();
            if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }
}
