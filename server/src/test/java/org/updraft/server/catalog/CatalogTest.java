package org.updraft.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.core.sign.ArduinoSignature;
import org.updraft.core.sign.KeyAlgorithm;
import org.updraft.core.sign.ReleaseManifest;
import org.updraft.core.sign.SigningKey;
import org.updraft.core.version.Version;
import org.updraft.server.MutableClock;
import org.updraft.server.TestDatabase;
import org.updraft.server.artifact.ArtifactStore;
import org.updraft.server.artifact.Digests;
import org.updraft.server.catalog.Catalog.ProductSpec;
import org.updraft.server.store.Database;
import org.updraft.server.store.EmbeddedDatabase;

/**
 * The catalog over a real database, SQLite and PostgreSQL: what one catalog wrote, a catalog
 * loaded afresh from the same database reads back exactly ({@link CatalogStore#load}); a release
 * whose rows fail to commit is neither visible nor leaves a blob behind.
 */
class CatalogTest {

    static final Instant T0 = Instant.parse("2026-12-01T12:00:00.123456Z");
    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(71, 8_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(72, 8_200).build();
    static final byte[] USER1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).payload(73, 6_000).build();
    static final byte[] USER2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).payload(74, 6_000).build();
    static final SigningKey RSA = KeyAlgorithm.RSA_2048.generate();
    static final SigningKey MANIFEST_KEY = KeyAlgorithm.ED25519.generate();

    @TempDir
    Path dir;

    Database open(TestDatabase.Instance db) {
        return Database.open(db.jdbcUrl() == null ? EmbeddedDatabase.url(dir) : db.jdbcUrl());
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aCatalogLoadedFromTheDatabaseReadsWhatAnotherWrote(TestDatabase kind) throws Exception {
        try (TestDatabase.Instance db = kind.create(dir); Database database = open(db)) {
            MutableClock clock = new MutableClock(T0);
            ArtifactStore blobs = new ArtifactStore(dir.resolve("artifacts"));
            Catalog writer = new Catalog(database.jdbi(), blobs, clock);
            Product relay = writer.createProduct(new ProductSpec("relay", null, null, "arduino-4m", null, "/firmware/relay.bin", 0L));
            Product wifi = writer.createProduct(new ProductSpec("wifi", null, null, "nonos-512k", null, null, null));
            writer.addKeys(relay, RSA.verifyingKey().pem() + MANIFEST_KEY.verifyingKey().pem());
            relay = writer.setPolicies(relay, SigningPolicy.REQUIRED, Enrollment.ALLOWLIST);
            writer.addRelease(relay, "1.0.0", "first", false, false, Map.of(ArtifactRole.FIRMWARE, ArduinoSignature.sign(V1, RSA)));
            clock.advance(java.time.Duration.ofSeconds(5));
            byte[] signedV2 = ArduinoSignature.sign(V2, RSA);
            String manifest = ReleaseManifest.create("relay", "2.0.0", List.of(ReleaseManifest.Artifact.of("firmware", signedV2)), 3,
                    T0.plusSeconds(86_400), MANIFEST_KEY).text();
            writer.addRelease(relay, "2.0.0", null, false, true, Map.of(ArtifactRole.FIRMWARE, signedV2), manifest);
            writer.addRelease(wifi, "1", null, false, false, Map.of(ArtifactRole.USER1, USER1, ArtifactRole.USER2, USER2));

            Catalog reader = new Catalog(database.jdbi(), blobs, clock);

            assertThat(reader.products()).containsExactlyElementsOf(writer.products());
            assertThat(reader.product("relay")).contains(relay);
            assertThat(reader.productByUpdatePath("/firmware/relay.bin")).contains(relay);
            assertThat(reader.product(wifi.id())).contains(wifi);
            assertThat(reader.releases(relay)).containsExactlyElementsOf(writer.releases(relay));
            assertThat(reader.releases(relay)).extracting(r -> r.version().toString()).containsExactly("2.0.0", "1.0.0");
            assertThat(reader.releases(wifi)).containsExactlyElementsOf(writer.releases(wifi));
            Release v2 = reader.newestRelease(relay).orElseThrow();
            assertThat(v2.held()).isTrue();
            assertThat(v2.securityCounter()).isEqualTo(3);
            assertThat(v2.signer()).isEqualTo(RSA.fingerprint());
            assertThat(v2.manifest()).isEqualTo(manifest);
            assertThat(reader.release(v2.id())).contains(v2);
            assertThat(reader.releaseByInstalledMd5(relay, Digests.md5Hex(V1))).isEqualTo(reader.release(relay, Version.parse("1.0.0")));
            assertThat(reader.keys(relay)).containsExactlyElementsOf(writer.keys(relay));
            assertThat(reader.keys(relay)).extracting(TrustedKey::use).containsExactlyInAnyOrder("image", "manifest");
            assertThat(reader.storedArtifacts()).containsExactlyInAnyOrder(Digests.sha256Hex(ArduinoSignature.sign(V1, RSA)),
                    Digests.sha256Hex(signedV2), Digests.sha256Hex(USER1), Digests.sha256Hex(USER2));
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aReleaseWhoseRowsFailToCommitIsNotVisibleAndLeavesNoNewBlob(TestDatabase kind) throws Exception {
        try (TestDatabase.Instance db = kind.create(dir); Database database = open(db)) {
            ArtifactStore blobs = new ArtifactStore(dir.resolve("artifacts"));
            Catalog catalog = new Catalog(database.jdbi(), blobs, new MutableClock(T0));
            Product relay = catalog.createProduct(new ProductSpec("relay", null, null, "arduino-4m", null, null, null));
            catalog.addRelease(relay, "1.0.0", null, false, false, Map.of(ArtifactRole.FIRMWARE, V1));
            // Another writer takes version 2.0.0 behind this catalog's back: the intake passes (its
            // memory does not know the row), the insert breaks the unique (product, version) constraint.
            database.jdbi().useHandle(h -> h.createUpdate("INSERT INTO firmware_release (product_id, version, downgrade, held, "
                    + "created_at) VALUES (:p, '2.0.0', false, false, :at)").bind("p", relay.id())
                    .bind("at", org.updraft.server.store.Sql.utc(T0)).execute());

            assertThatThrownBy(() -> catalog.addRelease(relay, "2.0.0", null, false, false, Map.of(ArtifactRole.FIRMWARE, V2)))
                    .isInstanceOf(RuntimeException.class);

            assertThat(catalog.release(relay, Version.parse("2.0.0"))).isEmpty();
            assertThat(Files.exists(blobs.pathOf(Digests.sha256Hex(V2)))).as("the blob this upload created").isFalse();
            assertThat(catalog.storedArtifacts()).containsExactly(Digests.sha256Hex(V1));

            // The same failure with an image an earlier release holds keeps that blob.
            assertThatThrownBy(() -> catalog.addRelease(relay, "2.0.0", null, false, false, Map.of(ArtifactRole.FIRMWARE, V1)))
                    .isInstanceOf(RuntimeException.class);
            assertThat(Files.exists(blobs.pathOf(Digests.sha256Hex(V1)))).as("the blob release 1.0.0 holds").isTrue();
        }
    }
}
