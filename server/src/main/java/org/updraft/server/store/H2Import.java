package org.updraft.server.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the data of an earlier version's embedded database (the H2 file {@code updraft.mv.db})
 * into SQLite, once, at the first start after the upgrade, so an upgraded server never comes up
 * as an empty instance.
 *
 * <p>Steps, each safe to be interrupted (a crash or kill leaves the H2 file as it was):
 * <ol>
 *   <li>open the H2 file with the URL earlier versions used and bring its schema to the last
 *       version (Flyway, the PostgreSQL migration set H2 ran before);</li>
 *   <li>create {@code updraft.db.importing} (0600), give it the SQLite schema, copy every table's
 *       rows in one transaction (foreign keys checked at its commit), and compare every table's
 *       row count with H2's before committing;</li>
 *   <li>rename it to {@code updraft.db} (atomic; only a finished import ever has that name while
 *       the H2 file is there), then rename the H2 file to {@code updraft.mv.db.migrated}.</li>
 * </ol>
 * A crash between the two renames leaves both files: the next start finds the same row counts in
 * both, and only does the second rename. Different counts there, or any failure, stop the start
 * with a message; the H2 file is never changed beyond its schema update, nor deleted.
 */
final class H2Import {

    static final String H2_FILE = "updraft.mv.db";
    /** The schema version H2 files are brought to; tables and columns added after it are not in H2 and start empty. */
    static final String LAST_H2_VERSION = "8";
    static final String MIGRATED = "updraft.mv.db.migrated";
    private static final Logger LOG = LoggerFactory.getLogger(H2Import.class);

    private H2Import() {
    }

    /** The URL earlier versions opened the embedded H2 database with (PostgreSQL mode, lower-case names). */
    static String h2Url(Path dataDir) {
        return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("updraft")
                + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;AUTO_SERVER=FALSE";
    }

    /** Imports {@code dataDir/updraft.mv.db} into {@code target} when the H2 file is there. */
    static void ifNeeded(Path dataDir, Path target) throws IOException {
        Path h2 = dataDir.resolve(H2_FILE);
        if (!Files.exists(h2)) {
            return;
        }
        try {
            if (Files.exists(target)) {
                finishInterrupted(dataDir, h2, target);
                return;
            }
            Path importing = dataDir.resolve(EmbeddedDatabase.FILE + ".importing");
            for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
                Files.deleteIfExists(Path.of(importing + suffix)); // an earlier attempt that did not finish
            }
            EmbeddedDatabase.createFile(importing);
            Map<String, Long> copied;
            try (Connection from = h2(dataDir); Database to = Database.open("jdbc:sqlite:" + importing.toAbsolutePath())) {
                copied = to.jdbi().inTransaction(h -> copy(from, h.getConnection()));
            }
            if (Files.exists(Path.of(importing + "-wal"))) {
                throw new IllegalStateException(importing + "-wal is still there after the import closed the database");
            }
            sync(importing);
            Files.move(importing, target, StandardCopyOption.ATOMIC_MOVE);
            sync(dataDir);
            Files.move(h2, dataDir.resolve(MIGRATED), StandardCopyOption.ATOMIC_MOVE);
            sync(dataDir);
            LOG.info("moved the H2 database {} into SQLite {}: {}; the H2 file is now {}", h2, target, copied, MIGRATED);
        } catch (SQLException | RuntimeException e) {
            throw new IllegalStateException("cannot move the earlier version's H2 database " + h2 + " into SQLite ("
                    + target + "): " + e.getMessage() + ". The H2 file is unchanged; the server did not start. Fix the cause "
                    + "and start again, or start an earlier version on this data directory and move the data with it", e);
        }
    }

    private static Connection h2(Path dataDir) throws SQLException {
        // Up to the last version an H2 database ever ran: later migrations are PostgreSQL's alone (V12's
        // triggers are PL/pgSQL), and what they add starts empty in SQLite.
        Flyway.configure().dataSource(h2Url(dataDir), "", "").locations("classpath:" + Database.Engine.POSTGRESQL.migrations)
                .target(LAST_H2_VERSION).load().migrate();
        return DriverManager.getConnection(h2Url(dataDir), "", "");
    }

    /** Both files: the import finished when every table has as many rows in SQLite as in H2. */
    private static void finishInterrupted(Path dataDir, Path h2, Path target) throws SQLException, IOException {
        Map<String, Long> inH2;
        Map<String, Long> inSqlite;
        try (Connection from = h2(dataDir); Database to = Database.open("jdbc:sqlite:" + target.toAbsolutePath())) {
            inSqlite = to.jdbi().withHandle(h -> {
                List<String> tables = new ArrayList<>(tables(h.getConnection()));
                tables.removeIf(t -> h2Columns(from, t).isEmpty());
                return counts(h.getConnection(), tables);
            });
            inH2 = counts(from, inSqlite.keySet());
        }
        if (!inH2.equals(inSqlite)) {
            throw new IllegalStateException("both " + H2_FILE + " " + inH2 + " and " + target.getFileName() + " " + inSqlite
                    + " are in the data directory with different contents; move the one not in use out of it");
        }
        Files.move(h2, dataDir.resolve(MIGRATED), StandardCopyOption.ATOMIC_MOVE);
        sync(dataDir);
        LOG.info("the import of {} had finished before the last stop; it is now {}", h2, MIGRATED);
    }

    /** Copies every table of the SQLite schema from H2, in one transaction; returns the row counts. */
    private static Map<String, Long> copy(Connection from, Connection to) throws SQLException {
        try (Statement st = to.createStatement()) {
            st.execute("PRAGMA defer_foreign_keys = ON"); // tables in any order: references checked at commit
        }
        List<String> tables = new ArrayList<>(tables(to));
        tables.removeIf(t -> h2Columns(from, t).isEmpty());
        for (String table : tables) {
            List<String> columns = new ArrayList<>();
            java.util.Set<String> inH2 = h2Columns(from, table);
            try (Statement st = to.createStatement(); ResultSet rs = st.executeQuery("PRAGMA table_info(" + table + ")")) {
                while (rs.next()) {
                    if (inH2.contains(rs.getString("name").toLowerCase(java.util.Locale.ROOT))) {
                        columns.add(rs.getString("name"));
                    }
                }
            }
            String list = String.join(", ", columns);
            try (Statement read = from.createStatement(); ResultSet rs = read.executeQuery("SELECT " + list + " FROM " + table);
                 PreparedStatement write = to.prepareStatement("INSERT INTO " + table + " (" + list + ") VALUES ("
                         + "?, ".repeat(columns.size() - 1) + "?)")) {
                int batched = 0;
                while (rs.next()) {
                    for (int i = 1; i <= columns.size(); i++) {
                        Object v = rs.getObject(i);
                        write.setObject(i, switch (v) {
                            case OffsetDateTime t -> Sql.text(t.toInstant());
                            case Boolean b -> b ? 1 : 0;
                            case null, default -> v;
                        });
                    }
                    write.addBatch();
                    if (++batched % 1000 == 0) {
                        write.executeBatch();
                    }
                }
                write.executeBatch();
            }
        }
        Map<String, Long> inH2 = counts(from, tables);
        Map<String, Long> inSqlite = counts(to, tables);
        if (!inH2.equals(inSqlite)) {
            throw new IllegalStateException("row counts differ after the copy: H2 " + inH2 + ", SQLite " + inSqlite);
        }
        return inSqlite;
    }

    /** The columns of an H2 table (lower case), empty when H2 has no such table. */
    private static java.util.Set<String> h2Columns(Connection h2, String table) {
        java.util.Set<String> out = new java.util.HashSet<>();
        try (PreparedStatement st = h2.prepareStatement(
                "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE LOWER(TABLE_NAME) = ? AND LOWER(TABLE_SCHEMA) = 'public'")) {
            st.setString(1, table.toLowerCase(java.util.Locale.ROOT));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1).toLowerCase(java.util.Locale.ROOT));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the columns of " + table + " in H2: " + e.getMessage(), e);
        }
        return out;
    }

    /** The application's tables in the SQLite schema (not Flyway's history, not SQLite's own). */
    private static List<String> tables(Connection sqlite) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement st = sqlite.createStatement(); ResultSet rs = st.executeQuery("SELECT name FROM sqlite_schema "
                + "WHERE type = 'table' AND name NOT LIKE 'sqlite%' AND name <> 'flyway_schema_history' ORDER BY name")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        return tables;
    }

    private static Map<String, Long> counts(Connection c, Iterable<String> tables) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : tables) {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
                rs.next();
                counts.put(table, rs.getLong(1));
            }
        }
        return counts;
    }

    /** fsync of a file or a directory (a rename is durable once its directory is synced). */
    private static void sync(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
