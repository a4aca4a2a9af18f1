package org.updraft.server.auth;

import java.util.Locale;
import org.updraft.server.problem.Rejection;

/**
 * What a management token may do; each role includes the ones below it.
 * viewer: read. operator: change the fleet (uploads, pins, tags, rollouts). admin: products and tokens.
 */
public enum Role implements Access {
    VIEWER, OPERATOR, ADMIN;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** True when a token of this role may call a route that needs {@code needed}. */
    public boolean covers(Role needed) {
        return compareTo(needed) >= 0;
    }

    /** "admin", "operator" or "viewer"; 400 naming the valid ones otherwise. */
    public static Role parse(String text) {
        if (text != null) {
            for (Role r : values()) {
                if (r.id().equals(text.strip().toLowerCase(Locale.ROOT))) {
                    return r;
                }
            }
        }
        throw Rejection.badRequest("role must be admin, operator or viewer, got " + (text == null ? "none" : "'" + text + "'"));
    }

    @Override
    public String toString() {
        return id();
    }
}
