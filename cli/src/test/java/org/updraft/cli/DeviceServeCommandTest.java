package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;

/**
 * {@code updraft device serve}: an emulated device answering the exchanges the real tools make
 * (curl's requests byte for byte, espota.py's invitation and stream), and {@code updraft push}
 * against it; the log says what the device did and which slot booted.
 */
class DeviceServeCommandTest {
    static final byte[] USER1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_1M).payload(1, 30_000).build();
    static final byte[] USER2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_1M).payload(2, 40_000).build();
    static final byte[] SKETCH1 = ImageBuilder.arduino().flashSizeCode(2).payload(1, 30_000).build();
    static final byte[] SKETCH2 = ImageBuilder.arduino().flashSizeCode(2).payload(2, 40_000).build();

    @TempDir
    Path dir;

    private Path file(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    /** {@code updraft device serve …} running in-process until closed (an interrupt, as Ctrl-C stops it). */
    static final class Serving implements AutoCloseable {
        private final StringWriter out = new StringWriter();
        private final StringWriter err = new StringWriter();
        private final Thread thread;
        private volatile int exit = -1;

        Serving(String... args) {
            picocli.CommandLine cli = Updraft.commandLine();
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            thread = Thread.ofPlatform().name("device-serve").start(() -> exit = cli.execute(args));
        }

        /** Waits (at most 10 s) until the log holds {@code text}; returns the log. */
        String await(String text) throws InterruptedException {
            return await(text, 0);
        }

        /** Waits (at most 10 s) until the log from character {@code from} on holds {@code text}; returns that part. */
        String await(String text, int from) throws InterruptedException {
            long end = System.nanoTime() + 10_000_000_000L;
            while (!out.toString().substring(from).contains(text) && thread.isAlive() && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            assertThat(out.toString().substring(from)).as("device log (err: %s)", err).contains(text);
            return out.toString().substring(from);
        }

        int port() throws InterruptedException {
            Matcher m = Pattern.compile(" on 127\\.0\\.0\\.1:(\\d+) \\(Ctrl-C stops\\)").matcher(await("(Ctrl-C stops)"));
            assertThat(m.find()).isTrue();
            return Integer.parseInt(m.group(1));
        }

        String log() {
            return out.toString();
        }

        int stop() throws InterruptedException {
            thread.interrupt();
            thread.join(10_000);
            return exit;
        }

        @Override
        public void close() throws InterruptedException {
            if (thread.isAlive()) {
                stop();
            }
        }
    }

    /** Writes {@code request} while reading the answer until the close, as curl does. */
    static String exchange(int port, byte[] request) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    s.getOutputStream().write(request);
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    // the device answered and closed first
                }
            });
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                InputStream in = s.getInputStream();
                for (int n; (n = in.read(buf)) >= 0; ) {
                    answer.write(buf, 0, n);
                }
            } catch (java.net.SocketException reset) {
                // a reset after the answer ends it like a close
            }
            writer.join(10_000);
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** What {@code curl http://127.0.0.1:PORT/PATH} sends. */
    static byte[] curlGet(int port, String path) {
        return ascii("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n");
    }

    /** What wiflash's {@code curl -XPOST --data-binary @fw http://HOST/flash/upload} sends. */
    static byte[] curlPost(int port, String path, byte[] body) {
        return concat(ascii("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUser-Agent: curl/8.5.0\r\n"
                + "Accept: */*\r\nContent-Length: " + body.length + "\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n"),
                body);
    }

    @Test
    void espLinkAnswersLikeTheFirmwareAndPushMeetsIt() throws Exception {
        Path user1 = file("user1.bin", USER1);
        try (Serving device = new Serving("device", "serve", "--profile", "nonos-1m", "--receiver", "esp-link",
                "--firmware", user1.toString(), "--reboot-delay", "0s", "--boot-time", "0s")) {
            int port = device.port();
            assertThat(device.log()).startsWith("emulated nonos-1m board: booted user1 (30,132 bytes, sha256 ");
            String ok = "HTTP/1.0 200 OK\r\nServer: esp-link\r\nConnection: close\r\n";
            assertThat(exchange(port, curlGet(port, "/flash/next")))
                    .isEqualTo(ok + "Content-Type: text/plain\r\nContent-Length: 9\r\n\r\nuser2.bin");
            assertThat(exchange(port, curlGet(port, "/flash/nextfoo"))).startsWith("HTTP/1.0 404 Not Found\r\n")
                    .endsWith("\r\n\r\nNot Found.\r\n");

            byte[] badEntry = ImageBuilder.nonosUser(2, FlashLayout.NONOS_1M).entry(0x4020_1000L).payload(2, 40_000).build();
            assertThat(exchange(port, curlPost(port, "/flash/upload", badEntry))).isEqualTo("HTTP/1.0 400 ERROR\r\n"
                    + "Server: esp-link\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\nInvalid entry addr\r\n");
            device.await("upload refused after the first 1,024 bytes: Invalid entry addr (400, connection closed)");

            Run refused = Run.of("push", "esp-link", "127.0.0.1:" + port, file("bad-user2.bin", badEntry).toString());
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).isEqualTo("error: push to 127.0.0.1:" + port
                    + " failed: device refused the upload: HTTP 400 Invalid entry addr\n");

            Run pushed = Run.of("push", "esp-link", "127.0.0.1:" + port, file("user2.bin", USER2).toString(),
                    "--reboot-wait", "0s");
            assertThat(pushed.exit()).as(pushed.toString()).isZero();
            String log = device.await("reset: booted user2 (40,132 bytes, sha256 ");
            assertThat(log).contains("upload: 40,132 bytes written to user2 at 0x81000 (first 1024 bytes checked, nothing else)\n",
                    "reboot: boot flag flipped to user2 (its header passed; nothing else was checked)\n");
            assertThat(device.stop()).isZero();
            assertThat(device.log()).contains("stopped: booted user2");
        }
    }

    /** The stale-slot hazard as a wiflash-style client meets it: refused upload, reboot anyway, the old user2 boots. */
    @Test
    void espLinkRebootAfterARefusedUploadBootsWhatTheOtherSlotHeld() throws Exception {
        Path user1 = file("user1.bin", USER1);
        try (Serving device = new Serving("device", "serve", "--profile", "nonos-1m", "--receiver", "esp-link",
                "--firmware", user1.toString(), "--reboot-delay", "0s", "--boot-time", "0s")) {
            int port = device.port();
            assertThat(Run.of("push", "esp-link", "127.0.0.1:" + port, file("user2.bin", USER2).toString(),
                    "--reboot-wait", "0s").exit()).isZero();
            Path v3 = file("user1-v3.bin", ImageBuilder.nonosUser(1, FlashLayout.NONOS_1M).payload(3, 20_000).build());
            assertThat(Run.of("push", "esp-link", "127.0.0.1:" + port, v3.toString(), "--reboot-wait", "0s").exit()).isZero();
            device.await("reset: booted user1 (20,132 bytes");
            int mark = device.log().length();
            byte[] page = ascii("<!DOCTYPE html>\n<html><body>" + "x".repeat(2000) + "</body></html>\n");
            assertThat(exchange(port, curlPost(port, "/flash/upload", page))).endsWith("\r\n\r\nIROM magic missing\r\n");
            assertThat(exchange(port, curlGet(port, "/flash/reboot"))).startsWith("HTTP/1.0 200 OK\r\n");
            assertThat(device.await("reset: booted user2 (40,132 bytes", mark)).contains("IROM magic missing",
                    "reboot: boot flag flipped to user2 (its header passed; nothing else was checked)\n");
        }
    }

    @Test
    void webAnswersACurlFormUploadAndReboots() throws Exception {
        Path sketch = file("sketch.bin", SKETCH1);
        try (Serving device = new Serving("device", "serve", "--profile", "arduino-1m", "--receiver", "web",
                "--firmware", sketch.toString(), "--reboot-delay", "0s", "--boot-time", "0s")) {
            int port = device.port();
            String boundary = "------------------------d74496d66958873e";
            byte[] body = concat(ascii("--" + boundary + "\r\nContent-Disposition: form-data; name=\"firmware\";"
                    + " filename=\"fw.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"), SKETCH2,
                    ascii("\r\n--" + boundary + "--\r\n"));
            // curl -F firmware=@fw.bin http://HOST/update
            byte[] request = concat(ascii("POST /update HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUser-Agent: curl/8.5.0\r\n"
                    + "Accept: */*\r\nContent-Length: " + body.length + "\r\nContent-Type: multipart/form-data; boundary="
                    + boundary + "\r\n\r\n"), body);
            String success = "<META http-equiv=\"refresh\" content=\"15;URL=/\">Update Success! Rebooting...";
            assertThat(exchange(port, request)).isEqualTo("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
                    + success.length() + "\r\nConnection: close\r\n\r\n" + success);
            device.await("reset: booted ");
            device.await("back on the network");
            assertThat(device.log()).contains("upload: staged for eboot's copy; restarting\n");
            assertThat(exchange(port, curlGet(port, "/nope"))).endsWith("\r\n\r\nNot found: /nope");
        }
    }

    /** espota.py: UDP invitation, "OK", the device connects back, counts after each chunk, "OK" at the end. */
    @Test
    void arduinoOtaTakesAnEspotaStyleUpdate() throws Exception {
        Path sketch = file("sketch.bin", SKETCH1);
        try (Serving device = new Serving("device", "serve", "--profile", "arduino-1m", "--receiver", "arduino-ota",
                "--firmware", sketch.toString(), "--reboot-delay", "0s");
             ServerSocket host = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int port = device.port();
            udp.setSoTimeout(10_000);
            host.setSoTimeout(10_000);
            String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(SKETCH2));
            byte[] invitation = ascii("0 " + host.getLocalPort() + " " + SKETCH2.length + " " + md5 + "\n");
            udp.send(new DatagramPacket(invitation, invitation.length, InetAddress.getLoopbackAddress(), port));
            DatagramPacket reply = new DatagramPacket(new byte[64], 64);
            udp.receive(reply);
            assertThat(new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII)).isEqualTo("OK");
            try (Socket s = host.accept()) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                for (int at = 0; at < SKETCH2.length; at += 1460) {
                    out.write(SKETCH2, at, Math.min(1460, SKETCH2.length - at));
                }
                out.flush();
                ByteArrayOutputStream answer = new ByteArrayOutputStream();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[256];
                for (int n; !answer.toString(StandardCharsets.US_ASCII).endsWith("OK") && (n = in.read(buf)) >= 0; ) {
                    answer.write(buf, 0, n);
                }
                assertThat(answer.toString(StandardCharsets.US_ASCII)).endsWith("OK");
            }
            device.await("reset: booted ");
            assertThat(device.log()).contains("update: MD5 matches; staged for eboot's copy; restarting\n");
        }
    }

    @Test
    void aReceiverTheProfileCannotRunIsAUsageError() throws Exception {
        Path sketch = file("sketch.bin", SKETCH1);
        Run run = Run.of("device", "serve", "--profile", "arduino-1m", "--receiver", "esp-link", "--firmware", sketch.toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: --receiver esp-link on --profile arduino-1m: esp-link runs on NONOS SDK boards"
                + " (NonosBoot), not eboot-copy\n");
        Run unknown = Run.of("device", "serve", "--profile", "esp32-4m", "--receiver", "web", "--firmware", sketch.toString());
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).startsWith("error: unknown profile 'esp32-4m'; expected one of nonos-1m, nonos-512k, arduino-1m,"
                + " arduino-4m\n");
    }
}
