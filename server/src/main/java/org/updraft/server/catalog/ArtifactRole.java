package org.updraft.server.catalog;

/** The part a stored image plays in a release. */
public enum ArtifactRole {
    /** The single image of an Arduino or ESP32 release. */
    FIRMWARE("firmware"),
    /** NONOS image linked for slot 1 (0x1000); fetched by a device running user2. */
    USER1("user1"),
    /** NONOS image linked for slot 2; fetched by a device running user1. */
    USER2("user2"),
    /**
     * A file system image (LittleFS or SPIFFS) for the product's file system region, beside the
     * app of an Arduino or ESP32 release; served to {@code x-ESP8266-mode: spiffs} /
     * {@code x-ESP32-mode: spiffs} requests. Uploaded in the part {@code filesystem}; stored as
     * role {@code fs} (the role column holds at most 8 characters).
     */
    FILESYSTEM("fs");

    private final String id;

    ArtifactRole(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** True for the images a device boots (everything but {@link #FILESYSTEM}). */
    public boolean isApp() {
        return this != FILESYSTEM;
    }

    public static ArtifactRole parse(String id) {
        for (ArtifactRole r : values()) {
            if (r.id.equalsIgnoreCase(id)) {
                return r;
            }
        }
        if ("filesystem".equalsIgnoreCase(id)) {
            return FILESYSTEM;
        }
        throw new IllegalArgumentException("unknown artifact role '" + id + "'; expected firmware, user1, user2 or filesystem");
    }
}
