package org.updraft.server.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.updraft.server.artifact.Digests;

/**
 * A row of {@code audit_log}. {@code hash} = hex SHA-256 of the UTF-8 bytes of the JSON array
 * {@code [seq, at, actor, tokenId, role, action, target, remote, status, prevHash]} (at as ISO-8601
 * UTC, e.g. "2025-01-02T03:04:05.123456Z"; absent values as null; no spaces), and {@code prevHash}
 * is the previous row's hash (64 zeros for seq 1).
 */
public record AuditEntry(long seq, Instant at, String actor, Long tokenId, String role, String action, String target, String remote,
                         int status, String prevHash, String hash) {

    /** The prevHash of the first entry. */
    public static final String GENESIS = "0".repeat(64);

    private static final ObjectMapper CANONICAL = new ObjectMapper();

    static AuditEntry chain(long seq, String prevHash, AuditEvent e) {
        return new AuditEntry(seq, e.at(), e.actor(), e.tokenId(), e.role(), e.action(), e.target(), e.remote(), e.status(), prevHash,
                hash(seq, e.at(), e.actor(), e.tokenId(), e.role(), e.action(), e.target(), e.remote(), e.status(), prevHash));
    }

    /** The hash this row's content calls for (differs from {@link #hash()} when the row was edited). */
    String expectedHash() {
        return hash(seq, at, actor, tokenId, role, action, target, remote, status, prevHash);
    }

    /** The canonical text that is hashed. */
    static String canonical(long seq, Instant at, String actor, Long tokenId, String role, String action, String target, String remote,
                            int status, String prevHash) {
        try {
            return CANONICAL.writeValueAsString(Arrays.asList(seq, at.toString(), actor, tokenId, role, action, target, remote, status,
                    prevHash));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise an audit row", e);
        }
    }

    private static String hash(long seq, Instant at, String actor, Long tokenId, String role, String action, String target, String remote,
                               int status, String prevHash) {
        return Digests.sha256Hex(canonical(seq, at, actor, tokenId, role, action, target, remote, status, prevHash)
                .getBytes(StandardCharsets.UTF_8));
    }
}
