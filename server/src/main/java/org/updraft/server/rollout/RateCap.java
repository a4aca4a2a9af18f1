package org.updraft.server.rollout;

import java.time.Duration;

/**
 * A rollout's limit on new offers (transfers that start a download attempt; a resumed transfer is
 * not new), counted across all its waves over the last minute, with an optional exponential ramp
 * (docs/rollouts.md, "Rate and ramp"): {@code rampStart} per minute when the current wave opens,
 * doubled every {@code rampEvery}, never above {@code perMinute}. The ramp restarts with each wave,
 * because each wave opens the rollout to devices that have not been offered it yet.
 *
 * @param perMinute new offers per minute at most (1..100000)
 * @param rampStart per minute when a wave opens (1..perMinute), or null: no ramp
 * @param rampEvery the doubling period (at least one minute), null exactly when {@code rampStart} is
 */
public record RateCap(int perMinute, Integer rampStart, Duration rampEvery) {

    public RateCap {
        if (perMinute < 1 || perMinute > 100_000) {
            throw new IllegalArgumentException("offersPerMinute must be within 1..100000, was " + perMinute);
        }
        if ((rampStart == null) != (rampEvery == null)) {
            throw new IllegalArgumentException("a ramp needs both rampStartPerMinute and rampDoublingMinutes, or neither");
        }
        if (rampStart != null && (rampStart < 1 || rampStart > perMinute)) {
            throw new IllegalArgumentException("rampStartPerMinute must be within 1..offersPerMinute (" + perMinute + "), was "
                    + rampStart);
        }
        if (rampEvery != null && rampEvery.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("rampDoublingMinutes must be at least 1, was " + rampEvery.toMinutes());
        }
    }

    /** New offers allowed in the minute before an instant {@code sinceWaveStart} after the current wave opened. */
    public int allowed(Duration sinceWaveStart) {
        if (rampStart == null) {
            return perMinute;
        }
        long doublings = Math.max(0, sinceWaveStart.toMillis()) / rampEvery.toMillis();
        // perMinute ≤ 100000 < 2^17: past 17 doublings the cap has been reached from any start.
        return doublings >= 17 ? perMinute : (int) Math.min(perMinute, (long) rampStart << doublings);
    }
}
