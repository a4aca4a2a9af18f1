package org.updraft.server.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.MutableClock;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.server.http.Json;

/**
 * Rollouts driven by scripted check-ins over real sockets, with a hand-moved clock: waves,
 * thresholds at their exact edges, halt, pause/resume, abort, overlap, and a restart.
 * A scripted device "installs" by checking in with the new version, as a stock client does
 * after its reboot.
 */
class RolloutTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(71, 6_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(72, 6_000).build();
    static final Duration HEALTH = Duration.ofSeconds(60);

    MutableClock clock;
    TestServer server;

    @BeforeEach
    void start() {
        start(Duration.ofMillis(20));
    }

    void start(Duration tick) {
        clock = new MutableClock(Instant.parse("2026-11-27T00:00:00Z"));
        server = new TestServer(TestDatabase.EMBEDDED, c -> c.withClock(clock).withRolloutTick(tick));
        var p = server.send("POST", "/api/v1/products", "{\"name\":\"relay\",\"layout\":\"arduino-4m\",\"healthWindowSeconds\":60}");
        assertThat(p.statusCode()).isEqualTo(201);
        server.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
        var held = server.upload("relay", new Multipart().field("version", "2.0.0").field("hold", "true").file("firmware", "v2.bin", V2));
        assertThat(held.statusCode()).as(held.body()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    static String mac(int i) {
        return String.format("AA:00:00:00:00:%02X", i);
    }

    RawHttp.Response checkIn(int device, String version) throws Exception {
        return checkIn(mac(device), version);
    }

    RawHttp.Response checkIn(String mac, String version) throws Exception {
        return RawHttp.exchange(server.port(), "GET /u/relay?mac=" + mac + "&version=" + version + " HTTP/1.0\r\nHost: x\r\n\r\n");
    }

    /** Devices 0..n-1 check in on v1 once (so they are known); the first {@code canaries} are tagged canary. */
    void fleet(int n, int canaries) throws Exception {
        for (int i = 0; i < n; i++) {
            assertThat(checkIn(i, "1.0.0").status()).isEqualTo(304);
            if (i < canaries) {
                assertThat(server.send("PUT", "/api/v1/devices/" + mac(i) + "/tags", "{\"tags\":[\"canary\"]}").statusCode()).isEqualTo(200);
            }
        }
    }

    long rollout(String json) throws Exception {
        var r = server.send("POST", "/api/v1/products/relay/rollouts", json);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Json.MAPPER.readTree(r.body()).get("id").asLong();
    }

    JsonNode post(long id, String action) throws Exception {
        var r = server.send("POST", "/api/v1/rollouts/" + id + "/" + action, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.MAPPER.readTree(r.body());
    }

    JsonNode status(long id) throws Exception {
        return Json.MAPPER.readTree(server.get("/api/v1/rollouts/" + id).body());
    }

    /** Download v2, reboot into it, check in, and check in again after the health window. */
    void updateAndConfirm(int device) throws Exception {
        RawHttp.Response r = checkIn(device, "1.0.0");
        assertThat(r.status()).as("device " + device + " " + r.header("X-Updraft-Reason")).isEqualTo(200);
        assertThat(r.body()).isEqualTo(V2);
        awaitState(device, "downloaded");
        assertThat(checkIn(device, "2.0.0").status()).isEqualTo(304);
    }

    void awaitState(int device, String state) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonNode d = Json.MAPPER.readTree(server.get("/api/v1/devices/" + mac(device)).body());
            for (JsonNode u : d.get("updates")) {
                if (u.get("release").asText().equals("2.0.0") && u.get("state").asText().equals(state)) {
                    return;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError("device " + device + " never reached " + state + ": " + server.get("/api/v1/devices/" + mac(device)).body());
    }

    void awaitRollout(long id, String state) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (status(id).get("state").asText().equals(state)) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("rollout never reached " + state + ": " + status(id));
    }

    void awaitWave(long id, int wave) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (status(id).get("currentWave").asInt() == wave) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("rollout never reached wave " + wave + ": " + status(id));
    }

    @Test
    void aHeldReleaseReachesNoDeviceWithoutItsRollout() throws Exception {
        fleet(3, 0);
        for (int i = 0; i < 3; i++) {
            RawHttp.Response r = checkIn(i, "1.0.0");
            assertThat(r.status()).isEqualTo(304);
            assertThat(r.header("X-Updraft-Reason")).isEqualTo("up-to-date: reports version 1.0.0");
        }
    }

    @Test
    void canaryWaveFirstThenEveryoneAndTheRolloutCompletes() throws Exception {
        fleet(6, 2);
        long id = rollout("{\"version\":\"2.0.0\",\"waves\":\"canary,100\",\"successThreshold\":1.0,\"failureThreshold\":0.5,"
                + "\"soakSeconds\":0}");
        JsonNode started = post(id, "start");
        assertThat(started.get("state").asText()).isEqualTo("running");
        assertThat(started.get("progress").get(0).get("members").asInt()).isEqualTo(2);
        assertThat(started.get("progress").get(1).get("members").asInt()).isEqualTo(4);

        // Outside the canary wave: nothing yet.
        assertThat(checkIn(4, "1.0.0").status()).isEqualTo(304);
        updateAndConfirm(0);
        updateAndConfirm(1);
        assertThat(status(id).get("progress").get(0).get("installed").asInt()).isEqualTo(2);
        clock.advance(HEALTH);
        checkIn(0, "2.0.0");
        checkIn(1, "2.0.0");
        awaitWave(id, 1);
        JsonNode advanced = status(id);
        assertThat(advanced.get("currentWaveLabel").asText()).isEqualTo("100%");
        assertThat(advanced.get("progress").get(0).get("confirmed").asInt()).isEqualTo(2);
        for (int i = 2; i < 6; i++) {
            updateAndConfirm(i);
        }
        clock.advance(HEALTH);
        for (int i = 2; i < 6; i++) {
            checkIn(i, "2.0.0");
        }
        awaitRollout(id, "completed");
        // A completed rollout's release is the baseline: a new device gets it without any rollout.
        RawHttp.Response late = checkIn(40, "1.0.0");
        assertThat(late.status()).isEqualTo(200);
        assertThat(late.body()).isEqualTo(V2);
    }

    @Test
    void aWaveExactlyAtTheSuccessThresholdAdvances() throws Exception {
        fleet(5, 4);
        long id = rollout("{\"version\":\"2.0.0\",\"waves\":\"canary,100\",\"successThreshold\":0.75,\"failureThreshold\":1.0,"
                + "\"soakSeconds\":0}");
        post(id, "start");
        for (int i = 0; i < 3; i++) {
            updateAndConfirm(i);
        }
        clock.advance(HEALTH);
        checkIn(0, "2.0.0");
        checkIn(1, "2.0.0");
        Thread.sleep(100);
        assertThat(status(id).get("currentWave").asInt()).as("2 of 4 = 50% < 75%").isEqualTo(0);
        checkIn(2, "2.0.0");
        awaitWave(id, 1);
        assertThat(status(id).get("progress").get(0).get("confirmed").asInt()).isEqualTo(3);
    }

    @Test
    void oneFailureOverTheFailureThresholdHalts() throws Exception {
        fleet(5, 4);
        long id = rollout("{\"version\":\"2.0.0\",\"waves\":\"canary,100\",\"successThreshold\":1.0,\"failureThreshold\":0.25,"
                + "\"soakSeconds\":0}");
        post(id, "start");
        // Canary 0 runs v2, then comes back on v1: rolled back.
        updateAndConfirm(0);
        assertThat(checkIn(0, "1.0.0").status()).isEqualTo(304);
        awaitState(0, "rolled_back");
        Thread.sleep(100);
        assertThat(status(id).get("state").asText()).as("1 of 4 = 25%, not above 25%").isEqualTo("running");
        // Canary 1 reports a rollback through /report: 2 of 4 = 50% > 25%.
        updateAndConfirm(1);
        var report = server.send("POST", "/u/relay/report", "{\"mac\":\"" + mac(1) + "\",\"status\":\"rolled_back\",\"version\":\"2.0.0\"}");
        assertThat(report.body()).isEqualTo("{\"state\":\"rolled_back\"}");
        awaitRollout(id, "halted");
        assertThat(status(id).get("reason").asText()).isEqualTo("wave 1 (canary): 2 of 4 devices failed or rolled back (50.0% > 25.0%)");
        // No new offers: neither the remaining canaries nor anyone else.
        assertThat(checkIn(2, "1.0.0").status()).isEqualTo(304);
        assertThat(checkIn(4, "1.0.0").status()).isEqualTo(304);
        assertThat(server.server().updates().get(mac(4), server.server().catalog().product("relay").flatMap(p ->
                server.server().catalog().release(p, org.updraft.core.version.Version.parse("2.0.0"))).orElseThrow().id())).isEmpty();
    }

    @Test
    void aLargeRolloutCoalescesItsEvaluationsYetActsOnTheLastTransitionWithoutWaitingForATick() throws Exception {
        server.close();
        start(Duration.ofHours(1)); // no tick during the test: only transitions evaluate
        int n = RolloutSchedule.EXACT_MEMBERS + 1;
        java.util.function.IntFunction<String> mac = i -> String.format("AE:00:00:00:%02X:%02X", i >> 8, i & 0xFF);
        for (int i = 0; i < n; i++) {
            assertThat(checkIn(mac.apply(i), "1.0.0").status()).isEqualTo(304);
        }
        long id = rollout("{\"version\":\"2.0.0\",\"waves\":\"100\",\"failureThreshold\":0.0005,\"soakSeconds\":0}");
        post(id, "start");
        // Two devices take the release and report a rollback back to back (well within one coalescing window):
        // 1 of 2,001 is not above 0.05 %, 2 are — the second report's evaluation is the deferred one.
        for (int i = 0; i < 2; i++) {
            var r = checkIn(mac.apply(i), "1.0.0");
            assertThat(r.status()).as(r.header("X-Updraft-Reason")).isEqualTo(200);
        }
        for (int i = 0; i < 2; i++) {
            var report = server.send("POST", "/u/relay/report", "{\"mac\":\"" + mac.apply(i) + "\",\"status\":\"rolled_back\",\"version\":\"2.0.0\"}");
            assertThat(report.body()).isEqualTo("{\"state\":\"rolled_back\"}");
        }
        awaitRollout(id, "halted");
        assertThat(status(id).get("reason").asText()).isEqualTo("wave 1 (100%): 2 of 2001 devices failed or rolled back (0.1% > 0.05%)");
    }

    @Test
    void haltReasonsShowSharesWithThreeSignificantDigits() {
        assertThat(RolloutMachine.percent(0.5)).isEqualTo("50.0");
        assertThat(RolloutMachine.percent(0.25)).isEqualTo("25.0");
        assertThat(RolloutMachine.percent(1.0)).isEqualTo("100.0");
        assertThat(RolloutMachine.percent(0.0)).isEqualTo("0.0");
        assertThat(RolloutMachine.percent(2.0 / 2001)).isEqualTo("0.1");
        assertThat(RolloutMachine.percent(0.0005)).isEqualTo("0.05");
        assertThat(RolloutMachine.percent(1.0 / 3)).isEqualTo("33.3");
    }

    @Test
    void pauseStopsNewOffersResumeContinuesAbortLeavesDevicesWhereTheyAre() throws Exception {
        fleet(4, 0);
        long id = rollout("{\"version\":\"2.0.0\",\"waves\":\"100\",\"successThreshold\":1.0,\"failureThreshold\":1.0,\"soakSeconds\":0}");
        post(id, "start");
        updateAndConfirm(0);
        assertThat(post(id, "pause").get("state").asText()).isEqualTo("paused");
        assertThat(checkIn(1, "1.0.0").status()).isEqualTo(304);
        assertThat(post(id, "resume").get("state").asText()).isEqualTo("running");
        updateAndConfirm(1);
        JsonNode aborted = post(id, "abort");
        assertThat(aborted.get("state").asText()).isEqualTo("aborted");
        assertThat(aborted.get("reason").asText()).isEqualTo("aborted by operator");
        // Devices on v2 keep it (v2 stays held; v1 is older), devices on v1 keep v1.
        RawHttp.Response onV2 = checkIn(0, "2.0.0");
        assertThat(onV2.status()).isEqualTo(304);
        assertThat(onV2.header("X-Updraft-Reason")).startsWith("running-newer");
        assertThat(checkIn(2, "1.0.0").status()).isEqualTo(304);
        assertThat(server.send("POST", "/api/v1/rollouts/" + id + "/resume", null).statusCode()).isEqualTo(409);
    }

    @Test
    void pinnedDevicesAreNotPartOfARollout() throws Exception {
        fleet(3, 0);
        assertThat(server.send("PUT", "/api/v1/devices/" + mac(2) + "/pin", "{\"version\":\"1.0.0\"}").statusCode()).isEqualTo(200);
        long id = rollout("{\"version\":\"2.0.0\",\"waves\":\"100\",\"soakSeconds\":0}");
        JsonNode started = post(id, "start");
        assertThat(started.get("progress").get(0).get("members").asInt()).isEqualTo(2);
        assertThat(checkIn(2, "1.0.0").status()).isEqualTo(304);
        assertThat(checkIn(0, "1.0.0").status()).isEqualTo(200);
    }

    @Test
    void twoRolloutsMayNotTargetTheSameDevices() throws Exception {
        fleet(2, 1);
        long a = rollout("{\"version\":\"2.0.0\",\"waves\":\"100\",\"targetTags\":[\"canary\"]}");
        long b = rollout("{\"version\":\"2.0.0\",\"waves\":\"100\"}");
        post(a, "start");
        var conflict = server.send("POST", "/api/v1/rollouts/" + b + "/start", null);
        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(conflict.body()).contains("rollout " + a + " (running) already targets devices of this product that rollout "
                + b + " would reach (tags canary)");
    }

    @Test
    void badRolloutSpecsAreRefusedWithTheReason() {
        for (String[] c : List.of(
                new String[] {"{\"version\":\"9.9\"}", "404", "product 'relay' has no release 9.9"},
                new String[] {"{\"version\":\"2.0.0\",\"waves\":\"10,5\"}", "400", "wave percentages are cumulative and must rise: 5% after 10%"},
                new String[] {"{\"version\":\"2.0.0\",\"waves\":\"0\"}", "400", "wave 0% is outside (0, 100]"},
                new String[] {"{\"version\":\"2.0.0\",\"successThreshold\":1.5}", "400", "successThreshold must be within 0..1, was 1.5"},
                new String[] {"{\"version\":\"2.0.0\",\"fromVersions\":\"~1\"}", "400", "'~1' in version range"},
                new String[] {"{\"version\":\"2.0.0\",\"maxConcurrent\":0}", "400", "maxConcurrent must be within 1..100000, was 0"})) {
            var r = server.send("POST", "/api/v1/products/relay/rollouts", c[0]);
            assertThat(r.statusCode()).as(c[0] + " " + r.body()).isEqualTo(Integer.parseInt(c[1]));
            assertThat(r.body()).contains(c[2]);
        }
    }

    @Test
    void aRestartMidRolloutLosesNothingAndDoesNotReofferToConfirmedDevices() throws Exception {
        fleet(4, 2);
        long id = rollout("{\"version\":\"2.0.0\",\"waves\":\"canary,100\",\"successThreshold\":1.0,\"failureThreshold\":0.5,"
                + "\"soakSeconds\":0}");
        post(id, "start");
        updateAndConfirm(0);
        updateAndConfirm(1);
        clock.advance(HEALTH);
        checkIn(0, "2.0.0");
        checkIn(1, "2.0.0");
        awaitWave(id, 1);
        JsonNode before = status(id);

        server.restart();

        JsonNode after = status(id);
        assertThat(after.get("state").asText()).isEqualTo("running");
        assertThat(after.get("currentWave").asInt()).isEqualTo(1);
        assertThat(after.get("progress")).isEqualTo(before.get("progress"));
        // Confirmed canaries are not offered anything again.
        assertThat(checkIn(0, "2.0.0").status()).isEqualTo(304);
        JsonNode d0 = Json.MAPPER.readTree(server.get("/api/v1/devices/" + mac(0)).body());
        assertThat(d0.get("updates").get(0).get("state").asText()).isEqualTo("confirmed");
        assertThat(d0.get("updates").get(0).get("attempts").asInt()).isEqualTo(1);
        // And the rollout continues with wave 2.
        updateAndConfirm(2);
    }

    /** Starts a transfer of a large held release and resets the connection after the head. */
    byte[] breakADownload(String version) throws Exception {
        byte[] big = ImageBuilder.arduino().version(version).payload(73, 900_000).build();
        server.upload("relay", new Multipart().field("version", version).field("hold", "true").file("firmware", "big.bin", big));
        fleet(1, 0);
        long id = rollout("{\"version\":\"" + version + "\",\"waves\":\"100\",\"backoffSeconds\":30,\"maxAttempts\":2}");
        post(id, "start");
        try (var s = new java.net.Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()));
            s.getOutputStream().write(("GET /u/relay?mac=" + mac(0) + "&version=1.0.0 HTTP/1.0\r\nHost: x\r\n\r\n").getBytes());
            s.setSoLinger(true, 0);
            s.getInputStream().read(new byte[64]);
        }
        return big;
    }

    JsonNode awaitUpdate(String state) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        JsonNode u = null;
        while (System.nanoTime() < deadline) {
            u = Json.MAPPER.readTree(server.get("/api/v1/devices/" + mac(0)).body()).get("updates").get(0);
            if (u != null && u.get("state").asText().equals(state)) {
                return u;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("update never reached " + state + ": " + u);
    }

    @Test
    void aRangeRequestResumesTheBrokenAttemptEvenWithinTheBackoff() throws Exception {
        byte[] big = breakADownload("3.0.0");
        awaitUpdate("offered");
        RawHttp.Response resumed = RawHttp.exchange(server.port(), "GET /u/relay?mac=" + mac(0)
                + "&version=1.0.0 HTTP/1.1\r\nHost: x\r\nRange: bytes=1000-\r\nIf-Range: \""
                + org.updraft.server.artifact.Digests.sha256Hex(big) + "\"\r\n\r\n");
        assertThat(resumed.status()).isEqualTo(206);
        assertThat(resumed.body()).isEqualTo(java.util.Arrays.copyOfRange(big, 1000, big.length));
        JsonNode u = awaitUpdate("downloaded");
        assertThat(u.get("attempts").asInt()).as("a resume continues the attempt").isEqualTo(1);
    }

    @Test
    void aBrokenDownloadIsRetriedAfterBackoff() throws Exception {
        // Large enough that the kernel's socket buffers cannot swallow it whole.
        byte[] big = ImageBuilder.arduino().version("3.0.0").payload(73, 900_000).build();
        server.upload("relay", new Multipart().field("version", "3.0.0").field("hold", "true").file("firmware", "v3.bin", big));
        fleet(1, 0);
        long id = rollout("{\"version\":\"3.0.0\",\"waves\":\"100\",\"backoffSeconds\":30,\"maxAttempts\":2}");
        post(id, "start");
        // Read only the head of the response, then reset the connection: the transfer breaks.
        try (var s = new java.net.Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()));
            s.getOutputStream().write(("GET /u/relay?mac=" + mac(0) + "&version=1.0.0 HTTP/1.0\r\nHost: x\r\n\r\n").getBytes());
            s.setSoLinger(true, 0);
            s.getInputStream().read(new byte[64]);
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        JsonNode u = null;
        while (System.nanoTime() < deadline) {
            u = Json.MAPPER.readTree(server.get("/api/v1/devices/" + mac(0)).body()).get("updates").get(0);
            if (u.get("state").asText().equals("offered")) {
                break;
            }
            Thread.sleep(20);
        }
        assertThat(u.get("state").asText()).isEqualTo("offered");
        assertThat(u.get("attempts").asInt()).isEqualTo(1);
        assertThat(u.get("lastError").asText()).startsWith("download broke: ")
                .as("stored and shown: the cause in words, no Java type").doesNotContainPattern("[A-Za-z]+(Exception|Error)\\b|java\\.");
        assertThat(u.get("nextAttemptAt").asText()).isEqualTo("2026-11-27T00:00:30Z");
        assertThat(checkIn(0, "1.0.0").status()).as("within the backoff").isEqualTo(304);
        clock.advance(Duration.ofSeconds(30));
        RawHttp.Response retry = checkIn(0, "1.0.0");
        assertThat(retry.status()).isEqualTo(200);
        assertThat(retry.body()).isEqualTo(big);
    }
}
