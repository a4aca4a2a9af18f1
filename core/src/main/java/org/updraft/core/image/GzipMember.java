package org.updraft.core.image;

import static org.updraft.core.image.InvalidImageException.Problem.BAD_GZIP;
import static org.updraft.core.image.InvalidImageException.Problem.TRUNCATED;
import static org.updraft.core.image.InvalidImageException.Problem.UNSUPPORTED;

import java.io.ByteArrayOutputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * One gzip member (RFC 1952), decompressed with a hard cap. Arduino ESP8266 accepts gzip-compressed
 * sketches ("1F 8B", eboot {@code copy_raw} inflates them with uzlib); a signature, if any, follows
 * the member ("sign after compressing", {@code tools/signing.py}), so the member's end is reported.
 *
 * @param content the decompressed bytes
 * @param end the offset just past the member's 8-byte trailer (CRC-32, ISIZE)
 */
record GzipMember(byte[] content, int end) {

    private static final int FTEXT_FHCRC = 0x02;
    private static final int FEXTRA = 0x04;
    private static final int FNAME = 0x08;
    private static final int FCOMMENT = 0x10;

    static GzipMember inflate(byte[] b, int cap) throws InvalidImageException {
        if (b.length < 10) {
            throw new InvalidImageException(TRUNCATED, "truncated: a gzip header is at least 10 bytes,"
                    + " got " + b.length);
        }
        if ((b[2] & 0xFF) != 8) {
            throw new InvalidImageException(BAD_GZIP, "broken gzip: compression method byte is "
                    + (b[2] & 0xFF) + "; expected 8 (deflate)");
        }
        int flags = b[3] & 0xFF;
        if ((flags & 0xE0) != 0) {
            throw new InvalidImageException(BAD_GZIP, String.format(
                    "broken gzip: reserved flag bits set in FLG 0x%02x; expected 0", flags));
        }
        int pos = 10;
        if ((flags & FEXTRA) != 0) {
            need(b, pos, 2, "the gzip FEXTRA length");
            pos += 2 + ByteOrderLe.u16(b, pos);
        }
        if ((flags & FNAME) != 0) {
            pos = skipZeroTerminated(b, pos, "the gzip file name");
        }
        if ((flags & FCOMMENT) != 0) {
            pos = skipZeroTerminated(b, pos, "the gzip comment");
        }
        if ((flags & FTEXT_FHCRC) != 0) {
            pos += 2;
        }
        need(b, pos, 0, "the gzip header");
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(b, pos, b.length - pos);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(cap, b.length * 4));
            byte[] buffer = new byte[64 * 1024];
            while (!inflater.finished()) {
                int n = inflater.inflate(buffer);
                if (n == 0) {
                    if (inflater.finished()) {
                        break;
                    }
                    if (inflater.needsInput()) {
                        throw new InvalidImageException(TRUNCATED, "truncated: the gzip stream ends"
                                + " before the end of its compressed data (" + b.length
                                + " bytes, " + out.size() + " bytes decompressed so far)");
                    }
                    throw new InvalidImageException(BAD_GZIP, "broken gzip: the deflate stream"
                            + " needs a preset dictionary, which gzip does not allow");
                }
                if (out.size() + n > cap) {
                    throw new InvalidImageException(UNSUPPORTED, "too large: the gzip content expands"
                            + " to more than " + cap + " bytes (" + cap / (1024 * 1024)
                            + " MiB), the most Updraft decompresses; no ESP flash holds more");
                }
                out.write(buffer, 0, n);
            }
            int trailer = b.length - inflater.getRemaining();
            if (b.length - trailer < 8) {
                throw new InvalidImageException(TRUNCATED, "truncated: the gzip trailer (CRC-32 and"
                        + " size, 8 bytes) at offset 0x" + Integer.toHexString(trailer)
                        + " has only " + (b.length - trailer) + " bytes");
            }
            byte[] content = out.toByteArray();
            CRC32 crc = new CRC32();
            crc.update(content);
            long storedCrc = ByteOrderLe.u32(b, trailer);
            if (storedCrc != crc.getValue()) {
                throw new InvalidImageException(BAD_GZIP, String.format(
                        "broken gzip: CRC-32 mismatch: trailer says 0x%08x, data gives 0x%08x",
                        storedCrc, crc.getValue()));
            }
            long storedSize = ByteOrderLe.u32(b, trailer + 4);
            if (storedSize != (content.length & 0xFFFF_FFFFL)) {
                throw new InvalidImageException(BAD_GZIP, "broken gzip: size mismatch: trailer says "
                        + storedSize + " bytes, data is " + content.length + " bytes");
            }
            return new GzipMember(content, trailer + 8);
        } catch (DataFormatException e) {
            throw new InvalidImageException(BAD_GZIP, "broken gzip: the deflate data is invalid ("
                    + e.getMessage() + ")");
        } finally {
            inflater.end();
        }
    }

    private static int skipZeroTerminated(byte[] b, int pos, String what) throws InvalidImageException {
        int p = pos;
        while (p < b.length && b[p] != 0) {
            p++;
        }
        need(b, p, 1, what);
        return p + 1;
    }

    private static void need(byte[] b, int pos, int count, String what) throws InvalidImageException {
        if (pos + count > b.length) {
            throw new InvalidImageException(TRUNCATED, "truncated: " + what + " runs past the end of"
                    + " the " + b.length + "-byte file");
        }
    }
}
