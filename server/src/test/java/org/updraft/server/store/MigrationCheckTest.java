package org.updraft.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.sqlite.SQLiteDataSource;
import org.updraft.server.ServerConfig;
import org.updraft.server.TestDatabase;

/** Database.open skips Flyway only when the history is exactly the bundled migrations, checksums included. */
class MigrationCheckTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void currentOnlyAfterFlywayAppliedEveryBundledMigration(TestDatabase kind) throws Exception {
        try (TestDatabase.Instance db = kind.create(dir)) {
            String url = new ServerConfig("127.0.0.1", 0, dir, db.jdbcUrl()).effectiveJdbcUrl();
            DataSource ds = dataSource(url);
            assertThat(MigrationCheck.isCurrent(ds, location(url))).as("empty database").isFalse();
            Database.open(url).close(); // Flyway migrates
            // The same rows, with checksums computed the way Flyway computes them: the fast path is taken.
            assertThat(MigrationCheck.applied(ds)).isEqualTo(MigrationCheck.bundled(location(url))).hasSizeGreaterThanOrEqualTo(4);
            assertThat(MigrationCheck.isCurrent(ds, location(url))).isTrue();
            Database.open(url).close();

            // An edited migration: not current, so Flyway runs and its validation refuses to start.
            exec(ds, "UPDATE \"flyway_schema_history\" SET \"checksum\" = \"checksum\" + 1 WHERE \"version\" = '1'");
            assertThat(MigrationCheck.isCurrent(ds, location(url))).isFalse();
            assertThatThrownBy(() -> Database.open(url)).hasMessageContaining("cannot migrate").hasMessageContaining("hecksum");
            exec(ds, "UPDATE \"flyway_schema_history\" SET \"checksum\" = \"checksum\" - 1 WHERE \"version\" = '1'");
            assertThat(MigrationCheck.isCurrent(ds, location(url))).isTrue();

            // A failed migration: not current.
            exec(ds, "UPDATE \"flyway_schema_history\" SET \"success\" = FALSE WHERE \"version\" = '1'");
            assertThat(MigrationCheck.isCurrent(ds, location(url))).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void pendingMigrationIsNotCurrent(TestDatabase kind) throws Exception {
        try (TestDatabase.Instance db = kind.create(dir)) {
            String url = new ServerConfig("127.0.0.1", 0, dir, db.jdbcUrl()).effectiveJdbcUrl();
            Database.open(url).close();
            DataSource ds = dataSource(url);
            exec(ds, "DELETE FROM \"flyway_schema_history\" WHERE \"installed_rank\" = "
                    + "(SELECT MAX(\"installed_rank\") FROM \"flyway_schema_history\")");
            assertThat(MigrationCheck.isCurrent(ds, location(url))).isFalse();
        }
    }

    private static DataSource dataSource(String url) {
        if (url.startsWith("jdbc:sqlite:")) {
            SQLiteDataSource sqlite = new SQLiteDataSource();
            sqlite.setUrl(url);
            return sqlite;
        }
        PGSimpleDataSource pg = new PGSimpleDataSource();
        pg.setURL(url);
        return pg;
    }

    private static String location(String url) {
        return Database.Engine.of(url).migrations;
    }

    private static void exec(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
