package org.updraft.core.image;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.updraft.core.Validate;
import org.updraft.core.layout.FlashLayout;
import org.updraft.core.layout.Partition;

/**
 * A file system image for a layout's file system region (docs/images.md, "Filesystem images"): what
 * {@code ESPhttpUpdate.updateFS} and {@code httpUpdate.updateSpiffs} write over that region in
 * place, so it must be a whole file system built for exactly that region.
 *
 * <p>{@link #parse} refuses, in this order, naming the problem:
 * <ol>
 * <li>no bytes;
 * <li>an app image: first byte 0xE9 (ESP image magic), 0xEA (NONOS v2) or 0x1F 0x8B (gzip) —
 *     "an app image uploaded as a filesystem";
 * <li>erased: every byte 0xFF (an empty flash dump, nothing to deliver);
 * <li>text: HTML, JSON, plain text (an ASCII first character, the first 512 bytes printable);
 * <li>a size other than the layout's file system region (a truncated image included);
 * <li>neither a LittleFS nor a plausible SPIFFS image.
 * </ol>
 *
 * <p><b>LittleFS</b> (littlefs v2, {@code lfs.c}): blocks 0 and 1 are the superblock's metadata
 * pair; each starts with a 32-bit revision count and a tag, then the superblock entry's name, the
 * ASCII magic {@code "littlefs"} at offset 8. Either block may hold the current copy, so the magic
 * is looked for at offset 8 of block 0 and of block 1 (block size: {@link FlashLayout#filesystemBlockSize()}).
 *
 * <p><b>SPIFFS</b> has no magic at a fixed place that every build writes the same way (the
 * {@code SPIFFS_USE_MAGIC_LENGTH} option changes it), so the check is a documented heuristic on
 * block 0, with the page size both Arduino cores use (256 bytes, one object lookup page per block
 * for 4 and 8 KiB blocks): the first page is the object lookup table, one 16-bit little-endian
 * object id per data page of the block (0xFFFF free, 0x0000 deleted, else the id, with bit 15 set
 * for an object index page). It is plausible when at least one entry is in use, and each of the
 * first in-use entries (up to 8) names the object id that the header of its page
 * ({@code spiffs_page_header.obj_id}, the page's first two bytes) holds.
 *
 * @param kind   which file system it is
 * @param length bytes, equal to the region's size
 */
public record FilesystemImage(Kind kind, int length) {

    /** Which file system. */
    public enum Kind {
        LITTLEFS("LittleFS"), SPIFFS("SPIFFS");

        private final String displayName;

        Kind(String displayName) {
            this.displayName = displayName;
        }

        public String displayName() {
            return displayName;
        }
    }

    static final int SPIFFS_PAGE = 256;
    private static final int SPIFFS_ENTRIES_CHECKED = 8;
    private static final byte[] LITTLEFS_MAGIC = "littlefs".getBytes(StandardCharsets.US_ASCII);

    public FilesystemImage {
        Validate.notNull(kind, "kind");
    }

    /**
     * Checks {@code bytes} as the file system image of {@code layout}.
     *
     * @throws InvalidImageException saying what the bytes are and what was expected
     * @throws IllegalArgumentException when the layout has no file system region (NONOS)
     */
    public static FilesystemImage parse(byte[] bytes, FlashLayout layout) throws InvalidImageException {
        Validate.notNull(bytes, "bytes");
        Validate.notNull(layout, "layout");
        Partition region = layout.filesystem().orElseThrow(() -> new IllegalArgumentException(
                "layout " + layout.id() + " has no file system region"));
        String expected = "expected a LittleFS or SPIFFS image of exactly " + region.size() + " bytes (0x"
                + Long.toHexString(region.size()).toUpperCase(Locale.ROOT) + ", the " + region.name() + " region of layout "
                + layout.id() + " at 0x" + Long.toHexString(region.offset()).toUpperCase(Locale.ROOT) + ")";
        if (bytes.length == 0) {
            throw new InvalidImageException(InvalidImageException.Problem.EMPTY, "empty: the file has 0 bytes; " + expected);
        }
        int first = bytes[0] & 0xFF;
        if (first == 0xE9 || first == 0xEA || (first == 0x1F && bytes.length > 1 && (bytes[1] & 0xFF) == 0x8B)) {
            throw new InvalidImageException(InvalidImageException.Problem.NOT_AN_IMAGE, String.format(Locale.ROOT,
                    "an app image uploaded as a filesystem: it starts with byte 0x%02X, the magic of a firmware image; "
                            + "upload it as the firmware, and the file system built by mklittlefs/mkspiffs as the filesystem; %s",
                    first, expected));
        }
        if (allErased(bytes)) {
            throw new InvalidImageException(InvalidImageException.Problem.NOT_AN_IMAGE, "not a filesystem image: all "
                    + bytes.length + " bytes are 0xFF (erased flash, no file system in it); " + expected);
        }
        int start = 0;
        while (start < bytes.length && NotAnImage.isSpace(bytes[start])) {
            start++;
        }
        if (start < bytes.length && (bytes[start] & 0x80) == 0 && NotAnImage.looksLikeText(bytes, start)) {
            throw new InvalidImageException(InvalidImageException.Problem.NOT_AN_IMAGE,
                    "not a filesystem image: " + NotAnImage.whatItIs(bytes).replace(NotAnImage.EXPECTED, expected));
        }
        if (bytes.length != region.size()) {
            throw new InvalidImageException(bytes.length < region.size() ? InvalidImageException.Problem.TRUNCATED
                    : InvalidImageException.Problem.UNSUPPORTED, "wrong size: " + bytes.length + " bytes; " + expected
                    + (bytes.length < region.size() ? " (a truncated file, or one built for a smaller region)"
                    : " (built for a larger region: it would overwrite what follows the file system)"));
        }
        int block = layout.filesystemBlockSize();
        if (hasLittlefsMagic(bytes, 0) || hasLittlefsMagic(bytes, block)) {
            return new FilesystemImage(Kind.LITTLEFS, bytes.length);
        }
        String spiffs = spiffsProblem(bytes, block);
        if (spiffs == null) {
            return new FilesystemImage(Kind.SPIFFS, bytes.length);
        }
        throw new InvalidImageException(InvalidImageException.Problem.BAD_HEADER, "not a filesystem image: no LittleFS "
                + "superblock (\"littlefs\" at offset 8 of block 0 or 1, " + block + "-byte blocks) and not a SPIFFS image ("
                + spiffs + "); " + expected);
    }

    private static boolean hasLittlefsMagic(byte[] b, int blockStart) {
        int at = blockStart + 8;
        if (b.length < at + LITTLEFS_MAGIC.length) {
            return false;
        }
        for (int i = 0; i < LITTLEFS_MAGIC.length; i++) {
            if (b[at + i] != LITTLEFS_MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** Null when block 0 is a plausible SPIFFS block (class comment), else what is wrong with it. */
    private static String spiffsProblem(byte[] b, int blockSize) {
        int entries = blockSize / SPIFFS_PAGE - 1;
        int checked = 0;
        for (int i = 0; i < entries && checked < SPIFFS_ENTRIES_CHECKED; i++) {
            int id = u16(b, 2 * i);
            if (id == 0xFFFF || id == 0x0000) {
                continue;
            }
            int page = (i + 1) * SPIFFS_PAGE;
            int header = u16(b, page);
            if (header != id) {
                return String.format(Locale.ROOT, "object lookup entry %d names object 0x%04X but page %d holds 0x%04X",
                        i, id, i + 1, header);
            }
            checked++;
        }
        return checked == 0 ? "block 0's object lookup page lists no object" : null;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    private static boolean allErased(byte[] b) {
        for (byte x : b) {
            if (x != (byte) 0xFF) {
                return false;
            }
        }
        return true;
    }
}
