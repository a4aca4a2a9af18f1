package org.updraft.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.sign.KeyAlgorithm;
import org.updraft.core.sign.SigningKey;
import org.updraft.server.artifact.ArtifactStore;
import org.updraft.server.catalog.Catalog.ProductSpec;
import org.updraft.server.problem.Rejection;
import org.updraft.server.store.Database;
import org.updraft.server.store.EmbeddedDatabase;

/**
 * The key rules on real PEM keys, stored in an SQLite database: what is added, replaced and
 * removed, that it reads back the same, and each refusal with its exact message and status.
 */
class TrustedKeysTest {

    static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    static final SigningKey RSA = KeyAlgorithm.RSA_2048.generate();
    static final SigningKey NEW_RSA = KeyAlgorithm.RSA_2048.generate();
    static final SigningKey ECDSA = KeyAlgorithm.ECDSA_P256.generate();
    static final SigningKey ED = KeyAlgorithm.ED25519.generate();

    @TempDir
    Path dir;
    Database database;
    CatalogStore store;
    TrustedKeys keys;
    Product relay;
    Product meter;

    @BeforeEach
    void open() {
        database = Database.open(EmbeddedDatabase.url(dir));
        store = new CatalogStore(database.jdbi(), new ArtifactStore(dir.resolve("artifacts")));
        keys = new TrustedKeys(store);
        relay = store.insertProduct(ProductCheck.check(new ProductSpec("relay", null, null, "arduino-4m", null, null, null),
                List.of(), NOW));
        meter = store.insertProduct(ProductCheck.check(new ProductSpec("meter", null, null, "esp32-4m", null, null, null),
                List.of(), NOW));
    }

    @AfterEach
    void close() {
        database.close();
    }

    static String pem(SigningKey... ks) {
        return Stream.of(ks).map(k -> k.verifyingKey().pem()).collect(Collectors.joining("\n"));
    }

    static void assertRefused(Runnable change, int status, String message) {
        Rejection r = catchThrowableOfType(Rejection.class, change::run);
        assertThat(r).as("expected a refusal").isNotNull();
        assertThat(r.getMessage()).isEqualTo(message);
        assertThat(r.status()).isEqualTo(status);
    }

    /** The keys as a fresh load of the database sees them. */
    List<TrustedKey> stored(Product p) {
        TrustedKeys fresh = new TrustedKeys(store);
        fresh.reload(store.load().keys());
        return fresh.of(p.id());
    }

    @Test
    void addedKeysAreKeptOnceAndReadBackTheSame() {
        List<TrustedKey> added = keys.add(relay, pem(RSA, ED, RSA), NOW);

        assertThat(added).extracting(TrustedKey::fingerprint).containsExactly(RSA.fingerprint(), ED.fingerprint());
        assertThat(keys.add(relay, pem(ED), NOW.plusSeconds(1))).isEmpty();
        assertThat(keys.of(relay.id())).extracting(TrustedKey::use).containsExactlyInAnyOrder("image", "manifest");
        assertThat(stored(relay)).containsExactlyElementsOf(keys.of(relay.id()));
        assertThat(keys.of(meter.id())).isEmpty();
    }

    @Test
    void replaceRotatesInOneStepAndKeepsTheDateOfAKeyAlreadyTrusted() {
        keys.add(relay, pem(RSA), NOW);

        List<TrustedKey> next = keys.replace(relay, pem(NEW_RSA, RSA), NOW.plusSeconds(60));

        assertThat(next).extracting(TrustedKey::fingerprint).containsExactly(RSA.fingerprint(), NEW_RSA.fingerprint());
        assertThat(next).extracting(TrustedKey::createdAt).containsExactly(NOW, NOW.plusSeconds(60));
        assertThat(stored(relay)).containsExactlyElementsOf(next);
    }

    @Test
    void removeTakesAKeyByIdOrFingerprint() {
        keys.add(relay, pem(RSA, NEW_RSA), NOW);
        TrustedKey first = keys.of(relay.id()).stream().filter(k -> k.fingerprint().equals(RSA.fingerprint())).findFirst().orElseThrow();

        assertThat(keys.remove(relay, first.keyId().toUpperCase())).isEqualTo(first);
        assertThat(keys.remove(relay, NEW_RSA.fingerprint()).fingerprint()).isEqualTo(NEW_RSA.fingerprint());
        assertThat(stored(relay)).isEmpty();
        assertRefused(() -> keys.remove(relay, "abc"), 404, "product 'relay' trusts no key abc; its keys: none");
    }

    @Test
    void textWithoutAPublicKeyIsRefused() {
        assertRefused(() -> keys.add(relay, " \n", NOW), 400,
                "expected one or more PEM public keys (-----BEGIN PUBLIC KEY-----), got an empty body");
        assertRefused(() -> keys.add(relay, "ssh-ed25519 AAAA", NOW), 400, "expected one or more PEM public keys "
                + "(-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----), found none");
        assertRefused(() -> keys.add(relay, pem(ED) + "\n" + RSA.pem(), NOW), 422, "key rejected: PEM block 2 is a PRIVATE "
                + "KEY; upload only the public half (BEGIN PUBLIC KEY, written by updraft keygen beside the private key) and "
                + "keep the private key off the server");
        assertThat(stored(relay)).isEmpty();
    }

    @Test
    void anEcdsaKeyIsRefusedForAnEsp8266ProductOnly() {
        assertRefused(() -> keys.add(relay, pem(ECDSA), NOW), 422, "key rejected: " + ECDSA.verifyingKey() + " is ECDSA P-256, "
                + "but product 'relay' is ESP8266: the stock Updater expects a 65-byte ECDSA signature and its verifier "
                + "refuses odd lengths, so no ECDSA-signed image can install; use an RSA-2048 key (updraft keygen --type "
                + "rsa-2048)");
        assertThat(keys.add(meter, pem(ECDSA), NOW)).extracting(TrustedKey::use).containsExactly("image");
    }

    @Test
    void aProductTrustsAtMostSixteenKeys() {
        SigningKey[] many = Stream.generate(KeyAlgorithm.ED25519::generate).limit(17).toArray(SigningKey[]::new);

        assertRefused(() -> keys.add(relay, pem(many), NOW), 422,
                "product 'relay' would trust 17 keys; at most 16 (remove old ones first)");
        assertThat(stored(relay)).isEmpty();
    }

    @Test
    void aProductThatRequiresSignaturesKeepsAnImageKey() {
        Product required = relay.withPolicies(SigningPolicy.REQUIRED, Enrollment.OPEN);
        assertRefused(() -> keys.checkPolicy(required), 409, "product 'relay' has no trusted image key; add one "
                + "(POST /api/v1/products/relay/keys, an RSA-2048 public key) before requiring signatures");
        keys.add(relay, pem(RSA, ED), NOW);
        keys.checkPolicy(required);

        String keep = "product 'relay' requires signed images: it must keep at least one image key (RSA-2048); add the new "
                + "key before removing the old one, or set signing to unsigned-allowed first";
        assertRefused(() -> keys.remove(required, RSA.fingerprint()), 409, keep);
        assertRefused(() -> keys.replace(required, pem(ED), NOW), 409, keep);
        assertThat(stored(relay)).extracting(TrustedKey::fingerprint).containsExactlyInAnyOrder(RSA.fingerprint(), ED.fingerprint());
        assertThat(keys.replace(required, pem(NEW_RSA), NOW)).extracting(TrustedKey::fingerprint)
                .containsExactly(NEW_RSA.fingerprint());
    }
}
