package org.updraft.server.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.updraft.server.store.Sql;

/**
 * The {@code rollout} table: a draft is inserted once, each state change overwrites the columns a
 * transition changes (state, reason, current wave, wave start, finish), and every row is read once
 * at start. Rollout changes are rare, so each write is synchronous and the caller changes its
 * memory only after it returned. Device progress is stored by {@link UpdateTracker}, not here.
 */
final class RolloutStore {

    private final Jdbi jdbi;

    RolloutStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** Inserts a draft; returns it as a rollout with its new id. */
    Rollout insert(Draft d) {
        return d.rollout(insert(d, RolloutState.DRAFT, null));
    }

    /**
     * Inserts a draft already started at {@code now}: one INSERT of the running row, so it is stored
     * running or not at all. Returns the draft with its new id; the caller makes it the running
     * value ({@link RolloutMachine#start(Rollout, Instant)}), which is what this row holds.
     */
    Rollout insertStarted(Draft d, Instant now) {
        return d.rollout(insert(d, RolloutState.RUNNING, now));
    }

    /** Deletes a draft's row (it has no device progress: a draft never offered anything). */
    void delete(long id) {
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM rollout WHERE id = :id AND state = :draft")
                .bind("id", id).bind("draft", RolloutState.DRAFT.id()).execute());
    }

    private long insert(Draft d, RolloutState state, Instant waveStartedAt) {
        OfferWindows windows = d.policy().windows();
        RateCap rate = d.policy().rate();
        return jdbi.withHandle(h -> h.createUpdate("""
                        INSERT INTO rollout (product_id, release_id, state, target_tags, from_versions, waves, success_threshold,
                            failure_threshold, soak_seconds, max_concurrent, max_attempts, backoff_seconds, current_wave,
                            wave_started_at, created_at, downgrade,
                            install_deadline_seconds, offer_windows, time_zone, offers_per_minute, ramp_start_per_minute,
                            ramp_doubling_minutes)
                        VALUES (:p, :r, :state, :tags, :from, :waves, :st, :ft, :soak, :conc, :att, :back, 0, :ws, :at, :down,
                            :deadline, :windows, :zone, :rate, :rampStart, :rampEvery)""")
                .bind("down", d.downgrade())
                .bind("p", d.productId()).bind("r", d.releaseId()).bind("state", state.id()).bind("ws", Sql.utc(waveStartedAt))
                .bind("tags", String.join(",", d.targetTags())).bind("from", d.fromVersions() == null ? null : d.fromVersions().text())
                .bind("waves", Wave.format(d.waves())).bind("st", d.policy().successThreshold())
                .bind("ft", d.policy().failureThreshold()).bind("soak", d.policy().soak().toSeconds())
                .bind("conc", d.policy().maxConcurrent()).bind("att", d.policy().maxAttempts())
                .bind("back", d.policy().backoff().toSeconds()).bind("at", Sql.utc(d.createdAt()))
                .bind("deadline", d.policy().installDeadline().toSeconds())
                .bind("windows", windows == null ? null : windows.text()).bind("zone", windows == null ? null : windows.zone().getId())
                .bind("rate", rate == null ? null : rate.perMinute()).bind("rampStart", rate == null ? null : rate.rampStart())
                .bind("rampEvery", rate == null || rate.rampEvery() == null ? null : rate.rampEvery().toMinutes())
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
    }

    /**
     * Writes a rollout's state after a transition from {@code from}; false, writing nothing, when
     * the row no longer holds {@code from}'s state and wave (another instance changed it).
     */
    boolean save(Rollout r, Rollout from) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        UPDATE rollout SET state = :state, reason = :reason, current_wave = :wave, wave_started_at = :ws,
                            finished_at = :fin WHERE id = :id AND state = :fromState AND current_wave = :fromWave""")
                .bind("state", r.state().id()).bind("reason", r.reason()).bind("wave", r.currentWave())
                .bind("ws", Sql.utc(r.waveStartedAt())).bind("fin", Sql.utc(r.finishedAt())).bind("id", r.id())
                .bind("fromState", from.state().id()).bind("fromWave", from.currentWave()).execute()) == 1;
    }

    /** Records that the update-available notices of a wave were sent. */
    void announced(long id, int wave) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE rollout SET announced_wave = :wave WHERE id = :id AND announced_wave < :wave")
                .bind("wave", wave).bind("id", id).execute());
    }

    /** Rollout id to the last wave whose notices were sent (-1: none). */
    java.util.Map<Long, Integer> announcedWaves() {
        java.util.Map<Long, Integer> out = new java.util.HashMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT id, announced_wave FROM rollout")
                .map((rs, ctx) -> out.put(rs.getLong("id"), rs.getInt("announced_wave"))).list());
        return out;
    }

    /** Every rollout, as stored. */
    List<Rollout> loadAll() {
        return jdbi.withHandle(h -> h.createQuery("SELECT * FROM rollout").map((rs, ctx) -> {
            String tags = rs.getString("target_tags");
            String from = rs.getString("from_versions");
            String windows = rs.getString("offer_windows");
            Integer rate = Sql.longOrNull(rs, "offers_per_minute") == null ? null : rs.getInt("offers_per_minute");
            return new Rollout(rs.getLong("id"), rs.getLong("product_id"), rs.getLong("release_id"),
                    RolloutState.parse(rs.getString("state")), rs.getString("reason"),
                    tags == null || tags.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(tags.split(","))),
                    from == null ? null : VersionRange.parse(from), Wave.parseAll(rs.getString("waves")),
                    new Rollout.Policy(rs.getDouble("success_threshold"), rs.getDouble("failure_threshold"),
                            Duration.ofSeconds(rs.getLong("soak_seconds")), rs.getInt("max_concurrent"), rs.getInt("max_attempts"),
                            Duration.ofSeconds(rs.getLong("backoff_seconds")), Duration.ofSeconds(rs.getLong("install_deadline_seconds")),
                            windows == null ? null : OfferWindows.parse(windows, rs.getString("time_zone")),
                            rate == null ? null : new RateCap(rate, Sql.longOrNull(rs, "ramp_start_per_minute") == null ? null
                                    : rs.getInt("ramp_start_per_minute"), Sql.longOrNull(rs, "ramp_doubling_minutes") == null ? null
                                    : Duration.ofMinutes(rs.getLong("ramp_doubling_minutes")))),
                    rs.getInt("current_wave"), Sql.instant(rs, "wave_started_at"), Sql.instant(rs, "created_at"),
                    Sql.instant(rs, "finished_at"), rs.getBoolean("downgrade"));
        }).list());
    }
}
