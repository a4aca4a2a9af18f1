package org.updraft.device.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.EbootCopy;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.IdfOtaData;

/**
 * HttpUpdateClient against a scripted raw-socket server: the exact request bytes of
 * ESP8266httpUpdate and ESP32 HTTPUpdate (docs/device-contract.md) and every reaction code.
 */
class HttpUpdateClientTest {
    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(1, 9_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(2, 10_000).build();
    static final byte[] E1 = ImageBuilder.esp32().appVersion("1.0.0").payload(3, 9_000).build();
    static final byte[] E2 = ImageBuilder.esp32().appVersion("2.0.0").payload(4, 10_000).build();
    static final Identity ID = Identity.of("DE:BA:7A:B1:E0:42", "2.2.2-dev(38a443e)");
    static final Duration SHORT = Duration.ofMillis(200);

    static Board arduino() {
        return Board.provisioned(new EbootCopy(FlashMap.ARDUINO_4M), V1);
    }

    static HttpUpdateClient client(Board board) {
        return HttpUpdateClient.esp8266(board, ID).timeout(SHORT);
    }

    static String ok(byte[] body, String md5) {
        return "HTTP/1.0 200 OK\r\nContent-Length: " + body.length + "\r\n" + (md5 == null ? "" : "x-MD5: " + md5 + "\r\n") + "\r\n";
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    @Test
    void esp8266RequestIsByteExact() throws Exception {
        Board board = arduino();
        try (ScriptedServer s = ScriptedServer.answering("HTTP/1.0 304 Not Modified\r\n\r\n", new byte[0])) {
            UpdateOutcome o = client(board).version("1.0.0").update(s.uri("/u/plug?x=1"));
            assertThat(o).isEqualTo(new UpdateOutcome.NoUpdate("304 Not Modified"));
            int sketch = (V1.length + 15) & -16;
            assertThat(s.request()).isEqualTo("GET /u/plug?x=1 HTTP/1.0\r\n"
                    + "Host: 127.0.0.1:" + s.port() + "\r\n"
                    + "User-Agent: ESP8266-http-Update\r\n"
                    + "Connection: close\r\n"
                    + "x-ESP8266-Chip-ID: " + 0xB1E042 + "\r\n"
                    + "x-ESP8266-STA-MAC: DE:BA:7A:B1:E0:42\r\n"
                    + "x-ESP8266-AP-MAC: DE:BA:7A:B1:E0:42\r\n"
                    + "x-ESP8266-free-space: " + (0x200000 - ((sketch + 4095) & -4096)) + "\r\n"
                    + "x-ESP8266-sketch-size: " + sketch + "\r\n"
                    + "x-ESP8266-sketch-md5: " + md5(Arrays.copyOf(V1, sketch)) + "\r\n"
                    + "x-ESP8266-chip-size: 4194304\r\n"
                    + "x-ESP8266-sdk-version: 2.2.2-dev(38a443e)\r\n"
                    + "x-ESP8266-mode: sketch\r\n"
                    + "x-ESP8266-version: 1.0.0\r\n"
                    + "Content-Length: 0\r\n\r\n");
        }
    }

    @Test
    void esp32RequestIsByteExact() throws Exception {
        Board board = Board.provisioned(new IdfOtaData(FlashMap.ESP32_4M, false), E1);
        try (ScriptedServer s = ScriptedServer.answering("HTTP/1.1 304 Not Modified\r\n\r\n", new byte[0])) {
            HttpUpdateClient.esp32(board, Identity.of("24:0A:C4:12:34:56", "v4.4.5")).update(s.uri("/u/meter"));
            String sha = HexFormat.of().formatHex(E1, E1.length - 32, E1.length).toUpperCase(Locale.ROOT);
            assertThat(s.request()).isEqualTo("GET /u/meter HTTP/1.0\r\n"
                    + "Host: 127.0.0.1:" + s.port() + "\r\n"
                    + "User-Agent: ESP32-http-Update\r\n"
                    + "Connection: close\r\n"
                    + "Cache-Control: no-cache\r\n"
                    + "x-ESP32-STA-MAC: 24:0A:C4:12:34:56\r\n"
                    + "x-ESP32-AP-MAC: 24:0A:C4:12:34:57\r\n"
                    + "x-ESP32-free-space: 1310720\r\n"
                    + "x-ESP32-sketch-size: " + E1.length + "\r\n"
                    + "x-ESP32-sketch-md5: " + md5(E1) + "\r\n"
                    + "x-ESP32-sketch-sha256: " + sha + "\r\n"
                    + "x-ESP32-chip-size: 4194304\r\n"
                    + "x-ESP32-sdk-version: v4.4.5\r\n"
                    + "x-ESP32-mode: sketch\r\n"
                    + "Content-Length: 0\r\n\r\n");
        }
    }

    @Test
    void a200WithTheImageIsWrittenActivatedAndBooted() throws Exception {
        Board board = arduino();
        try (ScriptedServer s = ScriptedServer.answering(ok(V2, md5(V2).toUpperCase(Locale.ROOT)), V2)) {
            UpdateOutcome o = client(board).update(s.uri("/"));
            assertThat(o).isInstanceOf(UpdateOutcome.Updated.class);
        }
        assertThat(((org.updraft.device.boot.BootResult.Booted) board.state()).image()).isEqualTo(V2);
    }

    /** Each scripted answer and the stock reaction to it; the running image stays. */
    @Test
    void everyReactionCode() throws Exception {
        byte[] html = "<html>not firmware</html>".getBytes(StandardCharsets.US_ASCII);
        byte[] huge = ImageBuilder.arduino().flashSizeCode(9).payload(5, 9_000).build();
        expect("HTTP/1.0 200 OK\r\n\r\n", new byte[0], -101, "Server Did Not Report Size");
        expect("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", new byte[0], -101, "Server Did Not Report Size");
        expect("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", new byte[0], -101, "Server Did Not Report Size");
        expect("HTTP/1.0 200 OK\r\nContent-Length: 3000000\r\n\r\n", new byte[0], -100, "Not Enough space");
        expect("HTTP/1.0 404 Not Found\r\n\r\n", new byte[0], -102, "File Not Found (404)");
        expect("HTTP/1.0 403 Forbidden\r\n\r\n", new byte[0], -103, "Forbidden (403)");
        expect("HTTP/1.0 302 Found\r\nLocation: /x\r\n\r\n", new byte[0], -104, "Wrong HTTP Code");
        expect("HTTP/1.0 401 Unauthorized\r\n\r\n", new byte[0], -108, "Unauthorized (401)");
        expect(ok(V2, "abc"), V2, -105, "Wrong MD5");
        expect(ok(html, null), html, -106, "Verify Bin Header Failed");
        expect(ok(huge, null), huge, -107, "New Binary Does Not Fit Flash Size");
        expect(ok(V2, md5(html)), V2, 7, "ERROR[7]: MD5 verification failed");
        expect(ok(V2, null), Arrays.copyOf(V2, 5000), 6, "ERROR[6]: Stream Read Timeout");
        expect("ICY 200 OK\r\n\r\n", new byte[0], -7, "no HTTP server");
        expect("HTTP/1.0 200 OK\r\nContent-Len", new byte[0], -5, "connection lost");
    }

    private static void expect(String head, byte[] body, int code, String message) throws Exception {
        Board board = arduino();
        byte[] before = board.flash().dump();
        try (ScriptedServer s = ScriptedServer.answering(head, body)) {
            assertThat(client(board).update(s.uri("/u/plug"))).as(head).isEqualTo(new UpdateOutcome.Failed(code, message));
        }
        assertThat(Arrays.equals(before, 0, V1.length, board.flash().dump(), 0, V1.length)).isTrue();
        board.powerOn();
        assertThat(((org.updraft.device.boot.BootResult.Booted) board.state()).image()).isEqualTo(V1);
    }

    @Test
    void esp32Treats401AsAWrongCodeAndPeeksOnlyTheMagic() throws Exception {
        Board board = Board.provisioned(new IdfOtaData(FlashMap.ESP32_4M, false), E1);
        HttpUpdateClient esp32 = HttpUpdateClient.esp32(board, ID).timeout(SHORT);
        try (ScriptedServer s = ScriptedServer.answering("HTTP/1.0 401 Unauthorized\r\n\r\n", new byte[0])) {
            assertThat(esp32.update(s.uri("/"))).isEqualTo(new UpdateOutcome.Failed(-104, "Wrong HTTP Code"));
        }
        byte[] gz = ImageBuilder.gzip(E2);
        try (ScriptedServer s = ScriptedServer.answering(ok(gz, null), gz)) {
            assertThat(esp32.update(s.uri("/"))).isEqualTo(new UpdateOutcome.Failed(-106, "Verify Bin Header Failed"));
        }
        try (ScriptedServer s = ScriptedServer.answering(ok(E2, md5(V2)), E2)) {
            assertThat(esp32.update(s.uri("/"))).isEqualTo(new UpdateOutcome.Failed(7, "MD5 Check Failed"));
        }
    }

    @Test
    void aStallBeforeTheHeadIsAReadTimeoutAndARefusedConnectIsConnectionFailed() throws Exception {
        Board board = arduino();
        try (ScriptedServer s = new ScriptedServer(new byte[0], true)) {
            assertThat(client(board).update(s.uri("/"))).isEqualTo(new UpdateOutcome.Failed(-11, "read Timeout"));
        }
        int closedPort;
        try (java.net.ServerSocket gone = new java.net.ServerSocket(0)) {
            closedPort = gone.getLocalPort();
        }
        assertThat(client(board).update(java.net.URI.create("http://127.0.0.1:" + closedPort + "/")))
                .isEqualTo(new UpdateOutcome.Failed(-1, "connection failed"));
    }

    /** Arduino signing: image || sig || u32le(256); x-MD5 is not compared once a verifier is installed. */
    @Test
    void aSignedImageIsVerifiedInsteadOfMd5AndInstalledWithoutItsTrailer() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair keys = g.generateKeyPair();
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(keys.getPrivate());
        signer.update(V2);
        byte[] signed = ImageBuilder.signed(V2, signer.sign());
        SignatureVerifier rsa = new SignatureVerifier() {
            @Override
            public int signatureLength() {
                return 256;
            }

            @Override
            public boolean verify(byte[] written) {
                try {
                    Signature v = Signature.getInstance("SHA256withRSA");
                    v.initVerify(keys.getPublic());
                    v.update(written, 0, written.length - 260);
                    return v.verify(written, written.length - 260, 256);
                } catch (Exception e) {
                    return false;
                }
            }
        };
        Board board = arduino();
        try (ScriptedServer s = ScriptedServer.answering(ok(V1, "0123456789abcdef0123456789abcdef"), V1)) {
            assertThat(client(board).signatureVerifier(rsa).update(s.uri("/")))
                    .isEqualTo(new UpdateOutcome.Failed(12, "ERROR[12]: Signature verification failed"));
        }
        try (ScriptedServer s = ScriptedServer.answering(ok(signed, "0123456789abcdef0123456789abcdef"), signed)) {
            assertThat(client(board).signatureVerifier(rsa).update(s.uri("/"))).isInstanceOf(UpdateOutcome.Updated.class);
        }
        assertThat(((org.updraft.device.boot.BootResult.Booted) board.state()).image()).isEqualTo(V2);
    }
    /**
     * A key installed on the board ({@code Update.installSignature}) is the hook's verifier: core's
     * ArduinoSignature.verifyAsEsp8266. Unsigned, signed by another key, tampered: ERROR[12] even
     * with a correct x-MD5, v1 byte-intact; correctly signed with a bogus x-MD5: installed.
     */
    @Test
    void aKeyInstalledOnTheBoardVerifiesEveryPullAndSkipsXMd5() throws Exception {
        org.updraft.core.sign.SigningKey key = org.updraft.core.sign.KeyAlgorithm.RSA_2048.generate();
        org.updraft.core.sign.SigningKey other = org.updraft.core.sign.KeyAlgorithm.RSA_2048.generate();
        byte[] signed = org.updraft.core.sign.ArduinoSignature.sign(V2, key);
        byte[] foreign = org.updraft.core.sign.ArduinoSignature.sign(V2, other);
        byte[] tampered = signed.clone();
        tampered[5000] ^= 1;
        Board board = arduino();
        board.installPublicKey(key.verifyingKey());
        byte[] sketchBefore = board.flash().read(0, 0x10000);
        for (byte[] refused : new byte[][] {V2, foreign, tampered}) {
            try (ScriptedServer s = ScriptedServer.answering(ok(refused, md5(refused)), refused)) {
                assertThat(client(board).update(s.uri("/")))
                        .isEqualTo(new UpdateOutcome.Failed(12, "ERROR[12]: Signature verification failed"));
            }
            board.powerOn();
            assertThat(((org.updraft.device.boot.BootResult.Booted) board.state()).image()).isEqualTo(V1);
            assertThat(board.flash().read(0, 0x10000)).isEqualTo(sketchBefore);
        }
        try (ScriptedServer s = ScriptedServer.answering(ok(signed, "0123456789abcdef0123456789abcdef"), signed)) {
            assertThat(client(board).update(s.uri("/"))).isInstanceOf(UpdateOutcome.Updated.class);
        }
        assertThat(((org.updraft.device.boot.BootResult.Booted) board.state()).image()).isEqualTo(V2);
    }
}
