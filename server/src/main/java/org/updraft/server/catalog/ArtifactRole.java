package org.updraft.server.catalog;

/** The part a stored image plays in a release. */
public enum ArtifactRole {
    /** The single image of an Arduino or ESP32 release. */
    FIRMWARE("firmware"),
    /** NONOS image linked for slot 1 (0x1000); fetched by a device running user2. */
    USER1("user1"),
    /** NONOS image linked for slot 2; fetched by a device running user1. */
    USER2("user2");

    private final String id;

    ArtifactRole(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static ArtifactRole parse(String id) {
        for (ArtifactRole r : values()) {
            if (r.id.equalsIgnoreCase(id)) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown artifact role '" + id + "'; expected firmware, user1 or user2");
    }
}
