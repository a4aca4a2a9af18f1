package org.updraft.cli.crash;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.artifact.Digests;

/**
 * What the clients know across cycles, as real clients would: the devices' flash (the image each
 * runs survives the server's crash), and the names and ids of what they created and were told
 * about. Each part is used by one client thread only.
 */
final class World {

    /** The product the devices belong to; its first release is what every device runs at the start. */
    static final String FLEET = "fleet";
    static final String BASE_VERSION = "0.0.1";
    /** Products that only receive release uploads. */
    static final List<String> UPLOAD_PRODUCTS = List.of("fw-a", "fw-b");
    static final List<String> TAGS = List.of("canary", "lab", "roof");

    /** One emulated ESP8266: its MAC and what its flash runs. */
    static final class Device {
        final String mac;
        String version;
        String md5;
        long size;
        /** Some check-in was answered: the server knows the device (tags and pins need that). */
        boolean known;

        Device(String mac, byte[] image, String version) {
            this.mac = mac;
            run(image.length, Digests.md5Hex(image), version);
        }

        void run(long size, String md5, String version) {
            this.size = size;
            this.md5 = md5;
            this.version = version;
        }
    }

    final byte[] baseImage = image(BASE_VERSION, 1);
    /** Device threads: each owns a slice of this list. */
    final List<Device> devices = new ArrayList<>();
    /** Products created by the product thread (acknowledged or not: a policy change on a missing one is refused). */
    final List<String> products = new ArrayList<>();
    /** Tokens created by the token thread and acknowledged: name → id. */
    final Map<String, Long> tokens = new LinkedHashMap<>();
    /** Rollouts created by the rollout thread and acknowledged: id. */
    final List<Long> rollouts = new ArrayList<>();

    World(int deviceCount) {
        for (int i = 0; i < deviceCount; i++) {
            devices.add(new Device(String.format("18:FE:34:C0:%02X:%02X", i / 256, i % 256), baseImage, BASE_VERSION));
        }
    }

    /** An Arduino ESP8266 sketch carrying its version, 6-30 KB (small: hundreds of uploads per run). */
    static byte[] image(String version, long seed) {
        return ImageBuilder.arduino().version(version).payload(seed, 6_000 + (int) Math.floorMod(seed * 7919, 24_000)).build();
    }
}
