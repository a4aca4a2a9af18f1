package org.updraft.server.backup;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.updraft.server.audit.AuditLog;
import org.updraft.server.audit.Verification;
import org.updraft.server.store.Database;

/**
 * {@code updraft db import}: an export file ({@link DatabaseExport}) into an empty database of
 * either engine — SQLite to PostgreSQL is the main path (docs/backup.md, "Export and import").
 *
 * <p>Refuses, before writing anything: a file that is not an export (no manifest, another
 * format), an export of a newer schema than this version's, a table or column the target does not
 * have, and a target that holds any row. Then every row goes in, tables in foreign-key order, in
 * ONE transaction, with the ids it had (PostgreSQL's identity sequences are moved past them); the
 * rows of each table are counted against the manifest before the commit, so a short or damaged
 * file leaves the target empty. After the commit the audit chain is verified against the head the
 * manifest names.
 */
public final class DatabaseImport {

    /** Rows sent per batch, and at most this many bytes of values (artifact chunks are 256 KiB each). */
    private static final int BATCH_ROWS = 500;
    private static final long BATCH_BYTES = 8L << 20;

    private DatabaseImport() {
    }

    /** What an import did: the manifest it honoured and the audit check after it. */
    public record Result(Manifest manifest, Verification audit) {
    }

    /** Imports {@code file} into {@code target} (open, migrated, empty). */
    public static Result importInto(Path file, Database target) throws IOException, SQLException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry me = zip.getEntry("manifest.json");
            if (me == null) {
                throw new IllegalArgumentException(file + " is not an Updraft export: it has no manifest.json (expected a file "
                        + "written by 'updraft db export')");
            }
            Manifest m = DatabaseExport.JSON.readValue(zip.getInputStream(me), Manifest.class);
            if (!Manifest.FORMAT.equals(m.format())) {
                throw new IllegalArgumentException(file + " is in format '" + m.format() + "'; this version reads " + Manifest.FORMAT);
            }
            try (org.jdbi.v3.core.Handle h = target.jdbi().open()) {
                load(zip, m, h.getConnection());
            }
            Verification audit = new AuditLog(target.jdbi()).verify(
                    m.auditHeadSeq() == null ? null : new AuditLog.Anchor(m.auditHeadSeq(), m.auditHeadHash()));
            if (audit instanceof Verification.Broken b) {
                throw new IllegalStateException("the rows were imported, but the audit chain does not verify at seq " + b.firstBadSeq()
                        + ": " + b.problem() + " (was it intact in the source? 'updraft audit verify' there)");
            }
            return new Result(m, audit);
        }
    }

    private static void load(ZipFile zip, Manifest m, Connection c) throws SQLException, IOException {
        Schema schema = Schema.read(c);
        String version = Schema.version(c);
        if (m.schemaVersion() != null && version != null && compare(m.schemaVersion(), version) > 0) {
            throw new IllegalArgumentException("the export is of schema version " + m.schemaVersion() + ", newer than this version's "
                    + version + ": import it with the Updraft version that exported it, or a newer one");
        }
        for (String table : m.tables().keySet()) {
            if (schema.table(table) == null) {
                throw new IllegalArgumentException("the export has table " + table + ", which this version's database does not have");
            }
            if (zip.getEntry("tables/" + table + ".jsonl") == null) {
                throw new IllegalArgumentException("the export is incomplete: the manifest names table " + table + " but the file "
                        + "has no tables/" + table + ".jsonl");
            }
        }
        Map<String, Long> nonEmpty = new LinkedHashMap<>();
        for (Schema.Table t : schema.tables()) {
            long n = count(c, t.name());
            if (n > 0) {
                nonEmpty.put(t.name(), n);
            }
        }
        if (!nonEmpty.isEmpty()) {
            throw new IllegalArgumentException("the target database is not empty (" + nonEmpty.entrySet().stream()
                    .map(e -> e.getKey() + ": " + e.getValue() + (e.getValue() == 1 ? " row" : " rows")).limit(5).toList()
                    + "): import only into a new database — an empty --data-dir, or a new PostgreSQL database");
        }
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            for (Schema.Table t : schema.tables()) {
                Long expected = m.tables().get(t.name());
                if (expected == null) {
                    continue; // a table newer than the export: stays empty
                }
                long rows = insert(zip, t, schema.postgres(), c);
                if (rows != expected) {
                    throw new IllegalArgumentException("table " + t.name() + ": the file holds " + rows + " rows, the manifest says "
                            + expected + "; nothing was imported");
                }
                if (count(c, t.name()) != expected) {
                    throw new IllegalStateException("table " + t.name() + " holds " + count(c, t.name()) + " rows after the import, not "
                            + expected + "; nothing was imported");
                }
                if (schema.postgres()) {
                    for (String col : t.identity()) {
                        try (Statement s = c.createStatement()) {
                            s.execute("SELECT setval(pg_get_serial_sequence('" + t.name() + "', '" + col + "'), max(" + col + ")) FROM "
                                    + t.name() + " HAVING max(" + col + ") IS NOT NULL");
                        }
                    }
                }
            }
            c.commit();
        } catch (SQLException | IOException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private static long insert(ZipFile zip, Schema.Table t, boolean postgres, Connection c) throws IOException, SQLException {
        List<Schema.Column> columns = null;
        PreparedStatement s = null;
        long rows = 0;
        int batched = 0;
        long bytes = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(zip.getInputStream(zip.getEntry("tables/" + t.name() + ".jsonl")),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    continue;
                }
                JsonNode row = DatabaseExport.JSON.readTree(line);
                if (columns == null) {
                    columns = new ArrayList<>();
                    for (Iterator<String> it = row.fieldNames(); it.hasNext(); ) {
                        String name = it.next();
                        Schema.Column col = t.column(name);
                        if (col == null) {
                            throw new IllegalArgumentException("the export has column " + t.name() + "." + name
                                    + ", which this version's database does not have");
                        }
                        columns.add(col);
                    }
                    String names = String.join(", ", columns.stream().map(Schema.Column::name).toList());
                    String marks = String.join(", ", columns.stream().map(x -> "?").toList());
                    s = c.prepareStatement("INSERT INTO " + t.name() + " (" + names + ")"
                            + (postgres && !t.identity().isEmpty() ? " OVERRIDING SYSTEM VALUE" : "") + " VALUES (" + marks + ")");
                }
                for (int i = 0; i < columns.size(); i++) {
                    bytes += bind(s, i + 1, columns.get(i), row.get(columns.get(i).name()), t.name());
                }
                s.addBatch();
                rows++;
                if (++batched >= BATCH_ROWS || bytes >= BATCH_BYTES) {
                    s.executeBatch();
                    batched = 0;
                    bytes = 0;
                }
            }
            if (s != null && batched > 0) {
                s.executeBatch();
            }
        } finally {
            if (s != null) {
                s.close();
            }
        }
        return rows;
    }

    /** Binds one value as the target column's kind wants it; returns about how many bytes it holds. */
    private static long bind(PreparedStatement s, int i, Schema.Column col, JsonNode v, String table) throws SQLException {
        if (v == null || v.isNull()) {
            s.setNull(i, switch (col.kind()) {
                case BYTES -> Types.BINARY;
                case BOOLEAN -> Types.BOOLEAN;
                case TIMESTAMP -> Types.TIMESTAMP_WITH_TIMEZONE;
                case INTEGER -> Types.BIGINT;
                case REAL -> Types.DOUBLE;
                case TEXT -> Types.VARCHAR;
            });
            return 0;
        }
        try {
            switch (col.kind()) {
                case BYTES -> {
                    byte[] b = Base64.getDecoder().decode(v.asText());
                    s.setBytes(i, b);
                    return b.length;
                }
                case BOOLEAN -> s.setBoolean(i, v.isBoolean() ? v.booleanValue() : v.asLong() != 0);
                case TIMESTAMP -> s.setObject(i, OffsetDateTime.ofInstant(Instant.parse(v.asText()), ZoneOffset.UTC));
                case INTEGER -> s.setLong(i, v.isBoolean() ? (v.booleanValue() ? 1 : 0) : v.asLong());
                case REAL -> s.setDouble(i, v.asDouble());
                case TEXT -> s.setString(i, v.asText());
            }
        } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("table " + table + ", column " + col.name() + ": '" + v.asText() + "' is not a "
                    + col.kind().name().toLowerCase(java.util.Locale.ROOT) + " (" + e.getMessage() + ")", e);
        }
        return v.isTextual() ? v.asText().length() : 8;
    }

    private static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Compares Flyway versions ("9" &lt; "10", "9.1" &gt; "9"). */
    static int compare(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            long p = i < x.length ? Long.parseLong(x[i]) : 0;
            long q = i < y.length ? Long.parseLong(y[i]) : 0;
            if (p != q) {
                return Long.compare(p, q);
            }
        }
        return 0;
    }
}
