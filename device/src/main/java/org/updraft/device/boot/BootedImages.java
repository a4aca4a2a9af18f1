package org.updraft.device.boot;

import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One shared array per distinct booted image, keyed by its SHA-256, so that ten thousand
 * emulated chips running the same firmware hold one copy of it instead of ten thousand.
 *
 * <p>Measured: a 10,000-device NONOS fleet (96 KB images) held ~1 GB of identical
 * {@link BootResult.Booted#image()} arrays before the rollout even started — the simulator's
 * heap, not the server, was what slowed the fleet benchmark down.
 *
 * <p>Invariants: an interned array is never written (every {@code Booted} image is read-only
 * by contract); entries are weak, so images no chip runs any more can be collected, and cleared
 * entries are swept every {@value #SWEEP_EVERY} insertions so the map stays as small as the set
 * of images in use.
 */
final class BootedImages {
    private static final int SWEEP_EVERY = 1024;
    private static final ConcurrentHashMap<String, WeakReference<byte[]>> IMAGES = new ConcurrentHashMap<>();
    private static int inserts;

    private BootedImages() {
    }

    /** The shared array with {@code image}'s bytes (SHA-256 {@code sha256}): an earlier one, or {@code image} itself. */
    static byte[] intern(String sha256, byte[] image) {
        WeakReference<byte[]> ref = IMAGES.get(sha256);
        byte[] known = ref == null ? null : ref.get();
        if (known != null && known.length == image.length) {
            return known;
        }
        IMAGES.put(sha256, new WeakReference<>(image));
        sweep();
        return image;
    }

    /** Number of live entries (tests). */
    static int size() {
        IMAGES.values().removeIf(r -> r.get() == null);
        return IMAGES.size();
    }

    private static synchronized void sweep() {
        if (++inserts % SWEEP_EVERY == 0) {
            IMAGES.values().removeIf(r -> r.get() == null);
        }
    }
}
