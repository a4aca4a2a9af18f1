package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;
import org.updraft.server.artifact.Digests;

/**
 * Plays NONOS {@code system_upgrade_start} (reference/device-protocols.md §5): the SDK sends the
 * application's request verbatim, does not look at the status code, and needs "\r\n\r\n" and the
 * exact text "Content-Length: " in the first TCP segment; any body so announced is flashed.
 */
class NonosUpgradeTest {

    static final byte[] USER1_V2 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).payload(11, 60_000).build();
    static final byte[] USER2_V2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).payload(12, 60_000).build();

    static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer();
        server.product("wifi-relay", "nonos-512k");
        server.uploadOk("wifi-relay", "2", Multipart.file("user1", USER1_V2), Multipart.file("user2", USER2_V2));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The seed's example request: GET /path/user2.bin HTTP/1.1, Host, Connection: close. */
    static String seedRequest(String path, int port) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n";
    }

    @Test
    void firstReadHoldsTheWholeHeaderWithContentLengthAndTheBodyIsTheSlotImage() throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(), seedRequest("/u/wifi-relay/user2.bin", server.port()));

        String first = new String(r.firstRead(), StandardCharsets.ISO_8859_1);
        assertThat(first).contains("\r\n\r\n").contains("Content-Length: " + USER2_V2.length + "\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(USER2_V2);
        assertThat(r.header("x-MD5")).isEqualTo(Digests.md5Hex(USER2_V2));
    }

    @Test
    void user1IsServedToADeviceRunningUser2() throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(), seedRequest("/u/wifi-relay/user1.bin?mac=5C:CF:7F:00:00:01&version=1",
                server.port()));

        assertThat(r.body()).isEqualTo(USER1_V2);
    }

    @Test
    void theSdkDemoRequestWithItsHeadersIsServedToo() throws Exception {
        String demo = "GET /u/wifi-relay/user2.bin?mac=5c-cf-7f-00-00-02&version=1 HTTP/1.0\r\nHost: 127.0.0.1:" + server.port()
                + "\r\nConnection: keep-alive\r\nCache-Control: no-cache\r\nUser-Agent: Mozilla/5.0 (Windows NT 6.1) Chrome/30.0\r\n"
                + "Accept: */*\r\nAuthorization: token 0123456789abcdef\r\nAccept-Encoding: gzip,deflate,sdch\r\n"
                + "Accept-Language: zh-CN,zh;q=0.8\r\n\r\n";
        RawHttp.Response r = RawHttp.exchange(server.port(), demo);

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Encoding")).isNull();
        assertThat(r.body()).isEqualTo(USER2_V2);
    }

    @Test
    void aRefusalClosesTheConnectionWithoutSendingAByte() throws Exception {
        // Nothing to do: the device already runs version 2.
        RawHttp.Response upToDate = RawHttp.exchange(server.port(),
                seedRequest("/u/wifi-relay/user2.bin?mac=5C:CF:7F:00:00:03&version=2", server.port()));
        assertThat(upToDate.raw()).isEmpty();

        RawHttp.Response unknown = RawHttp.exchange(server.port(), seedRequest("/u/nosuch/user2.bin", server.port()));
        assertThat(unknown.raw()).isEmpty();

        RawHttp.Response badMac = RawHttp.exchange(server.port(), seedRequest("/u/wifi-relay/user2.bin?mac=zz", server.port()));
        assertThat(badMac.raw()).isEmpty();
    }

    @Test
    void versionEndpointAnswersThePlainVersion() throws Exception {
        RawHttp.Response r = RawHttp.exchange(server.port(), seedRequest("/u/wifi-relay/version?mac=5C:CF:7F:00:00:04&version=1",
                server.port()));

        assertThat(r.status()).isEqualTo(200);
        assertThat(new String(r.body(), StandardCharsets.US_ASCII)).isEqualTo("2");
        assertThat(r.header("Content-Length")).isEqualTo("1");

        RawHttp.Response none = RawHttp.exchange(server.port(), seedRequest("/u/nosuch/version", server.port()));
        assertThat(none.status()).isEqualTo(404);
        assertThat(none.body()).isEmpty();
    }
}
