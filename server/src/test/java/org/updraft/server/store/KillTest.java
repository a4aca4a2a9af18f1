package org.updraft.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;
import org.updraft.server.auth.ApiTokens;

/**
 * Every management write answered 2xx is in the embedded database after a kill -9 of the server
 * right after the answer (the H2 default lost the last second of them: it kept commits in memory).
 */
class KillTest {

    @TempDir
    Path dir;

    @Test
    void productsAnswered201SurviveKillMinus9RoundAfterRound() throws Exception {
        String token = ApiTokens.newSecret();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<String> acknowledged = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            String javaBin = ProcessHandle.current().info().command().orElse("java");
            Process child = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), KilledServer.class.getName(),
                    dir.toString(), token).redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
                int port = -1;
                String line;
                while (port < 0 && (line = out.readLine()) != null) {
                    if (line.startsWith("port ")) {
                        port = Integer.parseInt(line.substring(5).trim());
                    }
                }
                // Keep reading what the child logs, so a full pipe never blocks it.
                Thread.ofVirtual().start(() -> out.lines().forEach(l -> { }));
                assertThat(port).as("the child server started").isPositive();
                for (int i = 0; i < 15; i++) {
                    String name = "p" + round + "-" + i;
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/products"))
                                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                                    .timeout(java.time.Duration.ofSeconds(20))
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"layout\":\"arduino-4m\"}")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                    acknowledged.add(name);
                }
            } finally {
                child.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no flush
                assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            }
        }
        try (UpdraftServer server = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir, null).withAdminToken(token))) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/api/v1/products"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            for (String name : acknowledged) {
                assertThat(r.body()).contains("\"name\":\"" + name + "\"");
            }
            assertThat(acknowledged).hasSize(45);
        }
    }
}
