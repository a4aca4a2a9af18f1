package org.updraft.server.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.server.MutableClock;
import org.updraft.server.TestDatabase;
import org.updraft.server.store.Database;
import org.updraft.server.store.EmbeddedDatabase;
import org.updraft.server.store.Sql;

/**
 * The database's copy of artifact bytes, on both engines: chunked at 256 KiB and read back
 * byte-exact at every boundary, stored once per hash (a second put only marks it used), an
 * incomplete blob is not "stored", and the start-up backfill stores intact files only, once.
 */
class DatabaseBlobsTest {

    static final Instant T0 = Instant.parse("2026-12-07T00:00:00Z");

    @TempDir
    Path dir;

    Database open(TestDatabase.Instance db) {
        return Database.open(db.jdbcUrl() == null ? EmbeddedDatabase.url(dir) : db.jdbcUrl());
    }

    static int chunks(Database d, String sha) {
        return d.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM artifact_blob_chunk WHERE sha256 = :s").bind("s", sha)
                .mapTo(Integer.class).one());
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void bytesComeBackExactlyAtEveryChunkBoundary(TestDatabase kind) {
        try (TestDatabase.Instance db = kind.create(dir); Database d = open(db)) {
            DatabaseBlobs blobs = new DatabaseBlobs(d.jdbi(), new MutableClock(T0));
            int c = DatabaseBlobs.CHUNK;
            for (int size : new int[] {1, c - 1, c, c + 1, 3 * c + 17}) {
                byte[] bytes = ArtifactStoreTest.image(size, size);
                String sha = Digests.sha256Hex(bytes);
                assertThat(blobs.exists(sha)).isFalse();
                assertThat(blobs.get(sha)).isEmpty();

                d.jdbi().useTransaction(h -> blobs.put(h, sha, bytes));

                assertThat(blobs.exists(sha)).isTrue();
                assertThat(blobs.get(sha)).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes));
                assertThat(chunks(d, sha)).as(size + " bytes").isEqualTo((size + c - 1) / c);
            }
            assertThat(blobs.digests()).hasSize(5);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aSecondPutOnlyMarksTheBlobAsUsedAndAnIncompleteBlobIsNotStored(TestDatabase kind) {
        try (TestDatabase.Instance db = kind.create(dir); Database d = open(db)) {
            MutableClock clock = new MutableClock(T0);
            DatabaseBlobs blobs = new DatabaseBlobs(d.jdbi(), clock);
            byte[] bytes = ArtifactStoreTest.image(DatabaseBlobs.CHUNK * 2, 3);
            String sha = Digests.sha256Hex(bytes);
            d.jdbi().useTransaction(h -> blobs.put(h, sha, bytes));
            clock.advance(Duration.ofMinutes(5));

            d.jdbi().useTransaction(h -> blobs.put(h, sha, bytes));

            assertThat(chunks(d, sha)).isEqualTo(2);
            Instant touched = d.jdbi().withHandle(h -> h.createQuery("SELECT touched_at FROM artifact_blob WHERE sha256 = :s")
                    .bind("s", sha).map((rs, ctx) -> Sql.instant(rs, "touched_at")).one());
            assertThat(touched).isEqualTo(T0.plus(Duration.ofMinutes(5)));

            d.jdbi().useHandle(h -> h.createUpdate("DELETE FROM artifact_blob_chunk WHERE sha256 = :s AND seq = 1").bind("s", sha).execute());
            assertThat(blobs.exists(sha)).isFalse();
            assertThat(blobs.get(sha)).hasValueSatisfying(b -> assertThat(b).hasSize(DatabaseBlobs.CHUNK));
            d.jdbi().useTransaction(h -> blobs.put(h, sha, bytes));
            assertThat(blobs.get(sha)).as("a put completes it").hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes));
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void theBackfillStoresIntactFilesOnceAndReportsTheRest(TestDatabase kind) throws Exception {
        try (TestDatabase.Instance db = kind.create(dir); Database d = open(db)) {
            DatabaseBlobs blobs = new DatabaseBlobs(d.jdbi(), new MutableClock(T0));
            ArtifactStore files = new ArtifactStore(dir.resolve("artifacts"), blobs);
            byte[] intact = ArtifactStoreTest.image(40_000, 1);
            byte[] damaged = ArtifactStoreTest.image(40_000, 2);
            files.put(intact);
            files.put(damaged);
            ArtifactStoreTest.flip(files.pathOf(Digests.sha256Hex(damaged)), 100);
            String gone = "ab".repeat(32);

            DatabaseBlobs.Backfill first = blobs.backfill(Set.of(Digests.sha256Hex(intact), Digests.sha256Hex(damaged), gone), files);

            assertThat(first.stored()).containsExactly(Digests.sha256Hex(intact));
            assertThat(first.missing()).containsExactlyInAnyOrder(Digests.sha256Hex(damaged), gone);
            assertThat(blobs.get(Digests.sha256Hex(intact))).hasValueSatisfying(b -> assertThat(b).isEqualTo(intact));
            assertThat(blobs.backfill(Set.of(Digests.sha256Hex(intact)), files).stored()).as("once").isEmpty();
            assertThat(Files.exists(files.pathOf(gone))).isFalse();
        }
    }
}
