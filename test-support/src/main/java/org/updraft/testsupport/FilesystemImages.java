package org.updraft.testsupport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * File system images as mklittlefs and mkspiffs lay out their first blocks, for tests: enough of
 * the on-flash structure for the checks Updraft makes (docs/images.md, "Filesystem images"), the
 * rest erased (0xFF) as the tools leave free space. {@code seed} varies the file contents so two
 * builds differ (a new release's file system).
 */
public final class FilesystemImages {

    private FilesystemImages() {
    }

    /**
     * littlefs v2: block 0 (and its pair, block 1) start with a revision count, the superblock tag
     * and the name "littlefs" at offset 8, then version, block size and count; a file's data in block 2.
     */
    public static byte[] littlefs(int size, int blockSize, int seed) {
        byte[] b = erased(size);
        for (int block = 0; block < 2; block++) {
            ByteBuffer m = ByteBuffer.wrap(b, block * blockSize, 40).order(ByteOrder.LITTLE_ENDIAN);
            m.putInt(block + 1);                               // revision count
            m.order(ByteOrder.BIG_ENDIAN).putInt(0x0FF00008 ^ 0xFFFFFFFF); // tag: superblock, length 8 (xored)
            m.put("littlefs".getBytes(StandardCharsets.US_ASCII));
            m.order(ByteOrder.LITTLE_ENDIAN).putInt(0x00020000); // disk version 2.0
            m.putInt(blockSize).putInt(size / blockSize).putInt(255);
        }
        content(b, 2 * blockSize, seed);
        return b;
    }

    /**
     * SPIFFS (256-byte pages, one object lookup page per block): block 0's lookup lists an index
     * page of object 0x0001 (0x8001) and two data pages of it; the pages carry the matching headers.
     */
    public static byte[] spiffs(int size, int blockSize, int seed) {
        byte[] b = erased(size);
        ByteBuffer lookup = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        lookup.putShort((short) 0x8001).putShort((short) 0x0001).putShort((short) 0x0001);
        int[] ids = {0x8001, 0x0001, 0x0001};
        for (int i = 0; i < ids.length; i++) {
            ByteBuffer page = ByteBuffer.wrap(b, (i + 1) * 256, 256).order(ByteOrder.LITTLE_ENDIAN);
            page.putShort((short) ids[i]).putShort((short) Math.max(0, i - 1)).put((byte) 0xF8);
        }
        byte[] name = "/index.html".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, b, 256 + 16, name.length);
        content(b, 2 * 256 + 5, seed);
        // the magic and erase count at the end of the lookup page
        ByteBuffer.wrap(b, 252, 4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x0429).putShort((short) 0);
        return b;
    }

    private static void content(byte[] b, int at, int seed) {
        byte[] text = ("<html><body>file system build " + seed + "</body></html>\n").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, b, at, text.length);
    }

    private static byte[] erased(int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) 0xFF);
        return b;
    }
}
