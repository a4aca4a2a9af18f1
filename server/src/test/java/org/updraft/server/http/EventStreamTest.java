package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;
import org.updraft.testsupport.Multipart;

/**
 * {@code GET /api/v1/events} over a real socket: a dashboard's stream sees a rollout's waves move
 * while devices take the release, each event the rollout as {@code GET /api/v1/rollouts/{id}}
 * shows it; the subscriber after the limit gets 503; no token gets 401.
 */
class EventStreamTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(71, 6_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(72, 6_000).build();

    /** One SSE event as read: its name and data. */
    record Event(String id, String name, String data) {
    }

    /** Reads a stream's events on a virtual thread into a queue (comments and the retry field skipped). */
    static BlockingQueue<Event> read(HttpResponse<java.io.InputStream> response) {
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String id = null;
                String name = null;
                StringBuilder data = new StringBuilder();
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.isEmpty()) {
                        if (name != null) {
                            events.add(new Event(id, name, data.toString()));
                        }
                        id = null;
                        name = null;
                        data.setLength(0);
                    } else if (line.startsWith("id: ")) {
                        id = line.substring(4);
                    } else if (line.startsWith("event: ")) {
                        name = line.substring(7);
                    } else if (line.startsWith("data: ")) {
                        data.append(line.substring(6));
                    }
                }
            } catch (java.io.IOException e) {
                // the stream ended
            }
        });
        return events;
    }

    static HttpResponse<java.io.InputStream> open(HttpClient http, TestServer server, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri("/api/v1/events")).header("Accept", "text/event-stream");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    static int checkIn(TestServer server, String mac, String version) throws Exception {
        return RawHttp.exchange(server.port(), "GET /u/relay?mac=" + mac + "&version=" + version + " HTTP/1.0\r\nHost: x\r\n\r\n").status();
    }

    @Test
    void aDashboardSeesTheWaveReachEveryDeviceWhileTheRolloutAdvances() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (TestServer server = new TestServer()) {
            server.product("relay", "arduino-4m");
            server.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
            server.expect(201, server.upload("relay", new Multipart().field("version", "2.0.0").field("hold", "true")
                    .file("firmware", "v2.bin", V2)));
            List<String> macs = List.of("AA:00:00:00:00:01", "AA:00:00:00:00:02", "AA:00:00:00:00:03");
            for (String mac : macs) {
                assertThat(checkIn(server, mac, "1.0.0")).isEqualTo(304);
            }
            HttpResponse<java.io.InputStream> stream = open(http, server, server.token("wall", "viewer"));
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
            assertThat(stream.headers().firstValue("Cache-Control")).hasValue("no-store");
            BlockingQueue<Event> events = read(stream);

            JsonNode created = Json.MAPPER.readTree(server.expect(201, server.send("POST", "/api/v1/products/relay/rollouts?start=true",
                    "{\"version\":\"2.0.0\",\"waves\":\"100\",\"soakSeconds\":3600}")));
            long id = created.get("id").asLong();
            for (String mac : macs) {
                assertThat(checkIn(server, mac, "1.0.0")).isEqualTo(200);
                assertThat(checkIn(server, mac, "2.0.0")).isEqualTo(304);
                server.expect(200, server.send("POST", "/u/relay/report", "{\"mac\":\"" + mac + "\",\"status\":\"ok\",\"version\":\"2.0.0\"}"));
            }

            // Events come until the wave shows every member confirmed: the final numbers, pushed.
            List<Event> seen = new ArrayList<>();
            JsonNode last = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline) {
                Event e = events.poll(1, TimeUnit.SECONDS);
                if (e == null) {
                    continue;
                }
                seen.add(e);
                if (e.name().equals("rollout")) {
                    last = Json.MAPPER.readTree(e.data());
                    if (last.get("progress").get(0).get("confirmed").asInt() == 3) {
                        break;
                    }
                }
            }
            assertThat(last).as("events seen: %s", seen).isNotNull();
            assertThat(last.get("id").asLong()).isEqualTo(id);
            assertThat(last.get("progress").get(0).get("members").asInt()).isEqualTo(3);
            assertThat(last.get("progress").get(0).get("confirmed").asInt()).isEqualTo(3);
            assertThat(last.get("progress").get(0).get("meanAttempts").asDouble()).isEqualTo(1.0);
            assertThat(last.get("state").asText()).isEqualTo("running");              // soaking for an hour
            // The event is the rollout as the API shows it.
            assertThat(last).isEqualTo(Json.MAPPER.readTree(server.expect(200, server.get("/api/v1/rollouts/" + id))));
            // Ids increase; fewer rollout events than the 12 transitions (3 devices x offered, downloading, downloaded...).
            List<Long> ids = seen.stream().map(e -> Long.parseLong(e.id())).toList();
            assertThat(ids).isSorted().doesNotHaveDuplicates();
            assertThat(seen.stream().filter(e -> e.name().equals("rollout")).count()).isBetween(1L, 12L);
            stream.body().close();
        }
    }

    @Test
    void theSubscriberAfterSixtyFourIsRefused503AndNoTokenIs401() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (TestServer server = new TestServer()) {
            assertThat(open(http, server, null).statusCode()).isEqualTo(401);
            List<HttpResponse<java.io.InputStream>> open = new ArrayList<>();
            for (int i = 0; i < DashboardApi.MAX_SUBSCRIBERS; i++) {
                HttpResponse<java.io.InputStream> r = open(http, server, server.adminToken());
                assertThat(r.statusCode()).isEqualTo(200);
                open.add(r);
            }
            assertThat(server.server().api().liveFeed().subscribers()).isEqualTo(64);
            HttpResponse<java.io.InputStream> refused = open(http, server, server.adminToken());
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(new String(refused.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("{\"error\":\"too many live event "
                    + "subscribers: 64 are connected, the limit; close a dashboard or try again later\",\"status\":503}");
            for (HttpResponse<java.io.InputStream> r : open) {
                r.body().close();
            }
        }
    }
}
