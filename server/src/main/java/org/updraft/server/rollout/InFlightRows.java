package org.updraft.server.rollout;

import java.time.Duration;
import java.time.Instant;
import org.jdbi.v3.core.Jdbi;
import org.updraft.server.store.Sql;

/**
 * Downloads of rollouts in flight as rows every instance on one PostgreSQL database counts
 * (table {@code rollout_in_flight}; docs/cluster.md, "Global limits"): a rollout's
 * {@code maxConcurrent} holds across instances, as it holds within one. One row per rollout and
 * device, so a device never counts twice (a second transfer of the same device replaces its row).
 *
 * <p>A row is deleted when its transfer ends. The rows of an instance that died are not counted
 * once the instance has no session left in the database (the coordinator deletes them on each
 * tick, {@link #sweep}), nor any row older than {@link #STALE}.
 */
final class InFlightRows {

    /** A transfer longer than this is not counted any more (a slow ESP8266 takes minutes for a large image, not half an hour). */
    static final Duration STALE = Duration.ofMinutes(30);

    private final Jdbi jdbi;
    private final String instance;

    /** Rows of {@code instance}, which is this one's name: rows an earlier run under that name left are deleted. */
    InFlightRows(Jdbi jdbi, String instance) {
        this.jdbi = jdbi;
        this.instance = instance;
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM rollout_in_flight WHERE instance = :i").bind("i", instance).execute());
    }

    /** Transfers of the rollout in flight on any instance at {@code now}. */
    int count(long rolloutId, Instant now) {
        return jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM rollout_in_flight WHERE rollout_id = :r AND since > :stale")
                .bind("r", rolloutId).bind("stale", Sql.utc(now.minus(STALE))).mapTo(Integer.class).one());
    }

    void started(long rolloutId, String mac, Instant now) {
        jdbi.useHandle(h -> h.createUpdate("""
                        INSERT INTO rollout_in_flight (rollout_id, mac, instance, since) VALUES (:r, :mac, :i, :now)
                        ON CONFLICT (rollout_id, mac) DO UPDATE SET instance = :i, since = :now""")
                .bind("r", rolloutId).bind("mac", mac).bind("i", instance).bind("now", Sql.utc(now)).execute());
    }

    void ended(long rolloutId, String mac) {
        jdbi.useHandle(h -> h.createUpdate("DELETE FROM rollout_in_flight WHERE rollout_id = :r AND mac = :mac AND instance = :i")
                .bind("r", rolloutId).bind("mac", mac).bind("i", instance).execute());
    }

    /** Deletes rows of instances without a database session (they died) and rows older than {@link #STALE}; returns how many. */
    int sweep(Instant now) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        DELETE FROM rollout_in_flight WHERE since <= :stale
                            OR instance NOT IN (SELECT application_name FROM pg_stat_activity WHERE application_name IS NOT NULL)""")
                .bind("stale", Sql.utc(now.minus(STALE))).execute());
    }
}
