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
 */
public record Product(long id, String name, String chip, ProductKind kind, FlashLayout layout,
                      long flashSize, long slotSize, String updatePath, Duration healthWindow, Instant createdAt) {
}
