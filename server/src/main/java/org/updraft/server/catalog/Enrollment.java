package org.updraft.server.catalog;

import org.updraft.server.problem.Rejection;

/** Which devices of a product may check in; enforced at check-in by {@code fleet/Admission} (docs/device-identity.md). */
public enum Enrollment {
    /** Any device; it registers by its MAC on the first check-in (what stock ESP servers do). */
    OPEN("open"),
    /** Only MACs on the product's allowlist. */
    ALLOWLIST("allowlist"),
    /** Only devices presenting their own per-device token ({@code ?token=} or {@code Authorization}). */
    TOKEN("token");

    private final String id;

    Enrollment(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Enrollment parse(String id) {
        for (Enrollment e : values()) {
            if (e.id.equals(id)) {
                return e;
            }
        }
        throw Rejection.badRequest("enrollment must be open, allowlist or token, got '" + id + "'");
    }
}
