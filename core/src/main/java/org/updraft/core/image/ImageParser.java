package org.updraft.core.image;

import org.updraft.core.chip.Chip;

import static org.updraft.core.image.InvalidImageException.Problem.BAD_CHECKSUM;
import static org.updraft.core.image.InvalidImageException.Problem.BAD_CRC;
import static org.updraft.core.image.InvalidImageException.Problem.BAD_HASH;
import static org.updraft.core.image.InvalidImageException.Problem.BAD_HEADER;
import static org.updraft.core.image.InvalidImageException.Problem.TRAILING_DATA;
import static org.updraft.core.image.InvalidImageException.Problem.TRUNCATED;
import static org.updraft.core.image.InvalidImageException.Problem.UNSUPPORTED;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Parses and validates the image formats of esptool's {@code firmware-image-format.rst} and
 * {@code bin_image.py}, Arduino's {@code tools/elf2bin.py} and ESP-IDF's {@code esp_app_format.h}.
 *
 * <h2>Common E9 structure</h2>
 * 8-byte header {@code E9, segment count, flash mode, size<<4|freq, u32 entry}; segments
 * {@code u32 addr, u32 len, data}; "zero padding until offset%16==15, then checksum byte =
 * 0xEF ^ xor(segment data)". The padding position is counted from the start of the file
 * (esptool {@code align_file_position} on the whole file). At most 16 segments (ESP-IDF
 * {@code ESP_IMAGE_MAX_SEGMENTS}); zero segments is refused.
 *
 * <h2>ESP8266 E9 versus ESP32 E9</h2>
 * Both start with 0xE9. An ESP32 image has a 16-byte extended header at offset 8: {@code wp_pin,
 * drive[3], chip_id u16, min_rev, min_rev_full u16, max_rev_full u16, reserved[4], hash_appended}.
 * The rule: the extended header is <em>valid</em> when {@code chip_id} is a known id, the four
 * reserved bytes are zero and {@code hash_appended} is 0 or 1. The ESP8266 reading puts the first
 * segment's load address at offset 8; it is <em>plausible</em> when it lies in ESP8266 memory
 * (DRAM 0x3FFE8000-0x3FFFFFFF, IRAM 0x40100000-0x4010FFFF, flash-mapped 0x40200000-0x403FFFFF,
 * RTC 0x60000000-0x60001FFF). Valid and not plausible: ESP32 (esptool writes {@code wp_pin} 0xEE,
 * which is never an ESP8266 address). Not valid: ESP8266, except that a header with zero reserved
 * bytes, a 0/1 hash flag and an unknown chip id (and no plausible ESP8266 address) is reported as an
 * unsupported ESP32-family chip. Both: ESP8266 first, then ESP32 if the ESP8266 reading fails.
 *
 * <h2>Arduino ESP8266 (eboot + app)</h2>
 * elf2bin writes the eboot E9 image, "0xaa" padding up to 0x1000, then the app E9 image. It then
 * zeroes the words at 0x1010 and 0x1014, computes {@code crc8266} (MSB-first CRC-32, polynomial
 * 0x04C11DB7, init 0xFFFFFFFF, no final XOR) over the whole file, and stores the file length at
 * 0x1010 and the CRC at 0x1014 ({@code add_crc}); the app checks it with
 * {@code ESP.checkFlashCRC()} (eboot itself checks neither CRC nor checksums). Those two words are
 * the first 8 bytes of the app's irom0 segment, which the linker fills with zeros; elf2bin computes
 * the app's XOR checksum before patching them. So: when the word at 0x1010 equals the image length
 * the CRC is present, is verified exactly that way, and the app checksum is computed with those 8
 * bytes taken as zero; otherwise (cores before the CRC) the bytes are ordinary data and the
 * checksum covers them as stored. Both checksums (eboot, app) are verified. An ESP8266 image whose
 * entry point lies in eboot's IRAM (0x4010F000-0x4010FFFF) with nothing after it is eboot alone,
 * i.e. a sketch cut short, and is refused as truncated.
 *
 * <h2>ESP8266 v2 (EA)</h2>
 * esptool {@code ESP8266V2FirmwareImage}: {@code EA 04 mode sizefreq entry}, the irom0 segment
 * (load address 0, padded to 16, not in the checksum), an E9 header with the RAM segments and the
 * checksum, then {@code u32 crc = esp8266_crc32(file so far)}: zlib CRC-32, then "crc ^ 0xFFFFFFFF
 * if bit 31 is set, else crc + 1". Header fields are taken from the second (E9) header, as esptool
 * does. The irom0 link base is inferred (see {@link IromLinkBase}).
 *
 * <h2>ESP32</h2>
 * As above plus: if {@code hash_appended == 1}, 32 bytes of SHA-256 of everything up to and
 * including the checksum follow. {@code esp_app_desc_t} is read from the first segment's data at
 * 0x20 when its magic 0xABCD5432 is there. Segments with load address 0 are esptool padding.
 *
 * <h2>After the image</h2>
 * Nothing; or an Arduino signature {@code sig || u32le(len(sig))} with 64 &lt;= len(sig) &lt;= 1024
 * ({@code tools/signing.py}); or, for ESP32, a Secure Boot v2 signature sector: padding of 0x00/0xFF
 * up to the next 4 KiB boundary, then a block starting {@code E7 02} (magic, version), 1216..4096
 * bytes to the end. Anything else is {@code TRAILING_DATA}.
 *
 * <h2>gzip</h2>
 * "1F 8B": one gzip member, decompressed with a 16 MiB cap, CRC-32 and size verified; the content
 * must itself be an image; a signature may follow the member (sign after compressing).
 */
final class ImageParser {

    static final int MAX_SEGMENTS = 16;
    static final int ARDUINO_APP_OFFSET = 0x1000;
    static final int ARDUINO_CRC_LEN_OFFSET = 0x1010;
    static final int ARDUINO_CRC_VAL_OFFSET = 0x1014;
    static final long EBOOT_IRAM_START = 0x4010_F000L;
    static final long EBOOT_IRAM_END = 0x4011_0000L;

    private ImageParser() {
    }

    /** Header fields shared by every format. */
    record Header(FlashMode mode, int sizeCode, long sizeBytes, int frequencyMHz, long entry) {
    }

    /** The image proper, before looking at what follows it. */
    record Body(ImageFormat format, Chip chip, Header header, List<Segment> segments, int checksum,
                boolean sha256Appended, Optional<AppDescriptor> app, OptionalLong iromLink, int end) {
    }

    /** A plain E9 structure: header, segments, and where the checksum was found. */
    private record E9(Header header, List<Segment> segments, int storedChecksum, int computedChecksum,
                      int end) {
    }

    static FirmwareImage parse(byte[] b) throws InvalidImageException {
        if (b.length == 0) {
            throw NotAnImage.empty();
        }
        if (b.length > FirmwareImage.MAX_IMAGE_BYTES) {
            throw new InvalidImageException(UNSUPPORTED, "too large: " + b.length + " bytes; the limit"
                    + " is " + FirmwareImage.MAX_IMAGE_BYTES + " bytes (16 MiB)");
        }
        int first = b[0] & 0xFF;
        if (first == 0x1F && (b.length == 1 || (b[1] & 0xFF) == 0x8B)) {
            return parseGzip(b);
        }
        if (first != 0xE9 && first != 0xEA) {
            throw NotAnImage.explain(b);
        }
        Body body = parseBody(b);
        return image(body, false, trailer(b, body.end(), body.chip()), b.length);
    }

    private static FirmwareImage parseGzip(byte[] b) throws InvalidImageException {
        GzipMember member = GzipMember.inflate(b, FirmwareImage.MAX_IMAGE_BYTES);
        byte[] inner = member.content();
        if (inner.length == 0) {
            throw new InvalidImageException(InvalidImageException.Problem.BAD_GZIP,
                    "broken gzip: it decompresses to 0 bytes; expected an image");
        }
        int first = inner[0] & 0xFF;
        if (first == 0x1F) {
            throw new InvalidImageException(UNSUPPORTED, "nested gzip: the gzip content is gzip again;"
                    + " compress the .bin once");
        }
        if (first != 0xE9 && first != 0xEA) {
            throw new InvalidImageException(InvalidImageException.Problem.NOT_AN_IMAGE,
                    "not a firmware image inside gzip: " + NotAnImage.whatItIs(inner));
        }
        Body body;
        Optional<SignatureTrailer> innerSignature;
        try {
            body = parseBody(inner);
            innerSignature = trailer(inner, body.end(), body.chip());
        } catch (InvalidImageException e) {
            throw new InvalidImageException(e.problem(), e.getMessage() + " (in the gzip content)");
        }
        Optional<SignatureTrailer> outer = trailer(b, member.end(), body.chip());
        return image(body, true, outer.isPresent() ? outer : innerSignature, b.length);
    }

    private static FirmwareImage image(Body body, boolean gzipped, Optional<SignatureTrailer> signature,
                                       int length) {
        Header h = body.header();
        return new FirmwareImage(body.format(), body.chip(), gzipped, h.mode(), h.sizeCode(),
                h.sizeBytes(), h.frequencyMHz(), h.entry(), body.segments(), body.checksum(), true,
                body.sha256Appended(), body.app(), signature, body.iromLink(), length);
    }

    static Body parseBody(byte[] b) throws InvalidImageException {
        if ((b[0] & 0xFF) == 0xEA) {
            return parseV2(b);
        }
        boolean extValid = esp32ExtendedHeaderValid(b);
        boolean esp8266Address = b.length >= 12 && esp8266Address(ByteOrderLe.u32(b, 8));
        if (extValid && !esp8266Address) {
            return parseEsp32(b);
        }
        if (!extValid && !esp8266Address && unknownEsp32Chip(b)) {
            return parseEsp32(b);
        }
        if (extValid) {
            try {
                return parseEsp8266(b);
            } catch (InvalidImageException asEsp8266) {
                try {
                    return parseEsp32(b);
                } catch (InvalidImageException asEsp32) {
                    throw asEsp8266;
                }
            }
        }
        return parseEsp8266(b);
    }

    // ---- ESP8266 E9 and Arduino -------------------------------------------------------------

    private static Body parseEsp8266(byte[] b) throws InvalidImageException {
        E9 first = parseE9(b, 0, "image", Chip.ESP8266);
        int end = first.end();
        if (end < b.length && (b[end] & 0xFF) == 0xAA && end <= ARDUINO_APP_OFFSET
                && allBytes(b, end, Math.min(b.length, ARDUINO_APP_OFFSET), 0xAA)) {
            return parseArduino(b, first);
        }
        if (first.header().entry() >= EBOOT_IRAM_START && first.header().entry() < EBOOT_IRAM_END
                && end == b.length) {
            throw new InvalidImageException(TRUNCATED, String.format(Locale.ROOT,
                    "truncated: this is only the Arduino eboot bootloader (entry 0x%08x, %d bytes);"
                            + " an Arduino sketch continues with 0xAA padding and the app image"
                            + " at offset 0x1000", first.header().entry(), b.length));
        }
        verifyChecksum(first, "");
        return new Body(ImageFormat.ESP8266_E9, Chip.ESP8266, first.header(), first.segments(),
                first.storedChecksum(), false, Optional.empty(), OptionalLong.empty(), end);
    }

    private static Body parseArduino(byte[] b, E9 eboot) throws InvalidImageException {
        if (b.length <= ARDUINO_APP_OFFSET) {
            throw new InvalidImageException(TRUNCATED, String.format(Locale.ROOT,
                    "truncated: Arduino sketch: the eboot bootloader and its 0xAA padding end at"
                            + " offset 0x%x, but the app image that belongs at 0x1000 is missing",
                    b.length));
        }
        if ((b[ARDUINO_APP_OFFSET] & 0xFF) != 0xE9) {
            throw new InvalidImageException(BAD_HEADER, String.format(Locale.ROOT,
                    "bad header: Arduino sketch: expected the app image magic 0xE9 at offset 0x1000"
                            + " after the eboot padding, found 0x%02X", b[ARDUINO_APP_OFFSET] & 0xFF));
        }
        E9 app = parseE9(b, ARDUINO_APP_OFFSET, "app image", Chip.ESP8266);
        int end = app.end();
        boolean crcPresent = app.segments().get(0).fileOffset() == ARDUINO_CRC_LEN_OFFSET
                && app.segments().get(0).length() >= 8
                && ByteOrderLe.u32(b, ARDUINO_CRC_LEN_OFFSET) == end;
        if (crcPresent) {
            byte[] zeros = new byte[8];
            int crc = Checksums.arduinoCrc(0xFFFF_FFFF, b, 0, ARDUINO_CRC_LEN_OFFSET);
            crc = Checksums.arduinoCrc(crc, zeros, 0, 8);
            crc = Checksums.arduinoCrc(crc, b, ARDUINO_CRC_LEN_OFFSET + 8,
                    end - ARDUINO_CRC_LEN_OFFSET - 8);
            long stored = ByteOrderLe.u32(b, ARDUINO_CRC_VAL_OFFSET);
            if (stored != (crc & 0xFFFF_FFFFL)) {
                throw new InvalidImageException(BAD_CRC, String.format(Locale.ROOT,
                        "CRC mismatch: the sketch CRC at 0x1014 says 0x%08x, the first %d bytes give"
                                + " 0x%08x (elf2bin crc8266 with the words at 0x1010/0x1014 as zero)",
                        stored, end, crc & 0xFFFF_FFFFL));
            }
        }
        verifyChecksum(eboot, "eboot ");
        int computed = app.computedChecksum();
        if (crcPresent) {
            computed = Checksums.xor(b, ARDUINO_CRC_LEN_OFFSET, 8, computed);
        }
        verifyChecksum(new E9(app.header(), app.segments(), app.storedChecksum(), computed, end), "app ");
        return new Body(ImageFormat.ARDUINO_ESP8266, Chip.ESP8266, app.header(), app.segments(),
                app.storedChecksum(), false, Optional.empty(), OptionalLong.empty(), end);
    }

    // ---- ESP8266 v2 (EA) ------------------------------------------------------------------------

    private static Body parseV2(byte[] b) throws InvalidImageException {
        need(b, 0, 8, "an image header is 8 bytes");
        int[] irom = readSegmentHeader(b, 8, 0, 1, "the irom0 segment");
        int iromData = 16;
        int iromLength = irom[1];
        int second = iromData + iromLength;
        if (second >= b.length) {
            throw new InvalidImageException(TRUNCATED, String.format(Locale.ROOT,
                    "truncated: the v2 image ends at offset 0x%x, where the second (E9) header"
                            + " should follow the irom0 segment", b.length));
        }
        if ((b[second] & 0xFF) != 0xE9) {
            throw new InvalidImageException(BAD_HEADER, String.format(Locale.ROOT,
                    "bad header: expected the second header's magic 0xE9 at offset 0x%x after the"
                            + " %d-byte irom0 segment, found 0x%02X", second, iromLength,
                    b[second] & 0xFF));
        }
        E9 ram = parseE9(b, second, "second header", Chip.ESP8266);
        int crcAt = ram.end();
        if (b.length - crcAt < 4) {
            throw new InvalidImageException(TRUNCATED, String.format(Locale.ROOT,
                    "truncated: the v2 image CRC (4 bytes) belongs at offset 0x%x but only %d bytes"
                            + " remain", crcAt, b.length - crcAt));
        }
        long stored = ByteOrderLe.u32(b, crcAt);
        long computed = Checksums.esp8266V2Crc(b, crcAt);
        if (stored != computed) {
            throw new InvalidImageException(BAD_CRC, String.format(Locale.ROOT,
                    "CRC mismatch: image says 0x%08x, the %d bytes before it give 0x%08x"
                            + " (esptool esp8266_crc32)", stored, crcAt, computed));
        }
        verifyChecksum(ram, "");
        List<Segment> segments = new ArrayList<>();
        segments.add(new Segment(irom[0] & 0xFFFF_FFFFL, iromData, iromLength));
        segments.addAll(ram.segments());
        return new Body(ImageFormat.ESP8266_V2, Chip.ESP8266, ram.header(), segments,
                ram.storedChecksum(), false, Optional.empty(),
                IromLinkBase.infer(b, iromData, iromLength), crcAt + 4);
    }

    // ---- ESP32 -----------------------------------------------------------------------------------

    private static Body parseEsp32(byte[] b) throws InvalidImageException {
        need(b, 0, 24, "an ESP32 image header is 24 bytes (8 + 16 extended)");
        int chipId = ByteOrderLe.u16(b, 12);
        if (!Chip.isKnownEsp32ChipId(chipId)) {
            throw new InvalidImageException(UNSUPPORTED, "unsupported chip: the extended header's"
                    + " chip_id is " + chipId + "; known ids are 0 ESP32, 2 ESP32-S2, 5 ESP32-C3,"
                    + " 9 ESP32-S3, 12 ESP32-C2, 13 ESP32-C6, 16 ESP32-H2, 18 ESP32-P4, 23 ESP32-C5");
        }
        Chip chip = Chip.fromEsp32ChipId(chipId);
        for (int i = 19; i < 23; i++) {
            if (b[i] != 0) {
                throw new InvalidImageException(BAD_HEADER, String.format(Locale.ROOT,
                        "bad header: extended header reserved byte at offset %d is 0x%02X;"
                                + " expected 0", i, b[i] & 0xFF));
            }
        }
        int hashAppended = b[23] & 0xFF;
        if (hashAppended > 1) {
            throw new InvalidImageException(BAD_HEADER, "bad header: hash_appended (offset 23) is "
                    + hashAppended + "; expected 0 or 1");
        }
        E9 image = parseE9(b, 0, "image", chip);
        int end = image.end();
        if (hashAppended == 1) {
            if (b.length - end < 32) {
                throw new InvalidImageException(TRUNCATED, String.format(Locale.ROOT,
                        "truncated: hash_appended is 1 but only %d of the 32 SHA-256 bytes follow"
                                + " the checksum at offset 0x%x", b.length - end, end - 1));
            }
            byte[] digest = sha256(b, end);
            byte[] stored = Arrays.copyOfRange(b, end, end + 32);
            if (!MessageDigest.isEqual(digest, stored)) {
                HexFormat hex = HexFormat.of();
                throw new InvalidImageException(BAD_HASH, "SHA-256 mismatch: image says "
                        + hex.formatHex(stored) + ", the first " + end + " bytes give "
                        + hex.formatHex(digest));
            }
        }
        verifyChecksum(image, "");
        Optional<AppDescriptor> app = appDescriptor(b, image.segments().get(0));
        return new Body(ImageFormat.ESP32, chip, image.header(), image.segments(),
                image.storedChecksum(), hashAppended == 1, app, OptionalLong.empty(),
                hashAppended == 1 ? end + 32 : end);
    }

    private static Optional<AppDescriptor> appDescriptor(byte[] b, Segment first) {
        int at = first.fileOffset();
        if (at != 0x20 || first.length() < AppDescriptor.SIZE
                || (ByteOrderLe.u32(b, at) & 0xFFFF_FFFFL) != (AppDescriptor.MAGIC & 0xFFFF_FFFFL)) {
            return Optional.empty();
        }
        return Optional.of(new AppDescriptor(cString(b, at + 16, 32), cString(b, at + 48, 32),
                cString(b, at + 112, 32), (int) ByteOrderLe.u32(b, at + 4), cString(b, at + 96, 16),
                cString(b, at + 80, 16)));
    }

    private static String cString(byte[] b, int offset, int max) {
        int n = 0;
        while (n < max && b[offset + n] != 0) {
            n++;
        }
        return new String(b, offset, n, StandardCharsets.UTF_8);
    }

    private static boolean esp32ExtendedHeaderValid(byte[] b) {
        if (b.length >= 14 && !Chip.isKnownEsp32ChipId(ByteOrderLe.u16(b, 12))) {
            return false;
        }
        return esp32ReservedAndHashFlagValid(b);
    }

    private static boolean unknownEsp32Chip(byte[] b) {
        return b.length >= 24 && esp32ReservedAndHashFlagValid(b);
    }

    private static boolean esp32ReservedAndHashFlagValid(byte[] b) {
        for (int i = 19; i < Math.min(23, b.length); i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b.length < 24 || (b[23] & 0xFF) <= 1;
    }

    private static boolean esp8266Address(long a) {
        return (a >= 0x3FFE_8000L && a < 0x4000_0000L)
                || (a >= 0x4010_0000L && a < 0x4011_0000L)
                || (a >= 0x4020_0000L && a < 0x4040_0000L)
                || (a >= 0x6000_0000L && a < 0x6000_2000L);
    }

    // ---- shared structure ----------------------------------------------------------------------

    private static E9 parseE9(byte[] b, int start, String label, Chip chip) throws InvalidImageException {
        need(b, start, 8, "the " + label + " header at offset 0x" + Integer.toHexString(start)
                + " is 8 bytes");
        int count = b[start + 1] & 0xFF;
        if (count == 0) {
            throw new InvalidImageException(BAD_HEADER, "bad header: the " + label + " declares 0"
                    + " segments (byte " + (start + 1) + "); expected 1 to " + MAX_SEGMENTS);
        }
        if (count > MAX_SEGMENTS) {
            throw new InvalidImageException(BAD_HEADER, "bad header: the " + label + " declares "
                    + count + " segments; at most " + MAX_SEGMENTS + " are allowed");
        }
        Header header = header(b, start, chip);
        int pos = start + 8 + (chip.isEsp32Family() ? 16 : 0);
        List<Segment> segments = new ArrayList<>(count);
        int xor = Checksums.CHECKSUM_SEED;
        for (int i = 0; i < count; i++) {
            int[] seg = readSegmentHeader(b, pos, i, count, null);
            Segment segment = new Segment(seg[0] & 0xFFFF_FFFFL, pos + 8, seg[1]);
            segments.add(segment);
            xor = Checksums.xor(b, segment.fileOffset(), segment.length(), xor);
            pos = segment.endOffset();
        }
        int checksumAt = pos;
        while (checksumAt % 16 != 15) {
            checksumAt++;
        }
        if (checksumAt >= b.length) {
            throw new InvalidImageException(TRUNCATED, String.format(Locale.ROOT,
                    "truncated: the %s's checksum byte belongs at offset 0x%x but the data ends at"
                            + " 0x%x", label, checksumAt, b.length));
        }
        return new E9(header, segments, b[checksumAt] & 0xFF, xor, checksumAt + 1);
    }

    /** Returns {address, length}; the length is known to fit in the remaining data. */
    private static int[] readSegmentHeader(byte[] b, int pos, int index, int count, String name)
            throws InvalidImageException {
        String what = name != null ? name : "segment " + (index + 1) + " of " + count;
        if (b.length - pos < 8) {
            throw new InvalidImageException(TRUNCATED, String.format(Locale.ROOT,
                    "truncated: %s header at offset 0x%x needs 8 bytes but only %d remain",
                    what, pos, Math.max(0, b.length - pos)));
        }
        long address = ByteOrderLe.u32(b, pos);
        long length = ByteOrderLe.u32(b, pos + 4);
        long remaining = b.length - (pos + 8L);
        if (length > remaining) {
            throw new InvalidImageException(TRUNCATED, String.format(Locale.ROOT,
                    "truncated: %s declares %d bytes at offset 0x%x but only %d bytes remain",
                    what, length, pos + 8, remaining));
        }
        return new int[] {(int) address, (int) length};
    }

    private static Header header(byte[] b, int start, Chip chip) throws InvalidImageException {
        int modeCode = b[start + 2] & 0xFF;
        FlashMode mode = FlashMode.fromCode(modeCode).orElseThrow(() -> new InvalidImageException(
                BAD_HEADER, String.format(Locale.ROOT, "bad header: flash mode (byte %d) is 0x%02X;"
                        + " expected 0 QIO, 1 QOUT, 2 DIO or 3 DOUT", start + 2, modeCode)));
        int sizeFreq = b[start + 3] & 0xFF;
        int sizeCode = sizeFreq >> 4;
        OptionalLong size = ImageSizes.flashSize(chip, sizeCode);
        if (size.isEmpty()) {
            throw new InvalidImageException(BAD_HEADER, String.format(Locale.ROOT,
                    "bad header: flash size code %d (byte %d = 0x%02X) is not defined for the %s;"
                            + " expected %s", sizeCode, start + 3, sizeFreq, chip.isEsp32Family()
                            ? "ESP32 family" : "ESP8266", chip.isEsp32Family()
                            ? "0-7 (1 MB to 128 MB)" : "0-6, 8 or 9 (256 KB to 16 MB)"));
        }
        int nibble = sizeFreq & 0xF;
        int mhz = ImageSizes.flashFrequencyMHz(nibble).orElseThrow(() -> new InvalidImageException(
                BAD_HEADER, String.format(Locale.ROOT, "bad header: flash frequency nibble %d (byte"
                        + " %d = 0x%02X) is not defined; expected 0 (40 MHz), 1 (26 MHz), 2 (20 MHz)"
                        + " or 15 (80 MHz)", nibble, start + 3, sizeFreq)));
        return new Header(mode, sizeCode, size.getAsLong(), mhz, ByteOrderLe.u32(b, start + 4));
    }

    private static void verifyChecksum(E9 image, String which) throws InvalidImageException {
        if (image.storedChecksum() != image.computedChecksum()) {
            throw new InvalidImageException(BAD_CHECKSUM, String.format(Locale.ROOT,
                    "checksum mismatch: %simage says 0x%02X, segments give 0x%02X", which,
                    image.storedChecksum(), image.computedChecksum()));
        }
    }

    // ---- after the image ----------------------------------------------------------------------

    static Optional<SignatureTrailer> trailer(byte[] b, int end, Chip chip) throws InvalidImageException {
        int rest = b.length - end;
        if (rest == 0) {
            return Optional.empty();
        }
        long declared = rest >= 4 ? ByteOrderLe.u32(b, b.length - 4) : -1;
        if (declared == rest - 4 && declared >= 64 && declared <= 1024) {
            return Optional.of(new SignatureTrailer((int) declared, end));
        }
        if (chip.isEsp32Family()) {
            int sector = (end + 0xFFF) & ~0xFFF;
            int blockLength = b.length - sector;
            if (blockLength >= 1216 && blockLength <= 4096 && (b[sector] & 0xFF) == 0xE7
                    && b[sector + 1] == 0x02 && padding(b, end, sector)) {
                return Optional.of(new SignatureTrailer(blockLength, sector));
            }
        }
        StringBuilder message = new StringBuilder(String.format(Locale.ROOT,
                "trailing data: %d bytes follow the image, which ends at offset 0x%x; expected"
                        + " nothing, or a signature (sig || u32le(len(sig)), 64 to 1024 bytes)",
                rest, end));
        if (allBytes(b, end, b.length, 0xFF)) {
            message.append("; they are all 0xFF, as in a flash read-back: upload the .bin as built");
        } else if (declared >= 64 && declared <= 1024) {
            message.append("; the last 4 bytes declare a ").append(declared)
                    .append("-byte signature, but ").append(rest - 4).append(" bytes precede them");
        }
        throw new InvalidImageException(TRAILING_DATA, message.toString());
    }

    private static boolean padding(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != 0 && b[i] != (byte) 0xFF) {
                return false;
            }
        }
        return true;
    }

    private static boolean allBytes(byte[] b, int from, int to, int value) {
        for (int i = from; i < to; i++) {
            if ((b[i] & 0xFF) != value) {
                return false;
            }
        }
        return true;
    }

    private static void need(byte[] b, int start, int count, String what) throws InvalidImageException {
        if (b.length - start < count) {
            throw new InvalidImageException(TRUNCATED, "truncated: " + what + ", got "
                    + Math.max(0, b.length - start));
        }
    }

    static byte[] sha256(byte[] b, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(b, 0, length);
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
