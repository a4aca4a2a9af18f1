package org.updraft.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.http.Json;
import org.updraft.testsupport.Multipart;

/**
 * Two instances on one PostgreSQL database and one artifact directory (docs/cluster.md), as a
 * load balancer would spread requests over them: what one is told, the other acts on within a
 * bounded wait; exactly one coordinates the rollouts, and another takes over when it is gone.
 * Devices check in over real sockets as ESP8266httpUpdate does.
 */
class ClusterTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(31, 6_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(32, 6_000).build();
    /** How long a change may take to reach the other instance before the test fails (docs/cluster.md promises 1 s). */
    static final Duration PROPAGATION = Duration.ofSeconds(5);

    TestServer a;
    TestServer b;

    @BeforeEach
    void start() {
        a = new TestServer(TestDatabase.POSTGRES, c -> c.withInstance("node-a").withRolloutTick(Duration.ofMillis(50)));
        b = a.peer(c -> c.withInstance("node-b").withRolloutTick(Duration.ofMillis(50)));
    }

    @AfterEach
    void stop() {
        if (b != null) {
            b.close();
        }
        a.close();
    }

    static String mac(int i) {
        return String.format("AC:00:00:00:00:%02X", i);
    }

    static RawHttp.Response checkIn(TestServer s, int device, String version) throws Exception {
        return RawHttp.exchange(s.port(), "GET /u/relay?mac=" + mac(device) + "&version=" + version + " HTTP/1.0\r\nHost: x\r\n\r\n");
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PROPAGATION.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + PROPAGATION + ": " + what + " (last check-in: " + last + ")");
            }
            Thread.sleep(20);
        }
    }

    static String last = "";

    static int status(TestServer s, int device, String version) {
        try {
            RawHttp.Response r = checkIn(s, device, version);
            last = r.status() + " " + r.header("X-Updraft-Reason");
            return r.status();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void relayWithTwoReleases(TestServer on, boolean holdV2) {
        on.product("relay", "arduino-4m");
        on.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
        var r = on.upload("relay", new Multipart().field("version", "2.0.0").field("hold", Boolean.toString(holdV2))
                .file("firmware", "v2.bin", V2));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    @Test
    void eachInstanceHasItsNameAndOnlyOneCoordinates() throws Exception {
        assertThat(a.server().instance()).isEqualTo("node-a");
        assertThat(b.server().instance()).isEqualTo("node-b");
        await("one of the two coordinates", () -> a.server().coordinating() || b.server().coordinating());
        Thread.sleep(2 * Cluster.COORDINATOR_PERIOD.toMillis());
        assertThat(a.server().coordinating() ^ b.server().coordinating()).as("exactly one coordinates").isTrue();
    }

    @Test
    void aProductAndReleaseStoredThroughOneInstanceAreOfferedByTheOther() throws Exception {
        assertThat(status(b, 1, "1.0.0")).as("no product relay yet: " + last).isEqualTo(404);
        relayWithTwoReleases(a, false);
        await("instance b offers 2.0.0", () -> status(b, 1, "1.0.0") == 200);
        RawHttp.Response offered = checkIn(b, 1, "1.0.0");
        assertThat(offered.body()).isEqualTo(V2);
    }

    @Test
    void aPinSetThroughOneInstanceHoldsOnTheOther() throws Exception {
        relayWithTwoReleases(a, false);
        await("instance b knows relay", () -> status(b, 2, "1.0.0") == 200);
        var pin = b.send("PUT", "/api/v1/devices/" + mac(2) + "/pin", "{\"version\":\"1.0.0\"}");
        assertThat(pin.statusCode()).as(pin.body()).isEqualTo(200);
        await("instance a keeps the pinned device on 1.0.0", () -> status(a, 2, "1.0.0") == 304);
        assertThat(b.send("DELETE", "/api/v1/devices/" + mac(2) + "/pin", null).statusCode()).isEqualTo(200);
        await("instance a offers 2.0.0 again once unpinned", () -> status(a, 2, "1.0.0") == 200);
    }

    @Test
    void aRolloutStartedOnOneInstanceIsServedByTheOtherAndAPauseThereStopsIt() throws Exception {
        relayWithTwoReleases(a, true);
        await("instance b knows relay", () -> status(b, 3, "1.0.0") == 304);
        // Check-ins are written in batches just after the answer: the start below must find the device stored.
        await("instance a finds the device instance b registered", () -> a.get("/api/v1/devices/" + mac(3)).statusCode() == 200);
        var created = a.send("POST", "/api/v1/products/relay/rollouts", "{\"version\":\"2.0.0\",\"waves\":\"100\",\"soakSeconds\":0}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long id = Json.MAPPER.readTree(created.body()).get("id").asLong();
        assertThat(a.send("POST", "/api/v1/rollouts/" + id + "/start", null).statusCode()).isEqualTo(200);
        await("instance b offers the rollout's release", () -> status(b, 3, "1.0.0") == 200);

        var paused = b.send("POST", "/api/v1/rollouts/" + id + "/pause", null);
        assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
        await("instance a stops offering it", () -> status(a, 4, "1.0.0") == 304);
        JsonNode onA = Json.MAPPER.readTree(a.get("/api/v1/rollouts/" + id).body());
        assertThat(onA.get("state").asText()).isEqualTo("paused");
        // A transition from a value another instance changed is refused, not written over it.
        var pausedAgain = a.send("POST", "/api/v1/rollouts/" + id + "/pause", null);
        assertThat(pausedAgain.statusCode()).isEqualTo(409);
    }

    long startedRollout(TestServer on, String json) throws Exception {
        var created = on.send("POST", "/api/v1/products/relay/rollouts", json);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        long id = Json.MAPPER.readTree(created.body()).get("id").asLong();
        assertThat(on.send("POST", "/api/v1/rollouts/" + id + "/start", null).statusCode()).isEqualTo(200);
        return id;
    }

    @Test
    void maxConcurrentCountsTheDownloadsInFlightOnEveryInstance() throws Exception {
        relayWithTwoReleases(a, true);
        await("instance b knows relay", () -> status(b, 5, "1.0.0") == 304);
        await("instance a finds the device instance b registered", () -> a.get("/api/v1/devices/" + mac(5)).statusCode() == 200);
        long id = startedRollout(a, "{\"version\":\"2.0.0\",\"waves\":\"100\",\"soakSeconds\":0,\"maxConcurrent\":1}");
        await("instance b offers the rollout's release", () -> status(b, 5, "1.0.0") == 200);
        // A transfer to device 6 is under way on instance a: the one download the rollout allows.
        java.time.Instant now = java.time.Instant.now();
        a.server().rollouts().downloadStarted(id, mac(6), false, now);
        RawHttp.Response refused = checkIn(b, 7, "1.0.0");
        assertThat(refused.status()).as("instance b counts a's transfer: " + refused.header("X-Updraft-Reason")).isEqualTo(304);
        a.server().rollouts().downloadEnded(id, mac(6));
        await("the transfer ended: the slot is free", () -> status(b, 7, "1.0.0") == 200);
    }

    @Test
    void theDownloadsInFlightOfAnInstanceThatDiedAreNoLongerCounted() throws Exception {
        relayWithTwoReleases(a, true);
        await("instance b knows relay", () -> status(b, 8, "1.0.0") == 304);
        await("instance a finds the device instance b registered", () -> a.get("/api/v1/devices/" + mac(8)).statusCode() == 200);
        long id = startedRollout(a, "{\"version\":\"2.0.0\",\"waves\":\"100\",\"soakSeconds\":0,\"maxConcurrent\":1}");
        try (Connection c = DriverManager.getConnection(jdbcUrl(a)); Statement s = c.createStatement()) {
            s.execute("INSERT INTO rollout_in_flight (rollout_id, mac, instance, since) VALUES (" + id + ", '" + mac(9)
                    + "', 'node-killed', now())");
        }
        // Until the coordinator's next tick the row may count; after it, an instance without a session counts for nothing.
        await("the dead instance's transfer is no longer counted", () -> status(b, 8, "1.0.0") == 200);
        try (Connection c = DriverManager.getConnection(jdbcUrl(a)); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM rollout_in_flight WHERE instance = 'node-killed'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    @Test
    void whenTheCoordinatorsSessionEndsTheOtherInstanceTakesOver() throws Exception {
        await("one of the two coordinates", () -> a.server().coordinating() || b.server().coordinating());
        TestServer holder = a.server().coordinating() ? a : b;
        TestServer other = holder == a ? b : a;
        // What a kill -9 does to the holder's database sessions: they end, and its advisory lock with them.
        try (Connection c = DriverManager.getConnection(jdbcUrl(holder)); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '"
                     + holder.server().instance() + "'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the holder has sessions").isPositive();
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!other.server().coordinating()) {
            assertThat(System.nanoTime()).as("the other instance took over within 10 s").isLessThan(deadline);
            Thread.sleep(50);
        }
        await("the old holder stood down", () -> !holder.server().coordinating());
    }

    @Test
    void concurrentChangesOnBothInstancesMakeOneAuditChainThatVerifies() throws Exception {
        int perWriter = 15;
        long before = ((org.updraft.server.audit.Verification.Intact) a.server().audit().verify(null)).entries();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            var futures = new java.util.ArrayList<java.util.concurrent.Future<Integer>>();
            var writers = java.util.List.of(a, b, a, b);
            for (int w = 0; w < writers.size(); w++) {
                TestServer s = writers.get(w);
                String prefix = "w" + w + "-";
                futures.add(pool.submit(() -> {
                    int created = 0;
                    for (int i = 0; i < perWriter; i++) {
                        var r = s.send("POST", "/api/v1/tokens", "{\"name\":\"" + prefix + i + "\",\"role\":\"viewer\"}");
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                        created++;
                    }
                    return created;
                }));
            }
            for (var f : futures) {
                assertThat(f.get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(perWriter);
            }
        }
        for (TestServer s : java.util.List.of(a, b)) {
            var verified = Json.MAPPER.readTree(s.expect(200, s.get("/api/v1/audit/verify")));
            assertThat(verified.toString()).contains("\"ok\":true");
            assertThat(s.server().audit().verify(null)).isEqualTo(a.server().audit().verify(null));
            var v = (org.updraft.server.audit.Verification.Intact) s.server().audit().verify(null);
            assertThat(v.entries()).as("one entry per token, none lost, none forked").isEqualTo(before + 4 * perWriter);
        }
    }

    static String jdbcUrl(TestServer s) {
        return s.server().config().jdbcUrl();
    }
}
