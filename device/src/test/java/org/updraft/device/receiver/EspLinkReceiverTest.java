package org.updraft.device.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.updraft.device.receiver.Fixtures.ascii;
import static org.updraft.device.receiver.Fixtures.concat;
import static org.updraft.device.receiver.Fixtures.exchange;
import static org.updraft.device.receiver.Fixtures.nonos;
import static org.updraft.device.receiver.Fixtures.runs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.NonosBoot;
import org.updraft.device.boot.TrialBoot;
import org.updraft.device.push.EspLinkPush;
import org.updraft.device.push.PushFailure;
import org.updraft.device.push.Pushed;

/** esp-link's cgiflash.c on a 1 MB NONOS board, driven by EspLinkPush (wiflash), raw HTTP and curl. */
class EspLinkReceiverTest {
    static final byte[] V1 = nonos(1, 1, 30_000);
    static final byte[] V2 = nonos(2, 2, 40_000);
    static final byte[] V3 = nonos(1, 3, 20_000);

    private final Board board = Fixtures.nonosBoard(V1);
    private EspLinkReceiver receiver;

    private EspLinkReceiver start(Board b) throws Exception {
        receiver = EspLinkReceiver.builder(b).rebootDelay(Duration.ZERO).start();
        return receiver;
    }

    private EspLinkPush client() {
        return new EspLinkPush(receiver.address(), Duration.ofSeconds(10), Duration.ZERO, Duration.ofMillis(5));
    }

    @AfterEach
    void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }

    private static byte[] post(String path, byte[] body) {
        // what `curl -XPOST --data-binary @fw.bin http://host/flash/upload` sends
        return concat(ascii("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n"
                + "Content-Length: " + body.length + "\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Connection: close\r\n\r\n"), body);
    }

    private static byte[] get(String path) {
        return ascii("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    }

    /** esp-link's status line and headers ({@code httpdStartResponse}). */
    static final String OK = "HTTP/1.0 200 OK\r\nServer: esp-link\r\nConnection: close\r\n";
    static final String ERROR = "HTTP/1.0 400 ERROR\r\nServer: esp-link\r\nConnection: close\r\n";

    private static String refusal(String reason) {
        return ERROR + "Content-Type: text/plain\r\n\r\n" + reason + "\r\n";
    }

    private NonosBoot boot() {
        return (NonosBoot) board.bootloader();
    }

    @Test
    void wiflashPushesTheSlotNotRunningAndNextFlips() throws Exception {
        start(board);
        assertThat(exchange(receiver.address(), get("/flash/next")))
                .isEqualTo(OK + "Content-Type: text/plain\r\nContent-Length: 9\r\n\r\nuser2.bin");

        Pushed pushed = client().push(null, V2, sent -> { });
        assertThat(pushed).isEqualTo(new Pushed("esp-link", V2.length, "/flash/next now answers user1.bin: the device runs user2"));
        runs(board, V2);
        assertThat(Fixtures.booted(board).slot().name()).isEqualTo("user2");

        assertThat(client().push(V3, V2, sent -> { }).verified()).isEqualTo("/flash/next now answers user2.bin: the device runs user1");
        runs(board, V3);
        assertThat(receiver.reboots()).isEqualTo(2);
    }

    @Test
    void aRawCurlStylePostUploadsAndRebootSwitches() throws Exception {
        start(board);
        assertThat(exchange(receiver.address(), post("/flash/upload", V2))).isEqualTo(OK + "\r\n");
        runs(board, V1); // not before the reboot
        assertThat(exchange(receiver.address(), get("/flash/reboot"))).isEqualTo(OK + "Content-Length: 0\r\n\r\n");
        receiver.awaitRunning();
        runs(board, V2);
    }

    @Test
    void realCurlIsCompatible(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/curl")), "curl is not installed");
        start(board);
        Path file = Files.write(dir.resolve("user2.bin"), V2);
        String base = "http://127.0.0.1:" + receiver.address().getPort();
        assertThat(curl("-s", "-w", "%{http_code}", "-XPOST", "--data-binary", "@" + file, base + "/flash/upload")).isEqualTo("200");
        assertThat(curl("-s", "-w", " %{http_code}", base + "/flash/reboot")).isEqualTo(" 200");
        receiver.awaitRunning();
        runs(board, V2);
        assertThat(curl("-s", base + "/flash/next")).isEqualTo("user1.bin");
    }

    private static String curl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("/usr/bin/curl", "-m", "20"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    @Test
    void routesMatchExactlyAndAQueryIsNotPartOfThePath() throws Exception {
        start(board);
        assertThat(exchange(receiver.address(), get("/flash/nextfoo"))).isEqualTo(
                "HTTP/1.0 404 Not Found\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nNot Found.\r\n");
        assertThat(exchange(receiver.address(), get("/flash"))).startsWith("HTTP/1.0 404 Not Found\r\n");
        assertThat(exchange(receiver.address(), get("/flash/next?t=1"))).endsWith("\r\n\r\nuser2.bin");
    }

    /**
     * esp-link refuses after the first 1024-byte chunk and closes: the answer arrives while the
     * client still has almost all of the body to send, and it has no length (close-delimited).
     */
    @Test
    void aRefusalComesAfterTheFirstChunkAndTheConnectionCloses() throws Exception {
        start(board);
        byte[] badEntry = V2.clone();
        badEntry[7] = 0x3F;
        try (java.net.Socket s = new java.net.Socket(receiver.address().getAddress(), receiver.address().getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(ascii("POST /flash/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                    + badEntry.length + "\r\n\r\n"));
            s.getOutputStream().write(badEntry, 0, EspLinkReceiver.CHUNK); // only the first chunk
            s.getOutputStream().flush();
            // the whole answer and the close, without sending another byte
            assertThat(new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1))
                    .isEqualTo(refusal("Invalid entry addr"));
        }
        assertThat(exchange(receiver.address(), post("/flash/upload", badEntry))).isEqualTo(refusal("Invalid entry addr"));
        assertThatThrownBy(() -> client().push(null, badEntry, sent -> { }))
                .isInstanceOf(PushFailure.class)
                .hasMessageStartingWith("device refused the upload: HTTP 400 Invalid entry addr")
                .matches(e -> !((PushFailure) e).retryable());
        runs(board, V1);
        assertThat(receiver.reboots()).isZero();
    }

    @Test
    void tooLargeIsRefusedWith400AndTheRunningImageStaysIntact() throws Exception {
        start(board);
        byte[] huge = nonos(2, 9, EspLinkReceiver.FIRMWARE_SIZE + 4096);
        assertThat(huge.length).isGreaterThan(EspLinkReceiver.FIRMWARE_SIZE);
        assertThatThrownBy(() -> client().push(null, huge, sent -> { }))
                .isInstanceOf(PushFailure.class)
                .hasMessageStartingWith("device refused the upload: HTTP 400 Firmware image too large")
                .matches(e -> !((PushFailure) e).retryable());
        assertThat(exchange(receiver.address(), post("/flash/upload", huge))).isEqualTo(refusal("Firmware image too large"));
        runs(board, V1);
        client().push(null, V2, sent -> { });
        runs(board, V2);
    }

    @Test
    void headerChecksAndInvalidRequestsUseEspLinksTexts() throws Exception {
        start(board);
        byte[] badFlash = V2.clone();
        badFlash[1] = 3;
        byte[] badOffset = V2.clone();
        badOffset[8] = 1;
        assertThat(exchange(receiver.address(), post("/flash/upload", badFlash))).isEqualTo(refusal("bad flash header"));
        assertThat(exchange(receiver.address(), post("/flash/upload", badOffset))).isEqualTo(refusal("Invalid start offset"));
        assertThat(exchange(receiver.address(), post("/flash/upload", new byte[1023]))).isEqualTo(refusal("Invalid request"));
        assertThat(exchange(receiver.address(), get("/flash/upload"))).isEqualTo(refusal("Invalid request"));
        runs(board, V1);
    }

    /**
     * Only the first chunk is checked: a complete upload of a truncated image (its header intact)
     * is answered 200, and {@code /flash/reboot} moves the boot flag to it. The stock boot.bin would
     * jump into it; the model's verifying boot falls back to user1 (docs/emulator-fidelity.md).
     */
    @Test
    void aTruncatedImageWithAGoodHeaderIsAcceptedAndRebootSelectsIt() throws Exception {
        start(board);
        byte[] truncated = java.util.Arrays.copyOf(V2, V2.length - 5000);
        assertThat(exchange(receiver.address(), post("/flash/upload", truncated))).isEqualTo(OK + "\r\n");
        assertThat(exchange(receiver.address(), get("/flash/reboot"))).isEqualTo(OK + "Content-Length: 0\r\n\r\n");
        receiver.awaitRunning();
        assertThat(boot().selectedSlot(board.flash())).as("the boot flag esp-link left").isEqualTo(2);
        runs(board, V1); // the verifying boot model's fallback, not boot.bin's
    }

    /**
     * The real hazard: esp-link's {@code /flash/reboot} flips to the other slot whenever its first
     * 32 bytes look like firmware, with or without an accepted upload. After a refused upload (the
     * HTML page of a wrong URL) a wiflash-style client that calls {@code /flash/reboot} anyway sees
     * {@code /flash/next} change and calls it success, while the device boots the stale user2.
     */
    @Test
    void rebootAfterARefusedUploadBootsTheStaleSlot() throws Exception {
        start(board);
        client().push(null, V2, sent -> { });
        client().push(V3, null, sent -> { });
        receiver.awaitRunning();
        runs(board, V3); // user1 runs; user2 still holds the older V2
        byte[] page = concat(Fixtures.HTML, new byte[2048]);
        assertThat(exchange(receiver.address(), post("/flash/upload", page))).isEqualTo(refusal("IROM magic missing"));
        assertThat(exchange(receiver.address(), get("/flash/reboot"))).isEqualTo(OK + "Content-Length: 0\r\n\r\n");
        receiver.awaitRunning();
        runs(board, V2); // the stale image boots
        assertThat(exchange(receiver.address(), get("/flash/next"))).endsWith("\r\n\r\nuser1.bin");
    }

    @Test
    void rebootWithoutAnUploadFlipsAndAnEmptySlotIsRefused() throws Exception {
        start(board);
        assertThat(exchange(receiver.address(), get("/flash/reboot"))).isEqualTo(refusal("IROM magic missing"));
        assertThat(receiver.reboots()).isZero();
        client().push(null, V2, sent -> { });
        receiver.awaitRunning();
        runs(board, V2);
        // user1 still holds V1: a bare /flash/reboot goes back to it
        assertThat(exchange(receiver.address(), get("/flash/reboot"))).isEqualTo(OK + "Content-Length: 0\r\n\r\n");
        receiver.awaitRunning();
        runs(board, V1);
    }

    /**
     * The same hazards on Espressif's own boot.bin ({@link NonosBoot#stock}), which esp-link boots
     * with: it jumps into whatever slot the flag names once its first byte is EA, so a truncated
     * image or the other slot's build leaves the chip crash-looping.
     */
    @Test
    void onTheStockBootLoaderTheSelectedBrokenSlotCrashLoops() throws Exception {
        for (byte[] upload : List.of(java.util.Arrays.copyOf(V2, V2.length - 5000), V3)) {
            Board stock = Board.provisioned(NonosBoot.stock(FlashMap.NONOS_1M), V1);
            start(stock);
            assertThat(exchange(receiver.address(), post("/flash/upload", upload))).isEqualTo(OK + "\r\n");
            assertThat(exchange(receiver.address(), get("/flash/reboot"))).isEqualTo(OK + "Content-Length: 0\r\n\r\n");
            receiver.awaitRunning();
            assertThat(stock.state()).isInstanceOf(org.updraft.device.boot.BootResult.Bricked.class);
            assertThat(((org.updraft.device.boot.BootResult.Bricked) stock.state()).reason())
                    .startsWith("boot.bin jumps into user2").endsWith("it crash-loops until reflashed over serial");
            receiver.close();
        }
        // a valid image for the slot boots as on the verifying model
        Board stock = Board.provisioned(NonosBoot.stock(FlashMap.NONOS_1M), V1);
        start(stock);
        client().push(null, V2, sent -> { });
        runs(stock, V2);
    }

    /** Until esp-link's 2 s timer fires the device answers from the running image; then it is away while booting. */
    @Test
    void duringTheRebootWindowTheOldImageStillAnswers() throws Exception {
        receiver = EspLinkReceiver.builder(board).rebootDelay(Duration.ofMillis(400)).bootTime(Duration.ofMillis(200)).start();
        assertThat(exchange(receiver.address(), post("/flash/upload", V2))).isEqualTo(OK + "\r\n");
        assertThat(exchange(receiver.address(), get("/flash/reboot"))).startsWith(OK);
        assertThat(exchange(receiver.address(), get("/flash/next"))).endsWith("\r\n\r\nuser2.bin"); // still user1 running
        runs(board, V1);
        receiver.awaitRunning();
        runs(board, V2);
        assertThat(exchange(receiver.address(), get("/flash/next"))).endsWith("\r\n\r\nuser1.bin");
    }

    /** A push with no reboot wait meets the window, then the boot: it waits both out. */
    @Test
    void aPushWaitsOutASlowReboot() throws Exception {
        receiver = EspLinkReceiver.builder(board).rebootDelay(Duration.ofMillis(300)).bootTime(Duration.ofMillis(300)).start();
        Pushed pushed = new EspLinkPush(receiver.address(), Duration.ofSeconds(10), Duration.ZERO, Duration.ofMillis(20))
                .push(null, V2, sent -> { });
        assertThat(pushed.verified()).isEqualTo("/flash/next now answers user1.bin: the device runs user2");
        runs(board, V2);
    }

    /**
     * A dropped upload leaves what was written in user2, header included: esp-link's reboot check
     * passes and the flag moves to the half-written slot.
     */
    @Test
    void aDroppedUploadLeavesAHalfWrittenSlotThatRebootSelects() throws Exception {
        start(board);
        byte[] head = ascii("POST /flash/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + V2.length + "\r\n\r\n");
        Fixtures.dropAfter(receiver.address(), head, V2, V2.length / 2);
        Fixtures.awaitAborted(receiver.aborted, 1);
        assertThat(exchange(receiver.address(), get("/flash/reboot"))).isEqualTo(OK + "Content-Length: 0\r\n\r\n");
        receiver.awaitRunning();
        assertThat(receiver.reboots()).isEqualTo(1);
        assertThat(boot().selectedSlot(board.flash())).isEqualTo(2);
        runs(board, V1); // the verifying boot model's fallback

        client().push(null, V2, sent -> { });
        runs(board, V2);
    }

    @Test
    void theWrongBuildIsRefusedBeforeAnythingIsSent() throws Exception {
        start(board);
        assertThatThrownBy(() -> client().push(V3, null, sent -> { }))
                .hasMessage("the device runs user1 and asks for user2.bin, but only the user1.bin build was given;"
                        + " push the user2.bin build (linked for that slot) instead");
        runs(board, V1);
    }

    @Test
    void below1MbEveryRouteSaysFlashTooSmall() throws Exception {
        byte[] small = org.updraft.core.image.ImageBuilder.nonosUser(1, org.updraft.core.layout.FlashLayout.NONOS_512K)
                .payload(1, 10_000).build();
        Board b512 = Board.provisioned(new NonosBoot(FlashMap.NONOS_512K, TrialBoot.OFF), small);
        start(b512);
        for (String path : List.of("/flash/next", "/flash/reboot", "/flash/upload")) {
            assertThat(exchange(receiver.address(), get(path))).isEqualTo(ERROR
                    + "Cache-Control: no-cache, no-store, must-revalidate\r\nPragma: no-cache\r\nExpires: 0\r\n\r\n"
                    + "Flash too small for OTA update");
        }
        assertThatThrownBy(() -> client().next()).hasMessage("device refused GET /flash/next: HTTP 400 Flash too small for OTA update");
    }

    @Test
    void onlyNonosBoardsRunEspLink() {
        Board arduino = Fixtures.arduinoBoard(Fixtures.sketch(1, 8000));
        assertThatThrownBy(() -> start(arduino)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("esp-link runs on NONOS SDK boards (NonosBoot), not eboot-copy");
    }
    /**
     * esp-link's check_header passes a user1.bin build uploaded for user2 (EA, entry 0x4010xxxx):
     * it is written and answered 200, and {@code /flash/reboot} selects it. On the real chip it
     * crash-loops (irom0 linked for the other slot); the model's verifying boot falls back to user1.
     * {@code updraft push esp-link} refuses such a build before sending (PushCommandTest).
     */
    @Test
    void theBuildForTheOtherSlotIsAcceptedAndRebootSelectsIt() throws Exception {
        start(board);
        assertThat(exchange(receiver.address(), post("/flash/upload", V3))).isEqualTo(OK + "\r\n");
        assertThat(exchange(receiver.address(), get("/flash/reboot"))).isEqualTo(OK + "Content-Length: 0\r\n\r\n");
        receiver.awaitRunning();
        assertThat(boot().selectedSlot(board.flash())).isEqualTo(2);
        runs(board, V1);
        assertThat(exchange(receiver.address(), get("/flash/next"))).endsWith("user2.bin");
    }
}
