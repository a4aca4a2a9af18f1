package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
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
    void startupLineNamesUrlDataDirectoryAndDatabase() {
        ServerConfig embedded = new ServerConfig("0.0.0.0", 8080, dir, null);
        assertThat(ServerCommand.listening(URI.create("http://127.0.0.1:8080"), embedded)).isEqualTo(
                "Updraft listening on http://127.0.0.1:8080 (data: " + dir.toAbsolutePath().normalize()
                        + ", database: jdbc:sqlite:" + dir.toAbsolutePath().resolve("updraft.db") + ")");

        ServerConfig pg = new ServerConfig("0.0.0.0", 8080, dir, "jdbc:postgresql://db:5432/updraft?user=u&password=hunter2&ssl=true");
        assertThat(ServerCommand.listening(URI.create("http://127.0.0.1:8080/"), pg)).isEqualTo(
                "Updraft listening on http://127.0.0.1:8080 (data: " + dir.toAbsolutePath().normalize()
                        + ", database: jdbc:postgresql://db:5432/updraft?user=u&password=***&ssl=true)");
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
            assertThat(listening).as("first line of updraft server").startsWith("Updraft listening on http://127.0.0.1:");
            String url = listening.substring("Updraft listening on ".length(), listening.indexOf(" (data: "));
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
