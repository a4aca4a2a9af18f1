package org.updraft.server.fleet;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.updraft.server.problem.Rejection;
import org.updraft.server.artifact.Digests;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Enrollment;
import org.updraft.server.catalog.Product;
import org.updraft.server.store.Sql;

/**
 * Which devices may check in at a product (docs/security.md, "Device enrollment"): {@link Enrollment#OPEN} admits every MAC;
 * {@link Enrollment#ALLOWLIST} the MACs listed for the product; {@link Enrollment#TOKEN} a device
 * presenting its own secret. A token belongs to one MAC and one product, so the token of device A
 * sent with the MAC of device B is refused (401): no device ever gets another's assignment or
 * firmware (OWASP API1, object-level authorization).
 *
 * <p>Tokens are 256 random bits, shown once when issued; only their SHA-256 is stored (a slow
 * password hash buys nothing against 256-bit secrets) and compared in constant time. Open products
 * cost nothing on the check-in path; the others cost one primary-key read.
 */
public final class Admission {

    /** The refusal of a device that is not admitted: outcome (401/403) and a reason naming what is missing. */
    public record Refusal(Outcome outcome, String reason) {
    }

    /** A newly issued token: the secret is in no other place than this answer. */
    public record IssuedToken(String mac, String product, String token, Instant createdAt) {
    }

    /** A device's token as the management API shows it: never the secret. */
    public record TokenState(String mac, String product, Instant createdAt, Instant revokedAt) {
    }

    private static final String PREFIX = "udt_";
    private static final int MAX_ALLOWLIST = 100_000;

    private final Jdbi jdbi;
    private final Catalog catalog;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public Admission(Jdbi jdbi, Catalog catalog, Clock clock) {
        this.jdbi = jdbi;
        this.catalog = catalog;
        this.clock = clock;
    }

    /**
     * Empty when the device may check in at {@code product}; else the refusal.
     *
     * @param mac   the normalised MAC the request claims, or null (anonymous)
     * @param token the token the request carries, or null
     */
    public Optional<Refusal> check(Product product, String mac, String token) {
        Enrollment e = product.enrollment();
        if (e == Enrollment.OPEN) {
            return Optional.empty();
        }
        if (mac == null) {
            return Optional.of(new Refusal(Outcome.UNAUTHENTICATED, "product '" + product.name() + "' admits "
                    + (e == Enrollment.TOKEN ? "enrolled devices with their token" : "allowlisted devices")
                    + " only; identify the device (x-ESP8266-STA-MAC / x-ESP32-STA-MAC header or ?mac=)"));
        }
        if (e == Enrollment.ALLOWLIST) {
            boolean listed = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM product_allowlist WHERE product_id = :p AND mac = :m")
                    .bind("p", product.id()).bind("m", mac).mapTo(Integer.class).one()) > 0;
            return listed ? Optional.empty() : Optional.of(new Refusal(Outcome.NOT_ENROLLED,
                    "device " + mac + " is not on the allowlist of product '" + product.name() + "'"));
        }
        if (token == null || token.isEmpty()) {
            return Optional.of(new Refusal(Outcome.UNAUTHENTICATED, "product '" + product.name() + "' requires the device's "
                    + "token (?token=, Authorization: Bearer, or the password of Authorization: Basic)"));
        }
        Optional<Row> row = jdbi.withHandle(h -> h.createQuery(
                        "SELECT product_id, token_hash, created_at, revoked_at FROM device_token WHERE mac = :m")
                .bind("m", mac).map((rs, ctx) -> new Row(rs.getLong("product_id"), rs.getString("token_hash"),
                        Sql.instant(rs, "created_at"), Sql.instant(rs, "revoked_at"))).findOne());
        if (row.isEmpty()) {
            return Optional.of(new Refusal(Outcome.NOT_ENROLLED, "device " + mac + " has no token: it is not enrolled "
                    + "(POST /api/v1/devices/" + mac + "/token issues one)"));
        }
        if (!MessageDigest.isEqual(hash(token).getBytes(StandardCharsets.US_ASCII), row.get().hash().getBytes(StandardCharsets.US_ASCII))) {
            return Optional.of(new Refusal(Outcome.UNAUTHENTICATED, "the token is not the token of device " + mac));
        }
        if (row.get().revokedAt() != null) {
            return Optional.of(new Refusal(Outcome.REVOKED, "the token of device " + mac + " was revoked at " + row.get().revokedAt()));
        }
        if (row.get().productId() != product.id()) {
            return Optional.of(new Refusal(Outcome.NOT_ENROLLED, "device " + mac + " is enrolled for product '"
                    + catalog.product(row.get().productId()).map(Product::name).orElse("?") + "', not '" + product.name() + "'"));
        }
        return Optional.empty();
    }

    private record Row(long productId, String hash, Instant createdAt, Instant revokedAt) {
    }

    /**
     * Issues a new token for the device (replacing any earlier one, which stops working at once),
     * bound to {@code product}.
     */
    public IssuedToken issueToken(String mac, Product product) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        String token = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM device_token WHERE mac = :m").bind("m", mac).execute();
            h.createUpdate("INSERT INTO device_token (mac, product_id, token_hash, created_at) VALUES (:m, :p, :h, :at)")
                    .bind("m", mac).bind("p", product.id()).bind("h", hash(token)).bind("at", Sql.utc(now)).execute();
        });
        return new IssuedToken(mac, product.name(), token, now);
    }

    /**
     * Binds the device's token, if it has one, to {@code product} (the device moved there: it keeps
     * its secret, and a revoked token stays revoked). Returns whether there was a token.
     */
    public boolean rebind(String mac, Product product) {
        return jdbi.withHandle(h -> h.createUpdate("UPDATE device_token SET product_id = :p WHERE mac = :m")
                .bind("p", product.id()).bind("m", mac).execute()) > 0;
    }

    /** Revokes the device's token; the device is refused (403 revoked) until a new one is issued. */
    public TokenState revokeToken(String mac) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        int n = jdbi.withHandle(h -> h.createUpdate("UPDATE device_token SET revoked_at = :at WHERE mac = :m AND revoked_at IS NULL")
                .bind("at", Sql.utc(now)).bind("m", mac).execute());
        TokenState t = token(mac).orElseThrow(() -> Rejection.notFound("device " + mac + " has no token"));
        if (n == 0) {
            throw Rejection.conflict("the token of device " + mac + " was already revoked at " + t.revokedAt());
        }
        return t;
    }

    /** The MACs with a token issued for this product and not revoked, in MAC order. */
    public List<String> liveTokens(Product product) {
        return jdbi.withHandle(h -> h.createQuery("SELECT mac FROM device_token WHERE product_id = :p AND revoked_at IS NULL ORDER BY mac")
                .bind("p", product.id()).mapTo(String.class).list());
    }

    public Optional<TokenState> token(String mac) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT t.mac, p.name, t.created_at, t.revoked_at FROM device_token t JOIN product p ON p.id = t.product_id
                        WHERE t.mac = :m""").bind("m", mac)
                .map((rs, ctx) -> new TokenState(rs.getString("mac"), rs.getString("name"), Sql.instant(rs, "created_at"),
                        Sql.instant(rs, "revoked_at"))).findOne());
    }

    public List<String> allowlist(Product product) {
        return jdbi.withHandle(h -> h.createQuery("SELECT mac FROM product_allowlist WHERE product_id = :p ORDER BY mac")
                .bind("p", product.id()).mapTo(String.class).list());
    }

    /** Replaces the product's allowlist; every entry must be a MAC (any separator, any case). */
    public List<String> setAllowlist(Product product, List<String> macs) {
        if (macs == null) {
            throw Rejection.badRequest("body must be {\"macs\": [\"DE:BA:7A:B1:E0:42\", ...]}");
        }
        if (macs.size() > MAX_ALLOWLIST) {
            throw Rejection.unprocessable("an allowlist holds at most " + MAX_ALLOWLIST + " MACs, got " + macs.size());
        }
        TreeSet<String> clean = new TreeSet<>();
        for (int i = 0; i < macs.size(); i++) {
            String m = macs.get(i);
            if (m == null) {
                throw Rejection.badRequest("macs[" + i + "] is null; expected a MAC like DE:BA:7A:B1:E0:42");
            }
            try {
                clean.add(Mac.parse(m));
            } catch (IllegalArgumentException e) {
                throw Rejection.badRequest("macs[" + i + "]: " + e.getMessage());
            }
        }
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM product_allowlist WHERE product_id = :p").bind("p", product.id()).execute();
            if (!clean.isEmpty()) {
                PreparedBatch b = h.prepareBatch("INSERT INTO product_allowlist (product_id, mac) VALUES (:p, :m)");
                clean.forEach(m -> b.bind("p", product.id()).bind("m", m).add());
                b.execute();
            }
        });
        return new ArrayList<>(clean);
    }

    static String hash(String token) {
        return Digests.sha256Hex(token.getBytes(StandardCharsets.UTF_8));
    }
}
