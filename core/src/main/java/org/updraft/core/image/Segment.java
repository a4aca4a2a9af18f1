package org.updraft.core.image;

import org.updraft.core.Validate;

/**
 * One image segment: {@code u32 load address, u32 length, data}.
 *
 * @param loadAddress where the loader copies or maps the data (0 for the v2 irom0 segment and for
 *     ESP32 padding segments, as stored in the file)
 * @param fileOffset where the segment's data starts in the (decompressed) image
 * @param length data length in bytes
 */
public record Segment(long loadAddress, int fileOffset, int length) {

    public Segment {
        Validate.inRange(loadAddress, 0, 0xFFFF_FFFFL, "loadAddress");
        Validate.notNegative(fileOffset, "fileOffset");
        Validate.notNegative(length, "length");
    }

    /** The offset just past the segment's data. */
    public int endOffset() {
        return fileOffset + length;
    }
}
