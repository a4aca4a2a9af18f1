package org.updraft.integration.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.EbootCopy;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.IdfOtaData;
import org.updraft.device.boot.Region;
import org.updraft.device.client.FilesystemUpdateClient;
import org.updraft.device.client.HttpUpdateClient;
import org.updraft.device.client.Identity;
import org.updraft.device.client.UpdateOutcome;
import org.updraft.testsupport.FilesystemImages;

/**
 * File system updates end to end (docs/device-contract.md, "Filesystem requests"; docs/emulator.md):
 * a real server, emulated boards running the stock {@code ESPhttpUpdate.updateFS} and
 * {@code httpUpdate.updateSpiffs} over real sockets, followed the way the cores' example sketch
 * does — file system first, then the sketch — and the file system region of the emulated flash
 * compared byte for byte.
 */
class FilesystemUpdateEndToEndTest {

    static final byte[] LAMP_V1 = ImageBuilder.arduino().flashSizeCode(2).version("1.0.0").payload(51, 20_000).build();
    static final byte[] LAMP_V2 = ImageBuilder.arduino().flashSizeCode(2).version("2.0.0").payload(52, 22_000).build();
    static final byte[] LAMP_FS1 = FilesystemImages.littlefs(0x10000, 4096, 1);
    static final byte[] LAMP_FS2 = FilesystemImages.littlefs(0x10000, 4096, 2);
    static final byte[] METER_V1 = ImageBuilder.esp32().appVersion("1.0.0").payload(53, 20_000).build();
    static final byte[] METER_FS = FilesystemImages.spiffs(0x160000, 4096, 3);

    @TempDir
    static Path dir;
    static LiveServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new LiveServer(dir.resolve("data"));
        server.product("lamp", "arduino-1m");
        server.release("lamp", "1.0.0", "firmware", LAMP_V1, "filesystem", LAMP_FS1);
        server.release("lamp", "2.0.0", "firmware", LAMP_V2, "filesystem", LAMP_FS2);
        server.product("meter", "esp32-4m");
        server.release("meter", "1.0.0", "firmware", METER_V1, "filesystem", METER_FS);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** A board fresh from the factory: the sketch and the file system both flashed over serial (esptool write_flash). */
    static Board factory(FlashMap map, byte[] sketch, byte[] fs) {
        Board board = Board.provisioned(map == FlashMap.ESP32_4M ? new IdfOtaData(map, false) : new EbootCopy(map), sketch);
        Region region = map.filesystem().orElseThrow();
        board.flash().programPages(region.offset(), fs);
        return board;
    }

    static byte[] fsRegion(Board board) {
        Region region = board.bootloader().map().filesystem().orElseThrow();
        return board.flash().read(region.offset(), region.size());
    }

    URI lamp() {
        return URI.create(server.uri() + "/u/lamp");
    }

    @Test
    void esp8266UpdateFsThenUpdateWritesTheFileSystemInPlaceThenTheSketch() {
        Board board = factory(FlashMap.ARDUINO_1M, LAMP_V1, LAMP_FS1);
        HttpUpdateClient sketch = HttpUpdateClient.esp8266(board, Identity.of("5C:CF:7F:F5:E0:01", "2.2.2")).version("1.0.0");

        UpdateOutcome fs = FilesystemUpdateClient.of(sketch).update(lamp());

        assertThat(fs).isInstanceOf(UpdateOutcome.FilesystemWritten.class);
        UpdateOutcome.FilesystemWritten written = (UpdateOutcome.FilesystemWritten) fs;
        assertThat(written.written().offset()).isEqualTo(0xEB000);
        assertThat(written.length()).isEqualTo(LAMP_FS2.length);
        assertThat(fsRegion(board)).isEqualTo(LAMP_FS2);
        // no restart after a file system update: the old sketch still runs
        assertThat(((BootResult.Booted) board.state()).image()).isEqualTo(LAMP_V1);

        assertThat(sketch.update(lamp())).isInstanceOf(UpdateOutcome.Updated.class);
        assertThat(((BootResult.Booted) board.state()).image()).isEqualTo(LAMP_V2);
        assertThat(fsRegion(board)).isEqualTo(LAMP_FS2);

        HttpUpdateClient onV2 = HttpUpdateClient.esp8266(board, Identity.of("5C:CF:7F:F5:E0:01", "2.2.2")).version("2.0.0");
        assertThat(FilesystemUpdateClient.of(onV2).update(lamp())).isEqualTo(new UpdateOutcome.NoUpdate("304 Not Modified"));
        assertThat(onV2.update(lamp())).isInstanceOf(UpdateOutcome.NoUpdate.class);
    }

    @Test
    void esp8266AtomicFsUpdateStagesBelowTheFileSystemAndEbootCopiesItAtTheReboot() {
        Board board = factory(FlashMap.ARDUINO_1M, LAMP_V1, LAMP_FS1);
        HttpUpdateClient sketch = HttpUpdateClient.esp8266(board, Identity.of("5C:CF:7F:F5:E0:02", "2.2.2")).version("1.0.0");

        UpdateOutcome fs = FilesystemUpdateClient.of(sketch).atomic().update(lamp());

        assertThat(fs).isInstanceOf(UpdateOutcome.FilesystemWritten.class);
        assertThat(((UpdateOutcome.FilesystemWritten) fs).written()).isEqualTo(new Region("staging", 0xEB000 - 0x10000, 0x10000));
        assertThat(fsRegion(board)).isEqualTo(LAMP_FS2);
        assertThat(((UpdateOutcome.FilesystemWritten) fs).booted()).isInstanceOf(BootResult.Booted.class);
        assertThat(((BootResult.Booted) board.state()).image()).isEqualTo(LAMP_V1);
    }

    @Test
    void esp32UpdateSpiffsWritesTheSpiffsPartitionAndKeepsTheAppRunning() {
        byte[] erased = new byte[0x160000];
        java.util.Arrays.fill(erased, (byte) 0xFF);
        Board board = factory(FlashMap.ESP32_4M, METER_V1, erased);
        HttpUpdateClient sketch = HttpUpdateClient.esp32(board, Identity.of("24:0A:C4:F5:E0:03", "v4.4.5")).version("1.0.0");

        UpdateOutcome fs = FilesystemUpdateClient.of(sketch).update(URI.create(server.uri() + "/u/meter"));

        assertThat(fs).isInstanceOf(UpdateOutcome.FilesystemWritten.class);
        assertThat(((UpdateOutcome.FilesystemWritten) fs).written().offset()).isEqualTo(0x290000);
        assertThat(fsRegion(board)).isEqualTo(METER_FS);
        assertThat(((BootResult.Booted) board.state()).image()).isEqualTo(METER_V1);
        assertThat(FilesystemUpdateClient.of(sketch).request(URI.create(server.uri() + "/u/meter")))
                .contains("\r\nx-ESP32-mode: spiffs\r\nx-ESP32-version: 1.0.0\r\n");
    }

    @Test
    void anAtomicFileSystemUpdateLargerThanTheFreeSketchSpaceIsRefusedBeforeAByteIsWritten() throws Exception {
        // ATOMIC_FS_UPDATE stages the image in the free sketch space, FS_start - roundup4K(sketch):
        // on arduino-4m that is 0x200000 minus the sketch, and the 2 MB file system (0x1FA000) fits
        // only beside a sketch of at most 24 KiB. A real-size sketch of 300 KB leaves too little.
        server.product("strip", "arduino-4m");
        byte[] stripV1 = ImageBuilder.arduino().version("1.0.0").payload(54, 300_000).build();
        server.release("strip", "1.0.0", "firmware", stripV1, "filesystem", FilesystemImages.littlefs(0x1FA000, 8192, 4));
        byte[] erased = new byte[0x1FA000];
        java.util.Arrays.fill(erased, (byte) 0xFF);
        Board board = factory(FlashMap.ARDUINO_4M, stripV1, erased);
        HttpUpdateClient sketch = HttpUpdateClient.esp8266(board, Identity.of("5C:CF:7F:F5:E0:04", "2.2.2")).version("1.0.0");

        UpdateOutcome atomic = FilesystemUpdateClient.of(sketch).atomic().update(URI.create(server.uri() + "/u/strip"));

        assertThat(atomic).isEqualTo(new UpdateOutcome.Failed(-100, "Not Enough space"));
        assertThat(fsRegion(board)).isEqualTo(erased);
        assertThat(FilesystemUpdateClient.of(sketch).update(URI.create(server.uri() + "/u/strip")))
                .isInstanceOf(UpdateOutcome.FilesystemWritten.class);
    }
}
