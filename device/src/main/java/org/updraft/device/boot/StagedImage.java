package org.updraft.device.boot;

/**
 * An image written to {@code region} and read back by a {@link SlotWriter}: validated by
 * {@link SlotWriter#finish()} (Updraft's own and the stock pull paths), or only read back by
 * {@link SlotWriter#finishUnchecked} (what the Arduino core's {@code Updater} stages); only such an
 * image can be handed to {@link Updater#activate(StagedImage)}.
 */
public record StagedImage(Region region, int length, String sha256) {
}
