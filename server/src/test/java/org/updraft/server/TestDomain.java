package org.updraft.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.artifact.ArtifactStore;
import org.updraft.server.catalog.ArtifactRole;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;
import org.updraft.server.fleet.Admission;
import org.updraft.server.fleet.CheckIn;
import org.updraft.server.fleet.DeviceRegistry;
import org.updraft.server.fleet.Endpoint;
import org.updraft.server.fleet.UpdatePolicy;
import org.updraft.server.rollout.RolloutEngine;
import org.updraft.server.rollout.UpdateTracker;
import org.updraft.server.store.Database;
import org.updraft.server.store.EmbeddedDatabase;
import org.updraft.server.store.StorageHealth;

/**
 * The domain objects of the check-in wired by their plain constructors, as {@link UpdraftServer}
 * wires them, on an embedded SQLite database in a temporary directory and a hand-moved clock —
 * no HTTP. For direct tests of the policy and of the device flow's owner.
 */
public final class TestDomain implements AutoCloseable {

    public static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

    public final MutableClock clock = new MutableClock(T0);
    public final Database database;
    public final ArtifactStore store;
    public final Catalog catalog;
    public final DeviceRegistry devices;
    public final UpdateTracker updates;
    public final RolloutEngine rollouts;
    public final Admission admission;
    public final StorageHealth storage;
    public final UpdatePolicy policy;
    private final Path dir;

    public TestDomain() {
        try {
            this.dir = Files.createTempDirectory("updraft-domain");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        this.database = Database.open(EmbeddedDatabase.url(dir));
        try {
            this.store = new ArtifactStore(Files.createDirectories(dir.resolve("artifacts")));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        this.catalog = new Catalog(database.jdbi(), store, clock);
        this.storage = new StorageHealth(dir, 0);
        this.devices = new DeviceRegistry(database.jdbi(), catalog, storage);
        this.updates = new UpdateTracker(database.jdbi(), catalog, storage);
        // A tick far in the future: rollouts move only when a test says so.
        this.rollouts = new RolloutEngine(database.jdbi(), catalog, devices, updates, clock, Duration.ofHours(1));
        this.admission = new Admission(database.jdbi(), catalog, clock);
        this.policy = new UpdatePolicy(catalog, devices, rollouts, updates);
    }

    /** An ESP8266 Arduino product on the arduino-4m layout. */
    public Product product(String name) {
        return catalog.createProduct(new Catalog.ProductSpec(name, "esp8266", "arduino", "arduino-4m", null, null, null));
    }

    /** A release of one Arduino image (deterministic bytes per version). */
    public Release release(Product product, String version) {
        return catalog.addRelease(product, version, null, false, false, Map.of(ArtifactRole.FIRMWARE, image(version)));
    }

    public static byte[] image(String version) {
        return ImageBuilder.arduino().version(version).payload(61, 5_000).build();
    }

    /** An ESP8266httpUpdate check-in at {@code /u/{product}} reporting {@code version} (and {@code md5}, when not null). */
    public CheckIn checkIn(String product, String mac, String version, String md5) {
        return checkIn(product, mac, version, md5, null);
    }

    /** The same with a {@code Range} header (a resumed download). */
    public CheckIn checkIn(String product, String mac, String version, String md5, String range) {
        Map<String, String> h = new java.util.HashMap<>();
        h.put("x-esp8266-sta-mac", mac);
        h.put("x-esp8266-version", version);
        h.put("x-esp8266-mode", "sketch");
        if (md5 != null) {
            h.put("x-esp8266-sketch-md5", md5);
        }
        if (range != null) {
            h.put("range", range);
        }
        return CheckIn.parse(Endpoint.HTTP_UPDATE, "/u/" + product, 0, name -> h.get(name.toLowerCase()), q -> null,
                "10.0.0.1", clock.instant());
    }

    @Override
    public void close() {
        rollouts.close();
        devices.close();
        updates.close();
        database.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind costs nothing
        }
    }
}
