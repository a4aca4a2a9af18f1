package org.updraft.server.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.sql.DataSource;

/**
 * Whether the database's Flyway schema history already records exactly the migrations of its
 * engine's location ({@code db/migration/sqlite} or {@code db/migration/postgresql}),
 * successfully applied, with the same checksums: then Flyway's migrate
 * would validate and change nothing, and {@link Database#open} skips it. Flyway's validation of
 * a current schema took 130-200 ms of a ~1.2 s server start (JDK 25 with the AOT cache, under
 * chrt). Anything else — no history table, a pending, missing, failed or edited migration, a row
 * of another type, a resource this check cannot list — answers false, and Flyway runs as before,
 * with its own errors.
 */
final class MigrationCheck {

    private static final Pattern VERSIONED = Pattern.compile("V([0-9][0-9._]*)__(.+)\\.sql");

    private MigrationCheck() {
    }

    static boolean isCurrent(DataSource ds, String location) {
        try {
            Set<String> bundled = bundled(location);
            return bundled != null && !bundled.isEmpty() && bundled.equals(applied(ds));
        } catch (IOException | SQLException | RuntimeException e) {
            return false;
        }
    }

    /**
     * "version|description|script|checksum" of every migration in the history; null when a row
     * is neither a successful SQL migration nor the history table's creation marker.
     */
    static Set<String> applied(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection()) {
            return applied(c);
        }
    }

    /** As {@link #applied(DataSource)}, on an open connection (left open). */
    static Set<String> applied(Connection c) throws SQLException {
        Set<String> rows = new HashSet<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT \"version\", \"description\", \"type\", \"script\", \"checksum\", \"success\" "
                     + "FROM \"flyway_schema_history\"")) {
            while (rs.next()) {
                if ("TABLE".equals(rs.getString(3)) && rs.getString(1) == null) {
                    continue; // Flyway's "<< Flyway Schema History table created >>" marker (some engines)
                }
                int checksum = rs.getInt(5);
                if (!"SQL".equals(rs.getString(3)) || !rs.getBoolean(6) || rs.wasNull()) {
                    return null;
                }
                rows.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(4) + "|" + checksum);
            }
        }
        return rows;
    }

    /** The same for the migrations on the class path; null when they cannot be listed. */
    static Set<String> bundled(String location) throws IOException {
        URL url = MigrationCheck.class.getClassLoader().getResource(location);
        if (url == null) {
            return null;
        }
        Set<String> names = new HashSet<>();
        if (url.getProtocol().equals("jar")) {
            var jar = ((JarURLConnection) url.openConnection()).getJarFile();
            jar.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith(location + "/") && n.indexOf('/', location.length() + 1) < 0 && n.length() > location.length() + 1)
                    .forEach(n -> names.add(n.substring(location.length() + 1)));
        } else if (url.getProtocol().equals("file")) {
            try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
                files.forEach(f -> names.add(f.getFileName().toString()));
            } catch (URISyntaxException e) {
                return null;
            }
        } else {
            return null;
        }
        Set<String> rows = new HashSet<>();
        for (String name : names) {
            Matcher m = VERSIONED.matcher(name);
            if (!m.matches()) {
                return null; // repeatable, undo or callback scripts: let Flyway decide
            }
            String version = m.group(1).replace('_', '.');
            String description = m.group(2).replace('_', ' ');
            rows.add(version + "|" + description + "|" + name + "|" + checksum(location + "/" + name));
        }
        return rows;
    }

    /** Flyway's checksum: CRC-32 over the UTF-8 bytes of each line without its line ending, BOM dropped. */
    static int checksum(String resource) throws IOException {
        CRC32 crc = new CRC32();
        try (InputStream in = MigrationCheck.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no " + resource);
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            boolean first = true;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (first && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                first = false;
                crc.update(line.getBytes(StandardCharsets.UTF_8));
            }
        }
        return (int) crc.getValue();
    }
}
