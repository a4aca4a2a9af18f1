package org.updraft.server.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.updraft.server.problem.Rejection;

/**
 * A rollout as an operator asked for it, validated, before it has an id: what {@link RolloutStore}
 * inserts and what becomes a {@link RolloutState#DRAFT} {@link Rollout}.
 *
 * @param targetTags target tags in the order given (stored in that order)
 */
record Draft(long productId, long releaseId, List<String> targetTags, VersionRange fromVersions, List<Wave> waves,
             Rollout.Policy policy, Instant createdAt, boolean downgrade) {

    /**
     * Validates a spec for a release ({@code null} spec fields take the defaults: waves 1,10,50,100
     * and {@link Rollout.Policy#DEFAULT}); a bad field is refused 400 with the reason.
     */
    static Draft of(long productId, long releaseId, RolloutEngine.Spec spec, Instant now) {
        return of(productId, releaseId, spec, now, java.util.Optional.empty());
    }

    /**
     * {@link #of} for a product whose devices check in every {@code pollInterval} (empty: not known),
     * which sets the default install deadline ({@link Rollout.Policy#defaultDeadline}).
     */
    static Draft of(long productId, long releaseId, RolloutEngine.Spec spec, Instant now, java.util.Optional<Duration> pollInterval) {
        List<Wave> waves;
        VersionRange from = null;
        Rollout.Policy policy;
        try {
            waves = Wave.parseAll(spec.waves() == null ? "1,10,50,100" : spec.waves());
            if (spec.fromVersions() != null && !spec.fromVersions().isBlank()) {
                from = VersionRange.parse(spec.fromVersions());
            }
            Rollout.Policy d = Rollout.Policy.DEFAULT;
            policy = new Rollout.Policy(
                    spec.successThreshold() == null ? d.successThreshold() : spec.successThreshold(),
                    spec.failureThreshold() == null ? d.failureThreshold() : spec.failureThreshold(),
                    spec.soakSeconds() == null ? d.soak() : Duration.ofSeconds(spec.soakSeconds()),
                    spec.maxConcurrent() == null ? d.maxConcurrent() : spec.maxConcurrent(),
                    spec.maxAttempts() == null ? d.maxAttempts() : spec.maxAttempts(),
                    spec.backoffSeconds() == null ? d.backoff() : Duration.ofSeconds(spec.backoffSeconds()),
                    spec.installDeadlineSeconds() == null ? Rollout.Policy.defaultDeadline(pollInterval)
                            : Duration.ofSeconds(spec.installDeadlineSeconds()),
                    windows(spec), rate(spec));
        } catch (IllegalArgumentException e) {
            throw Rejection.badRequest(e.getMessage());
        }
        Set<String> tags = new LinkedHashSet<>();
        if (spec.targetTags() != null) {
            for (String t : spec.targetTags()) {
                if (t == null || !t.matches("[A-Za-z0-9._-]{1,64}")) {
                    throw Rejection.badRequest("target tag '" + t + "' is not valid: 1-64 characters A-Z a-z 0-9 . _ -");
                }
                tags.add(t);
            }
        }
        return new Draft(productId, releaseId, List.copyOf(tags), from, waves, policy, now, false);
    }

    /** This draft as a fleet rollback: its release may be offered to devices running newer versions. */
    Draft asDowngrade() {
        return new Draft(productId, releaseId, targetTags, fromVersions, waves, policy, createdAt, true);
    }

    private static OfferWindows windows(RolloutEngine.Spec spec) {
        boolean hasWindows = spec.windows() != null && !spec.windows().isBlank();
        boolean hasZone = spec.timeZone() != null && !spec.timeZone().isBlank();
        if (hasZone && !hasWindows) {
            throw new IllegalArgumentException("timeZone is given without windows: it only says in which zone the windows' hours are");
        }
        return hasWindows ? OfferWindows.parse(spec.windows(), spec.timeZone()) : null;
    }

    private static RateCap rate(RolloutEngine.Spec spec) {
        if (spec.offersPerMinute() == null) {
            if (spec.rampStartPerMinute() != null || spec.rampDoublingMinutes() != null) {
                throw new IllegalArgumentException("a ramp needs offersPerMinute, the rate it ramps up to");
            }
            return null;
        }
        if (spec.rampDoublingMinutes() != null && spec.rampDoublingMinutes() > 10_000) {
            throw new IllegalArgumentException("rampDoublingMinutes must be within 1..10000, was " + spec.rampDoublingMinutes());
        }
        return new RateCap(spec.offersPerMinute(), spec.rampStartPerMinute(),
                spec.rampDoublingMinutes() == null ? null : Duration.ofMinutes(spec.rampDoublingMinutes()));
    }

    /** The draft rollout once stored under {@code id}. */
    Rollout rollout(long id) {
        return new Rollout(id, productId, releaseId, RolloutState.DRAFT, null, Set.copyOf(targetTags), fromVersions, waves,
                policy, 0, null, createdAt, null, downgrade);
    }
}
