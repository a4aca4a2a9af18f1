package org.updraft.server.store;

import java.sql.DriverManager;
import java.nio.file.Path;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Types;
import java.time.OffsetDateTime;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.argument.AbstractArgumentFactory;
import org.jdbi.v3.core.argument.Argument;
import org.jdbi.v3.core.config.ConfigRegistry;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The server's database: a HikariCP pool, migrated by Flyway on open, used through JDBI.
 *
 * <p>Two engines. The embedded default is SQLite ({@code jdbc:sqlite:<data-dir>/updraft.db},
 * zero setup); production may use PostgreSQL &ge; 15. Each has its own migration set,
 * {@code db/migration/sqlite} and {@code db/migration/postgresql}, version for version the same
 * tables; the statements in the code run unchanged on both: an upsert is written
 * {@code INSERT … ON CONFLICT (…) DO UPDATE} (both engines; SQLite has no MERGE), ids are read
 * with {@code getGeneratedKeys()} (both drivers answer it), timestamps are bound as parameters
 * ({@link Sql}: TIMESTAMP WITH TIME ZONE on PostgreSQL, one fixed-width UTC text form on SQLite),
 * and no statement calls an engine's time functions.
 *
 * <p>SQLite settings, on every connection, for any {@code jdbc:sqlite:} URL (docs/durability.md):
 * <ul>
 *   <li>{@code journal_mode=WAL}: readers read a snapshot and never block the writer, nor the
 *       writer them;</li>
 *   <li>{@code synchronous=FULL}: every commit is fsynced before it returns, so a write that was
 *       answered survives a process kill and a power loss (NORMAL would fsync only at checkpoints:
 *       the last commits could be lost on power loss);</li>
 *   <li>{@code foreign_keys=ON}: references are checked as PostgreSQL checks them (SQLite's default
 *       is off);</li>
 *   <li>single writer: SQLite lets one transaction write at a time. Every JDBC transaction begins
 *       {@code BEGIN IMMEDIATE} (transaction mode IMMEDIATE), so it takes the write lock at its
 *       start, waiting for it under the busy timeout, instead of failing with SQLITE_BUSY when a
 *       transaction that first read tries to write after another writer committed (SQLite cannot
 *       wait there: the snapshot it read is stale). A single statement outside a transaction takes
 *       the lock at its start too. {@code busy_timeout} ({@value #BUSY_TIMEOUT_MS} ms) is how long
 *       one waits: far longer than any of our transactions holds the lock (a check-in batch is a
 *       few milliseconds plus one fsync), so a busy database makes writers queue, not fail.
 *       Chosen over one shared write connection: the pool stays as it is, the background writers'
 *       transactions (BatchWriter, CheckInWriter through RetriedTransaction) and the API's
 *       need no separate path, and the wait is SQLite's own. The cost: sqlite-jdbc begins the next
 *       IMMEDIATE transaction right after a commit, until JDBI restores auto-commit a moment later,
 *       so each transaction takes the lock twice (the second time for nothing).</li>
 * </ul>
 * The pool has {@value #SQLITE_POOL} connections on SQLite: one writes at a time, the others read
 * beside it; more would only wait for the same lock.
 */
public final class Database implements AutoCloseable {

    static final int BUSY_TIMEOUT_MS = 30_000;
    static final int SQLITE_POOL = 4;

    /** Which engine a JDBC URL names, and where its migrations are. */
    enum Engine {
        SQLITE("db/migration/sqlite"), POSTGRESQL("db/migration/postgresql");

        final String migrations;

        Engine(String migrations) {
            this.migrations = migrations;
        }

        static Engine of(String jdbcUrl) {
            if (jdbcUrl.startsWith("jdbc:sqlite:")) {
                return SQLITE;
            }
            if (jdbcUrl.startsWith("jdbc:postgresql:")) {
                return POSTGRESQL;
            }
            throw new IllegalArgumentException("database " + redact(jdbcUrl) + " is not supported: expected PostgreSQL "
                    + "(jdbc:postgresql://host:5432/db?user=u&password=p) or, by leaving --db out, the embedded SQLite "
                    + "file in the data directory"
                    + (jdbcUrl.startsWith("jdbc:h2:") ? " (an H2 data directory of an earlier version is moved to SQLite "
                    + "automatically on the first start without --db)" : ""));
        }
    }

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final String url;
    private final Engine engine;

    private Database(HikariDataSource dataSource, String url, Engine engine) {
        this.dataSource = dataSource;
        this.url = url;
        this.engine = engine;
        this.jdbi = Jdbi.create(dataSource);
        if (engine == Engine.SQLITE) {
            jdbi.registerArgument(new TextTimestamps());
        }
    }

    /** Opens the pool and applies pending migrations; fails with the driver's reason when unreachable. */
    public static Database open(String jdbcUrl) {
        return open(jdbcUrl, null);
    }

    /**
     * As {@link #open(String)}; on PostgreSQL every connection carries {@code instance} as its
     * application_name, which the change notifications name as their writer (docs/cluster.md).
     */
    public static Database open(String jdbcUrl, String instance) {
        Engine engine = Engine.of(jdbcUrl);
        HikariConfig config = new HikariConfig();
        if (engine == Engine.SQLITE) {
            SQLiteConfig sqlite = new SQLiteConfig();
            sqlite.setJournalMode(SQLiteConfig.JournalMode.WAL);
            sqlite.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
            sqlite.enforceForeignKeys(true);
            sqlite.setBusyTimeout(BUSY_TIMEOUT_MS);
            sqlite.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
            SQLiteDataSource ds = new SQLiteDataSource(sqlite);
            ds.setUrl(jdbcUrl);
            config.setDataSource(ds);
            config.setMaximumPoolSize(SQLITE_POOL);
        } else {
            config.setJdbcUrl(jdbcUrl);
            config.setMaximumPoolSize(8);
            if (instance != null) {
                config.addDataSourceProperty("ApplicationName", instance);
            }
        }
        config.setPoolName("updraft");
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(10_000);
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot open database " + redact(jdbcUrl) + ": " + rootMessage(e), e);
        }
        try {
            if (!MigrationCheck.isCurrent(ds, engine.migrations)) {
                Flyway.configure()
                        .dataSource(ds)
                        .locations("classpath:" + engine.migrations)
                        .load()
                        .migrate();
            }
        } catch (RuntimeException e) {
            ds.close();
            throw new IllegalStateException("cannot migrate database " + redact(jdbcUrl) + ": " + rootMessage(e), e);
        }
        return new Database(ds, jdbcUrl, engine);
    }

    /**
     * Connects to the database without changing it and says how far its migrations are, for
     * {@code updraft config check}: "up to date (8 migrations)", "7 of 8 migrations applied; the
     * next start applies V8", or "empty: …". Throws IllegalStateException with the reason when the
     * database cannot be reached or holds migrations this version does not have (a newer version
     * ran on it, or a migration was edited): a start would fail there too.
     */
    public static String migrationState(String jdbcUrl) {
        Engine engine = Engine.of(jdbcUrl);
        if (engine == Engine.SQLITE) {
            Path file = Path.of(jdbcUrl.substring("jdbc:sqlite:".length()).replaceFirst("\\?.*$", ""));
            if (!java.nio.file.Files.exists(file)) {
                return "no database file yet (" + file + "): created and migrated at the first start";
            }
        }
        java.util.Properties props = new java.util.Properties();
        if (engine == Engine.SQLITE) {
            props = new SQLiteConfig().toProperties();
            props.setProperty("open_mode", "1"); // SQLITE_OPEN_READONLY: a check never writes
        }
        DriverManager.setLoginTimeout(10);
        try (java.sql.Connection c = DriverManager.getConnection(jdbcUrl, props)) {
            java.util.Set<String> bundled;
            try {
                bundled = MigrationCheck.bundled(engine.migrations);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot list this version's migrations: " + e.getMessage(), e);
            }
            java.util.Set<String> applied;
            try {
                applied = MigrationCheck.applied(c);
            } catch (java.sql.SQLException e) {
                return "reachable, empty (no migration history): the tables are created at the first start";
            }
            if (applied == null) {
                throw new IllegalStateException("the migration history (flyway_schema_history) has a failed or unknown entry; "
                        + "a start would refuse it");
            }
            java.util.List<String> unknown = applied.stream().filter(r -> !bundled.contains(r)).map(Database::version).sorted().toList();
            if (!unknown.isEmpty()) {
                throw new IllegalStateException("the database holds migration(s) " + unknown + " that this version does not have "
                        + "(a newer Updraft ran on it, or a migration was edited); a start would refuse it");
            }
            java.util.List<String> pending = bundled.stream().filter(r -> !applied.contains(r)).map(Database::version).sorted().toList();
            return pending.isEmpty() ? "up to date (" + bundled.size() + " migrations)"
                    : applied.size() + " of " + bundled.size() + " migrations applied; the next start applies " + pending;
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot connect to " + redact(jdbcUrl) + ": " + e.getMessage(), e);
        }
    }

    private static String version(String historyRow) {
        return "V" + historyRow.substring(0, historyRow.indexOf('|'));
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** The JDBC URL without credentials, for logs and /health. */
    public String description() {
        return redact(url);
    }

    public boolean isPostgres() {
        return engine == Engine.POSTGRESQL;
    }

    @Override
    public void close() {
        dataSource.close();
    }

    static String redact(String jdbcUrl) {
        return jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    /** On SQLite, a bound {@link Sql#utc} timestamp is written in {@link Sql#text}'s one form. */
    private static final class TextTimestamps extends AbstractArgumentFactory<OffsetDateTime> {
        TextTimestamps() {
            super(Types.VARCHAR);
        }

        @Override
        protected Argument build(OffsetDateTime value, ConfigRegistry config) {
            String text = Sql.text(value.toInstant());
            return (position, statement, ctx) -> statement.setString(position, text);
        }
    }
}
