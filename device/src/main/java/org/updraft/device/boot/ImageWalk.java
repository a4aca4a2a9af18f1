package org.updraft.device.boot;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.updraft.core.image.FirmwareImage;
import org.updraft.core.image.InvalidImageException;
import org.updraft.device.flash.NorFlash;

/**
 * Walks an image's headers in flash the way a bootloader does, to learn where it ends, and checks
 * what the loaders check: magic, segment bounds, the XOR checksum ({@code 0xEF ^ xor(segment
 * data)}, zero padding to {@code size % 16 == 15}), the v2 CRC ({@code crc32} of the file, then
 * {@code ^0xFFFFFFFF} if bit 31 is set, else {@code +1}; esptool {@code esp8266_crc32}) and the
 * ESP32 appended SHA-256. This is the device module's own structural check: a bootloader has no
 * length field to go by, so it must walk; the result is the exact image bytes.
 *
 * <p>Invariant: {@code problem == null} exactly when {@code image} holds a complete, consistent image.
 */
record ImageWalk(byte[] image, String problem) {

    static final int E9 = 0xE9;
    static final int EA = 0xEA;

    boolean valid() {
        return problem == null;
    }

    static ImageWalk walk(NorFlash flash, int offset, int limit, ImageKind kind) {
        int extent = extent(flash, offset, limit, kind);
        // Headers first (a few small reads), then exactly the image; a broken header chain is
        // re-walked over the whole slot only to name the problem.
        byte[] region = flash.read(offset, extent > 0 ? extent : limit);
        try {
            int end = switch (kind) {
                case ESP32 -> e9Section(region, 0, true);
                case ARDUINO -> {
                    e9Section(region, 0, false);
                    yield e9Section(region, 0x1000, false);
                }
                case NONOS_V2 -> v2(region);
            };
            byte[] image = Arrays.copyOf(region, end);
            String rejected = coreCheck(image);
            return rejected == null ? new ImageWalk(image, null) : new ImageWalk(new byte[0], rejected);
        } catch (BadImage e) {
            return new ImageWalk(new byte[0], e.getMessage());
        }
    }

    /** Core's full validation (magic, segments, checksum, v2 CRC, ESP32 SHA-256, elf2bin words). */
    static String coreCheck(byte[] image) {
        try {
            FirmwareImage.parse(image);
            return null;
        } catch (InvalidImageException e) {
            return e.getMessage();
        }
    }

    /** Where the headers say the image ends, reading only headers; -1 if they run past {@code limit}. */
    private static int extent(NorFlash flash, int offset, int limit, ImageKind kind) {
        return switch (kind) {
            case ESP32 -> e9End(flash, offset, limit, 0, true);
            case ARDUINO -> e9End(flash, offset, limit, 0, false) < 0 ? -1 : e9End(flash, offset, limit, 0x1000, false);
            case NONOS_V2 -> {
                if (limit < 16) {
                    yield -1;
                }
                long e9 = 16L + (flash.readU32(offset + 12) & 0xFFFFFFFFL);
                int end = e9 < limit ? e9End(flash, offset, limit, (int) e9, false) : -1;
                yield end < 0 || end + 4 > limit ? -1 : end + 4;
            }
        };
    }

    private static int e9End(NorFlash flash, int base, int limit, int start, boolean esp32) {
        int headerBytes = esp32 ? 24 : 8;
        if (start + headerBytes > limit) {
            return -1;
        }
        byte[] header = flash.read(base + start, headerBytes);
        long p = start + headerBytes;
        boolean hash = esp32 && header[23] == 1;
        for (int s = 0; s < (header[1] & 0xFF); s++) {
            if (p + 8 > limit) {
                return -1;
            }
            p += 8 + (flash.readU32(base + (int) p + 4) & 0xFFFFFFFFL);
        }
        while (p % 16 != 15) {
            p++;
        }
        p += 1 + (hash ? 32 : 0);
        return p <= limit ? (int) p : -1;
    }

    /** Checks an image held in memory (an updater's read-back) and returns its problem or null. */
    static String check(byte[] image, ImageKind kind) {
        NorFlash scratch = NorFlash.erased(Math.max(NorFlash.SECTOR_SIZE,
                (image.length + NorFlash.SECTOR_SIZE - 1) / NorFlash.SECTOR_SIZE * NorFlash.SECTOR_SIZE));
        scratch.programPages(0, image);
        ImageWalk walk = walk(scratch, 0, scratch.size(), kind);
        if (!walk.valid()) {
            return walk.problem();
        }
        return walk.image().length == image.length ? null
                : "image is " + image.length + " bytes but its headers end at byte " + walk.image().length;
    }

    private static int v2(byte[] b) {
        need(b, 0, 16);
        if ((b[0] & 0xFF) != EA || b[1] != 4) {
            throw new BadImage(String.format("no v2 image: expected EA 04 at offset 0, found %02X %02X", b[0] & 0xFF, b[1] & 0xFF));
        }
        int iromLength = u32(b, 12);
        int e9 = 16 + iromLength;
        need(b, e9, 0);
        int end = e9Section(b, e9, false);
        need(b, end, 4);
        CRC32 crc = new CRC32();
        crc.update(b, 0, end);
        long c = crc.getValue();
        long expected = (c & 0x80000000L) != 0 ? c ^ 0xFFFFFFFFL : c + 1;
        long stored = u32(b, end) & 0xFFFFFFFFL;
        if (stored != (expected & 0xFFFFFFFFL)) {
            throw new BadImage(String.format("v2 CRC mismatch: stored 0x%08X, computed 0x%08X", stored, expected));
        }
        return end + 4;
    }

    /** Walks one E9 image starting at {@code start}; padding is counted from byte 0 of the file. */
    private static int e9Section(byte[] b, int start, boolean esp32) {
        need(b, start, 8);
        if ((b[start] & 0xFF) != E9) {
            throw new BadImage(String.format("bad magic at offset 0x%X: expected E9, found %02X", start, b[start] & 0xFF));
        }
        int segments = b[start + 1] & 0xFF;
        if (segments == 0 || segments > 16) {
            throw new BadImage("implausible segment count " + segments + " at offset 0x" + Integer.toHexString(start));
        }
        int p = start + 8;
        boolean hashAppended = false;
        if (esp32) {
            need(b, p, 16);
            hashAppended = b[p + 15] == 1;
            p += 16;
        }
        int xor = 0xEF;
        for (int s = 0; s < segments; s++) {
            need(b, p, 8);
            int length = u32(b, p + 4);
            p += 8;
            need(b, p, length);
            for (int i = 0; i < length; i++) {
                xor ^= b[p + i] & 0xFF;
            }
            p += length;
        }
        while (p % 16 != 15) {
            p++;
        }
        need(b, p, 1);
        // Arduino: elf2bin computes the app's checksum before patching the length/CRC words at
        // 0x1010/0x1014 into irom0 (tools/elf2bin.py add_crc), so those 8 bytes count as zero.
        int patched = xor;
        if (start == 0x1000 && p > 0x1018) {
            for (int i = 0x1010; i < 0x1018; i++) {
                patched ^= b[i] & 0xFF;
            }
        }
        if ((b[p] & 0xFF) != xor && (b[p] & 0xFF) != patched) {
            throw new BadImage(String.format("checksum mismatch at offset 0x%X: stored 0x%02X, computed 0x%02X", p, b[p] & 0xFF, xor));
        }
        p++;
        if (hashAppended) {
            need(b, p, 32);
            byte[] digest = sha256(b, start, p - start);
            if (!Arrays.equals(digest, Arrays.copyOfRange(b, p, p + 32))) {
                throw new BadImage("appended SHA-256 does not match the image");
            }
            p += 32;
        }
        return p;
    }

    static byte[] sha256(byte[] b, int offset, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b, offset, length);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void need(byte[] b, int at, int length) {
        if (at < 0 || length < 0 || (long) at + length > b.length) {
            throw new BadImage("truncated: needs bytes up to offset 0x" + Long.toHexString((long) at + length)
                    + " but the slot ends at 0x" + Integer.toHexString(b.length));
        }
    }

    static int u32(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }

    private static final class BadImage extends RuntimeException {
        BadImage(String message) {
            super(message, null, false, false);
        }
    }
}
