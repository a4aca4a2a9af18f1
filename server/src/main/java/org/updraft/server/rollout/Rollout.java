package org.updraft.server.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A release going out to a product's devices in waves, under a policy (docs/architecture.md,
 * "Rollouts"). Immutable; state changes produce a new value.
 *
 * @param targetTags   devices must carry one of these tags; empty = every device of the product
 * @param fromVersions devices must run a version in this range when they join; null = any
 * @param currentWave  index into {@code waves} of the wave being offered
 * @param downgrade    a fleet rollback: its release may be offered to devices running a newer
 *                     version (the security-counter rule still applies; docs/lifecycle.md)
 */
public record Rollout(long id, long productId, long releaseId, RolloutState state, String reason, Set<String> targetTags,
                      VersionRange fromVersions, List<Wave> waves, Policy policy, int currentWave, Instant waveStartedAt,
                      Instant createdAt, Instant finishedAt, boolean downgrade) {

    /** A rollout that is not a downgrade. */
    public Rollout(long id, long productId, long releaseId, RolloutState state, String reason, Set<String> targetTags,
                   VersionRange fromVersions, List<Wave> waves, Policy policy, int currentWave, Instant waveStartedAt,
                   Instant createdAt, Instant finishedAt) {
        this(id, productId, releaseId, state, reason, targetTags, fromVersions, waves, policy, currentWave, waveStartedAt, createdAt,
                finishedAt, false);
    }

    /**
     * @param successThreshold share of a wave's devices that must be confirmed to advance (reached = advance)
     * @param failureThreshold share of a wave's devices failed or rolled back above which the rollout halts
     * @param soak             minimum time a wave runs before the next starts
     * @param maxConcurrent    downloads of this rollout in flight at once
     * @param maxAttempts      attempts per device before it is failed
     * @param backoff          wait after the first failed attempt; doubles per attempt (at most 64×)
     * @param installDeadline  a device that completed a download and has not checked in running the release
     *                         this long after is failed, "silent after download" ({@link #defaultDeadline})
     * @param windows          when new offers may be made; null = at any time
     * @param rate             new offers per minute across the rollout, with its ramp; null = no cap
     */
    public record Policy(double successThreshold, double failureThreshold, Duration soak, int maxConcurrent, int maxAttempts,
                         Duration backoff, Duration installDeadline, OfferWindows windows, RateCap rate) {
        /** The install deadline when a product's poll interval is not known: no device has checked in twice yet. */
        public static final Duration UNKNOWN_POLL_DEADLINE = Duration.ofHours(1);
        /** The shortest default install deadline: a reboot, Wi-Fi and the first check-in fit in it. */
        public static final Duration MIN_DEFAULT_DEADLINE = Duration.ofMinutes(5);
        /** Declared after the deadlines it reads (static fields initialise in order). */
        public static final Policy DEFAULT = new Policy(0.9, 0.1, Duration.ofMinutes(10), 50, 5, Duration.ofMinutes(1));

        /** A policy without windows or rate cap, with the install deadline of an unknown poll interval. */
        public Policy(double successThreshold, double failureThreshold, Duration soak, int maxConcurrent, int maxAttempts,
                      Duration backoff) {
            this(successThreshold, failureThreshold, soak, maxConcurrent, maxAttempts, backoff, UNKNOWN_POLL_DEADLINE, null, null);
        }

        /**
         * The default install deadline for a product whose devices check in every {@code pollInterval}
         * (empty: not known): three poll intervals — a device that rebooted into the release checks in
         * at once, so three missed polls mean it is not coming back — but at least
         * {@link #MIN_DEFAULT_DEADLINE}; {@link #UNKNOWN_POLL_DEADLINE} when the interval is not known.
         */
        public static Duration defaultDeadline(java.util.Optional<Duration> pollInterval) {
            return pollInterval.map(p -> {
                Duration three = p.multipliedBy(3);
                return three.compareTo(MIN_DEFAULT_DEADLINE) < 0 ? MIN_DEFAULT_DEADLINE : three;
            }).orElse(UNKNOWN_POLL_DEADLINE);
        }

        public Policy {
            if (!(successThreshold >= 0 && successThreshold <= 1)) {
                throw new IllegalArgumentException("successThreshold must be within 0..1, was " + successThreshold);
            }
            if (!(failureThreshold >= 0 && failureThreshold <= 1)) {
                throw new IllegalArgumentException("failureThreshold must be within 0..1, was " + failureThreshold);
            }
            if (soak.isNegative()) {
                throw new IllegalArgumentException("soak must not be negative");
            }
            if (maxConcurrent < 1 || maxConcurrent > 100_000) {
                throw new IllegalArgumentException("maxConcurrent must be within 1..100000, was " + maxConcurrent);
            }
            if (maxAttempts < 1 || maxAttempts > 100) {
                throw new IllegalArgumentException("maxAttempts must be within 1..100, was " + maxAttempts);
            }
            if (backoff.isNegative()) {
                throw new IllegalArgumentException("backoff must not be negative");
            }
            if (installDeadline == null || installDeadline.compareTo(Duration.ofMinutes(1)) < 0
                    || installDeadline.compareTo(Duration.ofDays(30)) > 0) {
                throw new IllegalArgumentException("installDeadline must be within 60..2592000 seconds (1 minute to 30 days), was "
                        + (installDeadline == null ? null : installDeadline.toSeconds()));
            }
        }

        /** This policy with another install deadline. */
        public Policy withInstallDeadline(Duration deadline) {
            return new Policy(successThreshold, failureThreshold, soak, maxConcurrent, maxAttempts, backoff, deadline, windows, rate);
        }

        /** The wait after {@code attempts} failed attempts: backoff × 2^(attempts−1), at most 64 × backoff. */
        public Duration backoffAfter(int attempts) {
            return backoff.multipliedBy(1L << Math.min(6, Math.max(0, attempts - 1)));
        }
    }

    Rollout with(RolloutState newState, String newReason, int wave, Instant waveStart, Instant finished) {
        return new Rollout(id, productId, releaseId, newState, newReason, targetTags, fromVersions, waves, policy, wave,
                waveStart, createdAt, finished, downgrade);
    }

    public boolean isLastWave() {
        return currentWave == waves.size() - 1;
    }
}
