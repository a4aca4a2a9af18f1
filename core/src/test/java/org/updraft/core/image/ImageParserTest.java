package org.updraft.core.image;

import org.updraft.core.chip.Chip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.InvalidImageException.Problem;
import org.updraft.core.layout.FlashLayout;

/** Robustness: every truncation, every single-byte change, and the usual non-images. */
class ImageParserTest {

    private static Map<String, byte[]> samples() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("esp8266", ImageBuilder.esp8266().build());
        m.put("nonos user1", ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).build());
        m.put("nonos user2", ImageBuilder.nonosUser(2, FlashLayout.NONOS_4M_MAP6).build());
        m.put("arduino", ImageBuilder.arduino().build());
        m.put("arduino without crc", ImageBuilder.arduino().elf2binCrc(false).build());
        m.put("esp32 sha256", ImageBuilder.esp32().build());
        m.put("esp32 plain", ImageBuilder.esp32().sha256Appended(false).build());
        m.put("esp32-c3", ImageBuilder.esp32().chip(Chip.ESP32_C3).build());
        m.put("gzip esp8266", ImageBuilder.gzip(ImageBuilder.esp8266().build()));
        m.put("gzip arduino", ImageBuilder.gzip(ImageBuilder.arduino().build()));
        return m;
    }

    private static Problem problemOf(byte[] bytes) {
        try {
            FirmwareImage.parse(bytes);
            return null;
        } catch (InvalidImageException e) {
            return e.problem();
        } catch (RuntimeException e) {
            throw new AssertionError("RuntimeException instead of InvalidImageException", e);
        }
    }

    @Test
    void everyTruncationOfEveryFormatIsTruncated() throws Exception {
        for (Map.Entry<String, byte[]> sample : samples().entrySet()) {
            byte[] image = sample.getValue();
            FirmwareImage.parse(image);
            for (int n = 0; n < image.length; n++) {
                Problem problem = problemOf(ImageBuilder.truncate(image, n));
                assertThat(problem).as(sample.getKey() + " cut at " + n)
                        .isEqualTo(n == 0 ? Problem.EMPTY : Problem.TRUNCATED);
            }
        }
    }

    @Test
    void everyTruncationOfASignedImage() throws Exception {
        byte[] image = ImageBuilder.esp8266().build();
        byte[] signed = ImageBuilder.signed(image, ImageBuilder.filler(5, 64));
        for (int n = 1; n < signed.length; n++) {
            Problem problem = problemOf(ImageBuilder.truncate(signed, n));
            if (n < image.length) {
                assertThat(problem).as("cut at " + n).isEqualTo(Problem.TRUNCATED);
            } else if (n == image.length) {
                assertThat(problem).as("the unsigned image itself").isNull();
            } else {
                assertThat(problem).as("cut at " + n).isEqualTo(Problem.TRAILING_DATA);
            }
        }
    }

    /** Offsets whose one-bit change still parses: fields the format does not protect. */
    private static Set<Integer> acceptedFlips(byte[] image, FirmwareImage original) {
        return acceptedFlips(image, original, Set.of());
    }

    /** {@code unexposed}: offsets of fields the parser checks but does not report (wp_pin, drive). */
    private static Set<Integer> acceptedFlips(byte[] image, FirmwareImage original, Set<Integer> unexposed) {
        Set<Integer> accepted = new TreeSet<>();
        for (int i = 0; i < image.length; i++) {
            byte[] changed = image.clone();
            changed[i] ^= 0x01;
            try {
                FirmwareImage parsed = FirmwareImage.parse(changed);
                assertThat(parsed).as("flip at " + i + " parsed to an identical image")
                        .isNotEqualTo(original).satisfiesAnyOf(
                                p -> assertThat(p.entryPoint()).isNotEqualTo(original.entryPoint()),
                                p -> assertThat(p.flashMode()).isNotEqualTo(original.flashMode()),
                                p -> assertThat(p.flashFrequencyMHz()).isNotEqualTo(original.flashFrequencyMHz()),
                                p -> assertThat(p.segments()).isNotEqualTo(original.segments()));
                accepted.add(i);
            } catch (InvalidImageException expected) {
                // refused cleanly
            } catch (RuntimeException e) {
                fail("flip at " + i + " threw " + e, e);
            } catch (AssertionError e) {
                if (!isPadding(image, original, i) && !unexposed.contains(i)) {
                    throw e;
                }
                accepted.add(i);
            }
        }
        return accepted;
    }

    private static boolean isPadding(byte[] image, FirmwareImage original, int offset) {
        Segment last = original.segments().get(original.segments().size() - 1);
        return offset >= last.endOffset() && offset < last.endOffset() + 15 && image[offset] == 0;
    }

    private static Set<Integer> range(int from, int to) {
        Set<Integer> s = new TreeSet<>();
        IntStream.range(from, to).forEach(s::add);
        return s;
    }

    private static Set<Integer> union(Set<Integer>... sets) {
        Set<Integer> s = new TreeSet<>();
        for (Set<Integer> set : sets) {
            s.addAll(set);
        }
        return s;
    }

    @Test
    void esp8266FlipsOnlyPassInUnprotectedFields() throws Exception {
        byte[] image = ImageBuilder.esp8266().build();

        Set<Integer> accepted = acceptedFlips(image, FirmwareImage.parse(image));

        // mode, size/freq, entry; the two load addresses; the zero padding before the checksum; and
        // the last segment's length 16 -> 17, which swallows a zero padding byte (XOR unchanged)
        assertThat(accepted).isEqualTo(
                union(range(2, 8), range(8, 12), range(80, 85), range(104, 111)));
    }

    @Test
    void esp32WithoutHashFlipsOnlyPassInUnprotectedFields() throws Exception {
        byte[] image = ImageBuilder.esp32().sha256Appended(false).build();

        Set<Integer> accepted = acceptedFlips(image, FirmwareImage.parse(image),
                union(range(8, 12), range(14, 19)));

        // header 2..7, wp_pin/drive 8..11, revisions 14..18, load addresses, padding 432..446,
        // and the last length 32 -> 33 (byte 396), which swallows a zero padding byte
        assertThat(accepted).containsAll(union(range(2, 8), range(24, 28), range(320, 324), range(432, 447)));
        assertThat(accepted).doesNotContain(0, 1, 12, 13, 19, 20, 21, 22, 23, 447);
        assertThat(accepted).allMatch(i -> i < 32 || (i >= 320 && i < 324) || (i >= 392 && i < 397)
                || (i >= 432 && i < 447));
    }

    @Test
    void imagesWithAWholeFileCodeRefuseEveryFlip() throws Exception {
        List<byte[]> protectedImages = List.of(ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).build(),
                ImageBuilder.arduino().build(), ImageBuilder.esp32().build());
        for (byte[] image : protectedImages) {
            assertThat(acceptedFlips(image, FirmwareImage.parse(image))).isEmpty();
        }
    }

    @Test
    void gzipFlipsOnlyPassInTheUnprotectedHeaderFields() throws Exception {
        byte[] gz = ImageBuilder.gzip(ImageBuilder.esp8266().build());
        List<Integer> accepted = new ArrayList<>();
        for (int i = 0; i < gz.length; i++) {
            byte[] changed = gz.clone();
            changed[i] ^= 0x01;
            if (problemOf(changed) == null) {
                accepted.add(i);
            }
        }
        // FLG FTEXT bit, MTIME, XFL, OS (RFC 1952 protects none of them without FHCRC)
        assertThat(accepted).containsExactly(3, 4, 5, 6, 7, 8, 9);
    }

    private static void assertNotAnImage(String content, String message) {
        assertNotAnImage(content.getBytes(StandardCharsets.UTF_8), message);
    }

    private static void assertNotAnImage(byte[] content, String message) {
        assertThatThrownBy(() -> FirmwareImage.parse(content))
                .isInstanceOfSatisfying(InvalidImageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.NOT_AN_IMAGE))
                .hasMessage(message);
    }

    private static final String EXPECTED = "an ESP image starts with byte 0xE9 (or 0xEA for NONOS"
            + " user1/user2, 0x1F 0x8B for gzip)";

    @Test
    void htmlDirectoryListing() {
        assertNotAnImage("<html><head><title>Index of /firmware</title></head>\n<body>...",
                "not a firmware image: starts with '<html><head><title>Index of /firmware</t...'"
                        + " (looks like an HTML directory listing); " + EXPECTED);
    }

    @Test
    void htmlPage() {
        assertNotAnImage("<!DOCTYPE html>\n<html lang=\"en\">",
                "not a firmware image: starts with '<!DOCTYPE html>' (looks like an HTML page); " + EXPECTED);
    }

    @Test
    void json() {
        assertNotAnImage("{\"error\":\"not found\"}",
                "not a firmware image: starts with '{\"error\":\"not found\"}' (looks like JSON); " + EXPECTED);
    }

    @Test
    void plainText() {
        assertNotAnImage("404 Not Found\n",
                "not a firmware image: starts with '404 Not Found' (looks like plain text); " + EXPECTED);
    }

    @Test
    void zip() {
        assertNotAnImage(new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0},
                "not a firmware image: this is a ZIP archive (starts with 'PK'); unpack it and upload"
                        + " the .bin inside; " + EXPECTED);
    }

    @Test
    void elf() {
        assertNotAnImage(new byte[] {0x7F, 'E', 'L', 'F', 1, 1, 1, 0},
                "not a firmware image: this is an ELF file (starts with 0x7F 'ELF'); flash the .bin"
                        + " produced by elf2bin/esptool elf2image, not the .elf");
    }

    @Test
    void unknownBinary() {
        assertNotAnImage(new byte[] {0x00, 0x01, (byte) 0xFF, 0x10, 0x00},
                "not a firmware image: starts with bytes 00 01 FF 10; " + EXPECTED);
    }

    @Test
    void empty() {
        assertThatThrownBy(() -> FirmwareImage.parse(new byte[0]))
                .isInstanceOfSatisfying(InvalidImageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.EMPTY))
                .hasMessage("empty: the file has 0 bytes; " + EXPECTED);
    }

    @Test
    void gzipOfHtmlIsNotAnImage() {
        byte[] gz = ImageBuilder.gzip("<html><body>hi</body></html>".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> FirmwareImage.parse(gz))
                .isInstanceOfSatisfying(InvalidImageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.NOT_AN_IMAGE))
                .hasMessageStartingWith("not a firmware image inside gzip: starts with '<html>");
    }

    @Test
    void brokenGzipCrcIsBadGzip() {
        byte[] gz = ImageBuilder.gzip(ImageBuilder.esp8266().build());
        gz[gz.length - 8] ^= 0x01;

        assertThatThrownBy(() -> FirmwareImage.parse(gz))
                .isInstanceOfSatisfying(InvalidImageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.BAD_GZIP))
                .hasMessageStartingWith("broken gzip: CRC-32 mismatch: trailer says 0x");
    }

    @Test
    void ebootAloneIsATruncatedSketch() throws Exception {
        byte[] sketch = ImageBuilder.arduino().build();

        assertThatThrownBy(() -> FirmwareImage.parse(ImageBuilder.truncate(sketch, 144)))
                .isInstanceOfSatisfying(InvalidImageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.TRUNCATED))
                .hasMessageStartingWith("truncated: this is only the Arduino eboot bootloader (entry 0x4010f004");
    }

    @Test
    void tooManySegmentsIsBadHeader() {
        byte[] image = ImageBuilder.esp8266().build();
        image[1] = 17;

        assertThatThrownBy(() -> FirmwareImage.parse(image))
                .isInstanceOfSatisfying(InvalidImageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.BAD_HEADER))
                .hasMessage("bad header: the image declares 17 segments; at most 16 are allowed");
    }

    @Test
    void undefinedFlashModeIsBadHeader() {
        byte[] image = ImageBuilder.esp8266().build();
        image[2] = 7;

        assertThatThrownBy(() -> FirmwareImage.parse(image))
                .isInstanceOfSatisfying(InvalidImageException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.BAD_HEADER))
                .hasMessage("bad header: flash mode (byte 2) is 0x07; expected 0 QIO, 1 QOUT, 2 DIO or 3 DOUT");
    }

    @Test
    void esp8266AndEsp32AreToldApartBothWays() throws Exception {
        assertThat(FirmwareImage.parse(ImageBuilder.esp8266().segment(0x3FFE8000L, new byte[64]).build())
                .chip()).isEqualTo(Chip.ESP8266);
        // an ESP8266 image whose segment length reads like a known chip id and zero reserved bytes
        byte[] tricky = ImageBuilder.esp8266().segment(0x40100000L, new byte[0x10009 - 0x10000 + 16]).build();
        assertThat(FirmwareImage.parse(tricky).chip()).isEqualTo(Chip.ESP8266);
        assertThat(FirmwareImage.parse(ImageBuilder.esp32().chip(Chip.ESP32_S3).build()).chip())
                .isEqualTo(Chip.ESP32_S3);
    }
}
