package org.updraft.server.catalog;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.updraft.core.sign.KeyAlgorithm;
import org.updraft.core.sign.VerifyingKey;
import org.updraft.server.problem.Rejection;

/**
 * The trusted keys of every product and the rules for changing them. Held in memory (an upload
 * reads them, see {@link ReleaseIntake}); stored in table {@code product_key} through
 * {@link CatalogStore}, database first, then memory.
 *
 * <p>Invariants: a product trusts at most {@link #MAX_KEYS} keys; a product whose signing policy
 * is {@link SigningPolicy#REQUIRED} always keeps at least one image key (RSA-2048 or ECDSA P-256);
 * an ESP8266 product never trusts an ECDSA key. Writes are serialised by the {@link Catalog}'s
 * monitor, which also guards the signing policy these rules read.
 */
final class TrustedKeys {

    /** Most keys one product trusts (rotation needs old + new; more is a mistake). */
    static final int MAX_KEYS = 16;
    private static final Pattern PEM_BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----[\\s\\S]*?-----END \\1-----");

    private final CatalogStore store;
    private final Map<Long, List<TrustedKey>> byProduct = new ConcurrentHashMap<>();

    TrustedKeys(CatalogStore store) {
        this.store = store;
    }

    /** Replaces the memory view with the keys read from the database (per product id, any order). */
    void reload(Map<Long, List<TrustedKey>> keys) {
        byProduct.clear();
        keys.forEach((product, list) -> byProduct.put(product, sorted(list)));
    }

    /** The product's trusted keys, oldest first. */
    List<TrustedKey> of(long productId) {
        return byProduct.getOrDefault(productId, List.of());
    }

    /**
     * Adds PEM public keys to the product's trusted set (keys already trusted are kept as they
     * are). Returns the keys added. See {@link #replace} for the rules.
     */
    List<TrustedKey> add(Product product, String pem, Instant now) {
        List<TrustedKey> current = of(product.id());
        List<TrustedKey> added = new ArrayList<>();
        for (TrustedKey k : parse(product, pem, now)) {
            if (current.stream().noneMatch(c -> c.keyId().equals(k.keyId())) && added.stream().noneMatch(c -> c.keyId().equals(k.keyId()))) {
                added.add(k);
            }
        }
        List<TrustedKey> all = new ArrayList<>(current);
        all.addAll(added);
        store(product, all);
        return added;
    }

    /**
     * Replaces the product's trusted keys with the PEM keys given (one or more {@code BEGIN PUBLIC
     * KEY} blocks): key rotation in one step. Refused: text that holds no key or a broken one; an
     * ECDSA key for an ESP8266 product (the stock Updater cannot verify ECDSA, so every image
     * signed with it would brick nothing but fail on every device); more than {@link #MAX_KEYS}
     * keys; a set without an image key while the product requires signatures.
     */
    List<TrustedKey> replace(Product product, String pem, Instant now) {
        List<TrustedKey> current = of(product.id());
        List<TrustedKey> next = new ArrayList<>();
        for (TrustedKey k : parse(product, pem, now)) {
            if (next.stream().noneMatch(c -> c.keyId().equals(k.keyId()))) {
                next.add(current.stream().filter(c -> c.keyId().equals(k.keyId())).findFirst().orElse(k));
            }
        }
        store(product, next);
        return of(product.id());
    }

    /** Removes one trusted key by its id (hex SHA-256) or fingerprint. */
    TrustedKey remove(Product product, String id) {
        List<TrustedKey> current = of(product.id());
        TrustedKey gone = current.stream().filter(k -> k.keyId().equals(id.toLowerCase()) || k.fingerprint().equals(id)).findFirst()
                .orElseThrow(() -> Rejection.notFound("product '" + product.name() + "' trusts no key " + id + "; its keys: "
                        + (current.isEmpty() ? "none" : String.join(", ", current.stream().map(TrustedKey::keyId).toList()))));
        List<TrustedKey> rest = new ArrayList<>(current);
        rest.remove(gone);
        store(product, rest);
        return gone;
    }

    /** Refuses {@code product}'s policies when they require signed images but it trusts no image key. */
    void checkPolicy(Product product) {
        if (product.signing() == SigningPolicy.REQUIRED && of(product.id()).stream().noneMatch(TrustedKey::checksImages)) {
            throw Rejection.conflict("product '" + product.name() + "' has no trusted image key; add one (POST /api/v1/products/"
                    + product.name() + "/keys, an RSA-2048 public key" + (product.esp8266() ? "" : " or ECDSA P-256")
                    + ") before requiring signatures");
        }
    }

    /** {@code product} is the catalog's current record: its signing policy decides whether an image key must stay. */
    private void store(Product product, List<TrustedKey> next) {
        if (next.size() > MAX_KEYS) {
            throw Rejection.unprocessable("product '" + product.name() + "' would trust " + next.size() + " keys; at most "
                    + MAX_KEYS + " (remove old ones first)");
        }
        if (product.signing() == SigningPolicy.REQUIRED && next.stream().noneMatch(TrustedKey::checksImages)) {
            throw Rejection.conflict("product '" + product.name() + "' requires signed images: it must keep at least one "
                    + "image key (RSA-2048" + (product.esp8266() ? "" : " or ECDSA P-256") + "); add the new key before "
                    + "removing the old one, or set signing to unsigned-allowed first");
        }
        store.replaceKeys(product.id(), next);
        byProduct.put(product.id(), sorted(next));
    }

    private static List<TrustedKey> parse(Product product, String pem, Instant now) {
        if (pem == null || pem.isBlank()) {
            throw Rejection.badRequest("expected one or more PEM public keys (-----BEGIN PUBLIC KEY-----), got an empty body");
        }
        List<TrustedKey> out = new ArrayList<>();
        Matcher m = PEM_BLOCK.matcher(pem);
        int n = 0;
        while (m.find()) {
            n++;
            if (m.group(1).contains("PRIVATE")) {
                throw Rejection.unprocessable("key rejected: PEM block " + n + " is a " + m.group(1) + "; upload only the public "
                        + "half (BEGIN PUBLIC KEY, written by updraft keygen beside the private key) and keep the private key "
                        + "off the server");
            }
            VerifyingKey key;
            try {
                key = VerifyingKey.parse(m.group(), "PEM block " + n);
            } catch (IllegalArgumentException e) {
                throw Rejection.unprocessable("key rejected: " + e.getMessage());
            }
            if (product.esp8266() && key.algorithm() == KeyAlgorithm.ECDSA_P256) {
                throw Rejection.unprocessable("key rejected: " + key + " is ECDSA P-256, but product '" + product.name()
                        + "' is ESP8266: the stock Updater expects a 65-byte ECDSA signature and its verifier refuses odd "
                        + "lengths, so no ECDSA-signed image can install; use an RSA-2048 key (updraft keygen --type rsa-2048)");
            }
            out.add(TrustedKey.of(key, now));
        }
        if (n == 0) {
            throw Rejection.badRequest("expected one or more PEM public keys (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----), "
                    + "found none");
        }
        return out;
    }

    private static List<TrustedKey> sorted(List<TrustedKey> keys) {
        return keys.stream().sorted(Comparator.comparing(TrustedKey::createdAt).thenComparing(TrustedKey::keyId)).toList();
    }
}
