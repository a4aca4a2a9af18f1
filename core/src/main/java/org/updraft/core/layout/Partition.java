package org.updraft.core.layout;

import org.updraft.core.Validate;

/**
 * A named region of flash.
 *
 * @param name the region's name as its source writes it ("user2", "app0", "spiffs")
 * @param offset byte offset from the start of flash
 * @param size bytes
 */
public record Partition(String name, long offset, long size) {

    public Partition {
        Validate.notNull(name, "name");
        Validate.notNegative(offset, "offset");
        Validate.isTrue(size > 0, "size of partition " + name + " must be positive, got " + size);
    }

    /** The offset just past the region. */
    public long end() {
        return offset + size;
    }
}
