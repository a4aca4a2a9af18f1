package org.updraft.core.image;

/** Little-endian field access; every multi-byte field of the image formats is little-endian. */
final class ByteOrderLe {

    private ByteOrderLe() {
    }

    static long u32(byte[] b, int offset) {
        return (b[offset] & 0xFFL) | (b[offset + 1] & 0xFFL) << 8
                | (b[offset + 2] & 0xFFL) << 16 | (b[offset + 3] & 0xFFL) << 24;
    }

    static int u16(byte[] b, int offset) {
        return (b[offset] & 0xFF) | (b[offset + 1] & 0xFF) << 8;
    }

    static void putU32(byte[] b, int offset, long value) {
        b[offset] = (byte) value;
        b[offset + 1] = (byte) (value >>> 8);
        b[offset + 2] = (byte) (value >>> 16);
        b[offset + 3] = (byte) (value >>> 24);
    }

    static void putU16(byte[] b, int offset, int value) {
        b[offset] = (byte) value;
        b[offset + 1] = (byte) (value >>> 8);
    }
}
