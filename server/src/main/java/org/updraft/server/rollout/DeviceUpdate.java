package org.updraft.server.rollout;

import java.time.Instant;

/**
 * One device's progress towards one release: state, attempts, last error and timings.
 * Immutable; every transition returns a new value.
 *
 * @param rolloutId     the rollout that offered it, or null (pin, plain newest release)
 * @param nextAttemptAt while OFFERED after a failed attempt: not before this instant
 */
public record DeviceUpdate(String mac, long releaseId, Long rolloutId, UpdateState state, int attempts, String lastError,
                           Instant offeredAt, Instant downloadedAt, Instant installedAt, Instant finishedAt,
                           Instant nextAttemptAt, Instant updatedAt) {

    static DeviceUpdate offered(String mac, long releaseId, Long rolloutId, Instant now) {
        return new DeviceUpdate(mac, releaseId, rolloutId, UpdateState.OFFERED, 0, null, now, null, null, null, null, now);
    }

    DeviceUpdate withAttempts(int n) {
        return new DeviceUpdate(mac, releaseId, rolloutId, state, n, lastError, offeredAt, downloadedAt, installedAt,
                finishedAt, nextAttemptAt, updatedAt);
    }

    /** A transfer starts: a new attempt, or the continuation of the last one when {@code resume}. */
    DeviceUpdate downloading(Long rollout, boolean resume, Instant now) {
        return new DeviceUpdate(mac, releaseId, rollout == null ? rolloutId : rollout, UpdateState.DOWNLOADING,
                resume ? Math.max(1, attempts) : attempts + 1, lastError, resume && offeredAt != null ? offeredAt : now,
                null, null, null, null, now);
    }

    DeviceUpdate downloaded(Instant now) {
        return new DeviceUpdate(mac, releaseId, rolloutId, UpdateState.DOWNLOADED, attempts, lastError, offeredAt, now,
                null, null, null, now);
    }

    DeviceUpdate installed(Instant now) {
        return new DeviceUpdate(mac, releaseId, rolloutId, UpdateState.INSTALLED, attempts, lastError, offeredAt,
                downloadedAt, now, null, null, now);
    }

    DeviceUpdate confirmed(Instant now) {
        return new DeviceUpdate(mac, releaseId, rolloutId, UpdateState.CONFIRMED, attempts, lastError, offeredAt,
                downloadedAt, installedAt == null ? now : installedAt, now, null, now);
    }

    DeviceUpdate rolledBack(String why, Instant now) {
        return new DeviceUpdate(mac, releaseId, rolloutId, UpdateState.ROLLED_BACK, attempts, why, offeredAt, downloadedAt,
                installedAt, now, null, now);
    }

    /** Reason of a device failed by its rollout's install deadline. */
    public static final String SILENT = "silent after download";

    /**
     * Completed a download and did not check in running the release within its rollout's install
     * deadline: failed, final (no retry: the device is not there to take one).
     */
    DeviceUpdate silent(Instant now) {
        return new DeviceUpdate(mac, releaseId, rolloutId, UpdateState.FAILED, attempts, SILENT, offeredAt, downloadedAt,
                installedAt, now, null, now);
    }

    /** Failed by the install deadline ({@link #silent}); the only final state a later check-in may still change. */
    boolean failedSilent() {
        return state == UpdateState.FAILED && SILENT.equals(lastError);
    }

    /** A failed attempt: retry after {@code backoff} or, when attempts are used up, FAILED. */
    DeviceUpdate attemptFailed(String why, int maxAttempts, java.time.Duration backoff, Instant now) {
        if (attempts >= maxAttempts) {
            return new DeviceUpdate(mac, releaseId, rolloutId, UpdateState.FAILED, attempts,
                    why + " (attempt " + attempts + " of " + maxAttempts + ")", offeredAt, downloadedAt, installedAt, now, null, now);
        }
        return new DeviceUpdate(mac, releaseId, rolloutId, UpdateState.OFFERED, attempts, why, offeredAt, downloadedAt,
                installedAt, null, now.plus(backoff), now);
    }

    /** A transfer of this update broke (or is still being noticed as broken): a Range request may continue it. */
    boolean mayResume() {
        return state == UpdateState.OFFERED || state == UpdateState.DOWNLOADING;
    }

    boolean mayBeOfferedAt(Instant now) {
        return switch (state) {
            case OFFERED -> nextAttemptAt == null || !now.isBefore(nextAttemptAt);
            case DOWNLOADING, DOWNLOADED, INSTALLED, CONFIRMED, FAILED, ROLLED_BACK -> false;
        };
    }
}
