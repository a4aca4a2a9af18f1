package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.EbootCopy;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.NonosBoot;
import org.updraft.device.boot.TrialBoot;
import org.updraft.device.receiver.ArduinoOtaReceiver;
import org.updraft.device.receiver.EspLinkReceiver;
import org.updraft.device.receiver.WebUpdateReceiver;

/** {@code updraft push}: exit codes and messages against the emulator's receivers on loopback. */
class PushCommandTest {
    static final byte[] USER1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_1M).payload(1, 30_000).build();
    static final byte[] USER2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_1M).payload(2, 40_000).build();
    static final byte[] SKETCH1 = ImageBuilder.arduino().flashSizeCode(2).payload(1, 30_000).build();
    static final byte[] SKETCH2 = ImageBuilder.arduino().flashSizeCode(2).payload(2, 40_000).build();
    static final String HTML = "<!DOCTYPE html>\n<html><head><title>Index of /firmware</title></head></html>\n";

    @TempDir
    Path dir;

    private Path file(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] running(Board board) {
        return ((BootResult.Booted) board.state()).image();
    }

    private static String at(InetSocketAddress a) {
        return "127.0.0.1:" + a.getPort();
    }

    @Test
    void espLinkPushesTheRightBuildAndChecksThatNextFlipped() throws Exception {
        Board board = Board.provisioned(new NonosBoot(FlashMap.NONOS_1M, TrialBoot.OFF), USER1);
        try (EspLinkReceiver device = EspLinkReceiver.builder(board).rebootDelay(Duration.ZERO).start()) {
            Path user2 = file("fw-b.bin", USER2);
            Run run = Run.of("push", "esp-link", at(device.address()), user2.toString(), "--reboot-wait", "0s");
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("pushed " + user2 + " (" + String.format("%,d", USER2.length) + " bytes) to " + at(device.address())
                    + " via esp-link as user2.bin\nverified: /flash/next now answers user1.bin: the device runs user2\n");
            assertThat(run.err()).isEqualTo("Uploaded " + String.format("%,d", USER2.length) + " bytes.\n");
            assertThat(running(board)).isEqualTo(USER2);

            // The same user2 build again: the device now runs user2 and wants user1.
            Run wrong = Run.of("push", "esp-link", at(device.address()), user2.toString(), "--reboot-wait", "0s");
            assertThat(wrong.exit()).isEqualTo(1);
            assertThat(wrong.out()).isEmpty();
            assertThat(wrong.err()).isEqualTo("error: " + user2 + " is the user2.bin build, but the device runs user2 and"
                    + " asks for user1.bin; push the user1.bin build (or give both with --user1 and --user2); nothing was sent\n");

            Path user1 = file("user1.bin", USER1);
            Run both = Run.of("push", "esp-link", at(device.address()), "--user1", user1.toString(), "--user2",
                    user2.toString(), "--reboot-wait", "0s");
            assertThat(both.exit()).as(both.toString()).isZero();
            assertThat(both.out()).contains(" via esp-link as user1.bin\n");
            assertThat(running(board)).isEqualTo(USER1);

            Run swapped = Run.of("push", "esp-link", at(device.address()), "--user1", user2.toString(), "--user2",
                    user1.toString());
            assertThat(swapped.exit()).isEqualTo(1);
            assertThat(swapped.err()).isEqualTo("error: " + user2 + " is the user2.bin build (irom0 linked at 0x40281010)"
                    + " but was given as --user1; nothing was sent\n");
        }
    }

    @Test
    void espLinkTooLargeIsTheDevicesRefusalAndIsNotRetried() throws Exception {
        Board board = Board.provisioned(new NonosBoot(FlashMap.NONOS_1M, TrialBoot.OFF), USER1);
        byte[] huge = ImageBuilder.nonosUser(2, FlashLayout.NONOS_1M).payload(3, 510_000).build();
        try (EspLinkReceiver device = EspLinkReceiver.builder(board).rebootDelay(Duration.ZERO).start()) {
            Run run = Run.of("push", "esp-link", at(device.address()), file("user2.bin", huge).toString(),
                    "--retry-delay", "0s");
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).isEqualTo("error: push to " + at(device.address())
                    + " failed: device refused the upload: HTTP 400 Firmware image too large\n");
            assertThat(running(board)).isEqualTo(USER1);
        }
    }

    /**
     * esp-link refuses a build whose entry point is not in IRAM (0x4010xxxx) after the first 1024
     * bytes, with a close-delimited HTTP/1.0 400 and a close while the body is still being sent:
     * push reports the device's reason, exits 1 and does not retry a refusal.
     */
    @Test
    void espLinkReportsTheDevicesReasonAfterAnEarlyCloseAndDoesNotRetry() throws Exception {
        Board board = Board.provisioned(new NonosBoot(FlashMap.NONOS_1M, TrialBoot.OFF), USER1);
        byte[] badEntry = ImageBuilder.nonosUser(2, FlashLayout.NONOS_1M).entry(0x4020_1000L).payload(2, 40_000).build();
        try (EspLinkReceiver device = EspLinkReceiver.builder(board).rebootDelay(Duration.ZERO).start()) {
            Run run = Run.of("push", "esp-link", at(device.address()), file("user2.bin", badEntry).toString(),
                    "--retry-delay", "0s");
            assertThat(run.exit()).as(run.toString()).isEqualTo(1);
            assertThat(run.out()).isEmpty();
            assertThat(run.err()).isEqualTo("error: push to " + at(device.address()) + " failed: device refused the"
                    + " upload: HTTP 400 Invalid entry addr\n");
            assertThat(device.reboots()).isZero();
            assertThat(running(board)).isEqualTo(USER1);
        }
    }

    /**
     * What protects a web or arduino-ota push from the core's thin check (magic byte and flash size
     * only; WebUpdateReceiverTest shows a corrupt sketch staged and the board bricked): the image is
     * parsed and refused before a byte is sent.
     */
    @Test
    void aCorruptSketchIsRefusedBeforeAnythingIsSent() throws Exception {
        byte[] corrupt = SKETCH2.clone();
        corrupt[corrupt.length - 100] ^= 0x55;
        Path fw = file("fw.bin", corrupt);
        for (String protocol : new String[] {"web", "arduino-ota"}) {
            Run run = Run.of("push", protocol, "127.0.0.1:9", fw.toString());
            assertThat(run.exit()).as(run.toString()).isEqualTo(1);
            assertThat(run.err()).startsWith("error: " + fw + " is not a firmware image: ").endsWith("; nothing was sent\n");
        }
    }

    @Test
    void aNonImageIsRefusedBeforeAnythingIsSent() throws Exception {
        Path page = Files.writeString(dir.resolve("user2.bin"), HTML);
        for (String protocol : new String[] {"esp-link", "web", "arduino-ota"}) {
            // port 9 (discard) is never contacted: the file is refused first
            Run run = Run.of("push", protocol, "127.0.0.1:9", page.toString());
            assertThat(run.exit()).as(run.toString()).isEqualTo(1);
            assertThat(run.err()).startsWith("error: " + page + " is not a firmware image: not a firmware image: starts"
                    + " with '<!DOCTYPE html>'").endsWith("; nothing was sent\n");
        }
        Path sketch = file("sketch.bin", SKETCH1);
        Run wrongKind = Run.of("push", "esp-link", "127.0.0.1:9", sketch.toString());
        assertThat(wrongKind.err()).isEqualTo("error: " + sketch + " is an Arduino ESP8266 sketch (eboot + app);"
                + " esp-link flashes NONOS SDK user1.bin/user2.bin (EA) images; nothing was sent\n");
        Path user = file("user1.bin", USER1);
        Run nonosToWeb = Run.of("push", "web", "127.0.0.1:9", user.toString());
        assertThat(nonosToWeb.err()).isEqualTo("error: " + user + " is a NONOS SDK user image (EA); push it with"
                + " 'updraft push esp-link'; nothing was sent\n");
    }

    @Test
    void webPushWithBasicAuth() throws Exception {
        Board board = Board.provisioned(new EbootCopy(FlashMap.ARDUINO_1M), SKETCH1);
        try (WebUpdateReceiver device = WebUpdateReceiver.builder(board).credentials("admin", "admin")
                .rebootDelay(Duration.ZERO).start()) {
            Path fw = file("fw.bin", SKETCH2);
            Run denied = Run.of("push", "web", at(device.address()), fw.toString(), "--user", "admin", "--password", "x");
            assertThat(denied.exit()).isEqualTo(1);
            assertThat(denied.err()).isEqualTo("error: push to " + at(device.address()) + " failed: the device refused"
                    + " the credentials: HTTP 401 (Basic realm=\"Login Required\"); check --user and --password\n");
            assertThat(running(board)).isEqualTo(SKETCH1);

            Run ok = Run.of("push", "web", at(device.address()), fw.toString(), "--user", "admin", "--password", "admin");
            assertThat(ok.exit()).as(ok.toString()).isZero();
            assertThat(ok.out()).isEqualTo("pushed " + fw + " (" + String.format("%,d", SKETCH2.length) + " bytes) to " + at(device.address()) + " via web\n"
                    + "verified: \"Update Success! Rebooting...\", and GET /update answers 200 again after the reboot\n");
            assertThat(running(board)).isEqualTo(SKETCH2);
        }
    }

    @Test
    void arduinoOtaPushWithPassword() throws Exception {
        Board board = Board.provisioned(new EbootCopy(FlashMap.ARDUINO_1M), SKETCH1);
        try (ArduinoOtaReceiver device = ArduinoOtaReceiver.builder(board).port(0).password("ota")
                .okDelay(Duration.ZERO).rebootDelay(Duration.ZERO).start()) {
            Path fw = file("fw.bin", SKETCH2);
            Run denied = Run.of("push", "arduino-ota", at(device.address()), fw.toString(), "--password", "nope");
            assertThat(denied.exit()).isEqualTo(1);
            assertThat(denied.err()).isEqualTo("error: push to " + at(device.address()) + " failed: authentication"
                    + " failed: the device answered \"Authentication Failed\"; check --password\n");

            byte[] huge = ImageBuilder.arduino().flashSizeCode(2).payload(5, 0xEB000 - 0x4000).build();
            Run tooLarge = Run.of("push", "arduino-ota", at(device.address()), file("big.bin", huge).toString(),
                    "--password", "ota");
            assertThat(tooLarge.err()).isEqualTo("error: push to " + at(device.address()) + " failed: the device refused"
                    + " the update: ERR: ERROR[4]: Not Enough Space\n");
            assertThat(running(board)).isEqualTo(SKETCH1);

            Run ok = Run.of("push", "arduino-ota", at(device.address()), fw.toString(), "--password", "ota");
            assertThat(ok.exit()).as(ok.toString()).isZero();
            assertThat(ok.out()).endsWith(" via arduino-ota\nverified: the device checked the MD5 of the written image"
                    + " (Update.end) and answered OK; it restarts into it\n");
            device.awaitRunning();
            assertThat(running(board)).isEqualTo(SKETCH2);
        }
    }

    @Test
    void transportFailuresAreRetriedAndThenReported() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Path fw = file("fw.bin", SKETCH2);
        Run run = Run.of("push", "web", "127.0.0.1:" + closed, fw.toString(), "--retries", "2", "--retry-delay", "0s");
        assertThat(run.exit()).isEqualTo(1);
        String refused = "cannot connect to 127.0.0.1:" + closed + " (connection refused)";
        assertThat(run.err()).isEqualTo("attempt 1 of 3 failed: " + refused + "; retrying in 0s\n"
                + "attempt 2 of 3 failed: " + refused + "; retrying in 0s\n"
                + "error: push to 127.0.0.1:" + closed + " failed after 3 attempts: " + refused + "\n");
    }

    @Test
    void anUploadDroppedMidStreamIsRetriedAndTheOldImageSurvivesUntilThen() throws Exception {
        Board board = Board.provisioned(new EbootCopy(FlashMap.ARDUINO_1M), SKETCH1);
        try (WebUpdateReceiver device = WebUpdateReceiver.builder(board).rebootDelay(Duration.ZERO).start();
             CuttingProxy proxy = new CuttingProxy(device.address(), 20_000)) {
            Path fw = file("fw.bin", SKETCH2);
            Run run = Run.of("push", "web", at(proxy.address()), fw.toString(), "--retry-delay", "0s");
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.err()).startsWith("attempt 1 of 3 failed: ").contains("; retrying in 0s\n");
            assertThat(proxy.cuts.get()).isEqualTo(1);
            assertThat(running(board)).isEqualTo(SKETCH2);
        }
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        Path fw = file("user2.bin", USER2);
        Run none = Run.of("push");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).startsWith("error: missing protocol: one of esp-link, web, arduino-ota\n");
        assertThat(Run.of("push", "esp-link").exit()).isEqualTo(2);
        Run both = Run.of("push", "esp-link", "10.0.0.5", fw.toString(), "--user1", fw.toString());
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).startsWith("error: give FILE or --user1/--user2, not both\n");
        Run port = Run.of("push", "web", "10.0.0.5:99999", fw.toString());
        assertThat(port.exit()).isEqualTo(2);
        assertThat(port.err()).startsWith("error: '99999' in '10.0.0.5:99999' is not a port (1-65535)\n");
        assertThat(Run.of("push", "arduino-ota", "10.0.0.5", fw.toString(), "--timeout", "soon").exit()).isEqualTo(2);
        assertThat(Run.of("push", "ftp", "10.0.0.5", fw.toString()).exit()).isEqualTo(2);
    }

    /** A TCP forwarder that cuts the first connection carrying more than {@code limit} bytes upstream. */
    static final class CuttingProxy implements AutoCloseable {
        final AtomicInteger cuts = new AtomicInteger();
        private final ServerSocket server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        private final InetSocketAddress upstream;
        private final long limit;

        CuttingProxy(InetSocketAddress upstream, long limit) throws IOException {
            this.upstream = upstream;
            this.limit = limit;
            Thread.ofVirtual().start(this::accept);
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        private void accept() {
            while (!server.isClosed()) {
                Socket client;
                try {
                    client = server.accept();
                } catch (IOException e) {
                    return;
                }
                try {
                    Socket device = new Socket(upstream.getAddress(), upstream.getPort());
                    Thread.ofVirtual().start(() -> pump(client, device, cuts.get() == 0));
                    Thread.ofVirtual().start(() -> pump(device, client, false));
                } catch (IOException e) {
                    try {
                        client.close(); // the device is away (rebooting): so is the proxied connection
                    } catch (IOException ignored) {
                        // closing
                    }
                }
            }
        }

        private void pump(Socket from, Socket to, boolean cut) {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                byte[] buf = new byte[8192];
                long total = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (cut && total + n > limit && cuts.compareAndSet(0, 1)) {
                        out.write(buf, 0, (int) (limit - total));
                        out.flush();
                        from.setSoLinger(true, 0);
                        to.setSoLinger(true, 0);
                        from.close();
                        to.close();
                        return;
                    }
                    total += n;
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side went away
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
