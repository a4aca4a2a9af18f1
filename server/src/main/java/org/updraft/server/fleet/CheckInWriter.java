package org.updraft.server.fleet;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.store.RetriedTransaction;
import org.updraft.server.store.WriteOutcomes;

/**
 * Writes what check-ins leave in the database — the device row and, when the decision changed,
 * a timeline row — from one background thread, in bounded memory, without ever dropping a
 * device's latest state (the hot path only hands over: docs/durability.md,
 * "What a crash may lose").
 *
 * <p>Invariants:
 * <ul>
 *   <li>Pending device rows are keyed by MAC: at most one per device. A later check-in of a device
 *       supersedes its pending row (counted as <em>coalesced</em>); the row keeps the earliest
 *       check-in time (a new device's first_seen) and how many check-ins it stands for.</li>
 *   <li>At most {@code maxDevices} device rows and {@code maxTimeline} timeline rows wait, plus
 *       the one batch being written. A timeline row beyond its bound is dropped and counted
 *       (<em>shed</em>); a check-in of a device with no pending row while {@code maxDevices} other
 *       devices wait blocks until the writer takes the batch (<em>waited</em>): the only case in
 *       which {@link #record} blocks, and never for a device already pending.</li>
 *   <li>The writer takes everything pending at once and writes it in one transaction: device rows
 *       in the order they first became pending, timeline rows in the order recorded. A failing
 *       batch is retried ({@link RetriedTransaction}: 5 attempts with backoff), then its rows are counted as <em>lost</em> and
 *       logged.</li>
 *   <li>{@link #flush()} returns once every check-in recorded before the call is written (or shed
 *       or lost); {@link #close()} writes what is pending and stops.</li>
 *   <li>Shed, waited and lost rows are logged at most once per {@link #LOG_EVERY_NANOS}.</li>
 *   <li>Group commit: woken for fewer than {@link #LINGER_BELOW} rows, the writer waits
 *       {@link #LINGER_NANOS} before it takes the batch — unless someone flushes or closes — so
 *       the check-ins of those 2 ms share one transaction and one wake-up of this thread.</li>
 * </ul>
 */
final class CheckInWriter implements AutoCloseable {

    /** Writes one batch inside a transaction. */
    @FunctionalInterface
    interface Rows {
        void write(Handle handle, Collection<DeviceRow> devices, List<Decision> timeline);
    }

    /**
     * A pending device row: the latest decision, the earliest check-in time, how many check-ins it
     * stands for, and whether any of them changed the row beyond last_seen and the count.
     */
    record DeviceRow(Decision latest, Instant firstAt, long checkIns, boolean changed) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(CheckInWriter.class);
    static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    /**
     * Woken for a lone check-in at 10,000/s, the writer wrote batches of one to three rows: a
     * transaction, a thread wake-up (futex) and a context switch per check-in. Waiting 2 ms makes
     * the batches ~20 rows at that rate; a row reaches the database at most 2 ms later, and
     * {@link #flush()} and {@link #close()} end the wait.
     */
    static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    static final int LINGER_BELOW = 64;

    private final Jdbi jdbi;
    private final Rows rows;
    private final int maxDevices;
    private final int maxTimeline;
    private final long lingerNanos;
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when something becomes pending or the writer is closed. */
    private final Condition work = lock.newCondition();
    /** Signalled when the writer takes a batch (room for device rows) or finishes one (flush). */
    private final Condition progress = lock.newCondition();
    // All guarded by lock:
    private LinkedHashMap<String, DeviceRow> devices = new LinkedHashMap<>();
    private ArrayList<Decision> timeline = new ArrayList<>();
    private long recorded;
    private long written;
    private long coalesced;
    private long shed;
    private long waited;
    private long lostDevices;
    private long lostTimeline;
    private boolean closed;
    private int flushing;
    // Writer thread only: counters as last logged.
    private long loggedAt = System.nanoTime();
    private long loggedShed;
    private long loggedWaited;
    private long loggedLost;
    private final Thread writer;
    private final WriteOutcomes outcomes;

    CheckInWriter(Jdbi jdbi, Rows rows, int maxDevices, int maxTimeline) {
        this(jdbi, rows, maxDevices, maxTimeline, LINGER_NANOS);
    }

    CheckInWriter(Jdbi jdbi, Rows rows, int maxDevices, int maxTimeline, long lingerNanos) {
        this(jdbi, rows, maxDevices, maxTimeline, lingerNanos, WriteOutcomes.IGNORED);
    }

    CheckInWriter(Jdbi jdbi, Rows rows, int maxDevices, int maxTimeline, long lingerNanos, WriteOutcomes outcomes) {
        this.outcomes = outcomes;
        if (maxDevices < 1 || maxTimeline < 0 || lingerNanos < 0) {
            throw new IllegalArgumentException("maxDevices >= 1, maxTimeline >= 0 and lingerNanos >= 0 expected");
        }
        this.lingerNanos = lingerNanos;
        this.jdbi = jdbi;
        this.rows = rows;
        this.maxDevices = maxDevices;
        this.maxTimeline = maxTimeline;
        this.writer = Thread.ofPlatform().name("updraft-checkin-writer").daemon(true).start(this::run);
    }

    /**
     * Hands over one check-in of an identified device: its device row ({@code changed}: more than
     * last_seen and the count differ from the device's previous check-in), and a timeline row when
     * {@code timelineRow}. Blocks only while {@code maxDevices} other devices wait for the database.
     */
    void record(Decision d, boolean timelineRow, boolean changed) {
        String mac = d.checkIn().mac();
        Instant at = d.checkIn().at();
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("check-in writer is closed");
            }
            DeviceRow previous = devices.get(mac);
            if (previous == null) {
                if (devices.size() >= maxDevices) {
                    waited++;
                    while (devices.size() >= maxDevices && !closed) {
                        progress.awaitUninterruptibly();
                    }
                }
                if (closed) {
                    throw new IllegalStateException("check-in writer is closed");
                }
                devices.put(mac, new DeviceRow(d, at, 1, changed));
            } else {
                coalesced++;
                // put() on a present key keeps its place in the map: the row stays in first-pending order.
                devices.put(mac, new DeviceRow(d, at.isBefore(previous.firstAt()) ? at : previous.firstAt(),
                        previous.checkIns() + 1, changed || previous.changed()));
            }
            if (timelineRow) {
                if (timeline.size() < maxTimeline) {
                    timeline.add(d);
                } else {
                    shed++;
                }
            }
            recorded++;
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until every check-in recorded before this call is written, shed or lost (at most 10 s). */
    void flush() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        lock.lock();
        flushing++;
        LockSupport.unpark(writer); // ends a linger at once
        try {
            long target = recorded;
            while (written < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("check-in writer is " + (target - written) + " check-ins behind after 10 s");
                }
                progress.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            flushing--;
            lock.unlock();
        }
    }

    DeviceRegistry.WriterStats stats() {
        lock.lock();
        try {
            return new DeviceRegistry.WriterStats(devices.size(), timeline.size(), coalesced, shed, waited, lostDevices, lostTimeline);
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        while (true) {
            LinkedHashMap<String, DeviceRow> batchDevices;
            List<Decision> batchTimeline;
            long through;
            boolean linger;
            lock.lock();
            try {
                while (devices.isEmpty() && timeline.isEmpty()) {
                    if (closed) {
                        return;
                    }
                    logIfDue();
                    try {
                        work.await(100, TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        // Nobody interrupts this thread (close() sets a flag); if someone does, stop waiting and go on.
                    }
                }
                linger = lingerNanos > 0 && devices.size() + timeline.size() < LINGER_BELOW && flushing == 0 && !closed;
            } finally {
                lock.unlock();
            }
            if (linger) {
                // Outside the lock and not on `work`: record() goes on without waking this thread.
                LockSupport.parkNanos(this, lingerNanos);
            }
            lock.lock();
            try {
                batchDevices = devices;
                batchTimeline = timeline;
                through = recorded;
                devices = new LinkedHashMap<>();
                timeline = new ArrayList<>();
                progress.signalAll();
            } finally {
                lock.unlock();
            }
            boolean ok = writeWithRetry(batchDevices.values(), batchTimeline);
            lock.lock();
            try {
                if (!ok) {
                    lostDevices += batchDevices.size();
                    lostTimeline += batchTimeline.size();
                }
                written = through;
                progress.signalAll();
                logIfDue();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Caller holds the lock. */
    private void logIfDue() {
        long now = System.nanoTime();
        if (now - loggedAt < LOG_EVERY_NANOS) {
            return;
        }
        long lost = lostDevices + lostTimeline;
        if (shed != loggedShed || waited != loggedWaited || lost != loggedLost) {
            LOG.warn("check-in writer, last {} s: {} timeline rows shed (at most {} wait), {} check-ins waited for room "
                            + "(at most {} device rows wait), {} rows lost to database errors",
                    TimeUnit.NANOSECONDS.toSeconds(now - loggedAt), shed - loggedShed, maxTimeline, waited - loggedWaited,
                    maxDevices, lost - loggedLost);
        }
        loggedAt = now;
        loggedShed = shed;
        loggedWaited = waited;
        loggedLost = lost;
    }

    private boolean writeWithRetry(Collection<DeviceRow> batchDevices, List<Decision> batchTimeline) {
        return RetriedTransaction.run(jdbi, LOG, "check-in writer",
                () -> batchDevices.size() + " device rows and " + batchTimeline.size() + " timeline rows",
                h -> rows.write(h, batchDevices, batchTimeline), this::isClosed, outcomes);
    }

    private boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Stops accepting check-ins, writes what is pending and returns (the writer is never interrupted inside JDBC). */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            work.signalAll();
            progress.signalAll();
        } finally {
            lock.unlock();
        }
        LockSupport.unpark(writer);
        try {
            writer.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
