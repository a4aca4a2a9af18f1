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

    @Test
    void wiflashPushesTheSlotNotRunningAndNextFlips() throws Exception {
        start(board);
        String next = exchange(receiver.address(), get("/flash/next"));
        assertThat(next).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("Content-type: text/plain\r\n")
                .containsIgnoringCase("Content-length: 9\r\n").endsWith("\r\n\r\nuser2.bin");

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
        String upload = exchange(receiver.address(), post("/flash/upload", V2));
        assertThat(upload).startsWith("HTTP/1.1 200 OK\r\n").doesNotContain("Content-type");
        runs(board, V1); // not before the reboot
        String reboot = exchange(receiver.address(), get("/flash/reboot"));
        assertThat(reboot).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("Content-length: 0\r\n");
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
    void tooLargeIsRefusedWith400AndTheRunningImageStaysIntact() throws Exception {
        start(board);
        byte[] huge = nonos(2, 9, EspLinkReceiver.FIRMWARE_SIZE + 4096);
        assertThat(huge.length).isGreaterThan(EspLinkReceiver.FIRMWARE_SIZE);
        assertThatThrownBy(() -> client().push(null, huge, sent -> { }))
                .isInstanceOf(PushFailure.class)
                .hasMessage("device refused the upload: HTTP 400 Firmware image too large")
                .matches(e -> !((PushFailure) e).retryable());
        String raw = exchange(receiver.address(), post("/flash/upload", huge));
        assertThat(raw).startsWith("HTTP/1.1 400 Bad Request\r\n").containsIgnoringCase("Content-type: text/plain\r\n")
                .endsWith("\r\n\r\nFirmware image too large\r\n");
        runs(board, V1);
        client().push(null, V2, sent -> { });
        runs(board, V2);
    }

    @Test
    void anHtmlPageFailsTheHeaderCheckAndRebootRefusesTheEmptySlot() throws Exception {
        start(board);
        byte[] page = concat(Fixtures.HTML, new byte[2048]);
        assertThat(exchange(receiver.address(), post("/flash/upload", page)))
                .startsWith("HTTP/1.1 400 Bad Request\r\n").endsWith("\r\n\r\nIROM magic missing\r\n");
        assertThatThrownBy(() -> client().push(null, page, sent -> { }))
                .hasMessage("device refused the upload: HTTP 400 IROM magic missing");
        assertThat(exchange(receiver.address(), get("/flash/reboot")))
                .startsWith("HTTP/1.1 400 Bad Request\r\n").endsWith("\r\n\r\nIROM magic missing\r\n");
        assertThat(receiver.reboots()).isZero();
        runs(board, V1);
        client().push(null, V2, sent -> { });
        runs(board, V2);
    }

    @Test
    void headerChecksAndInvalidRequestsUseEspLinksTexts() throws Exception {
        start(board);
        byte[] badFlash = V2.clone();
        badFlash[1] = 3;
        byte[] badEntry = V2.clone();
        badEntry[7] = 0x3F;
        byte[] badOffset = V2.clone();
        badOffset[8] = 1;
        assertThat(exchange(receiver.address(), post("/flash/upload", badFlash))).endsWith("\r\n\r\nbad flash header\r\n");
        assertThat(exchange(receiver.address(), post("/flash/upload", badEntry))).endsWith("\r\n\r\nInvalid entry addr\r\n");
        assertThat(exchange(receiver.address(), post("/flash/upload", badOffset))).endsWith("\r\n\r\nInvalid start offset\r\n");
        assertThat(exchange(receiver.address(), post("/flash/upload", new byte[1023])))
                .startsWith("HTTP/1.1 400 ").endsWith("\r\n\r\nInvalid request\r\n");
        assertThat(exchange(receiver.address(), get("/flash/upload")))
                .startsWith("HTTP/1.1 400 ").endsWith("\r\n\r\nInvalid request\r\n");
        runs(board, V1);
    }

    @Test
    void aDroppedUploadActivatesNothingAndTheNextPushSucceeds() throws Exception {
        start(board);
        byte[] head = ascii("POST /flash/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + V2.length + "\r\n\r\n");
        Fixtures.dropAfter(receiver.address(), head, V2, V2.length / 2);
        Fixtures.awaitAborted(receiver.aborted, 1);
        // The slot header was written, so esp-link's check passes: it reboots, but the flag stays.
        assertThat(exchange(receiver.address(), get("/flash/reboot"))).startsWith("HTTP/1.1 200 OK\r\n");
        receiver.awaitRunning();
        assertThat(receiver.reboots()).isEqualTo(1);
        runs(board, V1);
        assertThat(board.powerOn()).isEqualTo(board.state());
        runs(board, V1);

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
        for (String path : List.of("/flash/next", "/flash/reboot")) {
            assertThat(exchange(receiver.address(), get(path))).startsWith("HTTP/1.1 400 Bad Request\r\n")
                    .containsIgnoringCase("Cache-control: no-cache, no-store, must-revalidate\r\n")
                    .endsWith("\r\n\r\nFlash too small for OTA update");
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
     * real esp-link answers 200 and the chip crash-loops after /flash/reboot. The emulated board
     * refuses it after the upload with the link check's reason, and the reboot keeps user1.
     */
    @Test
    void theBuildForTheOtherSlotIsRefusedWith400AndRebootKeepsUser1() throws Exception {
        start(board);
        byte[] raw = exchange(receiver.address(), post("/flash/upload", V3)).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 400 Bad Request\r\n")
                .endsWith("\r\n\r\nnot a valid image for user2: irom0 is linked at 0x40201010 (the user1.bin build) but"
                        + " user2 runs it from 0x40281010: it would crash on its first irom0 call\r\n");
        assertThat(exchange(receiver.address(), get("/flash/reboot"))).startsWith("HTTP/1.1 200 OK\r\n");
        receiver.awaitRunning();
        runs(board, V1);
        assertThat(exchange(receiver.address(), get("/flash/next"))).endsWith("user2.bin");
    }
}
