package org.updraft.server.rollout;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When rollouts are evaluated, besides operator actions: once per tick for the time-based rules
 * (soak), on one virtual thread {@code updraft-rollout-ticker}; and after a member's final update
 * transition ({@link #transition}), on the thread that made it or, when coalesced, on the common
 * pool's delayed executor. The rules themselves are {@link RolloutMachine#evaluate}'s.
 *
 * <p>Performance: an evaluation is one pass over all members under the engine's lock, and every
 * member ends with a final transition, so evaluating each one is quadratic: measured on a
 * 10,000-device rollout, the wave statistics were the server's hottest frame, on the check-in
 * threads. Small rollouts (up to {@link #EXACT_MEMBERS}) keep the exact rule: a threshold edge acts
 * on the very check-in that crosses it. Larger ones coalesce to at most one evaluation per
 * {@link #COALESCE}: the first transition of a window evaluates at once, later ones schedule a
 * single evaluation at the end of the window, so no transition waits more than {@link #COALESCE}
 * to be counted.
 */
final class RolloutSchedule implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RolloutSchedule.class);

    /** Up to this many members, every final transition is evaluated at once (one pass costs well under 0.1 ms). */
    static final int EXACT_MEMBERS = 2_000;
    /** Above {@link #EXACT_MEMBERS}, transition-triggered evaluations of a rollout run at most once per this. */
    static final Duration COALESCE = Duration.ofMillis(100);

    private final LongConsumer evaluation;
    /** rollout id → when its last transition-triggered evaluation ran ({@link System#nanoTime()}). */
    private final Map<Long, AtomicLong> lastEvaluated = new ConcurrentHashMap<>();
    /** Rollouts with a coalesced evaluation scheduled. */
    private final Set<Long> evaluationScheduled = ConcurrentHashMap.newKeySet();
    private Thread ticker;
    private volatile boolean closed;

    /** {@code evaluation} evaluates one rollout by id; {@link #start} starts the ticker. */
    RolloutSchedule(LongConsumer evaluation) {
        this.evaluation = evaluation;
    }

    /** Runs {@code tick} every {@code every} until {@link #close}; a failing tick is logged and the next one runs. */
    synchronized void start(Duration every, Runnable tick) {
        if (ticker != null) {
            throw new IllegalStateException("the rollout ticker runs already");
        }
        ticker = Thread.ofVirtual().name("updraft-rollout-ticker").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(every);
                    tick.run();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.error("rollout tick failed", e);
                }
            }
        });
    }

    /** A member of a running rollout with {@code members} members reached a final update state. */
    void transition(long rolloutId, int members) {
        if (members <= EXACT_MEMBERS) {
            evaluation.accept(rolloutId);
            return;
        }
        AtomicLong last = lastEvaluated.computeIfAbsent(rolloutId, k -> new AtomicLong(System.nanoTime() - COALESCE.toNanos()));
        long now = System.nanoTime();
        long seen = last.get();
        long wait = seen + COALESCE.toNanos() - now;
        if (wait <= 0 && last.compareAndSet(seen, now)) {
            evaluation.accept(rolloutId);
        } else if (evaluationScheduled.add(rolloutId)) {
            CompletableFuture.delayedExecutor(Math.max(wait, 0), TimeUnit.NANOSECONDS).execute(() -> {
                evaluationScheduled.remove(rolloutId);
                last.set(System.nanoTime());
                try {
                    if (!closed) {
                        evaluation.accept(rolloutId);
                    }
                } catch (RuntimeException e) {
                    LOG.error("rollout {} evaluation failed", rolloutId, e);
                }
            });
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (ticker != null) {
            ticker.interrupt();
        }
    }
}
