package org.updraft.server.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Enumeration;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.server.audit.AuditEvent;
import org.updraft.server.audit.AuditLog;
import org.updraft.server.store.Database;
import org.updraft.server.store.EmbeddedDatabase;

/**
 * The import refuses what it cannot load whole — a file that is not an export, a newer schema, a
 * table this version lacks, a table shorter than its manifest says, a target with rows — and a
 * refused import leaves the target empty. The whole path, both engines, through a running server:
 * DbCommandTest (cli).
 */
class DatabaseImportTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-07T02:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    /** An embedded database with a product and two audit entries, exported. */
    Path export() throws Exception {
        Path source = Files.createDirectories(dir.resolve("source"));
        try (Database d = Database.open(EmbeddedDatabase.url(source))) {
            d.jdbi().useHandle(h -> h.createUpdate("""
                    INSERT INTO product (name, chip, kind, layout, flash_size, slot_size, created_at)
                    VALUES ('relay', 'esp8266', 'arduino', 'arduino-4m', 4194304, 1044464, '2026-12-07T01:00:00.000000Z')""").execute());
            AuditLog log = new AuditLog(d.jdbi());
            log.append(new AuditEvent(Instant.parse("2026-12-07T01:00:00Z"), "admin", 1L, "admin", "POST /api/v1/products", "name=relay",
                    "127.0.0.1", 201));
            log.append(new AuditEvent(Instant.parse("2026-12-07T01:00:01Z"), "admin", 1L, "admin", "POST /api/v1/tokens", "name=x",
                    "127.0.0.1", 201));
        }
        Path file = dir.resolve("source.updraft-export");
        Manifest m = DatabaseExport.export(EmbeddedDatabase.url(source), file, CLOCK);
        assertThat(m.tables()).containsEntry("product", 1L).containsEntry("audit_log", 2L);
        assertThat(m.auditHeadSeq()).isEqualTo(2L);
        assertThat(m.schemaVersion()).isEqualTo(latestMigration(Path.of("src/main/resources/db/migration/sqlite")));
        return file;
    }

    Database target(String name) throws IOException {
        return Database.open(EmbeddedDatabase.url(Files.createDirectories(dir.resolve(name))));
    }

    /** A copy of the export with one entry changed. */
    Path edited(Path export, String entry, UnaryOperator<String> change) throws IOException {
        Path out = dir.resolve("edited-" + entry.replace('/', '-'));
        try (ZipFile in = new ZipFile(export.toFile()); OutputStream file = Files.newOutputStream(out); ZipOutputStream zip = new ZipOutputStream(file)) {
            for (Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements(); ) {
                ZipEntry z = e.nextElement();
                String text = new String(in.getInputStream(z).readAllBytes(), StandardCharsets.UTF_8);
                zip.putNextEntry(new ZipEntry(z.getName()));
                zip.write((z.getName().equals(entry) ? change.apply(text) : text).getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return out;
    }

    static long rows(Database d, String table) {
        return d.jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM " + table).mapTo(Long.class).one());
    }

    @Test
    void anExportIsImportedWholeWithItsAuditChain() throws Exception {
        Path file = export();
        try (Database d = target("t")) {
            DatabaseImport.Result r = DatabaseImport.importInto(file, d);
            assertThat(r.manifest().rows()).isEqualTo(3);
            assertThat(rows(d, "product")).isEqualTo(1);
            assertThat(rows(d, "audit_log")).isEqualTo(2);
            assertThat(r.audit().entries()).isEqualTo(2);
        }
    }

    @Test
    void aTargetWithRowsIsRefused() throws Exception {
        Path file = export();
        try (Database d = target("t")) {
            DatabaseImport.importInto(file, d);
            assertThatThrownBy(() -> DatabaseImport.importInto(file, d)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the target database is not empty ([audit_log: 2 rows, product: 1 row]): import only into a new database — "
                            + "an empty --data-dir, or a new PostgreSQL database");
        }
    }

    @Test
    void aTableShorterThanItsManifestLeavesTheTargetEmpty() throws Exception {
        Path file = edited(export(), "tables/audit_log.jsonl", t -> t.substring(0, t.indexOf('\n') + 1));
        try (Database d = target("t")) {
            assertThatThrownBy(() -> DatabaseImport.importInto(file, d)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("table audit_log: the file holds 1 rows, the manifest says 2; nothing was imported");
            assertThat(rows(d, "product")).isZero();
            assertThat(rows(d, "audit_log")).isZero();
        }
    }

    @Test
    void aNewerSchemaAnUnknownTableAndAFileThatIsNoExportAreRefused() throws Exception {
        Path file = export();
        try (Database d = target("t")) {
            String[] current = new String[1];
            Path newer = edited(file, "manifest.json", t -> {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"schemaVersion\" : \"(\\d+)\"").matcher(t);
                assertThat(m.find()).as("the manifest names its schema version").isTrue();
                current[0] = m.group(1);
                return m.replaceFirst("\"schemaVersion\" : \"" + (Integer.parseInt(current[0]) + 1) + "\"");
            });
            int next = Integer.parseInt(current[0]) + 1;
            assertThatThrownBy(() -> DatabaseImport.importInto(newer, d))
                    .hasMessage("the export is of schema version " + next + ", newer than this version's " + current[0]
                            + ": import it with the Updraft version that exported it, or a newer one");
            assertThatThrownBy(() -> DatabaseImport.importInto(edited(file, "manifest.json",
                    t -> t.replace("\"product\" : 1", "\"product\" : 1, \"gadget\" : 0")), d))
                    .hasMessage("the export has table gadget, which this version's database does not have");
            Path notAnExport = dir.resolve("x.zip");
            try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(notAnExport))) {
                zip.putNextEntry(new ZipEntry("readme.txt"));
                zip.closeEntry();
            }
            assertThatThrownBy(() -> DatabaseImport.importInto(notAnExport, d))
                    .hasMessage(notAnExport + " is not an Updraft export: it has no manifest.json (expected a file written by "
                            + "'updraft db export')");
            assertThat(rows(d, "product")).isZero();
        }
    }

    @Test
    void flywayVersionsCompareAsNumbers() {
        assertThat(DatabaseImport.compare("9", "10")).isNegative();
        assertThat(DatabaseImport.compare("9.1", "9")).isPositive();
        assertThat(DatabaseImport.compare("9", "9.0")).isZero();
    }

    /** The highest version among the migrations in {@code dir} (files V&lt;n&gt;__name.sql): what a new database is migrated to. */
    static String latestMigration(Path dir) throws IOException {
        try (var files = java.nio.file.Files.list(dir)) {
            return Integer.toString(files.map(f -> f.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).max().orElseThrow());
        }
    }
}
