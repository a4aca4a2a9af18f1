package org.updraft.server.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.updraft.core.version.Version;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Release;
import org.updraft.server.store.BatchWriter;
import org.updraft.server.store.Sql;

/**
 * The per-device update state machine: offered → downloading → downloaded →
 * installed → confirmed | failed | rolled_back, driven only by what the server sees — check-ins
 * (which image runs), transfers (did the last byte leave), and the optional {@code /report}.
 *
 * <ul>
 *   <li>A check-in running the release: installed; once the product's health window has passed
 *       since installation and the device still checks in on it: confirmed.</li>
 *   <li>A check-in on another image after a complete download: a failed attempt (the device did
 *       not boot it); retried after backoff, failed when attempts are used up.</li>
 *   <li>A check-in on another image after it ran the release: rolled back (trial boot, IDF
 *       rollback, or a manual reflash) — final.</li>
 *   <li>A transfer that broke: a failed attempt.</li>
 * </ul>
 *
 * <p>State lives in memory (check-ins read it without touching the database) and is written
 * through a {@link BatchWriter}; at start all rows are loaded. A row is written only over an
 * older one (its {@code updated_at}), so of two instances that wrote one device's update the
 * later transition stays; another instance's rows come back through {@link #reload}. Per device the transitions are
 * serialised on the device's map (devices do not race themselves).
 */
public final class UpdateTracker implements AutoCloseable {

    /** Attempts and backoff for a device update; from its rollout, else the defaults. */
    public record RetryPolicy(int maxAttempts, Duration backoff) {
        static final RetryPolicy DEFAULT = new RetryPolicy(Rollout.Policy.DEFAULT.maxAttempts(), Rollout.Policy.DEFAULT.backoff());

        Duration backoffAfter(int attempts) {
            return backoff.multipliedBy(1L << Math.min(6, Math.max(0, attempts - 1)));
        }
    }

    private final Catalog catalog;
    private final Jdbi jdbi;
    private final BatchWriter<DeviceUpdate> writer;
    /** mac → (release id → state). */
    private final Map<String, Map<Long, DeviceUpdate>> byDevice = new ConcurrentHashMap<>();
    private volatile LongFunction<RetryPolicy> retryPolicy = id -> RetryPolicy.DEFAULT;
    private volatile Consumer<DeviceUpdate> listener = u -> { };

    public UpdateTracker(Jdbi jdbi, Catalog catalog) {
        this(jdbi, catalog, org.updraft.server.store.WriteOutcomes.IGNORED);
    }

    /** {@code outcomes} hears how the device-update writer's transactions end. */
    public UpdateTracker(Jdbi jdbi, Catalog catalog, org.updraft.server.store.WriteOutcomes outcomes) {
        this.catalog = catalog;
        this.jdbi = jdbi;
        jdbi.useHandle(h -> h.createQuery("SELECT * FROM device_update").map((rs, ctx) -> row(rs))
                .forEach(u -> device(u.mac()).put(u.releaseId(), u)));
        this.writer = new BatchWriter<>("device-update", jdbi, UpdateTracker::write, outcomes);
    }

    private static DeviceUpdate row(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new DeviceUpdate(rs.getString("mac"), rs.getLong("release_id"), Sql.longOrNull(rs, "rollout_id"),
                UpdateState.parse(rs.getString("state")), rs.getInt("attempts"), rs.getString("last_error"),
                Sql.instant(rs, "offered_at"), Sql.instant(rs, "downloaded_at"), Sql.instant(rs, "installed_at"),
                Sql.instant(rs, "finished_at"), Sql.instant(rs, "next_attempt_at"), Sql.instant(rs, "updated_at"));
    }

    /**
     * Another instance stored updates of this device (docs/cluster.md): its rows are read again
     * and each that is at least as new as the one in memory replaces it (the one in memory may be
     * a newer write of this instance still on its way to the database). Who hears about
     * transitions hears about each row that changed.
     */
    public void reload(String mac) {
        merge(jdbi.withHandle(h -> h.createQuery("SELECT * FROM device_update WHERE mac = :mac").bind("mac", mac)
                .map((rs, ctx) -> row(rs)).list()));
    }

    /** Every device's rows again, as {@link #reload(String)} does for one (changes may have been missed). */
    public void reloadAll() {
        merge(jdbi.withHandle(h -> h.createQuery("SELECT * FROM device_update").map((rs, ctx) -> row(rs)).list()));
    }

    private void merge(List<DeviceUpdate> stored) {
        List<DeviceUpdate> changed = new ArrayList<>();
        for (DeviceUpdate u : stored) {
            Map<Long, DeviceUpdate> m = device(u.mac());
            synchronized (m) {
                DeviceUpdate mine = m.get(u.releaseId());
                if (mine == null || (!u.updatedAt().isBefore(mine.updatedAt()) && !u.equals(mine))) {
                    m.put(u.releaseId(), u);
                    changed.add(u);
                }
            }
        }
        changed.forEach(listener);
    }

    /** Where retry policies come from (the rollout engine), and who hears about every transition. */
    void connect(LongFunction<RetryPolicy> policies, Consumer<DeviceUpdate> transitions) {
        this.retryPolicy = policies;
        this.listener = transitions;
    }

    private Map<Long, DeviceUpdate> device(String mac) {
        return byDevice.computeIfAbsent(mac, k -> new ConcurrentHashMap<>(4));
    }

    public Optional<DeviceUpdate> get(String mac, long releaseId) {
        Map<Long, DeviceUpdate> m = byDevice.get(mac);
        return m == null ? Optional.empty() : Optional.ofNullable(m.get(releaseId));
    }

    /** Every device update a rollout has started. */
    public List<DeviceUpdate> ofRollout(long rolloutId) {
        List<DeviceUpdate> out = new ArrayList<>();
        for (Map<Long, DeviceUpdate> m : byDevice.values()) {
            for (DeviceUpdate u : m.values()) {
                if (u.rolloutId() != null && u.rolloutId() == rolloutId) {
                    out.add(u);
                }
            }
        }
        return out;
    }

    /** All updates of one device, newest first. */
    public List<DeviceUpdate> ofDevice(String mac) {
        Map<Long, DeviceUpdate> m = byDevice.get(mac);
        if (m == null) {
            return List.of();
        }
        return m.values().stream().sorted((a, b) -> b.updatedAt().compareTo(a.updatedAt())).toList();
    }

    /** A check-in told us what the device runs: advance its open updates. */
    public void observe(String mac, String runningVersion, Duration healthWindow, Instant now) {
        Map<Long, DeviceUpdate> m = byDevice.get(mac);
        if (m == null) {
            return;
        }
        synchronized (m) {
            for (DeviceUpdate u : List.copyOf(m.values())) {
                if (u.state().isFinal() && !u.failedSilent()) {
                    continue;
                }
                Optional<Release> release = catalog.release(u.releaseId());
                if (release.isEmpty()) {
                    continue;
                }
                boolean runsIt = sameVersion(runningVersion, release.get().version());
                if (u.failedSilent() && !runsIt) {
                    continue;   // still not back on the release: the deadline's verdict stands
                }
                // A device failed as silent that checks in running the release came back late (a long
                // reboot, Wi-Fi down for longer than the deadline): it installed after all, and from
                // here it is confirmed like any other, so its wave counts it as it is.

                DeviceUpdate next = u;
                if (runsIt) {
                    if (u.state() != UpdateState.INSTALLED) {
                        next = u.installed(now);
                    }
                    if (!now.isBefore(next.installedAt().plus(healthWindow))) {
                        next = next.confirmed(now);
                    }
                } else if (runningVersion != null) {
                    next = switch (u.state()) {
                        case INSTALLED -> leftStoneForTarget(m, release.get(), runningVersion)
                                ? u.confirmed(now)
                                : u.rolledBack("ran " + release.get().version() + ", came back on " + runningVersion, now);
                        case DOWNLOADED -> failedAttempt(u, "checked in on " + runningVersion + " after a complete download of "
                                + release.get().version(), now);
                        default -> u;
                    };
                }
                if (next != u) {
                    put(m, next);
                }
            }
        }
    }

    /**
     * Whether a device that installed its product's stepping stone ({@code release}) now runs the
     * release it was sent from the stone (an update of the device downloaded or installed): the
     * stone did its job, so it is confirmed rather than counted as rolled back
     * (docs/rollouts.md, "Stepping stones for small flash"). A stone is offered outside any rollout.
     */
    private boolean leftStoneForTarget(Map<Long, DeviceUpdate> m, Release release, String runningVersion) {
        boolean isStone = catalog.product(release.productId()).flatMap(catalog::steppingStone)
                .filter(s -> s.id() == release.id()).isPresent();
        return isStone && m.values().stream().anyMatch(o -> o.releaseId() != release.id()
                && (o.state() == UpdateState.DOWNLOADED || o.state() == UpdateState.INSTALLED)
                && catalog.release(o.releaseId()).filter(r -> sameVersion(runningVersion, r.version())).isPresent());
    }

    /** The image is being sent to the device: one attempt, or the resumption of the last ({@code resume}). */
    public void downloading(String mac, long releaseId, Long rolloutId, boolean resume, Instant now) {
        Map<Long, DeviceUpdate> m = device(mac);
        synchronized (m) {
            DeviceUpdate u = m.get(releaseId);
            if (u == null || u.state().isFinal()) {
                // A final state is re-opened only by a new offer (e.g. a pin back to that release).
                u = DeviceUpdate.offered(mac, releaseId, rolloutId, now).withAttempts(u == null ? 0 : u.attempts());
            }
            put(m, u.downloading(rolloutId, resume && u.mayResume(), now));
        }
    }

    /**
     * The update's rollout found the device silent past its install deadline: a device still
     * {@link UpdateState#DOWNLOADED} becomes failed, "silent after download" (any other state is
     * left as it is: it checked in meanwhile). Returns whether it was failed.
     */
    boolean silent(String mac, long releaseId, Instant now) {
        Map<Long, DeviceUpdate> m = byDevice.get(mac);
        if (m == null) {
            return false;
        }
        synchronized (m) {
            DeviceUpdate u = m.get(releaseId);
            if (u == null || u.state() != UpdateState.DOWNLOADED) {
                return false;
            }
            put(m, u.silent(now));
            return true;
        }
    }

    /** The transfer ended: every byte written, or broken with {@code error}. */
    public void transferEnded(String mac, long releaseId, boolean complete, String error, Instant now) {
        Map<Long, DeviceUpdate> m = device(mac);
        synchronized (m) {
            DeviceUpdate u = m.get(releaseId);
            if (u == null || u.state() != UpdateState.DOWNLOADING) {
                return;
            }
            put(m, complete ? u.downloaded(now) : failedAttempt(u, "download broke: " + error, now));
        }
    }

    /**
     * What firmware reported through {@code POST /u/{product}/report}: "ok" confirms an installed
     * update (any other state stays as it is), "rolled_back" ends it, "error" is a failed attempt.
     *
     * <p>Durable before it returns, unlike every other transition: the update's row, as returned,
     * is committed (written again even when the report changed nothing, so a report repeated after
     * a lost write is kept too). When its batch is lost the report is refused 503 for the device
     * to send again. Reports are rare; the wait is outside the device's lock.
     */
    public Optional<DeviceUpdate> report(String mac, long releaseId, String status, String detail, Instant now) {
        Map<Long, DeviceUpdate> m = device(mac);
        DeviceUpdate next;
        long number;
        synchronized (m) {
            DeviceUpdate u = m.get(releaseId);
            if (u == null) {
                return Optional.empty();
            }
            String why = detail == null || detail.isBlank() ? "" : ": " + detail;
            next = switch (status) {
                // Only an update the server has seen running (installed) is confirmed by a report:
                // "ok" from a device that merely downloaded would confirm an image it may never boot.
                case "ok" -> u.state() == UpdateState.INSTALLED ? u.confirmed(now) : u;
                case "rolled_back" -> u.rolledBack("device reported a rollback" + why, now);
                case "error" -> u.state().isFinal() ? u : failedAttempt(u, "device reported an error" + why, now);
                default -> throw new IllegalArgumentException("status must be ok, error or rolled_back, got '"
                        + org.updraft.server.problem.Rejection.echo(status) + "'");
            };
            number = next != u ? put(m, next) : writer.add(next);
        }
        boolean written;
        try {
            written = writer.awaitWritten(number);
        } catch (IllegalStateException behind) {
            written = false; // not written within 10 s: not acknowledged either
        }
        if (!written) {
            throw new org.updraft.server.problem.Rejection(503, "storage-failing: the report could not be written (the server's writes "
                    + "are failing); send it again");
        }
        return Optional.of(next);
    }

    private DeviceUpdate failedAttempt(DeviceUpdate u, String why, Instant now) {
        RetryPolicy p = u.rolloutId() == null ? RetryPolicy.DEFAULT : retryPolicy.apply(u.rolloutId());
        return u.attemptFailed(why, p.maxAttempts(), p.backoffAfter(u.attempts()), now);
    }

    /** Returns the write's number in the writer. */
    private long put(Map<Long, DeviceUpdate> m, DeviceUpdate u) {
        m.put(u.releaseId(), u);
        long number = writer.add(u);
        listener.accept(u);
        return number;
    }

    private static boolean sameVersion(String running, Version release) {
        return Version.tryParse(running).filter(v -> v.compareTo(release) == 0).isPresent();
    }

    /** Waits until every transition so far is in the database. */
    public void flush() {
        writer.flush();
    }

    private static void write(Handle h, List<DeviceUpdate> items) {
        Map<String, DeviceUpdate> latest = new java.util.LinkedHashMap<>();
        for (DeviceUpdate u : items) {
            latest.put(u.mac() + "/" + u.releaseId(), u);
        }
        List<DeviceUpdate> rows = new ArrayList<>(latest.values());
        PreparedBatch update = h.prepareBatch("""
                UPDATE device_update SET rollout_id = :rollout, state = :state, attempts = :attempts, last_error = :error,
                    offered_at = :offered, downloaded_at = :downloaded, installed_at = :installed, finished_at = :finished,
                    next_attempt_at = :next, updated_at = :updated
                WHERE mac = :mac AND release_id = :release AND updated_at <= :updated""");
        rows.forEach(u -> bind(update, u).add());
        int[] counts = update.execute();
        PreparedBatch insert = h.prepareBatch("""
                INSERT INTO device_update (mac, release_id, rollout_id, state, attempts, last_error, offered_at, downloaded_at,
                    installed_at, finished_at, next_attempt_at, updated_at)
                VALUES (:mac, :release, :rollout, :state, :attempts, :error, :offered, :downloaded, :installed, :finished,
                    :next, :updated)
                ON CONFLICT (mac, release_id) DO NOTHING""");
        boolean any = false;
        for (int i = 0; i < rows.size(); i++) {
            if (counts[i] == 0) {
                bind(insert, rows.get(i)).add();
                any = true;
            }
        }
        if (any) {
            insert.execute();
        }
    }

    private static PreparedBatch bind(PreparedBatch b, DeviceUpdate u) {
        return b.bind("mac", u.mac()).bind("release", u.releaseId()).bind("rollout", u.rolloutId())
                .bind("state", u.state().id()).bind("attempts", u.attempts()).bind("error", Sql.clip(u.lastError()))
                .bind("offered", Sql.utc(u.offeredAt())).bind("downloaded", Sql.utc(u.downloadedAt()))
                .bind("installed", Sql.utc(u.installedAt())).bind("finished", Sql.utc(u.finishedAt()))
                .bind("next", Sql.utc(u.nextAttemptAt())).bind("updated", Sql.utc(u.updatedAt()));
    }


    @Override
    public void close() {
        writer.close();
    }
}
