package org.updraft.server.http;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.updraft.server.config.Limits;

/**
 * One token bucket per key (a client address, a device MAC): {@code burst} requests at once,
 * refilled continuously at {@code perMinute} per minute. {@link #take} answers how long to wait
 * when the bucket is empty — the {@code Retry-After} of the 429.
 *
 * <p>Memory stays bounded: a bucket that has refilled completely is the same as no bucket, so
 * when the map grows past {@link #SWEEP_AT} entries the full ones are dropped.
 */
final class TokenBuckets {

    static final int SWEEP_AT = 100_000;

    private final Limits.Rate rate;
    private final LongSupplier nanos;
    private final double perNano;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    TokenBuckets(Limits.Rate rate, LongSupplier nanos) {
        this.rate = rate;
        this.nanos = nanos;
        this.perNano = rate.perMinute() / 60e9;
    }

    /** Empty when {@code key} may go ahead (a token was taken); else the nanoseconds until one is there. */
    OptionalLong take(String key) {
        if (!rate.on()) {
            return OptionalLong.empty();
        }
        long now = nanos.getAsLong();
        if (buckets.size() > SWEEP_AT) {
            buckets.values().removeIf(b -> b.fullAt(now));
        }
        return buckets.computeIfAbsent(key, k -> new Bucket(rate.burst(), now)).take(now);
    }

    private final class Bucket {
        private double tokens;
        private long at;

        Bucket(double tokens, long at) {
            this.tokens = tokens;
            this.at = at;
        }

        synchronized OptionalLong take(long now) {
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return OptionalLong.empty();
            }
            return OptionalLong.of((long) Math.ceil((1 - tokens) / perNano));
        }

        synchronized boolean fullAt(long now) {
            refill(now);
            return tokens >= rate.burst();
        }

        private void refill(long now) {
            tokens = Math.min(rate.burst(), tokens + Math.max(0, now - at) * perNano);
            at = now;
        }
    }

    /** Whole seconds for Retry-After (RFC 9110 §10.2.3), rounded up, at least 1. */
    static long retryAfterSeconds(long waitNanos) {
        return Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
    }
}
