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
     */
    public record Policy(double successThreshold, double failureThreshold, Duration soak, int maxConcurrent, int maxAttempts,
                         Duration backoff) {
        public static final Policy DEFAULT = new Policy(0.9, 0.1, Duration.ofMinutes(10), 50, 5, Duration.ofMinutes(1));

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
