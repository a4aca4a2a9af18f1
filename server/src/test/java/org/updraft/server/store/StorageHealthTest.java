package org.updraft.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.server.config.Limits;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.ServerConfig;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.server.Tmpfs;
import org.updraft.server.http.Json;

/**
 * A full disk never gets an acknowledgement: with the data directory on a real, small file system
 * (tmpfs) filled to below the reserve, every write — management, upload, device report, check-in —
 * is refused with 507 naming the cause, {@code /health} says 503, nothing is half-written, and when
 * the space comes back the server accepts writes again by itself; what it acknowledged then
 * survives a restart.
 */
class StorageHealthTest {

    static final long MB = 1L << 20;
    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(61, 12_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(62, 12_000).build();
    static final byte[] U1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_1M).payload(63, 9_000).build();
    static final byte[] U2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_1M).payload(64, 9_000).build();
    static final String MAC = "DE:BA:7A:B1:E0:42";

    /** The data directory on {@code fs}, with a 4 MB reserve. */
    static ServerConfig on(Tmpfs fs, ServerConfig c) {
        return new ServerConfig(c.host(), c.port(), fs.path(), c.jdbcUrl(), c.mqttUrl(), c.webhookUrl(), c.rolloutTick(), c.clock(),
                c.limits().with("disk-reserve", Long.toString(4 * MB)), c.tls(), c.adminToken());
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aFullDataDirectoryRefusesEveryWriteAndRecoversByItself(TestDatabase db) throws Exception {
        try (Tmpfs fs = Tmpfs.mount(16 * MB); TestServer server = new TestServer(db, c -> on(fs, c))) {
            server.product("relay", "arduino-4m");
            server.product("wifi", "nonos-1m");
            server.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
            server.uploadOk("wifi", "7", Multipart.file("user1", U1), Multipart.file("user2", U2));
            server.server().devices().flush();
            long blobs = server.server().artifacts().count();
            String products = server.get("/api/v1/products").body();

            Path filler = fs.fill("filler", 2 * MB);
            String why = "no space left on the data directory's file system: ";

            var product = server.send("POST", "/api/v1/products", "{\"name\":\"lost\",\"layout\":\"arduino-4m\"}");
            assertThat(product.statusCode()).isEqualTo(507);
            assertThat(product.body()).as("no path in an answer").doesNotContain(fs.path().toString());
            assertThat(product.body()).contains(why).containsPattern("[0-9]+ MB free, at least [0-9]+ MB needed \\(reserve "
                    + "disk-reserve=4194304 bytes plus this request's [0-9]+ bytes\\)");
            var upload = server.upload("relay", "2.0.0", Multipart.file("firmware", V2));
            assertThat(upload.statusCode()).isEqualTo(507);
            assertThat(upload.body()).contains(why);
            var report = server.send("POST", "/u/relay/report", "application/json",
                    ("{\"mac\":\"" + MAC + "\",\"status\":\"ok\"}").getBytes(StandardCharsets.UTF_8));
            assertThat(report.statusCode()).isEqualTo(507);

            RawHttp.Response device = RawHttp.exchange(server.port(), RawHttp.esp8266CheckIn(MAC, new byte[] {1}));
            assertThat(device.status()).isEqualTo(507);
            assertThat(device.body()).isEmpty();
            assertThat(device.header("X-Updraft-Reason")).startsWith("storage-full: " + why).doesNotContain(fs.path().toString());
            RawHttp.Response version = RawHttp.exchange(server.port(), "GET /u/relay/version?mac=" + MAC + " HTTP/1.0\r\n\r\n");
            assertThat(version.status()).isEqualTo(507);
            assertThat(version.body()).isEmpty();
            RawHttp.Response nonos = RawHttp.exchange(server.port(), "GET /u/wifi/user2.bin HTTP/1.0\r\nHost: x\r\n\r\n");
            assertThat(nonos.raw()).as("NONOS: closed without a byte").isEmpty();

            var health = server.get("/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).isEqualTo("{\"status\":\"DOWN\"}");
            assertThat(server.get("/metrics").body()).contains("updraft_storage_writable 0.0")
                    .contains("updraft_checkins_total{outcome=\"storage-full\"} 3.0");

            // Nothing half-written: no blob, no temp file, no spooled part, no row.
            assertThat(server.server().artifacts().count()).isEqualTo(blobs);
            assertThat(list(fs.path().resolve("artifacts").resolve("tmp"))).isEmpty();
            assertThat(list(fs.path().resolve("uploads"))).isEmpty();
            server.server().devices().flush();
            assertThat(server.server().devices().find(MAC)).as("a refused check-in registers nothing").isEmpty();
            assertThat(server.server().devices().owner(MAC)).as("nor claims the MAC for a product").isNull();
            assertThat(server.get("/api/v1/products").body()).isEqualTo(products);

            Files.delete(filler);

            assertThat(server.get("/health").statusCode()).as("recovers without a restart").isEqualTo(200);
            server.expect(201, server.send("POST", "/api/v1/products", "{\"name\":\"kept\",\"layout\":\"arduino-4m\"}"));
            server.uploadOk("relay", "2.0.0", Multipart.file("firmware", V2));
            RawHttp.Response updated = RawHttp.exchange(server.port(), RawHttp.esp8266CheckIn(MAC, V1));
            assertThat(updated.status()).isEqualTo(200);
            assertThat(updated.body()).isEqualTo(V2);

            server.restart();

            assertThat(server.get("/api/v1/products").body()).contains("\"name\":\"kept\"").doesNotContain("\"name\":\"lost\"");
            assertThat(server.get("/api/v1/products/relay/releases").body()).contains("\"version\":\"2.0.0\"");
            var audit = Json.MAPPER.readTree(server.get("/api/v1/audit?limit=100").body()).get("items");
            List<String> entries = new java.util.ArrayList<>();
            audit.forEach(e -> entries.add(e.get("action").asText() + " " + e.get("target").asText() + " " + e.get("status").asInt()));
            assertThat(entries).as("the refusals and the acknowledged writes are in the audit log")
                    .contains("POST /api/v1/products  507", "POST /api/v1/products/{product}/releases product=relay 507",
                            "POST /api/v1/products name=kept 201", "POST /api/v1/products/{product}/releases product=relay version=2.0.0 201");
            assertThat(server.get("/api/v1/devices/" + MAC).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aRealOutOfSpaceErrorIsRecognisedAndRefusesWritesUntilOneSucceeds() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(MB)) {
            StorageHealth health = new StorageHealth(fs.path(), 0);
            Path full = fs.fillUp("full");
            IOException enospc = null;
            try {
                Files.write(fs.path().resolve("one-more"), new byte[8192]);
            } catch (IOException e) {
                enospc = e;
            }
            assertThat(enospc).as("the file system is full").isNotNull();
            assertThat(StorageHealth.isOutOfSpace(new RuntimeException("cannot store artifact", enospc))).isTrue();
            assertThat(StorageHealth.isOutOfSpace(new IllegalStateException("product 'x' already exists"))).isFalse();

            assertThat(health.outOfSpace(enospc).status()).isEqualTo(507);
            assertThat(health.write(0).reason()).contains("no space left");
            Files.delete(full);
            // Space is back, but the failure holds writes off for the cool-down, unless a write succeeds first.
            assertThat(health.write(0)).isNotNull();
            health.written();
            assertThat(health.write(0)).isNull();
            assertThat(health.writable()).isTrue();
        }
    }

    @Test
    void aFailedBatchRefusesWritesForTheCooldownThenLetsTheNextOneTry() throws Exception {
        long[] now = {0};
        StorageHealth health = new StorageHealth(Path.of("."), 0, () -> now[0]);
        health.failed(new IllegalStateException("batch failed", new SQLException("An I/O error occurred while sending to the "
                + "backend at /var/lib/postgresql", "08006")));
        assertThat(health.checkIn().status()).isEqualTo(503);
        assertThat(health.checkIn().reason()).as("a fixed phrase: no database text, no path")
                .isEqualTo("the server's writes are failing (disk or database I/O); writes are refused for a few seconds, then tried again");
        now[0] += StorageHealth.COOLDOWN_NANOS;
        assertThat(health.checkIn()).isNull();
    }

    /** Only the storage itself failing closes the server to writes; one write's own failure does not. */
    @Test
    void aBatchThatFailsForItsOwnReasonDoesNotRefuseOtherWrites() throws Exception {
        StorageHealth health = new StorageHealth(Path.of("."), 0);
        List<Throwable> ownFailures = List.of(
                new IllegalStateException("duplicate key", new SQLException("duplicate key value violates unique constraint", "23505")),
                new SQLiteException("[SQLITE_BUSY] The database file is locked (database is locked)", SQLiteErrorCode.SQLITE_BUSY),
                new SQLiteException("[SQLITE_CONSTRAINT_UNIQUE] A UNIQUE constraint failed", SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE),
                new SQLException("deadlock detected", "40P01"),
                new NullPointerException("a bug in one batch"));
        for (Throwable own : ownFailures) {
            assertThat(StorageHealth.isStorageFailure(own)).as(own.toString()).isFalse();
            health.failed(own);
            assertThat(health.checkIn()).as("after " + own).isNull();
            assertThat(health.write(0)).as("after " + own).isNull();
        }
        List<Throwable> storageFailures = List.of(
                new IllegalStateException("x", new IOException("Input/output error")),
                new SQLException("terminating connection due to administrator command", "57P01", new java.net.SocketException("reset")),
                new SQLException("could not write block", "58030"),
                new java.sql.SQLTransientConnectionException("pool - Connection is not available, request timed out after 30000ms"),
                new SQLiteException("[SQLITE_IOERR_WRITE] I/O error within xWrite", SQLiteErrorCode.SQLITE_IOERR_WRITE),
                new SQLiteException("[SQLITE_CORRUPT] The database disk image is malformed", SQLiteErrorCode.SQLITE_CORRUPT),
                new SQLiteException("[SQLITE_FULL] Insertion failed because database is full (database or disk is full)",
                        SQLiteErrorCode.SQLITE_FULL));
        for (Throwable storage : storageFailures) {
            assertThat(StorageHealth.isStorageFailure(storage)).as(storage.toString()).isTrue();
        }
        health.failed(storageFailures.get(4));
        assertThat(health.checkIn().status()).isEqualTo(503);
    }

    /**
     * A request that ends without an exception is no proof that storage works (a report refused
     * 403 wrote nothing): a storage failure recorded while it runs still refuses the next writes.
     */
    @Test
    void aRequestThatWroteNothingDoesNotClearAStorageFailure() throws Exception {
        try (TestServer server = new TestServer(TestDatabase.EMBEDDED)) {
            server.product("relay", "arduino-4m");
            server.product("lamp", "arduino-4m");
            assertThat(RawHttp.exchange(server.port(), RawHttp.esp8266CheckIn(MAC, new byte[] {1})).status()).isEqualTo(304);
            server.server().devices().flush();
            StorageHealth health = server.server().storage();
            String body = "{\"mac\":\"" + MAC + "\",\"status\":\"ok\"}";
            int status = 0;
            // Bounded: the failure must land after the request passed its writability check (the
            // headers are in) and before its handler answers (it waits for the body).
            for (int attempt = 1; attempt <= 5 && status != 403; attempt++) {
                health.written();
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
                    s.getOutputStream().write(("POST /u/lamp/report HTTP/1.0\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + body.length() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    Thread.sleep(200L * attempt);
                    health.failed(new IOException("Input/output error"));
                    s.getOutputStream().write(body.getBytes(StandardCharsets.US_ASCII));
                    String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                    status = Integer.parseInt(answer.substring(9, 12));
                }
            }
            assertThat(status).as("a report at another product's URL: 403 not-enrolled, nothing written").isEqualTo(403);
            StorageHealth.Refusal refusal = health.checkIn();
            assertThat(refusal).as("the failure still holds").isNotNull();
            assertThat(refusal.status()).isEqualTo(503);
        }
    }

    static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
