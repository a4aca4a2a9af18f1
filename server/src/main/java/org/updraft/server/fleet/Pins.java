package org.updraft.server.fleet;

/** Which devices are pinned to a release. Read on every check-in, so answered from memory. */
public interface Pins {

    /** The id of the release the device is pinned to, or null. */
    Long pinnedRelease(String mac);
}
