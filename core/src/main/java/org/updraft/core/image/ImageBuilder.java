package org.updraft.core.image;

import org.updraft.core.chip.Chip;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.updraft.core.Validate;
import org.updraft.core.layout.FlashLayout;

/**
 * Builds real firmware images byte by byte, with real checksums, CRCs and SHA-256 digests, in every
 * format {@link FirmwareImage#parse(byte[])} accepts. For tests (here and in the server and device
 * modules), {@code updraft simulate} and the emulator's sample firmware. Output is deterministic:
 * the same calls give the same bytes.
 *
 * <pre>{@code
 * byte[] plain  = ImageBuilder.esp8266().segment(0x40100000, code).build();
 * byte[] user2  = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).payload(7, 200_000).build();
 * byte[] sketch = ImageBuilder.arduino().version("1.4.0").payload(1, 300_000).build();
 * byte[] app    = ImageBuilder.esp32().appVersion("1.0.0").projectName("blink").build();
 * byte[] gz     = ImageBuilder.gzip(sketch);
 * byte[] signed = ImageBuilder.signed(sketch, signatureBytes);
 * }</pre>
 *
 * <p>Defaults give small images (a few hundred bytes; Arduino sketches are just over 4 KiB because
 * the app starts at 0x1000): ESP8266 segments at IRAM 0x40100000 and DRAM 0x3FFE8000, DIO, 40 MHz;
 * NONOS irom0 filled with literal-pool pointers into the slot's link base
 * ({@link FlashLayout#userIromLinkBase(int)}); Arduino eboot linked at 0x4010F000 and an app whose
 * irom0 (0x40201010) starts with the two zero words elf2bin fills with length and CRC; ESP32 with
 * an {@code esp_app_desc_t} in the first (DROM) segment and the SHA-256 appended.
 *
 * <p>The {@code wrong*} and {@link #chipId(int)} methods build deliberately broken images.
 */
public final class ImageBuilder {

    private enum Kind { ESP8266, NONOS_USER, ARDUINO, ESP32 }

    private record Seg(long address, byte[] data) {
    }

    private final Kind kind;
    private FlashMode flashMode = FlashMode.DIO;
    private int flashSizeCode;
    private int frequencyMHz = 40;
    private long entry;
    private final List<Seg> segments = new ArrayList<>();
    private long seed = 1;
    private int payload = -1;
    private String version;
    private String projectName = "app";
    private String idfVersion = "v5.1.2";
    private int secureVersion;
    private String date = "Jan  1 2025";
    private String time = "00:00:00";
    private boolean appDescriptor = true;
    private Chip chip = Chip.ESP32;
    private int chipId = -1;
    private boolean sha256Appended = true;
    private boolean elf2binCrc = true;
    private long iromLinkBase;
    private boolean wrongChecksum;
    private boolean wrongCrc;
    private boolean wrongHash;

    private ImageBuilder(Kind kind) {
        this.kind = kind;
    }

    /** A plain ESP8266 E9 image (4 MB, DIO, 40 MHz). */
    public static ImageBuilder esp8266() {
        ImageBuilder b = new ImageBuilder(Kind.ESP8266);
        b.flashSizeCode = 4;
        b.entry = 0x4010_0004L;
        return b;
    }

    /**
     * A NONOS SDK v2 (EA) user image for {@code slot} 1 (user1.bin) or 2 (user2.bin) of a NONOS
     * {@code layout}: irom0 linked at {@code layout.userIromLinkBase(slot)}, flash size code of the
     * layout (0 for 512 KB, 2 for 1 MB, 4 for map4, 6 for map6).
     */
    public static ImageBuilder nonosUser(int slot, FlashLayout layout) {
        Validate.notNull(layout, "layout");
        Validate.isTrue(layout.isNonos(), "layout must be a NONOS layout, got " + layout.id());
        ImageBuilder b = new ImageBuilder(Kind.NONOS_USER);
        b.iromLinkBase = layout.userIromLinkBase(slot).getAsLong();
        b.flashSizeCode = switch (layout) {
            case NONOS_512K -> 0;
            case NONOS_1M -> 2;
            case NONOS_4M_MAP4 -> 4;
            default -> 6;
        };
        b.flashMode = FlashMode.QIO;
        b.entry = 0x4010_0004L;
        return b;
    }

    /** An Arduino ESP8266 sketch: eboot + app, with the elf2bin length/CRC words (4 MB, DIO). */
    public static ImageBuilder arduino() {
        ImageBuilder b = new ImageBuilder(Kind.ARDUINO);
        b.flashSizeCode = 4;
        b.entry = 0x4010_0004L;
        return b;
    }

    /** An ESP32 application image (4 MB, DIO, 40 MHz, SHA-256 appended, app version "1.0.0"). */
    public static ImageBuilder esp32() {
        ImageBuilder b = new ImageBuilder(Kind.ESP32);
        b.flashSizeCode = 2;
        b.entry = 0x4008_0004L;
        b.version = "1.0.0";
        return b;
    }

    /** {@code image} gzip-compressed, as Arduino's {@code elf2bin.py --gzip} does. */
    public static byte[] gzip(byte[] image) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code image || signature || u32le(signature.length)} (Arduino {@code tools/signing.py}). */
    public static byte[] signed(byte[] image, byte[] signature) {
        byte[] out = Arrays.copyOf(image, image.length + signature.length + 4);
        System.arraycopy(signature, 0, out, image.length, signature.length);
        ByteOrderLe.putU32(out, out.length - 4, signature.length);
        return out;
    }

    /** The first {@code length} bytes of {@code image}. */
    public static byte[] truncate(byte[] image, int length) {
        Validate.inRange(length, 0, image.length, "length");
        return Arrays.copyOf(image, length);
    }

    /** Deterministic pseudo-random "code" bytes. */
    public static byte[] filler(long seed, int length) {
        byte[] b = new byte[length];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    public ImageBuilder flashMode(FlashMode mode) {
        this.flashMode = Validate.notNull(mode, "mode");
        return this;
    }

    /** Header size code (high nibble of byte 3), see {@link ImageSizes}. */
    public ImageBuilder flashSizeCode(int code) {
        this.flashSizeCode = (int) Validate.inRange(code, 0, 15, "flashSizeCode");
        return this;
    }

    /** 20, 26, 40 or 80. */
    public ImageBuilder flashFrequencyMHz(int mhz) {
        ImageSizes.frequencyNibble(mhz);
        this.frequencyMHz = mhz;
        return this;
    }

    public ImageBuilder entry(long address) {
        this.entry = Validate.inRange(address, 0, 0xFFFF_FFFFL, "entry");
        return this;
    }

    /**
     * Adds a segment. ESP8266: replaces the default segments. NONOS: a RAM segment after irom0.
     * Arduino: an app segment (the first should be irom0 at 0x40201010). ESP32: a segment after the
     * descriptor segment.
     */
    public ImageBuilder segment(long address, byte[] data) {
        Validate.inRange(address, 0, 0xFFFF_FFFFL, "address");
        segments.add(new Seg(address, Validate.notNull(data, "data").clone()));
        return this;
    }

    /**
     * Fills the main code segment (ESP8266 IRAM, irom0 for NONOS and Arduino, DROM for ESP32) with
     * about {@code approxSize} deterministic bytes from {@code seed}; the image is that plus a few
     * hundred bytes (plus 4 KiB of eboot for Arduino).
     */
    public ImageBuilder payload(long seed, int approxSize) {
        this.seed = seed;
        this.payload = (int) Validate.inRange(approxSize, 16, FirmwareImage.MAX_IMAGE_BYTES / 2,
                "approxSize");
        return this;
    }

    /**
     * The firmware version: ESP32 {@code esp_app_desc_t.version}; for ESP8266 formats the text
     * "UPDRAFT-VERSION:&lt;v&gt;" embedded in the code, so versions give different bytes.
     */
    public ImageBuilder version(String version) {
        Validate.isTrue(version.length() < 32, "version must be shorter than 32 bytes");
        this.version = version;
        return this;
    }

    /** Same as {@link #version(String)}. */
    public ImageBuilder appVersion(String version) {
        return version(version);
    }

    /** ESP32: {@code esp_app_desc_t.project_name}. */
    public ImageBuilder projectName(String name) {
        Validate.isTrue(name.length() < 32, "projectName must be shorter than 32 bytes");
        this.projectName = name;
        return this;
    }

    /** ESP32: {@code esp_app_desc_t.idf_ver}. */
    public ImageBuilder idfVersion(String idfVersion) {
        Validate.isTrue(idfVersion.length() < 32, "idfVersion must be shorter than 32 bytes");
        this.idfVersion = idfVersion;
        return this;
    }

    /** ESP32: {@code esp_app_desc_t.secure_version}. */
    public ImageBuilder secureVersion(int secureVersion) {
        this.secureVersion = secureVersion;
        return this;
    }

    /** ESP32: {@code esp_app_desc_t.date} and {@code .time}. */
    public ImageBuilder buildTime(String date, String time) {
        Validate.isTrue(date.length() < 16 && time.length() < 16, "date and time must be < 16 bytes");
        this.date = date;
        this.time = time;
        return this;
    }

    /** ESP32: leave out {@code esp_app_desc_t} (as in a bootloader image). */
    public ImageBuilder noAppDescriptor() {
        this.appDescriptor = false;
        return this;
    }

    /** ESP32: the target chip (sets {@code chip_id}). */
    public ImageBuilder chip(Chip chip) {
        Validate.isTrue(chip.isEsp32Family(), "chip must be an ESP32-family chip, got " + chip);
        this.chip = chip;
        return this;
    }

    /** ESP32: writes this raw {@code chip_id}, known or not. */
    public ImageBuilder chipId(int rawChipId) {
        this.chipId = (int) Validate.inRange(rawChipId, 0, 0xFFFF, "chipId");
        return this;
    }

    /** ESP32: whether to append the SHA-256 ({@code hash_appended}); default true. */
    public ImageBuilder sha256Appended(boolean appended) {
        this.sha256Appended = appended;
        return this;
    }

    /** Arduino: whether to write the elf2bin length/CRC words at 0x1010/0x1014; default true. */
    public ImageBuilder elf2binCrc(boolean crc) {
        this.elf2binCrc = crc;
        return this;
    }

    /** NONOS: link irom0 for this base instead of the slot's (e.g. to build a swapped pair). */
    public ImageBuilder iromLinkBase(long base) {
        Validate.isTrue(kind == Kind.NONOS_USER, "iromLinkBase applies to nonosUser images only");
        this.iromLinkBase = base;
        return this;
    }

    /** Store a checksum byte that does not match (the app's, for Arduino). */
    public ImageBuilder wrongChecksum() {
        this.wrongChecksum = true;
        return this;
    }

    /** Store a CRC that does not match (v2 CRC, or the Arduino elf2bin CRC). */
    public ImageBuilder wrongCrc() {
        this.wrongCrc = true;
        return this;
    }

    /** ESP32: store a SHA-256 that does not match. */
    public ImageBuilder wrongHash() {
        this.wrongHash = true;
        return this;
    }

    /** The image bytes. */
    public byte[] build() {
        Buffer out = new Buffer();
        switch (kind) {
            case ESP8266 -> e9(out, esp8266Segments(), entry, wrongChecksum);
            case NONOS_USER -> nonos(out);
            case ARDUINO -> arduinoSketch(out);
            case ESP32 -> esp32Image(out);
        }
        return out.toArray();
    }

    // ---- formats -------------------------------------------------------------------------------

    private List<Seg> esp8266Segments() {
        if (!segments.isEmpty()) {
            return segments;
        }
        return List.of(new Seg(0x4010_0000L, code(payload > 0 ? payload : 64)),
                new Seg(0x3FFE_8000L, filler(seed + 1, 16)));
    }

    private List<Seg> ramSegments() {
        return segments.isEmpty()
                ? List.of(new Seg(0x4010_0000L, filler(seed + 2, 64)), new Seg(0x3FFE_8000L, filler(seed + 3, 16)))
                : segments;
    }

    private void nonos(Buffer out) {
        out.u8(0xEA).u8(4).u8(flashMode.code()).u8(flashSizeCode << 4 | ImageSizes.frequencyNibble(frequencyMHz))
                .u32(entry);
        byte[] irom = iromWithPointers(payload > 0 ? payload : 512, iromLinkBase);
        irom = Arrays.copyOf(irom, (irom.length + 15) & ~15);
        out.u32(0).u32(irom.length).bytes(irom);
        e9(out, ramSegments(), entry, wrongChecksum);
        long crc = Checksums.esp8266V2Crc(out.array(), out.size());
        out.u32(wrongCrc ? crc ^ 1 : crc);
    }

    private void arduinoSketch(Buffer out) {
        long ebootEntry = 0x4010_F004L;
        e9(out, List.of(new Seg(0x4010_F000L, filler(seed + 10, 96)), new Seg(0x3FFF_C000L, filler(seed + 11, 16))),
                ebootEntry, false);
        while (out.size() < ImageParser.ARDUINO_APP_OFFSET) {
            out.u8(0xAA);
        }
        List<Seg> app = segments.isEmpty() ? List.of(
                new Seg(0x4020_1010L, iromCode(payload > 0 ? payload : 128)),
                new Seg(0x4010_0000L, filler(seed + 4, 64)),
                new Seg(0x4010_1000L, filler(seed + 5, 32)),
                new Seg(0x3FFE_8000L, filler(seed + 6, 16)),
                new Seg(0x3FFE_8100L, filler(seed + 7, 32))) : segments;
        boolean crc = elf2binCrc && app.get(0).data().length >= 8;
        if (crc) {
            Arrays.fill(app.get(0).data(), 0, 8, (byte) 0);
        }
        e9(out, app, entry, wrongChecksum);
        if (crc) {
            byte[] b = out.array();
            int length = out.size();
            int value = Checksums.arduinoCrc(0xFFFF_FFFF, b, 0, length);
            ByteOrderLe.putU32(b, ImageParser.ARDUINO_CRC_LEN_OFFSET, length);
            ByteOrderLe.putU32(b, ImageParser.ARDUINO_CRC_VAL_OFFSET, wrongCrc ? value ^ 1 : value);
        }
    }

    private void esp32Image(Buffer out) {
        List<Seg> all = new ArrayList<>();
        long drom = chip == Chip.ESP32 ? 0x3F40_0020L : 0x3C00_0020L;
        if (appDescriptor) {
            byte[] desc = new byte[AppDescriptor.SIZE];
            ByteOrderLe.putU32(desc, 0, AppDescriptor.MAGIC & 0xFFFF_FFFFL);
            ByteOrderLe.putU32(desc, 4, secureVersion);
            put(desc, 16, version == null ? "" : version, 32);
            put(desc, 48, projectName, 32);
            put(desc, 80, time, 16);
            put(desc, 96, date, 16);
            put(desc, 112, idfVersion, 32);
            byte[] rest = filler(seed, payload > 0 ? payload : 32);
            byte[] data = Arrays.copyOf(desc, desc.length + rest.length);
            System.arraycopy(rest, 0, data, desc.length, rest.length);
            all.add(new Seg(drom, data));
        } else {
            all.add(new Seg(drom, filler(seed, payload > 0 ? payload : 32)));
        }
        if (segments.isEmpty()) {
            all.add(new Seg(0x4008_0000L, filler(seed + 8, 64)));
            all.add(new Seg(0x3FFB_0000L, filler(seed + 9, 32)));
        } else {
            all.addAll(segments);
        }
        int id = chipId >= 0 ? chipId : chip.esp32ChipId();
        header(out, all.size(), entry);
        out.u8(0xEE).u8(0).u8(0).u8(0).u16(id).u8(0).u16(0).u16(0xFFFF).u32(0)
                .u8(sha256Appended ? 1 : 0);
        segmentsAndChecksum(out, all, wrongChecksum);
        if (sha256Appended) {
            byte[] digest = ImageParser.sha256(out.array(), out.size());
            if (wrongHash) {
                digest[0] ^= 1;
            }
            out.bytes(digest);
        }
    }

    private void e9(Buffer out, List<Seg> segs, long entryPoint, boolean badChecksum) {
        header(out, segs.size(), entryPoint);
        segmentsAndChecksum(out, segs, badChecksum);
    }

    private void header(Buffer out, int count, long entryPoint) {
        out.u8(0xE9).u8(count).u8(flashMode.code())
                .u8(flashSizeCode << 4 | ImageSizes.frequencyNibble(frequencyMHz)).u32(entryPoint);
    }

    /** "zero padding until offset%16==15, then checksum byte = 0xEF ^ xor(segment data)". */
    private static void segmentsAndChecksum(Buffer out, List<Seg> segs, boolean badChecksum) {
        int xor = Checksums.CHECKSUM_SEED;
        for (Seg s : segs) {
            out.u32(s.address()).u32(s.data().length).bytes(s.data());
            xor = Checksums.xor(s.data(), 0, s.data().length, xor);
        }
        while (out.size() % 16 != 15) {
            out.u8(0);
        }
        out.u8(badChecksum ? xor ^ 1 : xor);
    }

    /** Code bytes with the version marker at the start. */
    private byte[] code(int length) {
        byte[] b = filler(seed, length);
        if (version != null) {
            byte[] marker = ("UPDRAFT-VERSION:" + version + "\0").getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(marker, 0, b, 0, Math.min(marker.length, b.length));
        }
        return b;
    }

    /** Arduino irom0: 8 zero bytes (CRC words), then code. */
    private byte[] iromCode(int length) {
        byte[] code = code(length);
        byte[] b = new byte[length + 8];
        System.arraycopy(code, 0, b, 8, length);
        return b;
    }

    /** irom0 code whose literal pools hold pointers into [base, base + length): every 16th word. */
    private byte[] iromWithPointers(int approx, long base) {
        int length = (approx + 15) & ~15;
        byte[] b = code(length);
        SplittableRandom random = new SplittableRandom(seed ^ 0x5EED);
        int markerEnd = version == null ? 0 : ((24 + version.length()) + 3) & ~3;
        for (int i = 0; i + 4 <= length; i += 4) {
            if (i >= markerEnd && (i / 4) % 16 == 0) {
                ByteOrderLe.putU32(b, i, base + (random.nextInt(length) & ~3));
            } else if (i >= markerEnd) {
                long word = ByteOrderLe.u32(b, i);
                if (word >= 0x4020_0000L && word < 0x4040_0000L) {
                    b[i + 3] = 0x12;
                }
            }
        }
        return b;
    }

    private static void put(byte[] into, int offset, String text, int max) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, into, offset, Math.min(bytes.length, max - 1));
    }

    /** A growable little-endian byte buffer with random access to what was written. */
    private static final class Buffer {
        private byte[] data = new byte[512];
        private int size;

        Buffer u8(int v) {
            ensure(1);
            data[size++] = (byte) v;
            return this;
        }

        Buffer u16(int v) {
            return u8(v).u8(v >>> 8);
        }

        Buffer u32(long v) {
            ensure(4);
            ByteOrderLe.putU32(data, size, v);
            size += 4;
            return this;
        }

        Buffer bytes(byte[] b) {
            ensure(b.length);
            System.arraycopy(b, 0, data, size, b.length);
            size += b.length;
            return this;
        }

        int size() {
            return size;
        }

        byte[] array() {
            return data;
        }

        byte[] toArray() {
            return Arrays.copyOf(data, size);
        }

        private void ensure(int more) {
            if (size + more > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, size + more));
            }
        }
    }
}
