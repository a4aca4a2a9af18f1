package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;

/**
 * {@code updraft db export | import | backup} (docs/backup.md): a running SQLite server exported and
 * imported into PostgreSQL, and back into SQLite, and backed up online and restored, answers every
 * listing as the original does — products, releases, devices, rollouts, tokens (the original's
 * token still works) — serves its images byte-exact from an empty data directory, and its audit
 * chain verifies with the original's head. A non-empty target is refused.
 */
class DbCommandTest {

    static final String TOKEN = org.updraft.server.auth.ApiTokens.newSecret();
    static final String PG_ADMIN = System.getenv().getOrDefault("UPDRAFT_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(31, 20_000).build();
    /** Three chunks of the blob table. */
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(32, 600_000).build();
    static final List<String> LISTINGS = List.of("/api/v1/products", "/api/v1/products/relay/releases", "/api/v1/devices",
            "/api/v1/rollouts", "/api/v1/tokens");

    @TempDir
    Path dir;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aRunningSqliteServerMovesToPostgresqlAndBackWithEverythingIntact() throws Exception {
        String pgA = createPg();
        String pgB = createPg();
        try (UpdraftServer original = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir.resolve("a"), null).withAdminToken(TOKEN))) {
            populate(original);
            Path export = dir.resolve("a.updraft-export");

            Run exported = Run.of("db", "export", "--data-dir", dir.resolve("a").toString(), "--to", export.toString());
            assertThat(exported.exit()).as(exported.toString()).isZero();
            assertThat(exported.out()).startsWith("Exported ").contains(" (schema " + latestMigration() + ", sqlite) to " + export);

            Run imported = Run.of("db", "import", "--db", pgA, "--from", export.toString());
            assertThat(imported.exit()).as(imported.toString()).isZero();
            assertThat(imported.out()).contains("every table's row count matches the manifest")
                    .contains("Audit log intact: ");

            try (UpdraftServer moved = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir.resolve("b"), pgA).withAdminToken(TOKEN))) {
                // Exported before assertSame downloads through it (a check-in changes the device's row).
                Path fromPg = dir.resolve("b.updraft-export");
                assertThat(Run.of("db", "export", "--db", pgA, "--to", fromPg.toString()).exit()).isZero();
                assertSame(original, moved);

                Run again = Run.of("db", "import", "--db", pgA, "--from", export.toString());
                assertThat(again.exit()).isEqualTo(1);
                assertThat(again.err()).startsWith("error: the target database is not empty (").contains("artifact: 2 rows")
                        .contains("import only into a new database");

                // And back: PostgreSQL to a new SQLite data directory, and PostgreSQL to PostgreSQL.
                Run toSqlite = Run.of("db", "import", "--data-dir", dir.resolve("c").toString(), "--from", fromPg.toString());
                assertThat(toSqlite.exit()).as(toSqlite.toString()).isZero();
                assertThat(Run.of("db", "import", "--db", pgB, "--from", fromPg.toString()).exit()).isZero();
            }
            try (UpdraftServer back = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir.resolve("c"), null).withAdminToken(TOKEN))) {
                assertSame(original, back);
            }
            try (UpdraftServer pg2 = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir.resolve("d"), pgB).withAdminToken(TOKEN))) {
                assertSame(original, pg2);
            }
        } finally {
            dropPg(pgA);
            dropPg(pgB);
        }
    }

    @Test
    void anOnlineBackupOfARunningServerRestoresIntoANewDataDirectory() throws Exception {
        try (UpdraftServer original = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir.resolve("a"), null).withAdminToken(TOKEN))) {
            populate(original);
            Path backup = dir.resolve("a.db");

            Run run = Run.of("db", "backup", "--data-dir", dir.resolve("a").toString(), "--to", backup.toString());

            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).startsWith("Backed up ").contains(" to " + backup + " (");
            assertThat(Files.getPosixFilePermissions(backup)).extracting(Object::toString).containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE");
            Run twice = Run.of("db", "backup", "--data-dir", dir.resolve("a").toString(), "--to", backup.toString());
            assertThat(twice.exit()).isEqualTo(1);
            assertThat(twice.err()).contains("exists: the backup writes a new file and never replaces one");

            Path restored = Files.createDirectory(dir.resolve("restored"));
            Files.copy(backup, restored.resolve("updraft.db"));
            try (UpdraftServer back = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, restored, null).withAdminToken(TOKEN))) {
                assertSame(original, back);
            }
        }
    }

    @Test
    void aFileThatIsNotAnExportIsRefusedAndNothingIsWritten() throws Exception {
        Path bogus = Files.write(dir.resolve("bogus.zip"), new byte[] {'P', 'K', 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        Run run = Run.of("db", "import", "--data-dir", dir.resolve("e").toString(), "--from", bogus.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: " + bogus + " is not an Updraft export: it has no manifest.json");
        Run missing = Run.of("db", "export", "--data-dir", dir.resolve("nowhere").toString(), "--to", dir.resolve("x").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).startsWith("error: no embedded database in ");
    }

    /** A product, two releases (one held, with a rollout), a device that downloaded 1.0.0, a viewer token, audit entries. */
    void populate(UpdraftServer s) throws Exception {
        String url = s.baseUri().toString();
        Path v1 = Files.write(dir.resolve("v1.bin"), V1);
        Path v2 = Files.write(dir.resolve("v2.bin"), V2);
        ok("product", "create", "relay", "--chip", "esp8266", "--layout", "arduino-4m", "--server", url, "--token", TOKEN);
        ok("release", "upload", "relay", "1.0.0", "--firmware", v1.toString(), "--server", url, "--token", TOKEN);
        assertThat(download(s, "0.9.0")).isEqualTo(V1);
        s.devices().flush();
        ok("release", "upload", "relay", "2.0.0", "--firmware", v2.toString(), "--hold", "--server", url, "--token", TOKEN);
        ok("rollout", "create", "relay", "2.0.0", "--server", url, "--token", TOKEN);
        ok("token", "create", "dashboard", "--role", "viewer", "--server", url, "--token", TOKEN);
    }

    static void ok(String... args) {
        Run r = Run.of(args);
        assertThat(r.exit()).as(String.join(" ", args) + "\n" + r).isZero();
    }

    /** What another server holds is what the original holds: its listings, its audit head, its images (from an empty cache). */
    void assertSame(UpdraftServer original, UpdraftServer copy) throws Exception {
        for (String path : LISTINGS) {
            assertThat(get(copy, path)).as(path).isEqualTo(get(original, path));
        }
        String verify = get(copy, "/api/v1/audit/verify");
        assertThat(verify).contains("\"ok\":true");
        assertThat(headOf(verify)).isEqualTo(headOf(get(original, "/api/v1/audit/verify")));
        assertThat(get(copy, "/api/v1/audit?limit=1000")).isEqualTo(get(original, "/api/v1/audit?limit=1000"));
        assertThat(Files.exists(copy.artifacts().pathOf(org.updraft.server.artifact.Digests.sha256Hex(V1)))).isFalse();
        assertThat(download(copy, "0.9.0")).as("1.0.0 byte-exact from the database").isEqualTo(V1);
        int chunks = copy.database().jdbi().withHandle(h -> h.createQuery("SELECT count(*) FROM artifact_blob_chunk")
                .mapTo(Integer.class).one());
        assertThat(chunks).isEqualTo(1 + 3);
        assertThat(copy.artifacts().backing().orElseThrow().get(org.updraft.server.artifact.Digests.sha256Hex(V2)))
                .hasValueSatisfying(b -> assertThat(b).isEqualTo(V2));
    }

    static String headOf(String verify) {
        return verify.replaceAll(".*\"headSeq\":(\\d+),\"headHash\":\"([0-9a-f]+)\".*", "$1:$2");
    }

    String get(UpdraftServer s, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(s.baseUri().resolve(path)).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
        return r.body().replaceAll("\"checkedAt\":\"[^\"]*\"", "");
    }

    byte[] download(UpdraftServer s, String running) throws Exception {
        HttpRequest checkIn = HttpRequest.newBuilder(URI.create(s.baseUri() + "/u/relay"))
                .header("User-Agent", "ESP8266-http-Update").header("x-ESP8266-STA-MAC", "5C:CF:7F:01:02:03")
                .header("x-ESP8266-AP-MAC", "5E:CF:7F:01:02:03").header("x-ESP8266-free-space", "2801664")
                .header("x-ESP8266-sketch-size", "300000").header("x-ESP8266-sketch-md5", "0123456789abcdef0123456789abcdef")
                .header("x-ESP8266-chip-size", "4194304").header("x-ESP8266-sdk-version", "2.2.2-dev(38a443e)")
                .header("x-ESP8266-mode", "sketch").header("x-ESP8266-version", running).build();
        HttpResponse<byte[]> answer = http.send(checkIn, HttpResponse.BodyHandlers.ofByteArray());
        assertThat(answer.statusCode()).isEqualTo(200);
        return answer.body();
    }

    static String createPg() throws Exception {
        String name = "updraft_db_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(PG_ADMIN); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return PG_ADMIN.replaceFirst("/test\\?", "/" + name + "?");
    }

    static void dropPg(String url) throws Exception {
        String name = url.replaceFirst(".*/([a-z0-9_]+)\\?.*", "$1");
        try (Connection c = DriverManager.getConnection(PG_ADMIN); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    /** The highest migration version the server ships (files V&lt;n&gt;__name.sql): what a new database is migrated to. */
    static String latestMigration() throws IOException {
        try (var files = java.nio.file.Files.list(Path.of("../server/src/main/resources/db/migration/sqlite"))) {
            return Integer.toString(files.map(f -> f.getFileName().toString()).filter(n -> n.matches("V\\d+__.*\\.sql"))
                    .mapToInt(n -> Integer.parseInt(n.substring(1, n.indexOf("__")))).max().orElseThrow());
        }
    }
}
