package org.updraft.core.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.updraft.core.layout.FlashLayout;
import org.updraft.testsupport.FilesystemImages;

/** What FilesystemImage accepts as a layout's file system and the words of each refusal (docs/images.md). */
class FilesystemImageTest {

    private static final int FS_1M = 0x10000;
    private static final int FS_4M = 0x1FA000;
    private static final int FS_ESP32 = 0x160000;

    @Test
    void acceptsLittlefsOfEachLayoutRegion() throws InvalidImageException {
        assertThat(FilesystemImage.parse(FilesystemImages.littlefs(FS_1M, 4096, 1), FlashLayout.ARDUINO_1M))
                .isEqualTo(new FilesystemImage(FilesystemImage.Kind.LITTLEFS, FS_1M));
        assertThat(FilesystemImage.parse(FilesystemImages.littlefs(FS_4M, 8192, 1), FlashLayout.ARDUINO_4M))
                .isEqualTo(new FilesystemImage(FilesystemImage.Kind.LITTLEFS, FS_4M));
        assertThat(FilesystemImage.parse(FilesystemImages.littlefs(FS_ESP32, 4096, 1), FlashLayout.ESP32_4M))
                .isEqualTo(new FilesystemImage(FilesystemImage.Kind.LITTLEFS, FS_ESP32));
    }

    @Test
    void findsTheLittlefsSuperblockInBlockOneWhenBlockZeroIsStale() throws InvalidImageException {
        byte[] fs = FilesystemImages.littlefs(FS_4M, 8192, 1);
        Arrays.fill(fs, 0, 8192, (byte) 0x00);
        assertThat(FilesystemImage.parse(fs, FlashLayout.ARDUINO_4M).kind()).isEqualTo(FilesystemImage.Kind.LITTLEFS);
    }

    @Test
    void acceptsAPlausibleSpiffsImage() throws InvalidImageException {
        assertThat(FilesystemImage.parse(FilesystemImages.spiffs(FS_1M, 4096, 1), FlashLayout.ARDUINO_1M))
                .isEqualTo(new FilesystemImage(FilesystemImage.Kind.SPIFFS, FS_1M));
        assertThat(FilesystemImage.parse(FilesystemImages.spiffs(FS_ESP32, 4096, 2), FlashLayout.ESP32_4M).kind())
                .isEqualTo(FilesystemImage.Kind.SPIFFS);
    }

    @Test
    void refusesAnAppImage() {
        byte[] app = FilesystemImages.littlefs(FS_1M, 4096, 1);
        app[0] = (byte) 0xE9;
        assertThatThrownBy(() -> FilesystemImage.parse(app, FlashLayout.ARDUINO_1M))
                .isInstanceOf(InvalidImageException.class)
                .hasMessage("an app image uploaded as a filesystem: it starts with byte 0xE9, the magic of a firmware image; "
                        + "upload it as the firmware, and the file system built by mklittlefs/mkspiffs as the filesystem; "
                        + "expected a LittleFS or SPIFFS image of exactly 65536 bytes (0x10000, the fs region of layout "
                        + "arduino-1m at 0xEB000)");
        byte[] gzip = app.clone();
        gzip[0] = 0x1F;
        gzip[1] = (byte) 0x8B;
        assertThatThrownBy(() -> FilesystemImage.parse(gzip, FlashLayout.ARDUINO_1M))
                .hasMessageStartingWith("an app image uploaded as a filesystem: it starts with byte 0x1F");
    }

    @Test
    void refusesHtmlAndText() {
        byte[] html = "<!DOCTYPE html><html><head><title>404 Not Found</title></head></html>".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> FilesystemImage.parse(html, FlashLayout.ESP32_4M))
                .isInstanceOf(InvalidImageException.class)
                .hasMessage("not a filesystem image: starts with '<!DOCTYPE html><html><head><title>404 No...' (looks like an "
                        + "HTML page); expected a LittleFS or SPIFFS image of exactly 1441792 bytes (0x160000, the spiffs "
                        + "region of layout esp32-4m at 0x290000)");
        assertThatThrownBy(() -> FilesystemImage.parse("hello\n".getBytes(StandardCharsets.US_ASCII), FlashLayout.ESP32_4M))
                .hasMessageStartingWith("not a filesystem image: starts with 'hello' (looks like plain text)");
    }

    @Test
    void refusesErasedFlash() {
        byte[] ff = new byte[FS_1M];
        Arrays.fill(ff, (byte) 0xFF);
        assertThatThrownBy(() -> FilesystemImage.parse(ff, FlashLayout.ARDUINO_1M))
                .hasMessageStartingWith("not a filesystem image: all 65536 bytes are 0xFF (erased flash, no file system in it)");
    }

    @Test
    void refusesTruncatedAndOversizedImages() {
        byte[] whole = FilesystemImages.littlefs(FS_1M, 4096, 1);
        assertThatThrownBy(() -> FilesystemImage.parse(Arrays.copyOf(whole, 40000), FlashLayout.ARDUINO_1M))
                .isInstanceOf(InvalidImageException.class)
                .satisfies(e -> assertThat(((InvalidImageException) e).problem()).isEqualTo(InvalidImageException.Problem.TRUNCATED))
                .hasMessage("wrong size: 40000 bytes; expected a LittleFS or SPIFFS image of exactly 65536 bytes (0x10000, the "
                        + "fs region of layout arduino-1m at 0xEB000) (a truncated file, or one built for a smaller region)");
        byte[] forEsp32 = FilesystemImages.littlefs(FS_ESP32, 4096, 1);
        assertThatThrownBy(() -> FilesystemImage.parse(forEsp32, FlashLayout.ARDUINO_1M))
                .hasMessageStartingWith("wrong size: 1441792 bytes;")
                .hasMessageEndingWith("(built for a larger region: it would overwrite what follows the file system)");
    }

    @Test
    void refusesBinaryThatIsNeitherFileSystem() {
        byte[] junk = new byte[FS_1M];
        for (int i = 0; i < junk.length; i++) {
            junk[i] = (byte) (i * 7 + 3);
        }
        junk[0] = 0x03;
        junk[1] = 0x00;
        assertThatThrownBy(() -> FilesystemImage.parse(junk, FlashLayout.ARDUINO_1M))
                .hasMessage("not a filesystem image: no LittleFS superblock (\"littlefs\" at offset 8 of block 0 or 1, 4096-byte "
                        + "blocks) and not a SPIFFS image (object lookup entry 0 names object 0x0003 but page 1 holds 0x0A03); "
                        + "expected a LittleFS or SPIFFS image of exactly 65536 bytes (0x10000, the fs region of layout arduino-1m "
                        + "at 0xEB000)");
        byte[] noObjects = new byte[FS_1M];
        Arrays.fill(noObjects, (byte) 0xFF);
        noObjects[5000] = 0x42;
        assertThatThrownBy(() -> FilesystemImage.parse(noObjects, FlashLayout.ARDUINO_1M))
                .hasMessageContaining("not a SPIFFS image (block 0's object lookup page lists no object)");
    }

    @Test
    void nonosLayoutsHaveNoFileSystem() {
        assertThat(FlashLayout.NONOS_1M.filesystem()).isEmpty();
        assertThatThrownBy(() -> FilesystemImage.parse(new byte[]{1}, FlashLayout.NONOS_1M))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("layout nonos-1m has no file system region");
    }
}
