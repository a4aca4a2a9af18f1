package org.updraft.device.boot;

/**
 * An image written to {@code region} and read back by a {@link SlotWriter}: validated by
 * {@link SlotWriter#finish()} (Updraft's own paths, ESP8266httpUpdate and ESP-IDF), or only read
 * back by {@link SlotWriter#finishUnchecked} (what the Arduino core's {@code Updater} stages, and
 * what the NONOS SDK's {@code system_upgrade_start} selects after its CRC check); only such an
 * image can be handed to {@link Updater#activate(StagedImage)}.
 */
public record StagedImage(Region region, int length, String sha256) {
}
