package org.updraft.server.audit;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * One thing to record: who (actor, token id, role), what (action, target), when, from where, and
 * the result status. Text is reduced to printable ASCII (others become {@code \\uXXXX}) and cut to
 * the column sizes before hashing, so what is hashed is exactly what the database keeps.
 *
 * @param actor   token name, "anonymous" (no or unknown token) or "server"
 * @param tokenId the token's id, or null
 * @param role    the token's role, or null
 * @param action  "POST /api/v1/products/{product}/releases" (method and route template)
 * @param target  "product=relay version=1.2.0" (path parameters, then what the handler added)
 * @param remote  the client's address
 * @param status  the HTTP status answered
 */
public record AuditEvent(Instant at, String actor, Long tokenId, String role, String action, String target, String remote,
                         int status) {

    public AuditEvent {
        at = Objects.requireNonNull(at, "at").truncatedTo(ChronoUnit.MICROS);
        actor = printable(Objects.requireNonNull(actor, "actor"), 64);
        role = role == null ? null : printable(role, 16);
        action = printable(Objects.requireNonNull(action, "action"), 200);
        target = printable(target == null ? "" : target, 500);
        remote = remote == null ? null : printable(remote, 64);
    }

    static String printable(String s, int max) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String piece = c >= ' ' && c <= '~' && c != '\\' ? String.valueOf(c) : String.format("\\u%04x", (int) c);
            if (b.length() + piece.length() > max) {
                break;
            }
            b.append(piece);
        }
        return b.toString();
    }
}
