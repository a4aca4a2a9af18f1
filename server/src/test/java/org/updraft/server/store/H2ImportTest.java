package org.updraft.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;
import org.updraft.server.auth.ApiTokens;

/**
 * A data directory of an earlier version (the embedded H2 file updraft.mv.db, no updraft.db) is
 * moved into SQLite at the first start: every row, exact; the H2 file renamed, never deleted.
 */
class H2ImportTest {

    @TempDir
    Path dir;

    static final Instant CREATED = Instant.parse("2026-11-02T08:15:30.123456Z");
    static final Instant SEEN = Instant.parse("2026-11-03T10:00:00Z");
    static final String TOKEN = ApiTokens.newSecret();

    /** What an earlier version left: its schema (all migrations, through the URL it used) and rows in most tables. */
    private void earlierVersionDataDirectory(int devices) throws Exception {
        Flyway.configure().dataSource(H2Import.h2Url(dir), "", "").locations("classpath:db/migration/postgresql")
                .target(H2Import.LAST_H2_VERSION).load().migrate();
        try (Connection c = DriverManager.getConnection(H2Import.h2Url(dir), "", "")) {
            exec(c, "INSERT INTO product (name, chip, kind, layout, flash_size, slot_size, update_path, created_at, health_window_seconds, "
                    + "signing, enrollment) VALUES ('relay', 'esp8266', 'arduino', 'arduino-4m', 4194304, 1044464, NULL, ?, 120, "
                    + "'unsigned-allowed', 'open')", OffsetDateTime.ofInstant(CREATED, ZoneOffset.UTC));
            exec(c, "INSERT INTO api_token (name, role, secret_sha256, created_at, created_by) VALUES ('seeded', 'admin', ?, ?, 'test')",
                    ApiTokens.hash(TOKEN), OffsetDateTime.ofInstant(CREATED, ZoneOffset.UTC));
            for (int i = 0; i < devices; i++) {
                String mac = String.format("DE:AD:BE:EF:%02X:%02X", i / 256, i % 256);
                exec(c, "INSERT INTO device (mac, product_id, chip_size, running_version, first_seen, last_seen, check_ins) "
                                + "VALUES (?, 1, 4194304, '1.0.0', ?, ?, ?)", mac, OffsetDateTime.ofInstant(CREATED, ZoneOffset.UTC),
                        OffsetDateTime.ofInstant(SEEN.plusMillis(i), ZoneOffset.ofHours(2)), (long) i);
                exec(c, "INSERT INTO check_in (mac, at, endpoint, outcome, status, reason) VALUES (?, ?, 'http', 'up-to-date', 304, NULL)",
                        mac, OffsetDateTime.ofInstant(SEEN.plusMillis(i), ZoneOffset.UTC));
                exec(c, "INSERT INTO device_tag (mac, tag) VALUES (?, 'canary')", mac);
            }
            exec(c, "INSERT INTO audit_log (seq, at, actor, token_id, role, action, target, remote, status, prev_hash, hash) "
                    + "VALUES (1, ?, 'seeded', 1, 'admin', 'POST /api/v1/products', 'relay', '127.0.0.1', 201, ?, ?)",
                    OffsetDateTime.ofInstant(CREATED, ZoneOffset.UTC), "0".repeat(64), "a".repeat(64));
        }
    }

    @Test
    void theFirstStartMovesEveryRowIntoSqliteAndRenamesTheH2File() throws Exception {
        earlierVersionDataDirectory(1500);
        assertThat(dir.resolve("updraft.mv.db")).exists();

        UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir, null).withAdminToken(TOKEN)).close();

        assertThat(dir.resolve("updraft.mv.db")).doesNotExist();
        assertThat(dir.resolve("updraft.mv.db.migrated")).exists();
        assertThat(dir.resolve("updraft.db.importing")).doesNotExist();
        try (Database db = Database.open(EmbeddedDatabase.url(dir))) {
            var h = db.jdbi().open();
            try (h) {
                assertThat(h.createQuery("SELECT COUNT(*) FROM device").mapTo(Long.class).one()).isEqualTo(1500);
                assertThat(h.createQuery("SELECT COUNT(*) FROM check_in").mapTo(Long.class).one()).isEqualTo(1500);
                assertThat(h.createQuery("SELECT COUNT(*) FROM device_tag").mapTo(Long.class).one()).isEqualTo(1500);
                assertThat(h.createQuery("SELECT COUNT(*) FROM api_token").mapTo(Long.class).one()).as("the seeded token was imported, not added again").isEqualTo(1);
                Map<String, Object> product = h.createQuery("SELECT * FROM product").mapToMap().one();
                assertThat(product).containsEntry("name", "relay").containsEntry("flash_size", 4194304)
                        .containsEntry("health_window_seconds", 120).containsEntry("created_at", "2026-11-02T08:15:30.123456Z");
                // A timestamp H2 held with another offset arrives as the same instant, in UTC.
                assertThat(h.createQuery("SELECT mac, first_seen, last_seen, check_ins FROM device WHERE mac = 'DE:AD:BE:EF:05:DB'")
                        .map((rs, ctx) -> List.of(rs.getString(1), Sql.instant(rs, "first_seen"), Sql.instant(rs, "last_seen"), rs.getLong(4)))
                        .one()).isEqualTo(List.of("DE:AD:BE:EF:05:DB", CREATED, SEEN.plusMillis(1499), 1499L));
                assertThat(h.createQuery("SELECT at, hash FROM audit_log WHERE seq = 1").mapToMap().one())
                        .containsEntry("at", "2026-11-02T08:15:30.123456Z").containsEntry("hash", "a".repeat(64));
                // New rows continue the ids; they do not reuse them.
                long next = h.createUpdate("INSERT INTO product (name, chip, kind, layout, flash_size, slot_size, created_at) "
                                + "VALUES ('two', 'esp8266', 'arduino', 'arduino-4m', 1, 1, :at)")
                        .bind("at", Sql.utc(SEEN)).executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
                assertThat(next).isEqualTo(2);
            }
        }
        // The second start finds updraft.db and leaves everything as it is.
        UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir, null).withAdminToken(TOKEN)).close();
        assertThat(dir.resolve("updraft.mv.db.migrated")).exists();
    }

    @Test
    void anImportCutShortBeforeTheH2RenameIsFinishedAtTheNextStart() throws Exception {
        earlierVersionDataDirectory(3);
        Path h2 = dir.resolve("updraft.mv.db");
        Path kept = dir.resolve("kept.mv.db");
        Files.copy(h2, kept);
        EmbeddedDatabase.prepare(dir, true);
        // As if the process died right after renaming the finished SQLite file into place.
        Files.move(kept, h2);

        EmbeddedDatabase.prepare(dir, true);

        assertThat(h2).doesNotExist();
        assertThat(dir.resolve("updraft.mv.db.migrated")).exists();
    }

    @Test
    void anH2FileBesideADifferentSqliteDatabaseStopsTheStart() throws Exception {
        earlierVersionDataDirectory(3);
        Path h2 = dir.resolve("updraft.mv.db");
        Path kept = dir.resolve("kept.mv.db");
        Files.copy(h2, kept);
        EmbeddedDatabase.prepare(dir, true);
        try (Database db = Database.open(EmbeddedDatabase.url(dir))) {
            db.jdbi().useHandle(h -> h.execute("INSERT INTO device_tag (mac, tag) VALUES ('AA:BB:CC:DD:EE:FF', 'later')"));
        }
        Files.move(kept, h2);

        assertThatThrownBy(() -> UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir, null).withAdminToken(TOKEN)))
                .hasMessageContaining("cannot move the earlier version's H2 database")
                .hasMessageContaining("are in the data directory with different contents; move the one not in use out of it")
                .hasMessageContaining("The H2 file is unchanged; the server did not start");
        assertThat(h2).exists();
    }

    private static void exec(Connection c, String sql, Object... args) throws Exception {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setObject(i + 1, args[i]);
            }
            st.executeUpdate();
        }
    }
}
