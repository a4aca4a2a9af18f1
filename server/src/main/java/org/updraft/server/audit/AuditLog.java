package org.updraft.server.audit;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.Jdbi;
import org.updraft.server.problem.Rejection;
import org.updraft.server.store.Sql;

/**
 * The append-only, hash-chained audit log (table {@code audit_log}): every management action that
 * changes something, and every refused authentication. Each row's hash covers its content and the
 * previous row's hash, so editing or deleting a row breaks the chain from there on
 * ({@link #verify}). Appends are serialised in this process; seq is the primary key, so a second
 * writer could not fork the chain silently.
 *
 * <p>What a chain cannot show on its own: rows cut off the end (after a restart) and a chain
 * rewritten from some row on with recomputed hashes. While the server runs it remembers the head it
 * wrote, which catches the first; an {@link Anchor} — a head recorded elsewhere earlier — catches both.
 */
public final class AuditLog {

    private static final int PAGE = 1000;

    private final Jdbi jdbi;
    private final ReentrantLock lock = new ReentrantLock();
    private long headSeq;
    private String headHash;

    public AuditLog(Jdbi jdbi) {
        this.jdbi = jdbi;
        AuditEntry last = jdbi.withHandle(h -> h.createQuery("SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1")
                .map((rs, ctx) -> row(rs)).findOne().orElse(null));
        this.headSeq = last == null ? 0 : last.seq();
        this.headHash = last == null ? AuditEntry.GENESIS : last.hash();
    }

    /** A head recorded earlier ("seq:hash"): verification fails unless that row still has that hash. */
    public record Anchor(long seq, String hash) {
        public static Anchor parse(String text) {
            String[] parts = text.strip().split(":", 2);
            try {
                if (parts.length == 2 && parts[1].matches("[0-9a-fA-F]{64}")) {
                    long seq = Long.parseLong(parts[0]);
                    if (seq >= 1) {
                        return new Anchor(seq, parts[1].toLowerCase(Locale.ROOT));
                    }
                }
            } catch (NumberFormatException ignored) {
                // fall through to the message
            }
            throw Rejection.badRequest("anchor must be SEQ:HASH (a seq of 1 or more, a colon, 64 hex digits) as printed by "
                    + "a previous verification, got '" + text + "'");
        }

        @Override
        public String toString() {
            return seq + ":" + hash;
        }
    }

    /**
     * Appends one entry, chained to the last one. When another process appended meanwhile (the
     * one that does: {@code updraft token reset-admin}, run beside the server), the insert meets
     * its seq; the rows after the head this server wrote are then taken as the new head only if
     * they link to it and match their hashes, and the append is tried once more. Rows that do not
     * link leave the failure as it was: a second writer still cannot fork the chain silently.
     */
    public AuditEntry append(AuditEvent event) {
        lock.lock();
        try {
            try {
                return insert(event);
            } catch (RuntimeException e) {
                if (!catchUp()) {
                    throw e;
                }
                return insert(event);
            }
        } finally {
            lock.unlock();
        }
    }

    private AuditEntry insert(AuditEvent event) {
        AuditEntry e = AuditEntry.chain(headSeq + 1, headHash, event);
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO audit_log (seq, at, actor, token_id, role, action, target, remote, status, prev_hash, hash)
                        VALUES (:seq, :at, :actor, :tokenId, :role, :action, :target, :remote, :status, :prev, :hash)""")
                .bind("seq", e.seq()).bind("at", Sql.utc(e.at())).bind("actor", e.actor()).bind("tokenId", e.tokenId())
                .bind("role", e.role()).bind("action", e.action()).bind("target", e.target()).bind("remote", e.remote())
                .bind("status", e.status()).bind("prev", e.prevHash()).bind("hash", e.hash())
                .execute());
        headSeq = e.seq();
        headHash = e.hash();
        return e;
    }

    /** Moves the head over rows another process appended, if they extend this head intact; true when it moved. */
    private boolean catchUp() {
        List<AuditEntry> newer = jdbi.withHandle(h -> h.createQuery("SELECT * FROM audit_log WHERE seq > :after ORDER BY seq LIMIT :n")
                .bind("after", headSeq).bind("n", PAGE).map((rs, ctx) -> row(rs)).list());
        long seq = headSeq;
        String hash = headHash;
        for (AuditEntry r : newer) {
            if (r.seq() != seq + 1 || !r.prevHash().equals(hash) || !r.expectedHash().equals(r.hash())) {
                return false;
            }
            seq = r.seq();
            hash = r.hash();
        }
        if (newer.isEmpty()) {
            return false;
        }
        headSeq = seq;
        headHash = hash;
        return true;
    }

    /** The newest entries first, at most {@code limit}, with seq below {@code before} when given. */
    /** How many entries the log holds (seq runs from 1 without gaps, so the head's seq). */
    public long entries() {
        lock.lock();
        try {
            return headSeq;
        } finally {
            lock.unlock();
        }
    }

    public List<AuditEntry> latest(int limit, Long before) {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM audit_log WHERE seq < :before ORDER BY seq DESC LIMIT :limit")
                .bind("before", before == null ? Long.MAX_VALUE : before).bind("limit", limit)
                .map((rs, ctx) -> row(rs)).list());
    }

    /**
     * Walks the whole chain from seq 1 and names the first row that is wrong: a missing seq
     * (deleted), a prev_hash that does not link (the previous row rewritten, or this one edited), a
     * hash that does not match the row (edited), a row that differs from the anchor, or rows missing
     * at the end (this server wrote further, or the anchor lies beyond the end).
     */
    public Verification verify(Anchor anchor) {
        long writtenSeq;
        String writtenHash;
        lock.lock();
        try {
            writtenSeq = headSeq;
            writtenHash = headHash;
        } finally {
            lock.unlock();
        }
        long expected = 1;
        String prev = AuditEntry.GENESIS;
        while (true) {
            long after = expected - 1;
            List<AuditEntry> page = jdbi.withHandle(h -> h.createQuery("SELECT * FROM audit_log WHERE seq > :after ORDER BY seq LIMIT :n")
                    .bind("after", after).bind("n", PAGE).map((rs, ctx) -> row(rs)).list());
            for (AuditEntry r : page) {
                long checked = expected - 1;
                if (r.seq() != expected) {
                    return new Verification.Broken(checked, expected, "seq " + expected + " is missing: the log goes from seq "
                            + (expected - 1) + " to seq " + r.seq() + " (rows were deleted)");
                }
                if (!r.prevHash().equals(prev)) {
                    return new Verification.Broken(checked, r.seq(), expected == 1
                            ? "seq 1 does not start the chain: its prev_hash is not 64 zeros (the row was edited)"
                            : "seq " + r.seq() + " does not link to seq " + (r.seq() - 1) + ": its prev_hash is not the hash of seq "
                            + (r.seq() - 1) + " (seq " + (r.seq() - 1) + " was rewritten with a recomputed hash, or seq "
                            + r.seq() + " was edited)");
                }
                if (!r.expectedHash().equals(r.hash())) {
                    return new Verification.Broken(checked, r.seq(), "seq " + r.seq()
                            + " was edited: its hash does not match its content");
                }
                if (anchor != null && anchor.seq() == r.seq() && !anchor.hash().equals(r.hash())) {
                    return new Verification.Broken(checked, r.seq(), "seq " + r.seq() + " differs from the anchor " + anchor
                            + ": the log was rewritten from seq " + r.seq() + " or earlier");
                }
                if (r.seq() == writtenSeq && !r.hash().equals(writtenHash)) {
                    return new Verification.Broken(checked, r.seq(), "seq " + r.seq()
                            + " differs from what this server appended: the log was rewritten");
                }
                prev = r.hash();
                expected++;
            }
            if (page.size() < PAGE) {
                break;
            }
        }
        long last = expected - 1;
        if (last < writtenSeq) {
            return new Verification.Broken(last, last + 1, "seq " + (last + 1) + (last + 1 == writtenSeq ? "" : " to " + writtenSeq)
                    + " missing: this server appended up to seq " + writtenSeq + " but the log ends at seq " + last
                    + " (rows were deleted from the end)");
        }
        if (anchor != null && anchor.seq() > last) {
            return new Verification.Broken(last, last + 1, "the anchor names seq " + anchor.seq() + " but the log ends at seq " + last
                    + " (rows were deleted from the end)");
        }
        return new Verification.Intact(last, last, prev);
    }

    private static AuditEntry row(ResultSet rs) throws SQLException {
        return new AuditEntry(rs.getLong("seq"), Sql.instant(rs, "at"), rs.getString("actor"), Sql.longOrNull(rs, "token_id"),
                rs.getString("role"), rs.getString("action"), rs.getString("target"), rs.getString("remote"), rs.getInt("status"),
                rs.getString("prev_hash"), rs.getString("hash"));
    }
}
