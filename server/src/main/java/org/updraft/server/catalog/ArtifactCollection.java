package org.updraft.server.catalog;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.artifact.ArtifactStore;
import org.updraft.server.store.Sql;

/**
 * Garbage collection of artifact bytes (docs/lifecycle.md, "Garbage collection of artifacts"):
 * removes from the database ({@code artifact_blob}, its chunks) and from this instance's cache the
 * images no live release names — live: not archived, of a product not archived. The
 * {@code artifact} row (digests, size, chip) stays: a device still running an archived release is
 * recognised by it, and history still shows it.
 *
 * <p>Safe against an upload of the same bytes at the same time, on any instance: an upload marks
 * the blob ({@code touched_at}, in the upload's own transaction, which holds the row's lock until
 * it commits), and a blob is deleted only when it was not marked within {@link #GRACE} — the
 * condition is part of the DELETE, which on PostgreSQL waits for that lock and checks the row again
 * as the upload committed it. An upload whose blob was deleted just before stores the bytes again
 * (its own transaction finds no blob). The reference check is in the DELETE too, for the releases
 * committed before it. On SQLite, transactions do not overlap at all.
 */
public final class ArtifactCollection {

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactCollection.class);
    /** Longer than any upload's transaction, by far; an image uploaded and archived within it waits for the next run. */
    public static final Duration GRACE = Duration.ofHours(1);

    /** No release that is not archived, of a product that is not archived, names the blob {@code b}. */
    private static final String UNREFERENCED = """
            NOT EXISTS (SELECT 1 FROM release_artifact ra JOIN firmware_release r ON r.id = ra.release_id
                                  JOIN product p ON p.id = r.product_id
                        WHERE ra.sha256 = b.sha256 AND r.archived_at IS NULL AND p.archived_at IS NULL)""";

    private final Jdbi jdbi;
    private final ArtifactStore cache;
    private final Clock clock;

    public ArtifactCollection(Jdbi jdbi, ArtifactStore cache, Clock clock) {
        this.jdbi = jdbi;
        this.cache = cache;
        this.clock = clock;
    }

    /** One unreferenced blob: its hash, size and when an upload last stored or reused it. */
    public record Blob(String sha256, long size, Instant touchedAt) {
    }

    /**
     * What one run found: {@code collected} (removed, or what would be with {@code dryRun}) and
     * {@code waiting} (unreferenced, but used by an upload within the grace period).
     */
    public record Result(boolean dryRun, List<Blob> collected, List<Blob> waiting, long bytes, Duration grace) {
    }

    /** Finds the unreferenced blobs and, unless {@code dryRun}, removes those past the grace period. */
    public Result run(boolean dryRun) {
        Instant cutoff = clock.instant().minus(GRACE);
        List<Blob> unreferenced = jdbi.withHandle(h -> h.createQuery(
                        "SELECT b.sha256, b.size, b.touched_at FROM artifact_blob b WHERE " + UNREFERENCED + " ORDER BY b.sha256")
                .map((rs, ctx) -> new Blob(rs.getString("sha256").strip(), rs.getLong("size"), Sql.instant(rs, "touched_at")))
                .list());
        List<Blob> collected = new ArrayList<>();
        List<Blob> waiting = new ArrayList<>();
        for (Blob b : unreferenced) {
            if (!b.touchedAt().isBefore(cutoff)) {
                waiting.add(b);
            } else if (dryRun || delete(b.sha256(), cutoff)) {
                collected.add(b);
            } else {
                waiting.add(b); // an upload used it meanwhile
            }
        }
        long bytes = collected.stream().mapToLong(Blob::size).sum();
        if (!dryRun && !collected.isEmpty()) {
            LOG.info("collected {} unreferenced artifact(s), {} bytes: {}", collected.size(), bytes,
                    collected.stream().map(Blob::sha256).toList());
        }
        return new Result(dryRun, List.copyOf(collected), List.copyOf(waiting), bytes, GRACE);
    }

    /** Deletes the blob (its chunks cascade) if it is still unreferenced and unused since the cutoff, then its cached file. */
    private boolean delete(String sha256, Instant cutoff) {
        int deleted = jdbi.inTransaction(h -> h.createUpdate(
                        "DELETE FROM artifact_blob AS b WHERE b.sha256 = :s AND b.touched_at < :cutoff AND " + UNREFERENCED)
                .bind("s", sha256).bind("cutoff", Sql.utc(cutoff)).execute());
        if (deleted == 1) {
            cache.delete(sha256);
        }
        return deleted == 1;
    }
}
