package org.updraft.server;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The two databases every repository test runs against: the embedded SQLite file database and the
 * machine's real PostgreSQL (127.0.0.1:5432, trust auth; bin/test makes sure it runs). Each
 * PostgreSQL test gets a fresh database, created from the {@code test} database and dropped
 * afterwards, so runs never see each other's rows. No skipping: an unreachable PostgreSQL fails.
 */
public enum TestDatabase {
    EMBEDDED, POSTGRES;

    static final String PG_ADMIN_URL = System.getenv().getOrDefault("UPDRAFT_TEST_PG_URL",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    /** A fresh database; {@link Instance#close()} drops it (PostgreSQL) — the SQLite file lives in the data dir. */
    public Instance create(Path dataDir) {
        return switch (this) {
            case EMBEDDED -> new Instance(null, null);
            case POSTGRES -> {
                String name = "updraft_t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
                exec("CREATE DATABASE " + name);
                yield new Instance(PG_ADMIN_URL.replaceFirst("/test\\?", "/" + name + "?"), name);
            }
        };
    }

    /** A database for one test; jdbcUrl null means "the embedded SQLite file under the data dir". */
    public record Instance(String jdbcUrl, String pgName) implements AutoCloseable {
        @Override
        public void close() {
            if (pgName != null) {
                exec("DROP DATABASE IF EXISTS " + pgName + " WITH (FORCE)");
            }
        }
    }

    private static void exec(String sql) {
        try (Connection c = DriverManager.getConnection(PG_ADMIN_URL); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + PG_ADMIN_URL + " is required for this test (bin/test starts it): "
                    + e.getMessage(), e);
        }
    }
}
