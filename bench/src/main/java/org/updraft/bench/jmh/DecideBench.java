package org.updraft.bench.jmh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.updraft.bench.Fixture;
import org.updraft.server.artifact.ArtifactStore;
import org.updraft.server.catalog.ArtifactRole;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.fleet.CheckIn;
import org.updraft.server.fleet.Decision;
import org.updraft.server.fleet.DeviceRegistry;
import org.updraft.server.fleet.Endpoint;
import org.updraft.server.fleet.UpdatePolicy;
import org.updraft.server.rollout.RolloutEngine;
import org.updraft.server.rollout.UpdateTracker;
import org.updraft.server.store.Database;
import org.updraft.server.store.EmbeddedDatabase;

/**
 * The check-in decision from memory: CheckIn.parse of the full ESP8266httpUpdate header set plus
 * UpdatePolicy.decide against the real catalog, pins, rollout engine and tracker (wired to an
 * embedded SQLite file in a temporary directory that the decision never reads). 10,000 MACs rotate; the answer is 304 up-to-date.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DecideBench {

    static final int DEVICES = 10_000;

    Database db;
    UpdatePolicy policy;
    Optional<Product> product;
    Map<String, String>[] headers;
    int i;
    Instant now = Instant.now();

    @Setup
    @SuppressWarnings("unchecked")
    public void setup() throws Exception {
        Path dir = Files.createTempDirectory("updraft-jmh");
        db = Database.open(EmbeddedDatabase.url(dir));
        Catalog catalog = new Catalog(db.jdbi(), new ArtifactStore(dir), Clock.systemUTC());
        Product p = catalog.createProduct(new Catalog.ProductSpec("bench", "esp8266", "arduino", "arduino-4m", null, null, null));
        byte[] img = Fixture.image("1.0.0");
        var release = catalog.addRelease(p, "1.0.0", null, false, false, Map.of(ArtifactRole.FIRMWARE, img));
        String md5 = release.artifact(ArtifactRole.FIRMWARE).orElseThrow().installedMd5();
        DeviceRegistry devices = new DeviceRegistry(db.jdbi(), catalog);
        UpdateTracker updates = new UpdateTracker(db.jdbi(), catalog);
        RolloutEngine rollouts = new RolloutEngine(db.jdbi(), catalog, devices, updates, Clock.systemUTC(), Duration.ofSeconds(1));
        policy = new UpdatePolicy(catalog, devices, rollouts, updates);
        product = Optional.of(p);
        headers = new Map[DEVICES];
        for (int d = 0; d < DEVICES; d++) {
            Map<String, String> h = new HashMap<>();
            String mac = String.format("18:FE:34:%02X:%02X:%02X", (d >> 16) & 0xff, (d >> 8) & 0xff, d & 0xff);
            h.put("x-esp8266-sta-mac", mac);
            h.put("x-esp8266-ap-mac", "1A" + mac.substring(2));
            h.put("x-esp8266-chip-id", Integer.toString(d));
            h.put("x-esp8266-free-space", "2093056");
            h.put("x-esp8266-sketch-size", Integer.toString(img.length));
            h.put("x-esp8266-sketch-md5", md5);
            h.put("x-esp8266-chip-size", "4194304");
            h.put("x-esp8266-sdk-version", "2.2.2-dev(38a443e)");
            h.put("x-esp8266-mode", "sketch");
            h.put("x-esp8266-version", "1.0.0");
            headers[d] = h;
        }
        Decision probe = decide();
        if (probe.status() != 304) {
            throw new IllegalStateException("expected a 304, got " + probe.status() + " " + probe.reason());
        }
    }

    @Benchmark
    public Decision decide() {
        Map<String, String> h = headers[i++ % DEVICES];
        CheckIn in = CheckIn.parse(Endpoint.HTTP_UPDATE, "/u/bench", 0, name -> h.get(name.toLowerCase()), q -> null,
                "127.0.0.1", now);
        return policy.decide(in, product);
    }

    @TearDown
    public void tearDown() {
        db.close();
    }
}
