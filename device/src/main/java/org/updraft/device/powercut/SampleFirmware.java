package org.updraft.device.powercut;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Small, structurally real firmware images for the emulator: the containers of esptool's
 * {@code firmware-image-format.rst} (E9 header, segments, XOR checksum padded to
 * {@code size % 16 == 15}; v2 EA + irom0 + CRC; Arduino eboot + app; ESP32 extended header,
 * {@code esp_app_desc_t} at 0x20 and appended SHA-256) filled with a deterministic payload, so two
 * versions differ in every segment. The code inside is noise: nothing here executes.
 */
public final class SampleFirmware {
    private SampleFirmware() {
    }

    /** A NONOS {@code user1.bin} ({@code slot == 1}) or {@code user2.bin} of about {@code size} bytes. */
    public static byte[] nonosUser(int slot, int flashSizeCode, int version, int size) {
        Random random = new Random(31L * version + slot);
        int irom = (size - 1024) / 16 * 16;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xEA);
        out.write(4);
        out.write(0); // QIO
        out.write(flashSizeCode << 4);
        writeU32(out, 0x40100004 + 4 * slot);
        writeU32(out, 0);
        writeU32(out, irom);
        out.writeBytes(noise(random, irom));
        int e9At = out.size();
        out.writeBytes(e9(e9At, flashSizeCode << 4, 0x40100004, false, List.of(
                new int[] {0x40100000}, new int[] {0x3FFE8000}), List.of(noise(random, 512), noise(random, 256))));
        byte[] body = out.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(body);
        long c = crc.getValue();
        long stored = (c & 0x80000000L) != 0 ? c ^ 0xFFFFFFFFL : c + 1;
        out.reset();
        out.writeBytes(body);
        writeU32(out, (int) stored);
        return out.toByteArray();
    }

    /** An Arduino ESP8266 sketch .bin: eboot padded with 0xAA to 0x1000, then the app. */
    public static byte[] arduino(int flashSizeCode, int version, int size) {
        Random eboot = new Random(8266);
        Random app = new Random(1000L + version);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(e9(0, flashSizeCode << 4, 0x4010F000, false,
                List.of(new int[] {0x4010F000}, new int[] {0x3FFFAB00}), List.of(noise(eboot, 0x600), noise(eboot, 0x20))));
        while (out.size() < 0x1000) {
            out.write(0xAA);
        }
        int irom = Math.max(256, (size - 0x1000 - 1024) / 16 * 16);
        out.writeBytes(e9(0x1000, flashSizeCode << 4, 0x40100000 + 8 * version, false,
                List.of(new int[] {0x40201010}, new int[] {0x40100000}, new int[] {0x3FFE8000}),
                List.of(noise(app, irom), noise(app, 512), noise(app, 256))));
        return out.toByteArray();
    }

    /** An ESP32 app image with {@code esp_app_desc_t.version == version}, chip ESP32, SHA-256 appended. */
    public static byte[] esp32(String version, int size) {
        Random random = new Random(version.hashCode());
        ByteBuffer desc = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        desc.putInt(0xABCD5432).putInt(0).putInt(0).putInt(0);
        desc.put(Arrays.copyOf(version.getBytes(StandardCharsets.US_ASCII), 32));
        desc.put(Arrays.copyOf("updraft-sample".getBytes(StandardCharsets.US_ASCII), 32));
        desc.put(Arrays.copyOf("00:00:00".getBytes(StandardCharsets.US_ASCII), 16));
        desc.put(Arrays.copyOf("Jan  1 2026".getBytes(StandardCharsets.US_ASCII), 16));
        desc.put(Arrays.copyOf("v5.3".getBytes(StandardCharsets.US_ASCII), 32));
        int drom = Math.max(256, (size - 1024) / 16 * 16);
        byte[] first = Arrays.copyOf(desc.array(), drom);
        System.arraycopy(noise(random, drom - 256), 0, first, 256, drom - 256);
        return e9(0, 0x20, 0x40080000, true, List.of(new int[] {0x3F400020}, new int[] {0x40080000}),
                List.of(first, noise(random, 512)));
    }

    private static byte[] e9(int fileOffset, int sizeFreq, int entry, boolean esp32, List<int[]> loads, List<byte[]> data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xE9);
        out.write(data.size());
        out.write(esp32 ? 2 : 0);
        out.write(sizeFreq);
        writeU32(out, entry);
        if (esp32) {
            out.writeBytes(new byte[] {(byte) 0xEE, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 0, 1});
        }
        int xor = 0xEF;
        for (int i = 0; i < data.size(); i++) {
            writeU32(out, loads.get(i)[0]);
            writeU32(out, data.get(i).length);
            out.writeBytes(data.get(i));
            for (byte b : data.get(i)) {
                xor ^= b & 0xFF;
            }
        }
        while ((fileOffset + out.size()) % 16 != 15) {
            out.write(0);
        }
        out.write(xor);
        if (esp32) {
            byte[] body = out.toByteArray();
            try {
                out.writeBytes(MessageDigest.getInstance("SHA-256").digest(body));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return out.toByteArray();
    }

    private static byte[] noise(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static void writeU32(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }
}
