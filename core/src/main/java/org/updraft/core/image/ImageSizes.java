package org.updraft.core.image;

import org.updraft.core.chip.Chip;

import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Header byte 3: "high nibble = flash size, low nibble = frequency" (esptool
 * firmware-image-format.rst; Arduino {@code tools/elf2bin.py} {@code fsizeb}/{@code ffreqb}).
 *
 * <ul>
 *   <li>ESP8266 size codes: 0=512K, 1=256K, 2=1M, 3=2M, 4=4M, 5=2M (1024+1024 map "c1"),
 *       6=4M (1024+1024 map "c1"), 8=8M, 9=16M; 7 and 10..15 are not defined.
 *   <li>ESP32 size codes: 0=1M, 1=2M, 2=4M, 3=8M, 4=16M, 5=32M, 6=64M, 7=128M.
 *   <li>Frequency nibble (ESP8266 and ESP32): 0=40 MHz, 1=26 MHz, 2=20 MHz, 0xF=80 MHz. Newer
 *       ESP32-family targets reuse the same nibble with other clock meanings (esptool per-target
 *       {@code FLASH_FREQUENCY}); Updraft reports the ESP32 meaning.
 * </ul>
 */
public final class ImageSizes {

    private static final long K = 1024;
    private static final long M = 1024 * K;

    private ImageSizes() {
    }

    /** Flash size in bytes for an ESP8266 size code, empty for an undefined code. */
    public static OptionalLong esp8266FlashSize(int code) {
        return switch (code) {
            case 0 -> OptionalLong.of(512 * K);
            case 1 -> OptionalLong.of(256 * K);
            case 2 -> OptionalLong.of(M);
            case 3, 5 -> OptionalLong.of(2 * M);
            case 4, 6 -> OptionalLong.of(4 * M);
            case 8 -> OptionalLong.of(8 * M);
            case 9 -> OptionalLong.of(16 * M);
            default -> OptionalLong.empty();
        };
    }

    /** Flash size in bytes for an ESP32-family size code 0..7, empty otherwise. */
    public static OptionalLong esp32FlashSize(int code) {
        return code >= 0 && code <= 7 ? OptionalLong.of(M << code) : OptionalLong.empty();
    }

    /** Flash size in bytes for {@code chip}'s size code. */
    public static OptionalLong flashSize(Chip chip, int code) {
        return chip.isEsp32Family() ? esp32FlashSize(code) : esp8266FlashSize(code);
    }

    /** Flash clock in MHz for a frequency nibble: 0=40, 1=26, 2=20, 0xF=80; empty otherwise. */
    public static OptionalInt flashFrequencyMHz(int nibble) {
        return switch (nibble) {
            case 0 -> OptionalInt.of(40);
            case 1 -> OptionalInt.of(26);
            case 2 -> OptionalInt.of(20);
            case 0xF -> OptionalInt.of(80);
            default -> OptionalInt.empty();
        };
    }

    /** The frequency nibble for a clock in MHz (40, 26, 20, 80); throws for any other value. */
    public static int frequencyNibble(int mhz) {
        return switch (mhz) {
            case 40 -> 0;
            case 26 -> 1;
            case 20 -> 2;
            case 80 -> 0xF;
            default -> throw new IllegalArgumentException(
                    "flash frequency must be 20, 26, 40 or 80 MHz, got " + mhz);
        };
    }

    /** A size in bytes as people write it: "512 KB", "4 MB". */
    static String human(long bytes) {
        if (bytes >= M && bytes % M == 0) {
            return bytes / M + " MB";
        }
        if (bytes % K == 0) {
            return bytes / K + " KB";
        }
        return bytes + " bytes";
    }
}
