package org.updraft.device.boot;

import java.util.Arrays;

/**
 * The ESP8266's RTC user memory: 128 words that survive a software reset ({@code ESP.restart()},
 * watchdog) but not a loss of power. Arduino's eboot keeps its copy command here
 * ({@code eboot_command_write}, cores/esp8266 {@code eboot_command.h}).
 *
 * <p>Invariant: after {@link #powerLoss()} every word reads 0; consumers must guard their data
 * with a magic and a CRC, as eboot does, because real RTC memory powers up holding noise.
 */
public final class RtcMemory {
    public static final int WORDS = 128;

    private final int[] words = new int[WORDS];

    public int read(int word) {
        return words[word];
    }

    public void write(int word, int value) {
        words[word] = value;
    }

    /** Power was lost: the contents are gone. A soft reset does not call this. */
    public void powerLoss() {
        Arrays.fill(words, 0);
    }
}
