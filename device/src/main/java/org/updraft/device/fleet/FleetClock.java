package org.updraft.device.fleet;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * Fleet time: real time multiplied by {@code speed}, so an hour of polls, reboots, health windows
 * and soak runs in {@code 3600 / speed} seconds. The same clock is given to an in-process server
 * ({@code ServerConfig.withClock}), so its backoff, soak and health window scale with the devices.
 */
public final class FleetClock extends Clock {
    private final Instant origin;
    private final long originNanos;
    private final double speed;

    private FleetClock(Instant origin, long originNanos, double speed) {
        this.origin = origin;
        this.originNanos = originNanos;
        this.speed = speed;
    }

    /** A clock that starts now and runs {@code speed} times faster than real time (1..100000). */
    public static FleetClock scaled(double speed) {
        if (!(speed >= 1 && speed <= 100_000)) {
            throw new IllegalArgumentException("speed must be within 1..100000 (fleet seconds per real second), was " + speed);
        }
        return new FleetClock(Instant.now(), System.nanoTime(), speed);
    }

    public double speed() {
        return speed;
    }

    @Override
    public Instant instant() {
        return origin.plusNanos((long) ((System.nanoTime() - originNanos) * speed));
    }

    /** Fleet time since the clock started. */
    public Duration elapsed() {
        return Duration.ofNanos((long) ((System.nanoTime() - originNanos) * speed));
    }

    /** How long {@code fleet} takes in real time. */
    public Duration real(Duration fleet) {
        return Duration.ofNanos((long) (fleet.toNanos() / speed));
    }

    /** {@code real} time expressed in fleet time. */
    public Duration fleet(Duration real) {
        return Duration.ofNanos((long) (real.toNanos() * speed));
    }

    /** Sleeps for {@code fleet} time. */
    public void sleep(Duration fleet) throws InterruptedException {
        long nanos = real(fleet).toNanos();
        if (nanos > 0) {
            Thread.sleep(Duration.ofNanos(nanos));
        }
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
