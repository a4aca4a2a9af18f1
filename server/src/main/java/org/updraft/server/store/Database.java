package org.updraft.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/**
 * The server's database: a HikariCP pool, migrated by Flyway on open, used through JDBI.
 *
 * <p>Either the embedded H2 file database (PostgreSQL mode, zero setup) or a real PostgreSQL
 * &ge; 15. Both run the same migration set (db/migration); SQL stays in the subset both engines
 * accept (MERGE for upserts, generated keys, bound timestamps).
 */
public final class Database implements AutoCloseable {

    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final String url;

    private Database(HikariDataSource dataSource, String url) {
        this.dataSource = dataSource;
        this.url = url;
        this.jdbi = Jdbi.create(dataSource);
    }

    /** Opens the pool and applies pending migrations; fails with the driver's reason when unreachable. */
    public static Database open(String jdbcUrl) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setPoolName("updraft");
        config.setMaximumPoolSize(jdbcUrl.startsWith("jdbc:h2:") ? 4 : 8);
        config.setConnectionTimeout(10_000);
        config.setInitializationFailTimeout(10_000);
        HikariDataSource ds;
        try {
            ds = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot open database " + redact(jdbcUrl) + ": " + rootMessage(e), e);
        }
        try {
            if (!MigrationCheck.isCurrent(ds)) {
                Flyway.configure()
                        .dataSource(ds)
                        .locations("classpath:" + MigrationCheck.LOCATION)
                        .load()
                        .migrate();
            }
        } catch (RuntimeException e) {
            ds.close();
            throw new IllegalStateException("cannot migrate database " + redact(jdbcUrl) + ": " + rootMessage(e), e);
        }
        return new Database(ds, jdbcUrl);
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    /** The JDBC URL without credentials, for logs and /health. */
    public String description() {
        return redact(url);
    }

    public boolean isPostgres() {
        return url.startsWith("jdbc:postgresql:");
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
}
