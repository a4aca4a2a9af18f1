package org.updraft.core.image;

import org.updraft.core.chip.Chip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.layout.FlashLayout;

/** Each format, every field, exactly. */
class FirmwareImageTest {

    private static int checksum(byte[]... segments) {
        int x = 0xEF;
        for (byte[] s : segments) {
            for (byte b : s) {
                x ^= b;
            }
        }
        return x & 0xFF;
    }

    @Test
    void esp8266E9() throws Exception {
        byte[] bytes = ImageBuilder.esp8266().build();

        FirmwareImage image = FirmwareImage.parse(bytes);

        assertThat(image.format()).isEqualTo(ImageFormat.ESP8266_E9);
        assertThat(image.chip()).isEqualTo(Chip.ESP8266);
        assertThat(image.gzipped()).isFalse();
        assertThat(image.flashMode()).isEqualTo(FlashMode.DIO);
        assertThat(image.flashSizeCode()).isEqualTo(4);
        assertThat(image.flashSizeBytes()).isEqualTo(4 * 1024 * 1024);
        assertThat(image.flashFrequencyMHz()).isEqualTo(40);
        assertThat(image.entryPoint()).isEqualTo(0x40100004L);
        assertThat(image.segments()).containsExactly(
                new Segment(0x40100000L, 16, 64), new Segment(0x3FFE8000L, 88, 16));
        assertThat(image.checksum()).isEqualTo(
                checksum(ImageBuilder.filler(1, 64), ImageBuilder.filler(2, 16)));
        assertThat(image.checksumValid()).isTrue();
        assertThat(image.sha256Appended()).isFalse();
        assertThat(image.app()).isEmpty();
        assertThat(image.signature()).isEmpty();
        assertThat(image.iromLinkAddress()).isEmpty();
        assertThat(image.length()).isEqualTo(112).isEqualTo(bytes.length);
        assertThat(bytes[111] & 0xFF).isEqualTo(image.checksum());
    }

    @Test
    void esp8266E9WithCallerSegmentsAndHeaderFields() throws Exception {
        byte[] code = {1, 2, 3, 4, 5, 6, 7, 8};
        byte[] bytes = ImageBuilder.esp8266().segment(0x40100000L, code).flashMode(FlashMode.QOUT)
                .flashSizeCode(9).flashFrequencyMHz(80).entry(0x40100010L).build();

        FirmwareImage image = FirmwareImage.parse(bytes);

        assertThat(image.segments()).containsExactly(new Segment(0x40100000L, 16, 8));
        assertThat(image.flashMode()).isEqualTo(FlashMode.QOUT);
        assertThat(image.flashSizeBytes()).isEqualTo(16L * 1024 * 1024);
        assertThat(image.flashFrequencyMHz()).isEqualTo(80);
        assertThat(image.entryPoint()).isEqualTo(0x40100010L);
        assertThat(image.checksum()).isEqualTo(0xEF ^ 1 ^ 2 ^ 3 ^ 4 ^ 5 ^ 6 ^ 7 ^ 8);
        assertThat(image.length()).isEqualTo(32);
    }

    @Test
    void nonosUser1And2OfEveryLayoutReportTheirIromLinkBase() throws Exception {
        for (FlashLayout layout : List.of(FlashLayout.NONOS_512K, FlashLayout.NONOS_1M,
                FlashLayout.NONOS_4M_MAP4, FlashLayout.NONOS_4M_MAP6)) {
            for (int slot = 1; slot <= 2; slot++) {
                FirmwareImage image = FirmwareImage.parse(ImageBuilder.nonosUser(slot, layout).build());
                assertThat(image.iromLinkAddress()).as(layout + " user" + slot)
                        .isEqualTo(layout.userIromLinkBase(slot));
            }
        }
    }

    @Test
    void nonosV2User2Of512k() throws Exception {
        byte[] bytes = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).build();

        FirmwareImage image = FirmwareImage.parse(bytes);

        assertThat(image.format()).isEqualTo(ImageFormat.ESP8266_V2);
        assertThat(image.chip()).isEqualTo(Chip.ESP8266);
        assertThat(image.flashMode()).isEqualTo(FlashMode.QIO);
        assertThat(image.flashSizeCode()).isZero();
        assertThat(image.flashSizeBytes()).isEqualTo(512 * 1024);
        assertThat(image.flashFrequencyMHz()).isEqualTo(40);
        assertThat(image.entryPoint()).isEqualTo(0x40100004L);
        assertThat(image.segments()).containsExactly(new Segment(0, 16, 512),
                new Segment(0x40100000L, 544, 64), new Segment(0x3FFE8000L, 616, 16));
        assertThat(image.checksum()).isEqualTo(
                checksum(ImageBuilder.filler(3, 64), ImageBuilder.filler(4, 16)));
        assertThat(image.iromLinkAddress()).isEqualTo(OptionalLong.of(0x40241010L));
        assertThat(image.length()).isEqualTo(644);
        assertThat(bytes[528] & 0xFF).isEqualTo(0xE9);
    }

    @Test
    void nonosV2CrcIsEsptoolsEsp8266Crc32() throws Exception {
        byte[] bytes = ImageBuilder.nonosUser(1, FlashLayout.NONOS_1M).build();
        java.util.zip.CRC32 zlib = new java.util.zip.CRC32();
        zlib.update(bytes, 0, bytes.length - 4);
        long crc = zlib.getValue();
        long expected = (crc & 0x80000000L) != 0 ? crc ^ 0xFFFFFFFFL : crc + 1;

        assertThat(ByteOrderLe.u32(bytes, bytes.length - 4)).isEqualTo(expected);
        assertThat(FirmwareImage.parse(bytes).iromLinkAddress()).hasValue(0x40201010L);
    }

    @Test
    void nonosImageLinkedForTheOtherSlotIsReportedAsSuch() throws Exception {
        byte[] swapped = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).iromLinkBase(0x40201010L).build();

        assertThat(FirmwareImage.parse(swapped).iromLinkAddress()).hasValue(0x40201010L);
    }

    @Test
    void arduinoSketchReportsTheAppAndVerifiesTheElf2binCrc() throws Exception {
        byte[] bytes = ImageBuilder.arduino().build();

        FirmwareImage image = FirmwareImage.parse(bytes);

        assertThat(image.format()).isEqualTo(ImageFormat.ARDUINO_ESP8266);
        assertThat(image.chip()).isEqualTo(Chip.ESP8266);
        assertThat(image.entryPoint()).isEqualTo(0x40100004L);
        assertThat(image.flashMode()).isEqualTo(FlashMode.DIO);
        assertThat(image.flashSizeBytes()).isEqualTo(4 * 1024 * 1024);
        assertThat(image.segments()).containsExactly(new Segment(0x40201010L, 0x1010, 136),
                new Segment(0x40100000L, 0x10A0, 64), new Segment(0x40101000L, 0x10E8, 32),
                new Segment(0x3FFE8000L, 0x1110, 16), new Segment(0x3FFE8100L, 0x1128, 32));
        assertThat(image.length()).isEqualTo(0x1150);
        assertThat(bytes[144] & 0xFF).isEqualTo(0xAA);
        assertThat(bytes[0xFFF] & 0xFF).isEqualTo(0xAA);
        assertThat(ByteOrderLe.u32(bytes, 0x1010)).isEqualTo(0x1150);
        int crc = Checksums.arduinoCrc(0xFFFFFFFF, zeroCrcWords(bytes), 0, bytes.length);
        assertThat(ByteOrderLe.u32(bytes, 0x1014)).isEqualTo(crc & 0xFFFFFFFFL);
    }

    private static byte[] zeroCrcWords(byte[] bytes) {
        byte[] copy = bytes.clone();
        java.util.Arrays.fill(copy, 0x1010, 0x1018, (byte) 0);
        return copy;
    }

    @Test
    void arduinoSketchWithoutCrcFromOlderCoresIsAccepted() throws Exception {
        byte[] bytes = ImageBuilder.arduino().elf2binCrc(false).build();

        assertThat(ByteOrderLe.u32(bytes, 0x1010)).isZero();
        assertThat(FirmwareImage.parse(bytes).format()).isEqualTo(ImageFormat.ARDUINO_ESP8266);
    }

    @Test
    void arduinoWrongCrcIsBadCrc() {
        assertThatThrownBy(() -> FirmwareImage.parse(ImageBuilder.arduino().wrongCrc().build()))
                .isInstanceOfSatisfying(InvalidImageException.class,
                        e -> assertThat(e.problem()).isEqualTo(InvalidImageException.Problem.BAD_CRC))
                .hasMessageStartingWith("CRC mismatch: the sketch CRC at 0x1014 says 0x");
    }

    @Test
    void arduinoWrongAppChecksumIsBadChecksum() {
        assertThatThrownBy(() -> FirmwareImage.parse(ImageBuilder.arduino().elf2binCrc(false)
                .wrongChecksum().build()))
                .isInstanceOfSatisfying(InvalidImageException.class,
                        e -> assertThat(e.problem()).isEqualTo(InvalidImageException.Problem.BAD_CHECKSUM))
                .hasMessageStartingWith("checksum mismatch: app image says 0x");
    }

    @Test
    void esp32WithAppDescriptorAndSha256() throws Exception {
        byte[] bytes = ImageBuilder.esp32().appVersion("2.1.0-rc.1").projectName("blink")
                .idfVersion("v5.2.1").secureVersion(3).buildTime("Mar  4 2025", "12:34:56").build();

        FirmwareImage image = FirmwareImage.parse(bytes);

        assertThat(image.format()).isEqualTo(ImageFormat.ESP32);
        assertThat(image.chip()).isEqualTo(Chip.ESP32);
        assertThat(image.flashMode()).isEqualTo(FlashMode.DIO);
        assertThat(image.flashSizeCode()).isEqualTo(2);
        assertThat(image.flashSizeBytes()).isEqualTo(4 * 1024 * 1024);
        assertThat(image.flashFrequencyMHz()).isEqualTo(40);
        assertThat(image.entryPoint()).isEqualTo(0x40080004L);
        assertThat(image.segments()).containsExactly(new Segment(0x3F400020L, 0x20, 288),
                new Segment(0x40080000L, 328, 64), new Segment(0x3FFB0000L, 400, 32));
        assertThat(image.sha256Appended()).isTrue();
        assertThat(image.app()).contains(new AppDescriptor("2.1.0-rc.1", "blink", "v5.2.1", 3,
                "Mar  4 2025", "12:34:56"));
        assertThat(image.appVersion()).contains("2.1.0-rc.1");
        assertThat(image.length()).isEqualTo(480);
        assertThat(java.util.Arrays.copyOfRange(bytes, 448, 480))
                .isEqualTo(ImageParser.sha256(bytes, 448));
    }

    @Test
    void esp32WithoutHashOrDescriptorOnEveryChip() throws Exception {
        for (Chip chip : Chip.values()) {
            if (!chip.isEsp32Family()) {
                continue;
            }
            byte[] bytes = ImageBuilder.esp32().chip(chip).sha256Appended(false).noAppDescriptor().build();
            FirmwareImage image = FirmwareImage.parse(bytes);
            assertThat(image.chip()).isEqualTo(chip);
            assertThat(image.sha256Appended()).isFalse();
            assertThat(image.app()).isEmpty();
            assertThat(image.length()).isEqualTo(bytes.length).isEqualTo(192);
        }
    }

    @Test
    void esp32WrongHashIsBadHash() {
        assertThatThrownBy(() -> FirmwareImage.parse(ImageBuilder.esp32().wrongHash().build()))
                .isInstanceOfSatisfying(InvalidImageException.class,
                        e -> assertThat(e.problem()).isEqualTo(InvalidImageException.Problem.BAD_HASH))
                .hasMessageStartingWith("SHA-256 mismatch: image says ")
                .hasMessageContaining(", the first 448 bytes give ");
    }

    @Test
    void esp32UnknownChipIdIsUnsupported() {
        assertThatThrownBy(() -> FirmwareImage.parse(ImageBuilder.esp32().chipId(42).build()))
                .isInstanceOfSatisfying(InvalidImageException.class,
                        e -> assertThat(e.problem()).isEqualTo(InvalidImageException.Problem.UNSUPPORTED))
                .hasMessageStartingWith("unsupported chip: the extended header's chip_id is 42; known ids");
    }

    @Test
    void wrongChecksumNamesBothValues() throws Exception {
        byte[] good = ImageBuilder.esp8266().build();
        int stored = good[111] & 0xFF;

        assertThatThrownBy(() -> FirmwareImage.parse(ImageBuilder.esp8266().wrongChecksum().build()))
                .isInstanceOfSatisfying(InvalidImageException.class,
                        e -> assertThat(e.problem()).isEqualTo(InvalidImageException.Problem.BAD_CHECKSUM))
                .hasMessage(String.format("checksum mismatch: image says 0x%02X, segments give 0x%02X",
                        stored ^ 1, stored));
    }

    @Test
    void nonosWrongCrcIsBadCrc() {
        assertThatThrownBy(() -> FirmwareImage.parse(
                ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).wrongCrc().build()))
                .isInstanceOfSatisfying(InvalidImageException.class,
                        e -> assertThat(e.problem()).isEqualTo(InvalidImageException.Problem.BAD_CRC))
                .hasMessageContaining("the 640 bytes before it give");
    }

    @Test
    void gzipOfEachFormatKeepsTheCompressedLength() throws Exception {
        List<byte[]> images = List.of(ImageBuilder.esp8266().build(),
                ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).build(), ImageBuilder.arduino().build(),
                ImageBuilder.esp32().build());
        for (byte[] raw : images) {
            byte[] gz = ImageBuilder.gzip(raw);
            FirmwareImage plain = FirmwareImage.parse(raw);
            FirmwareImage image = FirmwareImage.parse(gz);
            assertThat(image.gzipped()).isTrue();
            assertThat(image.length()).isEqualTo(gz.length);
            assertThat(image.format()).isEqualTo(plain.format());
            assertThat(image.segments()).isEqualTo(plain.segments());
            assertThat(image.checksum()).isEqualTo(plain.checksum());
        }
    }

    @Test
    void signedImagesReportTheTrailer() throws Exception {
        byte[] image = ImageBuilder.arduino().build();
        byte[] signed = ImageBuilder.signed(image, ImageBuilder.filler(9, 256));

        FirmwareImage parsed = FirmwareImage.parse(signed);

        assertThat(parsed.signature()).contains(new SignatureTrailer(256, image.length));
        assertThat(parsed.length()).isEqualTo(image.length + 260);
    }

    @Test
    void signedGzipCoversTheCompressedBytes() throws Exception {
        byte[] gz = ImageBuilder.gzip(ImageBuilder.esp8266().build());
        byte[] signed = ImageBuilder.signed(gz, ImageBuilder.filler(9, 64));

        FirmwareImage parsed = FirmwareImage.parse(signed);

        assertThat(parsed.gzipped()).isTrue();
        assertThat(parsed.signature()).contains(new SignatureTrailer(64, gz.length));
    }

    @Test
    void esp32SecureBootV2SignatureSectorIsReported() throws Exception {
        byte[] image = ImageBuilder.esp32().build();
        byte[] withSector = java.util.Arrays.copyOf(image, 0x1000 + 4096);
        java.util.Arrays.fill(withSector, image.length, 0x1000, (byte) 0xFF);
        java.util.Arrays.fill(withSector, 0x1000, withSector.length, (byte) 0xFF);
        withSector[0x1000] = (byte) 0xE7;
        withSector[0x1001] = 0x02;

        assertThat(FirmwareImage.parse(withSector).signature()).contains(new SignatureTrailer(4096, 0x1000));
    }

    @Test
    void trailingBytesAreRefusedWithTheirOffset() {
        byte[] image = ImageBuilder.esp8266().build();
        byte[] withJunk = java.util.Arrays.copyOf(image, image.length + 10);
        java.util.Arrays.fill(withJunk, image.length, withJunk.length, (byte) 0xFF);

        assertThatThrownBy(() -> FirmwareImage.parse(withJunk))
                .isInstanceOfSatisfying(InvalidImageException.class,
                        e -> assertThat(e.problem()).isEqualTo(InvalidImageException.Problem.TRAILING_DATA))
                .hasMessage("trailing data: 10 bytes follow the image, which ends at offset 0x70;"
                        + " expected nothing, or a signature (sig || u32le(len(sig)), 64 to 1024 bytes);"
                        + " they are all 0xFF, as in a flash read-back: upload the .bin as built");
    }

    @Test
    void truncatedSegmentMessageNamesIndexAndOffsets() {
        byte[] image = ImageBuilder.esp8266().build();

        assertThatThrownBy(() -> FirmwareImage.parse(ImageBuilder.truncate(image, 90)))
                .isInstanceOfSatisfying(InvalidImageException.class,
                        e -> assertThat(e.problem()).isEqualTo(InvalidImageException.Problem.TRUNCATED))
                .hasMessage("truncated: segment 2 of 2 declares 16 bytes at offset 0x58 but only 2 bytes remain");
    }

    @Test
    void payloadMakesLargeDeterministicImagesQuickly() throws Exception {
        byte[] a = ImageBuilder.arduino().version("1.2.0").payload(7, 300_000).build();
        byte[] b = ImageBuilder.arduino().version("1.2.0").payload(7, 300_000).build();
        byte[] c = ImageBuilder.arduino().version("1.3.0").payload(7, 300_000).build();

        assertThat(a).isEqualTo(b).isNotEqualTo(c);
        assertThat(a.length).isBetween(300_000, 306_000);
        assertThat(FirmwareImage.parse(a).totalSegmentBytes()).isEqualTo(300_008 + 64 + 32 + 16 + 32);
        FirmwareImage nonos = FirmwareImage.parse(
                ImageBuilder.nonosUser(2, FlashLayout.NONOS_1M).payload(3, 200_000).build());
        assertThat(nonos.iromLinkAddress()).hasValue(0x40281010L);
    }

    @Test
    void describeListsWhatInspectPrints() throws Exception {
        String text = FirmwareImage.parse(ImageBuilder.esp32().appVersion("1.0.0").projectName("blink")
                .build()).describe();

        assertThat(text).isEqualTo("""
                format    ESP32 application image
                chip      ESP32
                length    480 bytes
                flash     DIO, 4 MB (size code 2), 40 MHz
                entry     0x40080004
                segments  3
                   0  load 0x3f400020  offset 0x000020       288 bytes
                   1  load 0x40080000  offset 0x000148        64 bytes
                   2  load 0x3ffb0000  offset 0x000190        32 bytes
                checksum  0x%02x OK
                sha256    appended, OK
                app       blink 1.0.0
                idf       v5.1.2, built Jan  1 2025 00:00:00, secure_version 0
                """.formatted(FirmwareImage.parse(ImageBuilder.esp32().appVersion("1.0.0")
                .projectName("blink").build()).checksum()));
    }

    @Test
    void parsePathReadsTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("user1.bin");
        Files.write(file, ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).build());

        assertThat(FirmwareImage.parse(file).format()).isEqualTo(ImageFormat.ESP8266_V2);
        assertThat(FirmwareImage.parse(file).signature()).isEqualTo(Optional.empty());
    }
}
