package org.updraft.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.server.ServerConfig;
import org.updraft.server.TestDatabase;

/** The embedded SQLite database: its settings as the live connections report them, its files, its timestamps, one writer at a time. */
class EmbeddedDatabaseTest {

    @TempDir
    Path dir;

    @Test
    void everyPooledConnectionRunsWalWithFullSyncForeignKeysAndABusyTimeout() throws Exception {
        Path data = dir.resolve("data");
        EmbeddedDatabase.prepare(data, true);
        try (Database db = Database.open(EmbeddedDatabase.url(data))) {
            // Hold all four connections at once, so each one is asked, not the same one four times.
            ExecutorService pool = Executors.newFixedThreadPool(Database.SQLITE_POOL);
            List<Future<List<String>>> answers = new ArrayList<>();
            java.util.concurrent.CountDownLatch all = new java.util.concurrent.CountDownLatch(Database.SQLITE_POOL);
            for (int i = 0; i < Database.SQLITE_POOL; i++) {
                answers.add(pool.submit(() -> db.jdbi().withHandle(h -> {
                    all.countDown();
                    all.await(10, TimeUnit.SECONDS);
                    return List.of(
                            h.createQuery("PRAGMA journal_mode").mapTo(String.class).one(),
                            h.createQuery("PRAGMA synchronous").mapTo(String.class).one(),
                            h.createQuery("PRAGMA foreign_keys").mapTo(String.class).one(),
                            h.createQuery("PRAGMA busy_timeout").mapTo(String.class).one());
                })));
            }
            for (Future<List<String>> a : answers) {
                // synchronous: 2 is FULL (0 OFF, 1 NORMAL, 3 EXTRA)
                assertThat(a.get(20, TimeUnit.SECONDS)).containsExactly("wal", "2", "1", "30000");
            }
            pool.shutdown();
            // A write makes SQLite create the WAL and its index beside the file.
            db.jdbi().useHandle(h -> h.execute("INSERT INTO device_tag (mac, tag) VALUES ('AA:BB:CC:DD:EE:FF', 'x')"));
            assertThat(Files.getPosixFilePermissions(data)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
            for (String f : List.of("updraft.db", "updraft.db-wal", "updraft.db-shm")) {
                assertThat(Files.getPosixFilePermissions(data.resolve(f))).as(f).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            }
        }
    }

    @Test
    void foreignKeysAreEnforcedAsOnPostgresql() {
        Path data = dir.resolve("data");
        EmbeddedDatabase.prepare(data, true);
        try (Database db = Database.open(EmbeddedDatabase.url(data))) {
            assertThatThrownBy(() -> db.jdbi().useHandle(h -> h.execute(
                    "INSERT INTO device_token (mac, product_id, token_hash, created_at) VALUES ('AA:BB:CC:DD:EE:FF', 42, 'h', ?)",
                    Sql.text(Instant.EPOCH))))
                    .hasMessageContaining("FOREIGN KEY");
        }
    }

    @Test
    void theTextFormIsFixedWidthUtcMicroseconds() {
        assertThat(Sql.text(Instant.parse("2026-12-06T19:42:00Z"))).isEqualTo("2026-12-06T19:42:00.000000Z");
        assertThat(Sql.text(Instant.parse("2026-12-06T19:42:02.123456789Z"))).isEqualTo("2026-12-06T19:42:02.123456Z");
        assertThat(Sql.text(Instant.parse("0001-01-01T00:00:00.5Z"))).isEqualTo("0001-01-01T00:00:00.500000Z");
        assertThat(Sql.text(null)).isNull();
        assertThatThrownBy(() -> Sql.text(Instant.parse("+10000-01-01T00:00:00Z")))
                .hasMessage("timestamp +10000-01-01T00:00:00Z is outside the years 0000-9999 the database stores");
    }

    /** Text order is time order, for any two instants (at microsecond precision) of the years 0000-9999. */
    @Test
    void textOrderIsTimeOrder() {
        Random random = new Random(7);
        long first = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long last = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 100_000; i++) {
            // Half the pairs close together (same second, same minute), where a variable-width form goes wrong.
            Instant a = Instant.ofEpochSecond(first + (long) (random.nextDouble() * (last - first)), random.nextInt(1_000_000) * 1000L);
            Instant b = i % 2 == 0 ? a.plusNanos((random.nextInt(2_000_000) - 1_000_000) * 1000L)
                    : Instant.ofEpochSecond(first + (long) (random.nextDouble() * (last - first)), random.nextInt(1_000_000) * 1000L);
            assertThat(Integer.signum(Sql.text(a).compareTo(Sql.text(b)))).as("%s vs %s", a, b).isEqualTo(Integer.signum(a.compareTo(b)));
            assertThat(Instant.parse(Sql.text(a))).isEqualTo(a);
        }
    }

    /** The same instants round-trip, sort and compare in SQL alike on both engines. */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void timestampsRoundTripSortAndCompareOnBothEngines(TestDatabase kind) {
        try (TestDatabase.Instance instance = kind.create(dir)) {
            String url = new ServerConfig("127.0.0.1", 0, dir, instance.jdbcUrl()).effectiveJdbcUrl();
            EmbeddedDatabase.prepare(dir, instance.jdbcUrl() == null);
            List<Instant> times = List.of(Instant.parse("2026-12-06T19:42:02Z"), Instant.parse("2026-12-06T19:42:02.5Z"),
                    Instant.parse("2026-12-06T19:42:02.000001Z"), Instant.parse("2026-12-06T19:42:00Z"),
                    Instant.parse("1999-12-31T23:59:59.999999Z"), Instant.parse("2026-12-06T19:41:59.999999Z"));
            try (Database db = Database.open(url)) {
                db.jdbi().useTransaction(h -> {
                    int n = 0;
                    for (Instant t : times) {
                        h.createUpdate("INSERT INTO check_in (mac, at, endpoint, outcome, status) VALUES (:mac, :at, 'http', 'x', 304)")
                                .bind("mac", "AA:BB:CC:DD:EE:" + (10 + n++)).bind("at", Sql.utc(t)).execute();
                    }
                });
                List<Instant> sorted = db.jdbi().withHandle(h -> h.createQuery("SELECT at FROM check_in ORDER BY at")
                        .map((rs, ctx) -> Sql.instant(rs, "at")).list());
                assertThat(sorted).containsExactlyElementsOf(times.stream().sorted().toList());
                Instant bound = Instant.parse("2026-12-06T19:42:00.000001Z");
                List<Instant> later = db.jdbi().withHandle(h -> h.createQuery("SELECT at FROM check_in WHERE at > :t ORDER BY at")
                        .bind("t", Sql.utc(bound)).map((rs, ctx) -> Sql.instant(rs, "at")).list());
                assertThat(later).containsExactly(Instant.parse("2026-12-06T19:42:02Z"), Instant.parse("2026-12-06T19:42:02.000001Z"),
                        Instant.parse("2026-12-06T19:42:02.5Z"));
            }
        }
    }

    @Test
    void aTimestampInAnotherFormIsRefusedBySqlite() {
        Path data = dir.resolve("data");
        EmbeddedDatabase.prepare(data, true);
        try (Database db = Database.open(EmbeddedDatabase.url(data))) {
            assertThatThrownBy(() -> db.jdbi().useHandle(h -> h.execute(
                    "INSERT INTO check_in (mac, at, endpoint, outcome, status) VALUES ('AA:BB:CC:DD:EE:FF', ?, 'http', 'x', 304)",
                    "2026-12-06T19:42Z")))
                    .hasMessageContaining("CHECK constraint failed");
        }
    }

    /**
     * Transactions that read and then write, from several threads at once, beside single-statement
     * writes: SQLite allows one writer at a time, and none of them may fail with SQLITE_BUSY.
     */
    @Test
    void concurrentReadThenWriteTransactionsAllCommit() throws Exception {
        Path data = dir.resolve("data");
        EmbeddedDatabase.prepare(data, true);
        try (Database db = Database.open(EmbeddedDatabase.url(data))) {
            int threads = 6;
            int each = 150;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        String mac = String.format("AA:BB:CC:%02X:%02X:%02X", thread, i / 256, i % 256);
                        if (thread % 2 == 0) {
                            db.jdbi().useTransaction(h -> {
                                int before = h.createQuery("SELECT COUNT(*) FROM device_tag").mapTo(Integer.class).one();
                                h.createUpdate("INSERT INTO device_tag (mac, tag) VALUES (:m, :t)").bind("m", mac)
                                        .bind("t", "n" + before).execute();
                            });
                        } else {
                            db.jdbi().useHandle(h -> h.createUpdate("INSERT INTO device_tag (mac, tag) VALUES (:m, 'one')")
                                    .bind("m", mac).execute());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            int rows = db.jdbi().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM device_tag").mapTo(Integer.class).one());
            assertThat(rows).isEqualTo(threads * each);
        }
    }

    @Test
    void anH2OrUnknownDatabaseUrlIsRefusedWithWhatToDoInstead() {
        assertThatThrownBy(() -> Database.open("jdbc:h2:file:/tmp/x;MODE=PostgreSQL"))
                .hasMessage("database jdbc:h2:file:/tmp/x;MODE=PostgreSQL is not supported: expected PostgreSQL "
                        + "(jdbc:postgresql://host:5432/db?user=u&password=p) or, by leaving --db out, the embedded SQLite file "
                        + "in the data directory (an H2 data directory of an earlier version is moved to SQLite automatically "
                        + "on the first start without --db)");
        assertThatThrownBy(() -> Database.open("jdbc:mysql://db/x?password=secret"))
                .hasMessageStartingWith("database jdbc:mysql://db/x?password=*** is not supported: expected PostgreSQL");
    }
}
