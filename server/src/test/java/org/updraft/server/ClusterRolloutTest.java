package org.updraft.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.http.Json;
import org.updraft.server.rollout.Notifier;
import org.updraft.testsupport.Multipart;

/**
 * A four-wave rollout served by three instances on one PostgreSQL database, each device's
 * check-ins spread round-robin over them as a load balancer without stickiness would, and the
 * coordinator killed after the second wave opened (docs/cluster.md): every wave opens exactly
 * once, every device is told of the update once, and the rollout completes with every device on
 * the new release. One clock, moved by hand past the health window, serves all three.
 */
class ClusterRolloutTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(41, 6_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(42, 6_000).build();
    static final int DEVICES = 24;

    /** What every instance announced, in one place: the test asks what the cluster as a whole sent. */
    static final class Recording implements Notifier {
        final Map<String, AtomicInteger> updates = new ConcurrentHashMap<>();
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void updateAvailable(String product, String mac, Map<String, Object> offer) {
            updates.computeIfAbsent(mac, k -> new AtomicInteger()).incrementAndGet();
        }

        @Override
        public void rolloutEvent(String product, long rolloutId, String event, Map<String, Object> detail) {
            events.add(event + (event.equals("wave-advanced") ? " to " + detail.get("to") : ""));
        }

        long count(String event) {
            return events.stream().filter(e -> e.equals(event) || e.startsWith(event + " ")).count();
        }
    }

    final List<TestServer> all = new ArrayList<>();

    @AfterEach
    void stop() {
        for (int i = all.size() - 1; i >= 0; i--) {
            all.get(i).close();
        }
    }

    static String mac(int i) {
        return String.format("AE:10:00:00:00:%02X", i);
    }

    static RawHttp.Response checkIn(TestServer s, int device, String version) throws Exception {
        return RawHttp.exchange(s.port(), "GET /u/relay?mac=" + mac(device) + "&version=" + version + " HTTP/1.0\r\nHost: x\r\n\r\n");
    }

    @Test
    void fourWavesAcrossThreeInstancesOpenOnceEachAndTheRolloutOutlivesItsCoordinator() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
        Recording heard = new Recording();
        TestServer first = new TestServer(TestDatabase.POSTGRES,
                c -> c.withInstance("node-1").withClock(clock).withRolloutTick(Duration.ofMillis(50)));
        all.add(first);
        all.add(first.peer(c -> c.withInstance("node-2").withClock(clock).withRolloutTick(Duration.ofMillis(50))));
        all.add(first.peer(c -> c.withInstance("node-3").withClock(clock).withRolloutTick(Duration.ofMillis(50))));
        all.forEach(s -> s.server().rollouts().notifier(heard));

        assertThat(first.send("POST", "/api/v1/products", "{\"name\":\"relay\",\"layout\":\"arduino-4m\",\"healthWindowSeconds\":60}")
                .statusCode()).isEqualTo(201);
        first.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
        assertThat(first.upload("relay", new Multipart().field("version", "2.0.0").field("hold", "true").file("firmware", "v2.bin", V2))
                .statusCode()).isEqualTo(201);
        for (int i = 0; i < DEVICES; i++) {
            assertThat(checkIn(first, i, "1.0.0").status()).isEqualTo(304);
        }
        var created = first.send("POST", "/api/v1/products/relay/rollouts", "{\"version\":\"2.0.0\",\"waves\":\"10,40,70,100\","
                + "\"successThreshold\":1.0,\"failureThreshold\":0.5,\"soakSeconds\":0,\"maxConcurrent\":100}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long id = Json.MAPPER.readTree(created.body()).get("id").asLong();
        assertThat(first.send("POST", "/api/v1/rollouts/" + id + "/start", null).statusCode()).isEqualTo(200);

        List<TestServer> live = new ArrayList<>(all);
        String[] running = new String[DEVICES];
        java.util.Arrays.fill(running, "1.0.0");
        int turn = 0;
        String killed = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        JsonNode state = null;
        while (System.nanoTime() < deadline) {
            state = Json.MAPPER.readTree(live.get(0).expect(200, live.get(0).get("/api/v1/rollouts/" + id)));
            if (state.get("state").asText().equals("completed")) {
                break;
            }
            assertThat(state.get("state").asText()).as(state.toString()).isEqualTo("running");
            if (killed == null && heard.count("wave-advanced") >= 2) {
                TestServer holder = live.stream().filter(s -> s.server().coordinating()).findFirst().orElseThrow();
                killed = holder.server().instance();
                // The coordinator's sessions end, as on kill -9, then it is gone.
                try (Connection c = DriverManager.getConnection(holder.server().config().jdbcUrl()); Statement s = c.createStatement()) {
                    s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" + killed + "'");
                }
                holder.server().rollouts().notifier(Notifier.NONE);
                holder.stopServer();
                live.remove(holder);
            }
            for (int i = 0; i < DEVICES; i++) {
                TestServer s = live.get(turn++ % live.size());
                RawHttp.Response r = checkIn(s, i, running[i]);
                if (r.status() == 200) {
                    assertThat(r.body()).isEqualTo(V2);
                    running[i] = "2.0.0"; // flashed; it boots the new image before its next check-in
                }
            }
            clock.advance(Duration.ofSeconds(61));
            Thread.sleep(100);
        }
        assertThat(state.get("state").asText()).as("the rollout completed: " + state).isEqualTo("completed");
        assertThat(killed).as("the coordinator was killed mid-rollout").isNotNull();
        assertThat(heard.events).as("every wave opened once, in order").containsExactly("started", "wave-advanced to 40%",
                "wave-advanced to 70%", "wave-advanced to 100%", "completed");
        for (int i = 0; i < DEVICES; i++) {
            assertThat(running[i]).as(mac(i)).isEqualTo("2.0.0");
            assertThat(heard.updates.get(mac(i))).as(mac(i) + " told once, when its wave opened").hasValue(1);
        }
        JsonNode progress = state.get("progress");
        int confirmed = 0;
        for (JsonNode wave : progress) {
            confirmed += wave.get("confirmed").asInt();
            assertThat(wave.get("failed").asInt()).isZero();
        }
        assertThat(confirmed).as("totals: every device confirmed once").isEqualTo(DEVICES);
    }
}
