package org.updraft.integration.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.EbootCopy;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.Region;
import org.updraft.device.client.FilesystemUpdateClient;
import org.updraft.device.client.HttpUpdateClient;
import org.updraft.device.client.Identity;
import org.updraft.device.client.UpdateOutcome;
import org.updraft.testsupport.FilesystemImages;

/**
 * Two instances running at once on one PostgreSQL database, each with its own empty data
 * directory and nothing else shared (docs/cluster.md, docs/integrity.md): emulated stock ESP8266
 * boards reach either over real sockets, as behind a round-robin load balancer. A release uploaded
 * through A is offered and served byte-exact by B from its own verified cache; a file system image
 * sent by one instance is confirmed by the sketch check-in the other answers, and neither sends it
 * again (docs/device-contract.md, "Filesystem requests").
 */
class SeveralInstancesEndToEndTest {

    static final String PG = System.getenv().getOrDefault("UPDRAFT_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    /** How long a change may take to reach the other instance before the test fails (docs/cluster.md promises about 1 s). */
    static final Duration PROPAGATION = Duration.ofSeconds(10);

    /** Over 256 KiB, so the database holds it in several chunks. */
    static final byte[] PLUG_V1 = ImageBuilder.arduino().version("1.0.0").payload(61, 20_000).build();
    static final byte[] PLUG_V2 = ImageBuilder.arduino().version("2.0.0").payload(62, 300_000).build();
    static final byte[] LAMP_V1 = ImageBuilder.arduino().flashSizeCode(2).version("1.0.0").payload(63, 20_000).build();
    static final byte[] LAMP_V2 = ImageBuilder.arduino().flashSizeCode(2).version("2.0.0").payload(64, 22_000).build();
    static final byte[] LAMP_FS1 = FilesystemImages.littlefs(0x10000, 4096, 5);
    static final byte[] LAMP_FS2 = FilesystemImages.littlefs(0x10000, 4096, 6);

    @TempDir
    Path dir;
    String database;
    LiveServer a;
    LiveServer b;
    int markers;

    @BeforeEach
    void start() throws Exception {
        database = "updraft_shared_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        sql("CREATE DATABASE " + database);
        String jdbcUrl = PG.replaceFirst("/test\\?", "/" + database + "?");
        a = new LiveServer(Files.createDirectory(dir.resolve("a")), jdbcUrl, "node-a");
        b = new LiveServer(Files.createDirectory(dir.resolve("b")), jdbcUrl, "node-b");
    }

    @AfterEach
    void stop() throws Exception {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
        sql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }

    static void sql(String statement) throws Exception {
        try (Connection c = DriverManager.getConnection(PG); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PROPAGATION.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + PROPAGATION + ": " + what);
            }
            Thread.sleep(20);
        }
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    static URI at(LiveServer s, String product) {
        return URI.create(s.uri() + "/u/" + product);
    }

    static byte[] running(Board board) {
        return ((BootResult.Booted) board.state()).image();
    }

    /**
     * Returns once B has applied every change committed through A so far: a product created through
     * A now is known to B only after the notifications before it (one connection delivers them in
     * commit order, one at a time).
     */
    void bHasHeardEverythingOfA() throws Exception {
        String marker = "marker" + ++markers;
        a.product(marker, "arduino-4m");
        await("instance b knows product " + marker, () -> b.server().catalog().product(marker).isPresent());
    }

    /** The reverse of {@link #bHasHeardEverythingOfA}. */
    void aHasHeardEverythingOfB() throws Exception {
        String marker = "marker" + ++markers;
        b.product(marker, "arduino-4m");
        await("instance a knows product " + marker, () -> a.server().catalog().product(marker).isPresent());
    }

    @Test
    void aReleaseUploadedThroughOneInstanceIsServedByteExactByTheOtherAndATamperedCacheFileThereIsNotServed() throws Exception {
        a.product("plug", "arduino-4m");
        a.release("plug", "2.0.0", "firmware", PLUG_V2);
        Path cachedOnB = b.server().artifacts().pathOf(sha256(PLUG_V2));
        assertThat(cachedOnB).as("B's data directory is its own and empty").doesNotExist();
        assertThat(a.server().artifacts().pathOf(sha256(PLUG_V2))).exists();

        Board first = Board.provisioned(new EbootCopy(FlashMap.ARDUINO_4M), PLUG_V1);
        HttpUpdateClient device = HttpUpdateClient.esp8266(first, Identity.of("5C:CF:7F:5A:E0:01", "2.2.2")).version("1.0.0");
        UpdateOutcome[] last = new UpdateOutcome[1];
        await("instance b offers 2.0.0 (last answer: " + last[0] + ")", () -> {
            last[0] = device.update(at(b, "plug"));
            return last[0] instanceof UpdateOutcome.Updated;
        });
        assertThat(running(first)).as("booted what A was given, byte for byte").isEqualTo(PLUG_V2);
        assertThat(Files.readAllBytes(cachedOnB)).as("cached on B by that download").isEqualTo(PLUG_V2);

        try (RandomAccessFile f = new RandomAccessFile(cachedOnB.toFile(), "rw")) {
            f.seek(200_000);
            f.write(0x55 ^ f.readByte());
        }
        Board second = Board.provisioned(new EbootCopy(FlashMap.ARDUINO_4M), PLUG_V1);
        UpdateOutcome outcome = HttpUpdateClient.esp8266(second, Identity.of("5C:CF:7F:5A:E0:02", "2.2.2")).version("1.0.0")
                .update(at(b, "plug"));

        assertThat(outcome).isInstanceOf(UpdateOutcome.Updated.class);
        assertThat(running(second)).as("the database's copy, not the tampered file").isEqualTo(PLUG_V2);
        assertThat(Files.readAllBytes(cachedOnB)).as("the cache file was fetched again").isEqualTo(PLUG_V2);
        assertThat(b.server().artifacts().damaged()).isEmpty();
    }

    /** A board fresh from the factory: the sketch and the file system both flashed over serial. */
    static Board lampFromTheFactory() {
        Board board = Board.provisioned(new EbootCopy(FlashMap.ARDUINO_1M), LAMP_V1);
        board.flash().programPages(FlashMap.ARDUINO_1M.filesystem().orElseThrow().offset(), LAMP_FS1);
        return board;
    }

    static byte[] filesystem(Board board) {
        Region region = FlashMap.ARDUINO_1M.filesystem().orElseThrow();
        return board.flash().read(region.offset(), region.size());
    }

    void twoLampReleasesKnownToBoth() throws Exception {
        a.product("lamp", "arduino-1m");
        a.release("lamp", "1.0.0", "firmware", LAMP_V1, "filesystem", LAMP_FS1);
        a.release("lamp", "2.0.0", "firmware", LAMP_V2, "filesystem", LAMP_FS2);
        bHasHeardEverythingOfA();
    }

    @Test
    void aFileSystemSentByOneInstanceIsConfirmedByTheSketchCheckInTheOtherAnswersAndNotSentAgainByEither() throws Exception {
        twoLampReleasesKnownToBoth();
        Board board = lampFromTheFactory();
        HttpUpdateClient sketch = HttpUpdateClient.esp8266(board, Identity.of("5C:CF:7F:5A:E0:03", "2.2.2")).version("1.0.0");

        assertThat(FilesystemUpdateClient.of(sketch).update(at(a, "lamp"))).isInstanceOf(UpdateOutcome.FilesystemWritten.class);
        assertThat(filesystem(board)).isEqualTo(LAMP_FS2);
        bHasHeardEverythingOfA();
        assertThat(sketch.update(at(b, "lamp"))).isInstanceOf(UpdateOutcome.Updated.class);
        assertThat(running(board)).isEqualTo(LAMP_V2);
        aHasHeardEverythingOfB();

        HttpUpdateClient onV2 = HttpUpdateClient.esp8266(board, Identity.of("5C:CF:7F:5A:E0:03", "2.2.2")).version("2.0.0");
        assertThat(FilesystemUpdateClient.of(onV2).update(at(a, "lamp")))
                .as("A heard that B's check-in confirmed the image A sent").isEqualTo(new UpdateOutcome.NoUpdate("304 Not Modified"));
        assertThat(FilesystemUpdateClient.of(onV2).update(at(b, "lamp"))).isEqualTo(new UpdateOutcome.NoUpdate("304 Not Modified"));
    }

    @Test
    void aConfirmationHeardByOneInstanceStopsTheOtherThatSentTheImageFromSendingItAgain() throws Exception {
        twoLampReleasesKnownToBoth();
        Board board = lampFromTheFactory();
        HttpUpdateClient sketch = HttpUpdateClient.esp8266(board, Identity.of("5C:CF:7F:5A:E0:04", "2.2.2")).version("1.0.0");

        assertThat(FilesystemUpdateClient.of(sketch).update(at(b, "lamp"))).isInstanceOf(UpdateOutcome.FilesystemWritten.class);
        aHasHeardEverythingOfB();
        assertThat(sketch.update(at(a, "lamp"))).isInstanceOf(UpdateOutcome.Updated.class);
        bHasHeardEverythingOfA();

        HttpUpdateClient onV2 = HttpUpdateClient.esp8266(board, Identity.of("5C:CF:7F:5A:E0:04", "2.2.2")).version("2.0.0");
        assertThat(FilesystemUpdateClient.of(onV2).update(at(b, "lamp")))
                .as("B, which sent the image, heard that A confirmed it").isEqualTo(new UpdateOutcome.NoUpdate("304 Not Modified"));
        assertThat(filesystem(board)).isEqualTo(LAMP_FS2);
    }
}
