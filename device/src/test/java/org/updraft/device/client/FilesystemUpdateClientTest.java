package org.updraft.device.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.EbootCopy;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.IdfOtaData;

/**
 * ESPhttpUpdate.updateFS and httpUpdate.updateSpiffs against scripted answers: the exact request,
 * the in-place write, and how each failure leaves the file system — never kinder than the device.
 */
class FilesystemUpdateClientTest {
    static final byte[] SKETCH = ImageBuilder.arduino().flashSizeCode(2).version("1.0.0").payload(1, 9_000).build();
    static final Identity ID = Identity.of("DE:BA:7A:B1:E0:43", "2.2.2-dev(38a443e)");
    static final int FS = 0xEB000;

    static Board lamp() {
        Board board = Board.provisioned(new EbootCopy(FlashMap.ARDUINO_1M), SKETCH);
        byte[] old = new byte[0x10000];
        Arrays.fill(old, (byte) 0x5A);
        board.flash().programPages(FS, old);
        return board;
    }

    static FilesystemUpdateClient client(Board board) {
        return FilesystemUpdateClient.of(HttpUpdateClient.esp8266(board, ID).timeout(Duration.ofMillis(200)).version("1.0.0"));
    }

    static byte[] image(int seed) {
        byte[] b = new byte[0x10000];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    @Test
    void theRequestIsTheSketchRequestWithModeSpiffs() throws Exception {
        Board board = lamp();
        try (ScriptedServer s = ScriptedServer.answering("HTTP/1.0 304 Not Modified\r\n\r\n", new byte[0])) {
            assertThat(client(board).update(s.uri("/u/lamp"))).isEqualTo(new UpdateOutcome.NoUpdate("304 Not Modified"));
            String sketchRequest = HttpUpdateClient.esp8266(board, ID).version("1.0.0").request(s.uri("/u/lamp"));
            assertThat(s.request()).isEqualTo(sketchRequest.replace("x-ESP8266-mode: sketch\r\n", "x-ESP8266-mode: spiffs\r\n"));
        }
    }

    @Test
    void aGoodImageIsWrittenInPlaceAndTheSketchIsNotRestarted() throws Exception {
        Board board = lamp();
        BootResult before = board.state();
        byte[] fs = image(1);
        try (ScriptedServer s = ScriptedServer.answering(HttpUpdateClientTest.ok(fs, md5(fs)), fs)) {
            UpdateOutcome o = client(board).update(s.uri("/u/lamp"));
            assertThat(o).isInstanceOf(UpdateOutcome.FilesystemWritten.class);
            assertThat(((UpdateOutcome.FilesystemWritten) o).booted()).isSameAs(before);
        }
        assertThat(board.flash().read(FS, fs.length)).isEqualTo(fs);
    }

    @Test
    void aWrongMd5IsFoundOnlyAfterTheFileSystemWasOverwritten() throws Exception {
        Board board = lamp();
        byte[] fs = image(2);
        try (ScriptedServer s = ScriptedServer.answering(HttpUpdateClientTest.ok(fs, md5(image(3))), fs)) {
            assertThat(client(board).update(s.uri("/u/lamp"))).isEqualTo(new UpdateOutcome.Failed(7, "ERROR[7]: MD5 verification failed"));
        }
        assertThat(board.flash().read(FS, fs.length)).isEqualTo(fs);
        assertThat(((BootResult.Booted) board.powerOn()).image()).isEqualTo(SKETCH);
    }

    @Test
    void aBrokenTransferLeavesTheFileSystemHalfWritten() throws Exception {
        Board board = lamp();
        byte[] fs = image(4);
        try (ScriptedServer s = ScriptedServer.answering(HttpUpdateClientTest.ok(fs, md5(fs)), Arrays.copyOf(fs, 20_000))) {
            assertThat(client(board).update(s.uri("/u/lamp"))).isEqualTo(new UpdateOutcome.Failed(6, "ERROR[6]: Stream Read Timeout"));
        }
        byte[] now = board.flash().read(FS, fs.length);
        assertThat(Arrays.copyOf(now, 16384)).isEqualTo(Arrays.copyOf(fs, 16384));   // the four full sectors: new
        assertThat(now[0x10000 - 1]).isEqualTo((byte) 0x5A);                          // the rest: old
    }

    @Test
    void atomicKeepsTheOldFileSystemWhenTheMd5IsWrongAndCopiesAGoodOneAtTheRestart() throws Exception {
        Board board = lamp();
        byte[] fs = image(5);
        try (ScriptedServer s = ScriptedServer.answering(HttpUpdateClientTest.ok(fs, md5(image(6))), fs)) {
            assertThat(client(board).atomic().update(s.uri("/u/lamp"))).isEqualTo(new UpdateOutcome.Failed(7, "ERROR[7]: MD5 verification failed"));
        }
        assertThat(board.flash().read(FS, 16)).containsOnly((byte) 0x5A);
        try (ScriptedServer s = ScriptedServer.answering(HttpUpdateClientTest.ok(fs, md5(fs)), fs)) {
            assertThat(client(board).atomic().update(s.uri("/u/lamp"))).isInstanceOf(UpdateOutcome.FilesystemWritten.class);
        }
        assertThat(board.flash().read(FS, fs.length)).isEqualTo(fs);
    }

    @Test
    void anImageLargerThanTheRegionIsRefusedBeforeAByteIsWritten() throws Exception {
        Board board = Board.provisioned(new IdfOtaData(FlashMap.ESP32_4M, false),
                ImageBuilder.esp32().appVersion("1.0.0").payload(7, 9_000).build());
        byte[] before = board.flash().read(0x290000, 0x160000);
        String head = "HTTP/1.0 200 OK\r\nContent-Length: " + (0x160000 + 1) + "\r\n\r\n";
        try (ScriptedServer s = ScriptedServer.answering(head, new byte[0])) {
            assertThat(FilesystemUpdateClient.of(HttpUpdateClient.esp32(board, ID).timeout(Duration.ofMillis(200)))
                    .update(s.uri("/u/meter"))).isEqualTo(new UpdateOutcome.Failed(-100, "Not Enough space"));
        }
        assertThat(board.flash().read(0x290000, 0x160000)).isEqualTo(before);
    }
}
