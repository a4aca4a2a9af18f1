package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.FirmwareImage;
import org.updraft.core.image.ImageBuilder;
import org.junit.jupiter.api.io.TempDir;

/** {@code updraft inspect}: exact output and exit codes, on real images from ImageBuilder and on things that are not images. */
class InspectCommandTest {

    static final String DIRECTORY_LISTING = """
            <!DOCTYPE html>
            <html><head><title>Index of /firmware</title></head>
            <body><h1>Index of /firmware</h1><a href="user1.bin">user1.bin</a></body></html>
            """;

    @TempDir
    Path dir;

    @Test
    void aValidImageIsDescribed() throws Exception {
        byte[] image = ImageBuilder.esp8266().payload(3, 2000).build();
        Path file = Files.write(dir.resolve("fw.bin"), image);
        Run run = Run.of("inspect", file.toString());
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).isEqualTo(FirmwareImage.parse(image).describe());
        assertThat(run.out()).startsWith("format    ").contains("\nchip      ESP8266\n").contains("\nchecksum  0x");
        assertThat(run.out()).containsPattern("\nchecksum  0x[0-9a-f]{2} OK\n");
    }

    @Test
    void severalFilesAreNamedAndAnyInvalidOneExitsOne() throws Exception {
        byte[] app = ImageBuilder.esp32().appVersion("2.1.0").projectName("blink").build();
        Path good = Files.write(dir.resolve("blink.bin"), app);
        Path bad = Files.write(dir.resolve("bad.bin"), ImageBuilder.esp32().wrongChecksum().build());
        Run run = Run.of("inspect", good.toString(), bad.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).startsWith(good + ":\n" + FirmwareImage.parse(app).describe() + "\n" + bad + ": not a valid image: ");
        assertThat(run.out()).contains("\napp       blink 2.1.0\n");
    }

    @Test
    void anHtmlDirectoryListingIsNotAnImage() throws IOException {
        Path html = Files.writeString(dir.resolve("user1.bin"), DIRECTORY_LISTING);
        Run run = Run.of("inspect", html.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).isEqualTo(html + ": not a valid image: not a firmware image: starts with '<!DOCTYPE html>'"
                + " (looks like an HTML directory listing); an ESP image starts with byte 0xE9"
                + " (or 0xEA for NONOS user1/user2, 0x1F 0x8B for gzip)\n");
    }

    @Test
    void emptyMissingAndDirectoryEachSayWhy() throws IOException {
        Path empty = Files.write(dir.resolve("empty.bin"), new byte[0]);
        Path missing = dir.resolve("missing.bin");
        Run run = Run.of("inspect", empty.toString(), missing.toString(), dir.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEqualTo(empty + ": not a valid image: empty: the file has 0 bytes; an ESP image starts with byte 0xE9"
                + " (or 0xEA for NONOS user1/user2, 0x1F 0x8B for gzip)\n"
                + "\n"
                + missing + ": no such file\n"
                + "\n"
                + dir + ": is a directory, expected an image file\n");
    }
}
