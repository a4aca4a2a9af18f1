package org.updraft.server.catalog;

import java.time.Duration;
import java.time.Instant;
import org.updraft.core.layout.FlashLayout;

/**
 * A kind of device the fleet has: which chip, which flash layout, how big an update may be.
 *
 * @param updatePath an extra device-facing path answering like {@code /u/{name}} (for firmware
 *                   already built with some other URL), or null
 * @param healthWindow how long a device must keep checking in on a new image before the update
 *                   counts as confirmed
 * @param signing    whether uploads must be signed by one of the product's trusted keys
 * @param enrollment which devices may check in
 */
public record Product(long id, String name, String chip, ProductKind kind, FlashLayout layout,
                      long flashSize, long slotSize, String updatePath, Duration healthWindow, Instant createdAt,
                      SigningPolicy signing, Enrollment enrollment) {

    /** Whether the product's devices are ESP8266s (whose stock Updater verifies RSA-2048 trailers only). */
    public boolean esp8266() {
        return !chip.startsWith("esp32");
    }

    Product withPolicies(SigningPolicy newSigning, Enrollment newEnrollment) {
        return new Product(id, name, chip, kind, layout, flashSize, slotSize, updatePath, healthWindow, createdAt,
                newSigning, newEnrollment);
    }
}
