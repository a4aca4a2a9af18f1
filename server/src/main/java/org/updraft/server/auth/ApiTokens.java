package org.updraft.server.auth;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.updraft.server.problem.Rejection;
import org.updraft.server.artifact.Digests;
import org.updraft.server.store.Sql;

/**
 * Bearer tokens of the management API (table {@code api_token}).
 *
 * <p>A token is {@code upd_} followed by 256 random bits (base64url). Only its SHA-256 is stored. A
 * fast hash is enough here: slow KDFs (bcrypt, scrypt, Argon2) exist to make guessing low-entropy
 * human passwords expensive, but guessing one of 2^256 secrets is infeasible at any hash rate, so
 * a leaked table reveals nothing usable. Lookup is by the hash (a unique index), so no secret is
 * ever compared byte by byte. The prefix lets secret scanners recognise a leaked token.
 *
 * <p>Tokens are never deleted, only revoked, so the audit log's token ids stay meaningful.
 */
public final class ApiTokens {

    public static final String PREFIX = "upd_";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Jdbi jdbi;

    public ApiTokens(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** A token as listed: never the secret, never its hash. */
    public record TokenInfo(long id, String name, String role, Instant createdAt, String createdBy, Instant revokedAt) {
        public boolean active() {
            return revokedAt == null;
        }
    }

    /** A freshly created token with its secret, which exists only in this answer. */
    public record Issued(TokenInfo token, String secret) {
    }

    /** A new secret: "upd_" + 43 base64url characters (32 bytes from SecureRandom). */
    public static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Hex SHA-256 of the whole token text, as stored. */
    public static String hash(String secret) {
        return Digests.sha256Hex(secret.getBytes(StandardCharsets.UTF_8));
    }

    /** Checks an {@code Authorization} header value (null when absent). */
    public Authentication authenticate(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return new Authentication.Refused("missing bearer token: send 'Authorization: Bearer <token>' "
                    + "(updraft: --token or UPDRAFT_TOKEN; the first start of the server printed a bootstrap admin token; "
                    + "a lost one is replaced on the server's machine with: updraft token reset-admin --data-dir DIR)", false, null);
        }
        String value = authorization.strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
            return new Authentication.Refused("the Authorization header must be 'Bearer <token>'", true, null);
        }
        String secret = value.substring(space + 1).strip();
        Optional<TokenInfo> token = secret.isEmpty() ? Optional.empty() : jdbi.withHandle(h -> h.createQuery(
                        "SELECT id, name, role, created_at, created_by, revoked_at FROM api_token WHERE secret_sha256 = :h")
                .bind("h", hash(secret)).map((rs, ctx) -> row(rs)).findOne());
        if (token.isEmpty()) {
            return new Authentication.Refused("the bearer token is not valid (unknown or revoked)", true, null);
        }
        Principal p = new Principal(token.get().id(), token.get().name(), Role.parse(token.get().role()));
        if (!token.get().active()) {
            return new Authentication.Refused("the bearer token is not valid (unknown or revoked)", true, p);
        }
        return new Authentication.Valid(p);
    }

    /** Creates a token; the answer holds the only copy of its secret. */
    public synchronized Issued create(String name, Role role, String createdBy, Instant now) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw Rejection.badRequest("token name " + (name == null ? "is required" : "'" + name + "' is not valid")
                    + ": 1-64 characters of letters, digits, '.', '_', '@', '-', starting with a letter or digit");
        }
        String secret = newSecret();
        // Names are unique, ignoring case and including revoked tokens: the audit log names its
        // actors, so two tokens called "ci" would make its entries ambiguous. Checked and inserted
        // in one transaction; this method is synchronized, the server's one writer of tokens.
        long id = jdbi.inTransaction(h -> {
            h.createQuery("SELECT id, name, role, created_at, created_by, revoked_at FROM api_token WHERE LOWER(name) = LOWER(:name) "
                            + "ORDER BY id").bind("name", name).map((rs, ctx) -> row(rs)).findFirst()
                    .ifPresent(t -> {
                        throw Rejection.conflict("token name '" + name + "' is taken by token #" + t.id() + " '" + t.name() + "'"
                                + (t.active() ? "" : " (revoked)") + "; names identify actors in the audit log, so each is "
                                + "used once (letter case ignored): choose another name");
                    });
            return insert(h, name, role, hash(secret), createdBy, now);
        });
        return new Issued(new TokenInfo(id, name, role.id(), now, createdBy, null), secret);
    }

    /** One token by id, revoked or not. */
    public Optional<TokenInfo> byId(long id) {
        return jdbi.withHandle(h -> h.createQuery("SELECT id, name, role, created_at, created_by, revoked_at FROM api_token WHERE id = :id")
                .bind("id", id).map((rs, ctx) -> row(rs)).findOne());
    }

    /** All tokens, oldest first, revoked ones included. */
    public List<TokenInfo> list() {
        return jdbi.withHandle(h -> h.createQuery(
                        "SELECT id, name, role, created_at, created_by, revoked_at FROM api_token ORDER BY id")
                .map((rs, ctx) -> row(rs)).list());
    }

    /**
     * Revokes a token (idempotent). The last active admin token cannot be revoked: nobody could
     * create tokens any more, and there is no password to fall back on.
     */
    public synchronized TokenInfo revoke(long id, Instant now) {
        return jdbi.inTransaction(h -> {
            TokenInfo t = h.createQuery("SELECT id, name, role, created_at, created_by, revoked_at FROM api_token WHERE id = :id")
                    .bind("id", id).map((rs, ctx) -> row(rs)).findOne()
                    .orElseThrow(() -> Rejection.notFound("no token #" + id));
            if (!t.active()) {
                return t;
            }
            if (t.role().equals(Role.ADMIN.id())) {
                int otherAdmins = h.createQuery("SELECT COUNT(*) FROM api_token WHERE role = 'admin' AND revoked_at IS NULL AND id <> :id")
                        .bind("id", id).mapTo(Integer.class).one();
                if (otherAdmins == 0) {
                    throw Rejection.conflict("token #" + id + " '" + t.name() + "' is the last active admin token; "
                            + "create another admin token first, then revoke this one");
                }
            }
            h.createUpdate("UPDATE api_token SET revoked_at = :now WHERE id = :id").bind("now", Sql.utc(now)).bind("id", id).execute();
            return new TokenInfo(t.id(), t.name(), t.role(), t.createdAt(), t.createdBy(), now);
        });
    }

    /**
     * Makes sure an admin token with this secret exists (name "seeded"): for tests and for
     * deployments that provision the first token themselves. A secret already present is left as it
     * is (also when revoked). True when it was added.
     */
    public synchronized boolean seed(String secret, Instant now) {
        if (secret.length() < 32 || secret.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new IllegalArgumentException("a seeded admin token must be at least 32 printable ASCII characters without spaces "
                    + "(e.g. from ApiTokens.newSecret())");
        }
        return jdbi.inTransaction(h -> {
            boolean exists = h.createQuery("SELECT COUNT(*) FROM api_token WHERE secret_sha256 = :h").bind("h", hash(secret))
                    .mapTo(Integer.class).one() > 0;
            if (!exists) {
                insert(h, "seeded", Role.ADMIN, hash(secret), "server configuration", now);
            }
            return !exists;
        });
    }

    /** On a database that has never had a token: creates the bootstrap admin token and returns it (with its secret). */
    public synchronized Optional<Issued> bootstrapIfEmpty(Instant now) {
        return jdbi.inTransaction(h -> {
            if (h.createQuery("SELECT COUNT(*) FROM api_token").mapTo(Integer.class).one() > 0) {
                return Optional.empty();
            }
            String secret = newSecret();
            long id = insert(h, "bootstrap", Role.ADMIN, hash(secret), "server (first start)", now);
            return Optional.of(new Issued(new TokenInfo(id, "bootstrap", Role.ADMIN.id(), now, "server (first start)", null), secret));
        });
    }

    /**
     * Creates a new admin token for someone locked out (the bootstrap token lost): named
     * "reset-admin", or "reset-admin-2", "-3"... when taken, since names are unique. Revokes
     * nothing. Reached only by {@code updraft token reset-admin}, which opens the database
     * directly: who can do that already holds the data.
     */
    public synchronized Issued resetAdmin(String createdBy, Instant now) {
        String secret = newSecret();
        return jdbi.inTransaction(h -> {
            String name = "reset-admin";
            for (int n = 2; h.createQuery("SELECT COUNT(*) FROM api_token WHERE LOWER(name) = LOWER(:name)").bind("name", name)
                    .mapTo(Integer.class).one() > 0; n++) {
                name = "reset-admin-" + n;
            }
            long id = insert(h, name, Role.ADMIN, hash(secret), createdBy, now);
            return new Issued(new TokenInfo(id, name, Role.ADMIN.id(), now, createdBy, null), secret);
        });
    }

    private static long insert(Handle h, String name, Role role, String hash, String createdBy, Instant now) {
        return h.createUpdate("""
                        INSERT INTO api_token (name, role, secret_sha256, created_at, created_by)
                        VALUES (:name, :role, :hash, :at, :by)""")
                .bind("name", name).bind("role", role.id()).bind("hash", hash).bind("at", Sql.utc(now)).bind("by", createdBy)
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
    }

    private static TokenInfo row(ResultSet rs) throws SQLException {
        return new TokenInfo(rs.getLong("id"), rs.getString("name"), rs.getString("role"), Sql.instant(rs, "created_at"),
                rs.getString("created_by"), Sql.instant(rs, "revoked_at"));
    }
}
