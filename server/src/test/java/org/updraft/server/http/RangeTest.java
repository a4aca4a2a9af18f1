package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;
import org.updraft.server.artifact.Digests;

/** The Range matrix over a real socket (ESP-IDF esp_https_ota partial download and resume). */
class RangeTest {

    static final byte[] IMAGE = ImageBuilder.esp32().appVersion("2.0.0").payload(31, 50_000).build();
    static final int LEN = IMAGE.length;
    static final String ETAG = "\"" + Digests.sha256Hex(IMAGE) + "\"";

    static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer();
        server.product("cam", "esp32-4m");
        server.uploadOk("cam", "2.0.0", Multipart.file("firmware", IMAGE));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static RawHttp.Response get(String... headers) throws Exception {
        StringBuilder sb = new StringBuilder("GET /u/cam?mac=24:0A:C4:00:00:01&version=1.0.0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return RawHttp.exchange(server.port(), sb.append("\r\n").toString());
    }

    @Test
    void firstKilobyte() throws Exception {
        RawHttp.Response r = get("Range: bytes=0-1023");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes 0-1023/" + LEN);
        assertThat(r.header("Content-Length")).isEqualTo("1024");
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(IMAGE, 0, 1024));
        assertThat(r.header("x-MD5")).as("x-MD5 describes a whole image, not a part").isNull();
        assertThat(r.header("ETag")).isEqualTo(ETAG);
    }

    @Test
    void openEndedResume() throws Exception {
        RawHttp.Response r = get("Range: bytes=1000-");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes 1000-" + (LEN - 1) + "/" + LEN);
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(IMAGE, 1000, LEN));
    }

    @Test
    void suffix() throws Exception {
        RawHttp.Response r = get("Range: bytes=-500");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes " + (LEN - 500) + "-" + (LEN - 1) + "/" + LEN);
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(IMAGE, LEN - 500, LEN));
    }

    @Test
    void lastPositionBeyondTheEndIsClamped() throws Exception {
        RawHttp.Response r = get("Range: bytes=" + (LEN - 10) + "-" + (LEN + 5000));
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes " + (LEN - 10) + "-" + (LEN - 1) + "/" + LEN);
        assertThat(r.body()).hasSize(10);
    }

    @Test
    void unsatisfiableIs416WithTheLength() throws Exception {
        RawHttp.Response r = get("Range: bytes=" + LEN + "-");
        assertThat(r.status()).isEqualTo(416);
        assertThat(r.header("Content-Range")).isEqualTo("bytes */" + LEN);
        assertThat(r.body()).isEmpty();
    }

    @Test
    void severalRangesGetTheWholeImageDeliberately() throws Exception {
        RawHttp.Response r = get("Range: bytes=0-99,200-299");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).isEqualTo("application/octet-stream");
        assertThat(r.body()).isEqualTo(IMAGE);
        assertThat(r.header("x-MD5")).isEqualTo(Digests.md5Hex(IMAGE));
    }

    @Test
    void ifRangeWithTheCurrentEtagHonoursTheRange() throws Exception {
        RawHttp.Response r = get("Range: bytes=100-199", "If-Range: " + ETAG);
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(IMAGE, 100, 200));
    }

    @Test
    void ifRangeWithAStaleEtagSendsTheWholeNewImage() throws Exception {
        RawHttp.Response r = get("Range: bytes=100-199", "If-Range: \"0000000000000000000000000000000000000000000000000000000000000000\"");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(IMAGE);
    }

    @Test
    void headWithRangeReportsThePartWithoutBody() throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(),
                "HEAD /u/cam?mac=24:0A:C4:00:00:01&version=1.0.0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\nRange: bytes=0-0\r\n\r\n");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.header("Content-Range")).isEqualTo("bytes 0-0/" + LEN);
        assertThat(r.header("Content-Length")).isEqualTo("1");
        assertThat(r.body()).isEmpty();
    }
}
