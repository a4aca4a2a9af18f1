package org.updraft.server.backup;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.OutputStream;
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
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.updraft.server.store.Sql;

/**
 * {@code updraft db export}: a whole Updraft database, of either engine, to one portable file
 * (docs/backup.md, "Export and import"). The file is a zip: {@code tables/<table>.jsonl}, one JSON
 * object per row (integers and reals as numbers, booleans as true/false or SQLite's 0/1, timestamps
 * as {@code 2026-12-06T19:42:02.123456Z}, bytes in base64 — the artifact bytes included), and
 * {@code manifest.json} ({@link Manifest}: rows per table, the audit chain's head).
 *
 * <p>Consistent: every table is read in one read-only transaction (PostgreSQL: REPEATABLE READ;
 * SQLite: one read snapshot of the WAL), so a server may keep running and writing. All or nothing:
 * the file is written beside its name and renamed into place once complete and forced to disk.
 */
public final class DatabaseExport {

    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT);

    private DatabaseExport() {
    }

    /** Exports the database at {@code jdbcUrl} to {@code to}; returns its manifest. */
    public static Manifest export(String jdbcUrl, Path to, Clock clock) throws IOException, SQLException {
        if (Files.exists(to)) {
            throw new IllegalArgumentException(to + " exists: the export writes a new file and never replaces one");
        }
        Path parent = to.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(parent, to.getFileName().toString(), ".part");
        try {
            Manifest m;
            try (Connection c = DriverManager.getConnection(jdbcUrl)) {
                boolean postgres = jdbcUrl.startsWith("jdbc:postgresql:");
                c.setAutoCommit(false);
                if (postgres) {
                    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                    c.setReadOnly(true);
                }
                try (OutputStream file = Files.newOutputStream(temp, StandardOpenOption.TRUNCATE_EXISTING);
                     ZipOutputStream zip = new ZipOutputStream(file)) {
                    m = write(c, postgres, zip, clock);
                } finally {
                    c.rollback();
                }
            }
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(temp, to, StandardCopyOption.ATOMIC_MOVE);
            return m;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static Manifest write(Connection c, boolean postgres, ZipOutputStream zip, Clock clock) throws IOException, SQLException {
        Schema schema = Schema.read(c);
        String version = Schema.version(c);
        Map<String, Long> counts = new LinkedHashMap<>();
        JsonFactory factory = new JsonFactory();
        for (Schema.Table t : schema.tables()) {
            zip.putNextEntry(new ZipEntry("tables/" + t.name() + ".jsonl"));
            long rows = 0;
            try (PreparedStatement s = c.prepareStatement("SELECT * FROM " + t.name() + order(t))) {
                s.setFetchSize(64); // PostgreSQL streams within the transaction instead of loading the table
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        JsonGenerator g = factory.createGenerator(new NonClosing(zip), JsonEncoding.UTF8);
                        g.writeStartObject();
                        for (Schema.Column col : t.columns()) {
                            g.writeFieldName(col.name());
                            value(rs, col, g);
                        }
                        g.writeEndObject();
                        g.close();
                        zip.write('\n');
                        rows++;
                    }
                }
            }
            zip.closeEntry();
            counts.put(t.name(), rows);
        }
        Long headSeq = null;
        String headHash = null;
        if (schema.table("audit_log") != null) {
            try (PreparedStatement s = c.prepareStatement("SELECT seq, hash FROM audit_log ORDER BY seq DESC");
                 ResultSet rs = s.executeQuery()) {
                if (rs.next()) {
                    headSeq = rs.getLong(1);
                    headHash = rs.getString(2).strip();
                }
            }
        }
        Manifest m = new Manifest(Manifest.FORMAT, postgres ? "postgresql" : "sqlite", version,
                clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS), counts, headSeq, headHash);
        zip.putNextEntry(new ZipEntry("manifest.json"));
        zip.write(JSON.writeValueAsBytes(m));
        zip.closeEntry();
        return m;
    }

    /** Rows in primary-key order where there is an obvious key, so two exports of one database compare equal. */
    private static String order(Schema.Table t) {
        for (String key : new String[] {"id", "seq"}) {
            if (t.column(key) != null) {
                return " ORDER BY " + key;
            }
        }
        return "";
    }

    private static void value(ResultSet rs, Schema.Column col, JsonGenerator g) throws SQLException, IOException {
        String name = col.name();
        switch (col.kind()) {
            case BYTES -> {
                byte[] b = rs.getBytes(name);
                if (b == null) {
                    g.writeNull();
                } else {
                    g.writeString(Base64.getEncoder().encodeToString(b));
                }
            }
            case BOOLEAN -> {
                boolean b = rs.getBoolean(name);
                if (rs.wasNull()) {
                    g.writeNull();
                } else {
                    g.writeBoolean(b);
                }
            }
            case TIMESTAMP -> {
                OffsetDateTime t = rs.getObject(name, OffsetDateTime.class);
                if (t == null) {
                    g.writeNull();
                } else {
                    g.writeString(Sql.text(t.toInstant()));
                }
            }
            case INTEGER -> {
                long v = rs.getLong(name);
                if (rs.wasNull()) {
                    g.writeNull();
                } else {
                    g.writeNumber(v);
                }
            }
            case REAL -> {
                double v = rs.getDouble(name);
                if (rs.wasNull()) {
                    g.writeNull();
                } else {
                    g.writeNumber(v);
                }
            }
            case TEXT -> {
                String s = rs.getString(name);
                if (s == null) {
                    g.writeNull();
                } else {
                    g.writeString(s);
                }
            }
        }
    }

    /** The zip stays open when one row's generator closes. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
