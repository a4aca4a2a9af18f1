package org.updraft.device.boot;

/** A named byte range of the flash chip: a slot, a parameter sector, a partition. */
public record Region(String name, int offset, int size) {
    public Region {
        if (offset < 0 || size <= 0) {
            throw new IllegalArgumentException("region " + name + " needs offset >= 0 and size > 0");
        }
    }

    public int end() {
        return offset + size;
    }

    @Override
    public String toString() {
        return String.format("%s@0x%06X+0x%X", name, offset, size);
    }
}
