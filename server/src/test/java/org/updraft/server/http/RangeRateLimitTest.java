package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.config.Limits;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;

/**
 * The per-device rate limit and {@code Range}: only a genuine continuation of a download the
 * server has seen begin is exempt (DownloadAttempts); a range that fetches the image anew counts.
 * Burst 2, refill 2/min: within a test no token comes back.
 */
class RangeRateLimitTest {

    static final String MAC = "DE:BA:7A:B1:E0:7A";
    static final byte[] FW = ImageBuilder.arduino().version("2.0.0").payload(71, 8_000).build();
    static final String ETAG = "\"" + org.updraft.server.artifact.Digests.sha256Hex(FW) + "\"";

    TestServer server;

    @BeforeEach
    void start() {
        Limits limits = Limits.DEFAULTS.with("device-rate", "2/min").with("device-burst", "2").with("ip-rate", "off")
                .with("limit-loopback", "true");
        server = new TestServer(org.updraft.server.TestDatabase.EMBEDDED, c -> c.withLimits(limits));
        server.product("relay", "arduino-4m");
        server.uploadOk("relay", "2.0.0", Multipart.file("firmware", FW));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    RawHttp.Response get(String mac, String... headers) throws Exception {
        StringBuilder r = new StringBuilder("GET /u/relay?mac=" + mac + "&version=1.0.0 HTTP/1.0\r\n");
        for (String h : headers) {
            r.append(h).append("\r\n");
        }
        return RawHttp.exchange(server.port(), r.append("\r\n").toString());
    }

    @Test
    void aRangeOfTheWholeImageCountsLikeAnyDownload() throws Exception {
        for (int i = 0; i < 2; i++) {
            RawHttp.Response r = get(MAC, "Range: bytes=0-");
            assertThat(r.status()).isEqualTo(206);
            assertThat(r.body()).isEqualTo(FW);
        }
        for (int i = 0; i < 4; i++) {
            RawHttp.Response r = get(MAC, "Range: bytes=0-");
            assertThat(r.status()).as("request " + (i + 3)).isEqualTo(429);
            assertThat(r.header("X-Updraft-Reason")).startsWith("rate-limited: device " + MAC + " checks in too often");
            assertThat(r.body()).isEmpty();
        }
    }

    @Test
    void suffixRangesMultipleRangesAndAMismatchedIfRangeCountToo() throws Exception {
        assertThat(get(MAC, "Range: bytes=-" + FW.length).status()).isEqualTo(206);
        assertThat(get(MAC, "Range: bytes=1-", "If-Range: \"not-this-image\"").status()).as("whole image: 200").isEqualTo(200);
        assertThat(get(MAC, "Range: bytes=-" + (FW.length - 1)).status()).isEqualTo(429);
        assertThat(get(MAC, "Range: bytes=0-9,10-").status()).isEqualTo(429);
        assertThat(get(MAC, "Range: bytes=1-", "If-Range: \"not-this-image\"").status()).isEqualTo(429);
    }

    @Test
    void chunksOfAPartialDownloadAndAResumeAreExempt() throws Exception {
        // esp_https_ota partial download: 1 KiB chunks, the first counted, the rest continuing it.
        byte[] got = new byte[0];
        for (int first = 0; first < FW.length; first += 1024) {
            RawHttp.Response r = get(MAC, "Range: bytes=" + first + "-" + (first + 1023));
            assertThat(r.status()).as("chunk at " + first).isEqualTo(206);
            got = concat(got, r.body());
        }
        assertThat(got).isEqualTo(FW);
        // A new download (counted: the second token), broken at byte 3000 and resumed, with If-Range as it should be.
        assertThat(get(MAC).status()).isEqualTo(200);
        RawHttp.Response resumed = get(MAC, "Range: bytes=3000-", "If-Range: " + ETAG);
        assertThat(resumed.status()).isEqualTo(206);
        assertThat(resumed.body()).isEqualTo(Arrays.copyOfRange(FW, 3000, FW.length));
        // The bucket is empty now: a download from the start is refused, a continuation is not.
        assertThat(get(MAC, "Range: bytes=0-").status()).isEqualTo(429);
        assertThat(get(MAC, "Range: bytes=" + (FW.length - 1000) + "-").status()).as("forward within the last range, "
                + "and within twice the image").isEqualTo(206);
    }

    @Test
    void aContinuationMovesForwardAndBuysAtMostTwiceTheImage() throws Exception {
        assertThat(get(MAC).status()).isEqualTo(200);
        assertThat(get(MAC, "Range: bytes=1-").status()).as("sent: the image, then all of it but a byte").isEqualTo(206);
        assertThat(get(MAC, "Range: bytes=1-").status()).as("not forward: counted (last token)").isEqualTo(206);
        assertThat(get(MAC, "Range: bytes=2-").status()).as("a new attempt began at byte 1 and went to the end").isEqualTo(206);
        assertThat(get(MAC, "Range: bytes=3-").status()).as("would exceed twice the image: counted, none left").isEqualTo(429);
        // Another device continues nothing of this one's.
        assertThat(get("DE:BA:7A:B1:E0:7B", "Range: bytes=4-").status()).isEqualTo(206);
        assertThat(get("DE:BA:7A:B1:E0:7B", "Range: bytes=4-").status()).isEqualTo(206);
        assertThat(get("DE:BA:7A:B1:E0:7B", "Range: bytes=4-").status()).isEqualTo(429);
    }

    @Test
    void concurrentContinuationsOfOneCountedRequestAreExemptOnceBetweenThem() throws Exception {
        // One counted request begins the attempt (a token left), then 16 copies of the same
        // continuation at once: one continues it, one more spends the last token, the rest are 429.
        assertThat(get(MAC, "Range: bytes=0-0").status()).isEqualTo(206);
        int n = 16;
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.List<java.util.concurrent.Future<Integer>> answers = new java.util.ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(n)) {
            for (int i = 0; i < n; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return get(MAC, "Range: bytes=1-").status();
                }));
            }
            go.countDown();
            java.util.Map<Integer, Integer> byStatus = new java.util.TreeMap<>();
            for (var a : answers) {
                byStatus.merge(a.get(30, java.util.concurrent.TimeUnit.SECONDS), 1, Integer::sum);
            }
            assertThat(byStatus).isEqualTo(java.util.Map.of(206, 2, 429, n - 2));
        }
    }

    RawHttp.Response at(String product, String mac, String version, String... headers) throws Exception {
        StringBuilder r = new StringBuilder("GET /u/" + product + "?mac=" + mac + "&version=" + version + " HTTP/1.0\r\n");
        for (String h : headers) {
            r.append(h).append("\r\n");
        }
        return RawHttp.exchange(server.port(), r.append("\r\n").toString());
    }

    com.fasterxml.jackson.databind.JsonNode device(String mac) throws Exception {
        server.server().devices().flush();
        server.server().updates().flush();
        return Json.MAPPER.readTree(server.expect(200, server.get("/api/v1/devices/" + mac)));
    }

    @Test
    void aLimitedDeviceAlternatingBetweenOpenProductsIsNotMoved() throws Exception {
        server.product("lamp", "arduino-4m");
        server.uploadOk("lamp", "2.0.0", Multipart.file("firmware", FW));
        assertThat(at("relay", MAC, "2.0.0").status()).isEqualTo(304);
        assertThat(at("relay", MAC, "2.0.0").status()).isEqualTo(304);
        for (int i = 0; i < 5; i++) {
            String product = i % 2 == 0 ? "lamp" : "relay";
            RawHttp.Response r = at(product, MAC, "2.0.0");
            assertThat(r.status()).as("check-in " + (i + 3) + " at " + product).isEqualTo(429);
        }
        assertThat(device(MAC).get("product").asText()).as("the limit comes before the move").isEqualTo("relay");
        // A range at the other product continues nothing there: counted before it could move the device.
        assertThat(at("lamp", MAC, "1.0.0", "Range: bytes=1-").status()).isEqualTo(429);
        assertThat(device(MAC).get("product").asText()).isEqualTo("relay");
    }

    @Test
    void aRangeRefusedByTheLimitLeavesTheUpdateAsItWas() throws Exception {
        assertThat(get(MAC).status()).isEqualTo(200);
        assertThat(get(MAC, "Range: bytes=0-").status()).isEqualTo(206);
        assertThat(device(MAC).get("updates").get(0).get("state").asText()).isEqualTo("downloaded");
        // Looks like a continuation until the policy sees it runs 2.0.0 (nothing to send): counted, none left.
        RawHttp.Response r = at("relay", MAC, "2.0.0", "Range: bytes=1-");
        assertThat(r.status()).isEqualTo(429);
        assertThat(device(MAC).get("updates").get(0).get("state").asText()).as("a 429 observes no running version")
                .isEqualTo("downloaded");
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
