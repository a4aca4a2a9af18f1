package org.updraft.server;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to run one Updraft server: where to listen, where data lives, which database.
 *
 * @param host     interface to bind ("0.0.0.0" for all, "127.0.0.1" for loopback only)
 * @param port     TCP port; 0 picks a free one (tests)
 * @param dataDir  directory for the artifact store and, by default, the H2 database
 * @param jdbcUrl  JDBC URL of the database, or null for the embedded H2 file under {@code dataDir}
 */
public record ServerConfig(String host, int port, Path dataDir, String jdbcUrl) {

    public static final int DEFAULT_PORT = 8080;

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        if (jdbcUrl != null && !jdbcUrl.startsWith("jdbc:")) {
            throw new IllegalArgumentException("database URL must start with jdbc: (e.g. jdbc:postgresql://host/db), was " + jdbcUrl);
        }
    }

    /** Embedded defaults: all interfaces, port 8080, ./updraft-data, H2 file database. */
    public static ServerConfig defaults() {
        return new ServerConfig("0.0.0.0", DEFAULT_PORT, Path.of("updraft-data"), null);
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(host, newPort, dataDir, jdbcUrl);
    }

    /** The JDBC URL actually used: the configured one, or the H2 file in the data directory. */
    public String effectiveJdbcUrl() {
        if (jdbcUrl != null) {
            return jdbcUrl;
        }
        return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("updraft")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;AUTO_SERVER=FALSE";
    }
}
