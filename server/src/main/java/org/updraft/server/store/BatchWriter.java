package org.updraft.server.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes items to the database in batches from one background thread, so a hot path only
 * enqueues: device state is written in batches, not one transaction per check-in (docs/architecture.md,
 * "Threads").
 *
 * <p>Invariants: items are written in the order enqueued, each batch in one transaction; a
 * failing batch is retried ({@link RetriedTransaction}: 5 attempts with backoff) and then logged as lost; {@link #flush()}
 * returns once everything enqueued before the call is written; {@link #awaitWritten} says whether
 * one item was committed or lost (items are numbered in queue order: the number is taken and the
 * item queued under one lock, so a batch is always a contiguous range of numbers); {@link #close()}
 * drains the queue before it returns.
 */
public final class BatchWriter<T> implements AutoCloseable {

    /** Writes one batch inside a transaction. */
    @FunctionalInterface
    public interface Batch<T> {
        void write(Handle handle, List<T> items);
    }

    private static final Logger LOG = LoggerFactory.getLogger(BatchWriter.class);
    private static final int MAX_BATCH = 1000;

    private final String name;
    private final Jdbi jdbi;
    private final Batch<T> batch;
    private final LinkedBlockingQueue<T> queue = new LinkedBlockingQueue<>();
    private final AtomicLong enqueued = new AtomicLong();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition progress = lock.newCondition();
    private long written; // guarded by lock
    // The numbers {first, last} of the most recent batches given up as lost; guarded by lock. 64
    // are plenty: a lost batch takes about 1.5 s of retries, and a waiter gives up after 10 s.
    private final java.util.ArrayDeque<long[]> lost = new java.util.ArrayDeque<>();
    private static final int LOST_KEPT = 64;
    private final Thread writer;
    private volatile boolean closed;
    private final WriteOutcomes outcomes;

    public BatchWriter(String name, Jdbi jdbi, Batch<T> batch) {
        this(name, jdbi, batch, WriteOutcomes.IGNORED);
    }

    public BatchWriter(String name, Jdbi jdbi, Batch<T> batch, WriteOutcomes outcomes) {
        this.outcomes = outcomes;
        this.name = name;
        this.jdbi = jdbi;
        this.batch = batch;
        this.writer = Thread.ofPlatform().name("updraft-" + name + "-writer").daemon(true).start(this::drain);
    }

    /** Queues {@code item}; returns its number for {@link #awaitWritten}. */
    public long add(T item) {
        if (closed) {
            throw new IllegalStateException(name + " writer is closed");
        }
        lock.lock();
        try {
            queue.add(item);
            return enqueued.incrementAndGet();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks until the item numbered {@code number} (from {@link #add}) has been handled (at most
     * 10 s, then IllegalStateException): true when its batch committed, false when it was given
     * up as lost.
     */
    public boolean awaitWritten(long number) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        lock.lock();
        try {
            while (written < number) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException(name + " writer is " + (number - written) + " items behind after 10 s");
                }
                progress.awaitNanos(left);
            }
            for (long[] range : lost) {
                if (range[0] <= number && number <= range[1]) {
                    return false;
                }
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /** Blocks until every item added before this call is in the database (at most 10 s). */
    public void flush() {
        long target = enqueued.get();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        lock.lock();
        try {
            while (written < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException(name + " writer is " + (target - written) + " items behind after 10 s");
                }
                progress.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            lock.unlock();
        }
    }

    private void drain() {
        List<T> items = new ArrayList<>(MAX_BATCH);
        while (!closed || !queue.isEmpty()) {
            boolean committed = false;
            try {
                T first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                items.add(first);
                queue.drainTo(items, MAX_BATCH - 1);
                committed = writeWithRetry(items);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                if (!items.isEmpty()) {
                    lock.lock();
                    try {
                        if (!committed) {
                            lost.addLast(new long[] {written + 1, written + items.size()});
                            if (lost.size() > LOST_KEPT) {
                                lost.removeFirst();
                            }
                        }
                        written += items.size();
                        progress.signalAll();
                    } finally {
                        lock.unlock();
                    }
                    items.clear();
                }
            }
        }
    }

    private boolean writeWithRetry(List<T> items) {
        return RetriedTransaction.run(jdbi, LOG, name, () -> items.size() + " records", h -> batch.write(h, items), () -> closed, outcomes);
    }

    /**
     * Stops accepting items, writes what is queued and returns. No interrupt: it could land inside
     * a JDBC call; the writer sees the flag within 100 ms.
     */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
