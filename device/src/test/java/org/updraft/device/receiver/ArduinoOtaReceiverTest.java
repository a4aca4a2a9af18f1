package org.updraft.device.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.updraft.device.receiver.Fixtures.runs;
import static org.updraft.device.receiver.Fixtures.sketch;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.updraft.device.boot.Board;
import org.updraft.device.push.ArduinoOtaPush;
import org.updraft.device.push.PushFailure;
import org.updraft.device.push.Pushed;

/** ArduinoOTA on a 1 MB Arduino board, driven by ArduinoOtaPush (espota.py) and by a scripted host. */
class ArduinoOtaReceiverTest {
    static final byte[] V1 = sketch(1, 30_000);
    static final byte[] V2 = sketch(2, 8192);

    private final Board board = Fixtures.arduinoBoard(V1);
    private ArduinoOtaReceiver receiver;

    private void start(String password) throws Exception {
        receiver = ArduinoOtaReceiver.builder(board).port(0).password(password)
                .okDelay(Duration.ZERO).rebootDelay(Duration.ZERO).stallTimeout(Duration.ofSeconds(10)).start();
    }

    private ArduinoOtaPush client(String password) {
        return new ArduinoOtaPush(receiver.address(), password, 0, Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }

    static String md5(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    }

    /** A host speaking the protocol by hand: UDP to the device, a TCP port the device connects to. */
    final class Host implements AutoCloseable {
        final DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        final ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());

        Host() throws IOException {
            udp.setSoTimeout(10_000);
            tcp.setSoTimeout(10_000);
        }

        String say(String text) throws IOException {
            byte[] b = text.getBytes(StandardCharsets.US_ASCII);
            udp.send(new DatagramPacket(b, b.length, receiver.address()));
            DatagramPacket answer = new DatagramPacket(new byte[128], 128);
            udp.receive(answer);
            return new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII);
        }

        /** Sends {@code text} and asserts that no answer comes within 200 ms. */
        void ignored(String text) throws IOException {
            udp.setSoTimeout(200);
            assertThatThrownBy(() -> say(text)).isInstanceOf(SocketTimeoutException.class);
            udp.setSoTimeout(10_000);
        }

        String invite(byte[] image, String md5) throws IOException {
            return say("0 " + tcp.getLocalPort() + " " + image.length + " " + md5 + "\n");
        }

        @Override
        public void close() throws IOException {
            udp.close();
            tcp.close();
        }
    }

    @Test
    void espotaPushesAndTheBoardRestartsIntoTheNewSketch() throws Exception {
        start("");
        Pushed pushed = client(null).push(V2, sent -> { });
        assertThat(pushed).isEqualTo(new Pushed("arduino-ota", V2.length,
                "the device checked the MD5 of the written image (Update.end) and answered OK; it restarts into it"));
        receiver.awaitRunning();
        runs(board, V2);
    }

    @Test
    void theDeviceAnswersEachChunkWithItsDecimalByteCountThenOk() throws Exception {
        start("");
        try (Host host = new Host()) {
            assertThat(host.invite(V2, md5(V2))).isEqualTo("OK");
            try (Socket device = host.tcp.accept()) {
                device.setSoTimeout(10_000);
                InputStream in = device.getInputStream();
                StringBuilder counts = new StringBuilder();
                StringBuilder expected = new StringBuilder();
                for (int at = 0; at < V2.length; at += 1460) {
                    int n = Math.min(1460, V2.length - at);
                    device.getOutputStream().write(V2, at, n);
                    counts.append(readExactly(in, Integer.toString(n).length())).append(' ');
                    expected.append(n).append(' ');
                }
                assertThat(V2.length % 1460).isNotZero();
                assertThat(counts.toString()).isEqualTo(expected.toString()).startsWith("1460 1460 ");
                assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("OK");
            }
        }
        receiver.awaitRunning();
        runs(board, V2);
    }

    private static String readExactly(InputStream in, int n) throws IOException {
        return new String(in.readNBytes(n), StandardCharsets.US_ASCII);
    }

    @Test
    void passwordsUseTheMd5Challenge() throws Exception {
        start("s3cret");
        assertThatThrownBy(() -> client("wrong").push(V2, sent -> { }))
                .isInstanceOf(PushFailure.class)
                .hasMessage("authentication failed: the device answered \"Authentication Failed\"; check --password")
                .matches(e -> !((PushFailure) e).retryable());
        assertThatThrownBy(() -> client(null).push(V2, sent -> { }))
                .hasMessage("the device asks for a password (AUTH); give --password");
        try (Host host = new Host()) {
            String auth = host.invite(V2, md5(V2));
            assertThat(auth).matches("AUTH [0-9a-f]{32}");
            String cnonce = md5("c".getBytes());
            String wrong = md5((md5("nope".getBytes()) + ":" + auth.substring(5) + ":" + cnonce).getBytes());
            assertThat(host.say("200 " + cnonce + " " + wrong + "\n")).isEqualTo("Authentication Failed");
        }
        runs(board, V1);
        client("s3cret").push(V2, sent -> { });
        receiver.awaitRunning();
        runs(board, V2);
    }

    @Test
    void tooLargeIsRefusedAtBeginWithErr() throws Exception {
        start("");
        byte[] huge = sketch(9, 0xEB000 - 0x4000);
        assertThatThrownBy(() -> client(null).push(huge, sent -> { }))
                .hasMessage("the device refused the update: ERR: ERROR[4]: Not Enough Space");
        runs(board, V1);
        client(null).push(V2, sent -> { });
        receiver.awaitRunning();
        runs(board, V2);
    }

    @Test
    void anHtmlPageFailsTheMagicByteCheck() throws Exception {
        start("");
        byte[] page = Fixtures.concat(Fixtures.HTML, " ".repeat(6000).getBytes());
        assertThatThrownBy(() -> client(null).push(page, sent -> { }))
                .hasMessage("the device refused the image: ERROR[10]: Magic byte is not 0xE9");
        board.reset();
        runs(board, V1);
        client(null).push(V2, sent -> { });
        receiver.awaitRunning();
        runs(board, V2);
    }

    @Test
    void aWrongMd5IsErrorSeven() throws Exception {
        start("");
        String claimed = "0123456789abcdef0123456789abcdef";
        try (Host host = new Host()) {
            assertThat(host.invite(V2, claimed)).isEqualTo("OK");
            try (Socket device = host.tcp.accept()) {
                device.getOutputStream().write(V2);
                String all = new String(device.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertThat(all).endsWith("ERROR[7]: MD5 verification failed: expected: " + claimed
                        + ", calculated: " + md5(V2) + "\n");
            }
        }
        board.reset();
        runs(board, V1);
    }

    @Test
    void otherCommandsAndShortMd5sAreIgnored() throws Exception {
        start("");
        try (Host host = new Host()) {
            host.ignored("5 " + host.tcp.getLocalPort() + " " + V2.length + " " + md5(V2) + "\n");
            host.ignored("0 " + host.tcp.getLocalPort() + " " + V2.length + " " + md5(V2).substring(1) + "\n");
            assertThat(host.say("100 " + host.tcp.getLocalPort() + " 4096 " + md5(V2) + "\n"))
                    .isEqualTo("ERR: file system images are not supported by the emulated board (it models no file system)");
        }
        runs(board, V1);
    }

    @Test
    void aDroppedStreamActivatesNothingAndTheNextPushSucceeds() throws Exception {
        start("");
        try (Host host = new Host()) {
            assertThat(host.invite(V2, md5(V2))).isEqualTo("OK");
            try (Socket device = host.tcp.accept()) {
                device.setSoLinger(true, 0);
                device.getOutputStream().write(V2, 0, 5000);
                device.getOutputStream().flush();
                readSomeCounts(device.getInputStream());
            }
        }
        Fixtures.awaitAborted(receiver.aborted, 1);
        board.reset();
        runs(board, V1);
        assertThat(receiver.reboots()).isZero();
        client(null).push(V2, sent -> { });
        receiver.awaitRunning();
        runs(board, V2);
    }

    private static void readSomeCounts(InputStream in) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        while (seen.size() < "1460".length()) {
            seen.write(in.read());
        }
    }
}
