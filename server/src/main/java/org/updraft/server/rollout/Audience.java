package org.updraft.server.rollout;

import java.util.List;
import java.util.Set;

/**
 * What a rollout needs to know about devices, and nothing more: whether one is pinned, its tags,
 * and which devices a product has. Declared here so that {@code rollout} depends on no device
 * registry; {@code fleet.DeviceRegistry} implements it.
 */
public interface Audience {

    /** A known device and the version it last reported (null when it never said). */
    record Known(String mac, String runningVersion) {
    }

    /** The id of the release the device is pinned to, or null: a pinned device is in no rollout. */
    Long pinnedRelease(String mac);

    /** The device's tags (rollout targets and tag waves); empty when none. */
    Set<String> tags(String mac);

    /** Every known device of a product (by name), in a stable order. */
    List<Known> known(String product);
}
