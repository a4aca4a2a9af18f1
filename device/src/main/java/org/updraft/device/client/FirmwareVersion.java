package org.updraft.device.client;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.updraft.core.image.FirmwareImage;
import org.updraft.core.image.InvalidImageException;

/**
 * The version a firmware knows it is — what it passes as {@code currentVersion} or puts into its
 * NONOS URL. Real firmware has it compiled in; the emulator reads it from the image: ESP-IDF
 * {@code esp_app_desc_t.version}, else the {@code UPDRAFT-VERSION:<v>\0} marker core's
 * {@code ImageBuilder} embeds in ESP8266 code.
 */
public final class FirmwareVersion {
    private static final byte[] MARKER = "UPDRAFT-VERSION:".getBytes(StandardCharsets.US_ASCII);

    private FirmwareVersion() {
    }

    public static Optional<String> of(byte[] image) {
        try {
            Optional<String> app = FirmwareImage.parse(image).appVersion();
            if (app.isPresent() && !app.get().isEmpty()) {
                return app;
            }
        } catch (InvalidImageException e) {
            // not parseable as a whole: look for the marker anyway
        }
        outer:
        for (int i = 0; i + MARKER.length < image.length; i++) {
            for (int j = 0; j < MARKER.length; j++) {
                if (image[i + j] != MARKER[j]) {
                    continue outer;
                }
            }
            int start = i + MARKER.length;
            int end = start;
            while (end < image.length && end - start < 32 && image[end] != 0) {
                end++;
            }
            return end > start ? Optional.of(new String(image, start, end - start, StandardCharsets.US_ASCII)) : Optional.empty();
        }
        return Optional.empty();
    }
}
