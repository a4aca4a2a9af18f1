package org.updraft.server.catalog;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Jdbi;
import org.updraft.core.sign.VerifyingKey;
import org.updraft.server.store.Sql;

/**
 * The trusted keys of every product: table {@code product_key}, held in memory as well (uploads
 * read them). Writes are serialised by the {@link Catalog}, which checks the product's signing
 * policy around them.
 */
final class TrustedKeys {

    private final Jdbi jdbi;
    private final Map<Long, List<TrustedKey>> byProduct = new ConcurrentHashMap<>();

    TrustedKeys(Jdbi jdbi) {
        this.jdbi = jdbi;
        jdbi.useHandle(h -> h.createQuery("SELECT product_id, pem, created_at FROM product_key")
                .map((rs, ctx) -> Map.entry(rs.getLong("product_id"),
                        TrustedKey.of(VerifyingKey.parse(rs.getString("pem"), "product_key"), Sql.instant(rs, "created_at"))))
                .forEach(e -> byProduct.merge(e.getKey(), List.of(e.getValue()), TrustedKeys::concat)));
    }

    List<TrustedKey> of(long productId) {
        return byProduct.getOrDefault(productId, List.of());
    }

    /** Replaces the product's keys with {@code keys} in one transaction. */
    void replace(long productId, List<TrustedKey> keys) {
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM product_key WHERE product_id = :p").bind("p", productId).execute();
            for (TrustedKey k : keys) {
                h.createUpdate("""
                                INSERT INTO product_key (product_id, key_id, fingerprint, algorithm, pem, created_at)
                                VALUES (:p, :id, :fp, :alg, :pem, :at)""")
                        .bind("p", productId).bind("id", k.keyId()).bind("fp", k.fingerprint())
                        .bind("alg", k.algorithm().cliName()).bind("pem", k.key().pem()).bind("at", Sql.utc(k.createdAt()))
                        .execute();
            }
        });
        byProduct.put(productId, sorted(keys));
    }

    private static List<TrustedKey> concat(List<TrustedKey> a, List<TrustedKey> b) {
        List<TrustedKey> all = new ArrayList<>(a);
        all.addAll(b);
        return sorted(all);
    }

    private static List<TrustedKey> sorted(List<TrustedKey> keys) {
        return keys.stream().sorted(Comparator.comparing(TrustedKey::createdAt).thenComparing(TrustedKey::keyId)).toList();
    }
}
