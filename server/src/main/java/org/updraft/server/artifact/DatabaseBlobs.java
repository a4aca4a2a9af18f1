package org.updraft.server.artifact;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.store.Sql;

/**
 * Artifact bytes in the database (tables {@code artifact_blob}, {@code artifact_blob_chunk},
 * migration V11), both engines: what lets instances that share only the database serve the same
 * images, and what makes a backup of the database a backup of the images too.
 *
 * <p>Invariants: a blob row and all its chunks are written in one transaction (the upload's own,
 * see {@link #put}), so a blob is either absent or complete; chunk {@code seq} holds bytes
 * {@code [seq * CHUNK, min(size, (seq + 1) * CHUNK))}. Every statement moves at most one chunk
 * ({@value #CHUNK} bytes): PostgreSQL never builds a 16 MB bytea value for one row, and the
 * driver never buffers more than a chunk per statement.
 */
public final class DatabaseBlobs implements BlobStore {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseBlobs.class);
    /** 256 KiB: small enough for any database's row and memory, few enough rows for a 16 MB image (64). */
    public static final int CHUNK = 256 * 1024;

    private final Jdbi jdbi;
    private final Clock clock;

    public DatabaseBlobs(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    @Override
    public void put(Handle h, String sha256, byte[] bytes) {
        int chunks = (bytes.length + CHUNK - 1) / CHUNK;
        // The upsert takes the blob row's lock until the upload commits: a collection that wants to
        // delete it waits, then sees the new touched_at and keeps it (UnreferencedArtifacts).
        h.createUpdate("""
                        INSERT INTO artifact_blob (sha256, size, chunks, touched_at) VALUES (:s, :size, :chunks, :at)
                        ON CONFLICT (sha256) DO UPDATE SET touched_at = excluded.touched_at""")
                .bind("s", sha256).bind("size", (long) bytes.length).bind("chunks", chunks)
                .bind("at", Sql.utc(clock.instant().truncatedTo(ChronoUnit.MICROS))).execute();
        int stored = h.createQuery("SELECT count(*) FROM artifact_blob_chunk WHERE sha256 = :s").bind("s", sha256)
                .mapTo(Integer.class).one();
        if (stored == chunks) {
            return; // content addressing: the same hash, the same bytes
        }
        h.createUpdate("DELETE FROM artifact_blob_chunk WHERE sha256 = :s").bind("s", sha256).execute();
        for (int seq = 0; seq < chunks; seq++) {
            int from = seq * CHUNK;
            h.createUpdate("INSERT INTO artifact_blob_chunk (sha256, seq, bytes) VALUES (:s, :seq, :bytes)")
                    .bind("s", sha256).bind("seq", seq)
                    .bind("bytes", Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + CHUNK))).execute();
        }
    }

    @Override
    public boolean exists(String sha256) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT count(*) FROM artifact_blob b WHERE b.sha256 = :s
                            AND b.chunks = (SELECT count(*) FROM artifact_blob_chunk c WHERE c.sha256 = b.sha256)""")
                .bind("s", sha256).mapTo(Integer.class).one() == 1);
    }

    @Override
    public Optional<byte[]> get(String sha256) {
        return jdbi.withHandle(h -> {
            Optional<long[]> head = h.createQuery("SELECT size, chunks FROM artifact_blob WHERE sha256 = :s").bind("s", sha256)
                    .map((rs, ctx) -> new long[] {rs.getLong("size"), rs.getLong("chunks")}).findOne();
            if (head.isEmpty()) {
                return Optional.<byte[]>empty();
            }
            long size = head.get()[0];
            if (size > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("artifact " + sha256 + " is stored as " + size + " bytes: larger than any image");
            }
            ByteBuffer out = ByteBuffer.allocate((int) size);
            for (int seq = 0; seq < head.get()[1]; seq++) {
                Optional<byte[]> chunk = h.createQuery("SELECT bytes FROM artifact_blob_chunk WHERE sha256 = :s AND seq = :seq")
                        .bind("s", sha256).bind("seq", seq).mapTo(byte[].class).findOne();
                if (chunk.isEmpty() || chunk.get().length > out.remaining()) {
                    // Incomplete or overlong: what is there cannot hash to the name; the caller refuses it.
                    return Optional.of(Arrays.copyOf(out.array(), out.position()));
                }
                out.put(chunk.get());
            }
            return Optional.of(out.array());
        });
    }

    @Override
    public Set<String> digests() {
        return new HashSet<>(jdbi.withHandle(h -> h.createQuery("SELECT sha256 FROM artifact_blob").mapTo(String.class).list()));
    }

    /** What {@link #backfill} did: the blobs it stored, and the ones it could not (no intact file). */
    public record Backfill(List<String> stored, List<String> missing) {
    }

    /**
     * Puts every artifact of {@code known} that the database lacks into it, from an intact file of
     * {@code cache}, each in its own transaction: the start-up step that moves a data directory of
     * an earlier version (images only in files) into the database. Idempotent: a blob already
     * stored is not read again. A file that is missing or does not hash to its name is not stored;
     * it is reported in {@code missing} (the release's image must be uploaded again).
     */
    public Backfill backfill(Set<String> known, ArtifactStore cache) {
        Set<String> stored = digests();
        List<String> added = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String sha : known.stream().sorted().toList()) {
            if (stored.contains(sha)) {
                continue;
            }
            if (cache.check(sha) != null) {
                missing.add(sha);
                continue;
            }
            ByteBuffer view = cache.read(sha);
            byte[] bytes = new byte[view.remaining()];
            view.get(bytes);
            jdbi.useTransaction(h -> put(h, sha, bytes));
            added.add(sha);
        }
        if (!added.isEmpty()) {
            LOG.info("stored {} artifact(s) of the data directory in the database: {}", added.size(), added);
        }
        if (!missing.isEmpty()) {
            LOG.error("{} artifact(s) named by releases are neither in the database nor intact in {}: {}", missing.size(),
                    cache.root(), missing);
        }
        return new Backfill(List.copyOf(added), List.copyOf(missing));
    }
}
