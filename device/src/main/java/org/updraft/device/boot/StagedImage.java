package org.updraft.device.boot;

/**
 * An image written to {@code region}, read back and validated by {@link SlotWriter#finish()};
 * only such an image can be handed to {@link Updater#activate(StagedImage)}.
 */
public record StagedImage(Region region, int length, String sha256) {
}
