package org.updraft.server.backup;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The tables of an Updraft database as JDBC's metadata describes them, for either engine: each
 * table's columns with the {@link Kind} of value they hold, its identity columns (PostgreSQL), and
 * the order in which rows can be inserted without breaking a foreign key (every table after the
 * tables it references). Flyway's history is not Updraft's data and is left out.
 */
record Schema(boolean postgres, List<Table> tables) {

    /** What a column holds, across the two engines' types (SQLite: booleans are INTEGER, timestamps TEXT). */
    enum Kind { INTEGER, REAL, BOOLEAN, TIMESTAMP, BYTES, TEXT;

        static Kind of(String typeName) {
            String t = typeName.toLowerCase(Locale.ROOT);
            if (t.contains("bytea") || t.contains("blob")) {
                return BYTES;
            }
            if (t.contains("bool")) {
                return BOOLEAN;
            }
            if (t.contains("timestamp")) {
                return TIMESTAMP;
            }
            if (t.contains("int") || t.contains("serial")) {
                return INTEGER;
            }
            if (t.contains("float") || t.contains("double") || t.contains("real") || t.contains("numeric")) {
                return REAL;
            }
            return TEXT;
        }
    }

    record Column(String name, Kind kind) {
    }

    record Table(String name, List<Column> columns, List<String> identity) {

        Column column(String name) {
            return columns.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
        }
    }

    static final String FLYWAY = "flyway_schema_history";

    /** Reads the schema of the database {@code c} is connected to. */
    static Schema read(Connection c) throws SQLException {
        boolean postgres = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
        String schema = postgres ? c.getSchema() : null;
        DatabaseMetaData md = c.getMetaData();
        Set<String> names = new TreeSet<>();
        try (ResultSet rs = md.getTables(null, schema, "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                String name = rs.getString("TABLE_NAME");
                if (!name.equalsIgnoreCase(FLYWAY) && !name.toLowerCase(Locale.ROOT).startsWith("sqlite_")) {
                    names.add(name);
                }
            }
        }
        Map<String, Table> tables = new TreeMap<>();
        Map<String, Set<String>> references = new LinkedHashMap<>();
        for (String name : names) {
            List<Column> columns = new ArrayList<>();
            try (ResultSet rs = md.getColumns(null, schema, name, "%")) {
                while (rs.next()) {
                    columns.add(new Column(rs.getString("COLUMN_NAME"), Kind.of(rs.getString("TYPE_NAME"))));
                }
            }
            Set<String> refs = new HashSet<>();
            try (ResultSet rs = md.getImportedKeys(null, schema, name)) {
                while (rs.next()) {
                    String to = rs.getString("PKTABLE_NAME");
                    if (!to.equals(name) && names.contains(to)) {
                        refs.add(to);
                    }
                }
            }
            references.put(name, refs);
            tables.put(name, new Table(name, List.copyOf(columns), postgres ? identity(c, name) : List.of()));
        }
        List<Table> ordered = new ArrayList<>();
        Set<String> placed = new HashSet<>();
        while (placed.size() < names.size()) {
            boolean progress = false;
            for (String name : names) {
                if (!placed.contains(name) && placed.containsAll(references.get(name))) {
                    ordered.add(tables.get(name));
                    placed.add(name);
                    progress = true;
                }
            }
            if (!progress) {
                throw new SQLException("the foreign keys between the tables form a cycle; no insert order exists among "
                        + names.stream().filter(n -> !placed.contains(n)).toList());
            }
        }
        return new Schema(postgres, List.copyOf(ordered));
    }

    private static List<String> identity(Connection c, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement("""
                SELECT column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = ? AND is_identity = 'YES'""")) {
            s.setString(1, table);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return List.copyOf(columns);
    }

    Table table(String name) {
        return tables.stream().filter(t -> t.name().equals(name)).findFirst().orElse(null);
    }

    /** The schema version Flyway applied last ("9"), or null when Flyway never ran here. */
    static String version(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "SELECT version FROM " + FLYWAY + " WHERE success = ? AND version IS NOT NULL ORDER BY installed_rank DESC")) {
            s.setBoolean(1, true);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }
}
