package org.updraft.server.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteException;
import org.updraft.server.problem.Rejection;

/**
 * Whether the server can keep what it is asked to write — asked before anything is acknowledged:
 * uploads, management writes, device reports and check-ins (whose device rows are written later,
 * in batches). Engine-agnostic: it looks at the data directory's file system and at how real
 * writes end, never inside a database.
 *
 * <p>Invariants:
 * <ul>
 *   <li><em>Full</em>: the usable space of the data directory's file system is below
 *       {@code reserve} plus the size of the write. The reserve is what the database, the log and
 *       writes already acknowledged may still need; nothing new is accepted into it.</li>
 *   <li><em>Failing</em>: a real write failed for a storage reason ({@link #isStorageFailure}):
 *       out of space anywhere — "No space left on device", PostgreSQL's disk_full, SQLite's
 *       "database or disk is full" — or an I/O or connection-level error. Any other failure (a
 *       constraint, a busy database, a bug in one batch) is that write's own problem and is only
 *       logged by its writer: one bad batch must not close the server to everybody. Writes are refused for {@link #COOLDOWN_NANOS} after the last
 *       failure; then the next write is let through to try again, and a transaction that
 *       commits in a writer ({@link #written}) clears the failure at once — never a request that
 *       merely did not fail, which may have written nothing. No restart is ever needed.</li>
 *   <li>The space is measured afresh for management writes and {@code /health}; check-ins reuse a
 *       measurement up to {@link #CHECK_IN_PROBE_NANOS} old (one statvfs per check-in is
 *       measurable at 10,000 check-ins/s).</li>
 *   <li>A refusal's reason reaches unauthenticated devices: it is a fixed phrase with numbers
 *       (megabytes free, the reserve), never a path or a database's text. The log keeps those.</li>
 * </ul>
 */
public final class StorageHealth implements WriteOutcomes {

    private static final Logger LOG = LoggerFactory.getLogger(StorageHealth.class);
    static final long COOLDOWN_NANOS = TimeUnit.SECONDS.toNanos(10);
    static final long CHECK_IN_PROBE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MB = 1L << 20;

    /** Why a write is refused: 507 (out of space) or 503 (writes fail), with what to tell the client. */
    public record Refusal(int status, String outcome, String reason) {
        public Rejection rejection() {
            return new Rejection(status, reason);
        }
    }

    private final Path dataDir;
    private final FileStore fileStore;
    private final long reserve;
    private final LongSupplier nanoTime;
    // Last measurement (any thread may refresh it; a stale pair is at most CHECK_IN_PROBE_NANOS old).
    private volatile long usable;
    private volatile long measuredAt;
    private volatile boolean measureFailed;
    // The last recorded failure, or null.
    private volatile Failure failure;
    private volatile boolean refusing;

    private record Failure(long at, boolean outOfSpace) {
    }

    public StorageHealth(Path dataDir, long reserveBytes) {
        this(dataDir, reserveBytes, System::nanoTime);
    }

    StorageHealth(Path dataDir, long reserveBytes, LongSupplier nanoTime) {
        this.dataDir = dataDir.toAbsolutePath();
        this.reserve = reserveBytes;
        this.nanoTime = nanoTime;
        try {
            this.fileStore = Files.getFileStore(this.dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find the file system of the data directory " + this.dataDir + ": " + e.getMessage(), e);
        }
        measure();
    }

    /** The refusal for a management write or report of about {@code bytes} (measured now), or null when it may go on. */
    public Refusal write(long bytes) {
        measure();
        return refusal(bytes);
    }

    /** As {@link #write} for a check-in (a device row, a few hundred bytes), with a measurement up to 100 ms old. */
    public Refusal checkIn() {
        if (nanoTime.getAsLong() - measuredAt > CHECK_IN_PROBE_NANOS) {
            measure();
        }
        return refusal(0);
    }

    /** Throws the refusal of {@link #write}, if any. */
    public void requireWritable(long bytes) {
        Refusal r = write(bytes);
        if (r != null) {
            throw r.rejection();
        }
    }

    /** True when a write of nothing in particular would be accepted now (readiness, {@code /health}). */
    public boolean writable() {
        return write(0) == null;
    }

    private Refusal refusal(long bytes) {
        Refusal r = compute(Math.max(0, bytes));
        boolean now = r != null;
        if (now != refusing) {
            refusing = now;
            if (now) {
                LOG.error("refusing writes on {}: {}", dataDir, r.reason());
            } else {
                LOG.warn("accepting writes again: {} MB free on {} (reserve {} MB)", usable / MB, dataDir, reserve / MB);
            }
        }
        return r;
    }

    private Refusal compute(long bytes) {
        long free = usable;
        long needed = reserve + bytes;
        if (measureFailed) {
            return new Refusal(503, "storage-failing", "the data directory cannot be examined (its file system is gone or "
                    + "unreadable); writes are refused until it can");
        }
        if (free < needed) {
            return new Refusal(507, "storage-full", "no space left on the data directory's file system: "
                    + megabytes(free) + " free, at least " + megabytes(needed) + " needed (reserve disk-reserve="
                    + reserve + " bytes" + (bytes > 0 ? " plus this request's " + bytes + " bytes" : "") + ")");
        }
        Failure f = failure;
        if (f != null && nanoTime.getAsLong() - f.at() < COOLDOWN_NANOS) {
            return f.outOfSpace()
                    ? new Refusal(507, "storage-full", "no space left for the server's data (a write failed for lack of "
                            + "space; " + megabytes(free) + " free, reserve " + megabytes(reserve)
                            + "); writes are refused until space returns")
                    : new Refusal(503, "storage-failing", "the server's writes are failing (disk or database I/O); "
                            + "writes are refused for a few seconds, then tried again");
        }
        return null;
    }

    private static String megabytes(long bytes) {
        return (bytes / MB) + " MB";
    }

    private void measure() {
        try {
            usable = fileStore.getUsableSpace();
            measureFailed = false;
        } catch (IOException e) {
            measureFailed = true;
        }
        measuredAt = nanoTime.getAsLong();
    }

    @Override
    public void written() {
        if (failure != null) {
            failure = null;
            LOG.warn("a write succeeded again; the earlier write failure is cleared");
        }
    }

    /** Records {@code cause} when it is a storage failure ({@link #isStorageFailure}); any other failure is ignored here. */
    @Override
    public void failed(Throwable cause) {
        if (!isStorageFailure(cause)) {
            return;
        }
        boolean full = isOutOfSpace(cause);
        if (failure == null) {
            LOG.error("a write failed for a storage reason ({}): {}", full ? "out of space" : "I/O or connection", cause.toString());
        }
        failure = new Failure(nanoTime.getAsLong(), full);
    }

    /**
     * When {@code e} says the disk (the data directory's or the database's) is full: records it and
     * returns the 507 to answer; else null (not a storage failure: the caller handles it).
     */
    public Rejection outOfSpace(Throwable e) {
        if (!isOutOfSpace(e)) {
            return null;
        }
        failed(e);
        Refusal r = refusal(0);
        return r != null ? r.rejection() : new Rejection(507, "no space left for the server's data");
    }

    /**
     * True when {@code e} or a cause is an out-of-space error: an I/O error "No space left on
     * device" (ENOSPC) or "Disk quota exceeded", PostgreSQL's SQLSTATE 53100 (disk_full), SQLite's
     * "database or disk is full".
     */
    public static boolean isOutOfSpace(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException s && "53100".equals(s.getSQLState())) {
                return true;
            }
            String m = t.getMessage();
            if (m != null) {
                String lower = m.toLowerCase(Locale.ROOT);
                if (lower.contains("no space left on device") || lower.contains("disk quota exceeded")
                        || lower.contains("database or disk is full")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * True when {@code e} says the storage itself is failing, not this one write: out of space
     * ({@link #isOutOfSpace}), or on any cause an I/O error ({@link IOException}), a lost or refused
     * database connection (SQLSTATE class 08, JDBC's connection exceptions), PostgreSQL's
     * insufficient resources or system error (classes 53, 58: 58030 is io_error), or SQLite's
     * SQLITE_IOERR, SQLITE_CORRUPT, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_NOTADB. A constraint
     * violation, SQLITE_BUSY or a plain bug is not.
     */
    public static boolean isStorageFailure(Throwable e) {
        if (isOutOfSpace(e)) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException || t instanceof SQLTransientConnectionException
                    || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLiteException s) {
                // Extended result codes (SQLITE_IOERR_WRITE = 778) carry the primary code in the low byte.
                int primary = s.getResultCode().code & 0xff;
                if (primary == SQLITE_IOERR || primary == SQLITE_CORRUPT || primary == SQLITE_FULL
                        || primary == SQLITE_CANTOPEN || primary == SQLITE_NOTADB) {
                    return true;
                }
            } else if (t instanceof SQLException s && s.getSQLState() != null) {
                String state = s.getSQLState();
                if (state.startsWith("08") || state.startsWith("53") || state.startsWith("58")) {
                    return true;
                }
            }
        }
        return false;
    }

    // SQLite's primary result codes (sqlite3.h).
    private static final int SQLITE_IOERR = 10;
    private static final int SQLITE_CORRUPT = 11;
    private static final int SQLITE_FULL = 13;
    private static final int SQLITE_CANTOPEN = 14;
    private static final int SQLITE_NOTADB = 26;

    public Path dataDir() {
        return dataDir;
    }

    public long reserve() {
        return reserve;
    }

    /** Usable bytes at the last measurement. */
    public long usable() {
        return usable;
    }
}
