package org.updraft.core.image;

import org.updraft.core.chip.Chip;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.updraft.testsupport.FuzzFindings;
import org.updraft.core.layout.FlashLayout;

/**
 * Fuzzes {@link FirmwareImage#parse(byte[])}: for any bytes it returns an image or throws
 * {@link InvalidImageException}; anything else (a RuntimeException, an Error, a hang, running out of
 * memory) is a finding. A returned image satisfies the invariants in {@link #checkInvariants}.
 *
 * <p>Seed corpus: {@code src/test/resources/org/updraft/core/image/FirmwareImageFuzzTestInputs/parse/},
 * one real image per format, made by {@link ImageBuilder} ({@link #SEEDS}; {@link #seedCorpusIsWhatImageBuilderBuilds}
 * keeps them honest, {@link #main} rewrites them).
 */
@ExtendWith(FuzzFindings.class)
class FirmwareImageFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void parse(byte[] data) {
        FuzzFindings.input(data);
        FirmwareImage image;
        try {
            image = FirmwareImage.parse(data);
        } catch (InvalidImageException e) {
            assertThat(e.getMessage()).isNotBlank();
            assertThat(e.problem()).isNotNull();
            return;
        }
        checkInvariants(image, data);
    }

    static void checkInvariants(FirmwareImage image, byte[] data) {
        assertThat(image.length()).isEqualTo(data.length);
        assertThat(image.checksumValid()).isTrue();
        assertThat(image.segments()).isNotEmpty().hasSizeLessThanOrEqualTo(2 * ImageParser.MAX_SEGMENTS);
        // Offsets count into the decompressed image for gzip input, into the input otherwise.
        long extent = image.gzipped() ? FirmwareImage.MAX_IMAGE_BYTES : data.length;
        for (Segment s : image.segments()) {
            assertThat(s.length()).isNotNegative();
            assertThat(s.fileOffset()).isNotNegative();
            assertThat((long) s.fileOffset() + s.length()).isLessThanOrEqualTo(extent);
        }
        assertThat(image.totalSegmentBytes()).isNotNegative().isLessThanOrEqualTo(extent);
        image.signature().ifPresent(sig -> {
            assertThat(sig.signatureLength()).isPositive();
            assertThat(sig.signedLength()).isNotNegative();
            if (!image.gzipped()) {
                assertThat((long) sig.signedLength() + sig.signatureLength()).isLessThanOrEqualTo(data.length);
            }
        });
        assertThat(image.describe()).contains(image.chip().displayName());
    }

    // ---- seed corpus ---------------------------------------------------------------------------

    /** One real image per format, plus a few near misses (file name → how it is made). */
    static final Map<String, Supplier<byte[]>> SEEDS = seeds();

    private static Map<String, Supplier<byte[]>> seeds() {
        Map<String, Supplier<byte[]>> m = new LinkedHashMap<>();
        m.put("esp8266-e9.bin", () -> ImageBuilder.esp8266().version("1.2.3").build());
        m.put("esp8266-e9-qio-80mhz.bin", () -> ImageBuilder.esp8266().flashMode(FlashMode.QIO)
                .flashFrequencyMHz(80).flashSizeCode(2).build());
        m.put("nonos-user1-1m.bin", () -> ImageBuilder.nonosUser(1, FlashLayout.NONOS_1M).version("2.0").build());
        m.put("nonos-user2-512k.bin", () -> ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).build());
        m.put("arduino.bin", () -> ImageBuilder.arduino().version("1.4.0").build());
        m.put("arduino-pre-crc.bin", () -> ImageBuilder.arduino().elf2binCrc(false).build());
        m.put("arduino.bin.gz", () -> ImageBuilder.gzip(ImageBuilder.arduino().version("1.4.0").build()));
        m.put("esp32.bin", () -> ImageBuilder.esp32().appVersion("1.0.0").projectName("blink").build());
        m.put("esp32c3-no-hash.bin", () -> ImageBuilder.esp32().chip(Chip.ESP32_C3).sha256Appended(false).build());
        m.put("esp32s3-no-app-desc.bin", () -> ImageBuilder.esp32().chip(Chip.ESP32_S3).noAppDescriptor().build());
        m.put("esp8266-signed.bin", () -> ImageBuilder.signed(ImageBuilder.esp8266().build(),
                ImageBuilder.filler(99, 256)));
        m.put("esp32-secure-boot-v2.bin", FirmwareImageFuzzTest::esp32SecureBootSector);
        m.put("esp8266-bad-checksum.bin", () -> ImageBuilder.esp8266().wrongChecksum().build());
        m.put("nonos-bad-crc.bin", () -> ImageBuilder.nonosUser(1, FlashLayout.NONOS_1M).wrongCrc().build());
        m.put("esp32-bad-hash.bin", () -> ImageBuilder.esp32().wrongHash().build());
        m.put("esp32-truncated.bin", () -> ImageBuilder.truncate(ImageBuilder.esp32().build(), 200));
        m.put("directory-listing.html", () -> "<html><head><title>Index of /fw</title></head>\n"
                .getBytes(StandardCharsets.US_ASCII));
        return m;
    }

    /** An ESP32 image, 0xFF up to the next 4 KiB boundary, then a 1216-byte block starting E7 02. */
    private static byte[] esp32SecureBootSector() {
        byte[] image = ImageBuilder.esp32().build();
        int sector = (image.length + 0xFFF) & ~0xFFF;
        byte[] out = Arrays.copyOf(image, sector + 1216);
        Arrays.fill(out, image.length, sector, (byte) 0xFF);
        byte[] block = ImageBuilder.filler(5, 1216);
        block[0] = (byte) 0xE7;
        block[1] = 0x02;
        System.arraycopy(block, 0, out, sector, block.length);
        return out;
    }

    static final String INPUTS = "FirmwareImageFuzzTestInputs/parse/";

    @Test
    void seedCorpusIsWhatImageBuilderBuilds() throws IOException {
        for (Map.Entry<String, Supplier<byte[]>> seed : SEEDS.entrySet()) {
            try (InputStream in = getClass().getResourceAsStream(INPUTS + seed.getKey())) {
                assertThat(in).as(seed.getKey()).isNotNull();
                byte[] committed = in.readAllBytes();
                if (seed.getKey().endsWith(".gz")) {
                    // deflate output may differ between zlib builds: compare the content
                    assertThat(gunzip(committed)).as(seed.getKey()).isEqualTo(gunzip(seed.getValue().get()));
                } else {
                    assertThat(committed).as(seed.getKey()).isEqualTo(seed.getValue().get());
                }
            }
        }
    }

    private static byte[] gunzip(byte[] gz) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }

    @Test
    void everyValidSeedParsesAndHoldsTheInvariants() throws InvalidImageException {
        for (String name : new String[] {"esp8266-e9.bin", "esp8266-e9-qio-80mhz.bin", "nonos-user1-1m.bin",
                "nonos-user2-512k.bin", "arduino.bin", "arduino-pre-crc.bin", "arduino.bin.gz", "esp32.bin",
                "esp32c3-no-hash.bin", "esp32s3-no-app-desc.bin", "esp8266-signed.bin", "esp32-secure-boot-v2.bin"}) {
            byte[] data = SEEDS.get(name).get();
            checkInvariants(FirmwareImage.parse(data), data);
        }
    }

    /** Rewrites the seed corpus; run from the core module directory. */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of("src/test/resources/org/updraft/core/image/" + INPUTS);
        Files.createDirectories(dir);
        for (Map.Entry<String, Supplier<byte[]>> seed : SEEDS.entrySet()) {
            Files.write(dir.resolve(seed.getKey()), seed.getValue().get());
        }
    }
}
