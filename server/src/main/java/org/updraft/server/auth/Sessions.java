package org.updraft.server.auth;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Browser sessions of the dashboard: a random 256-bit id (the cookie's value) maps to the API token
 * it was opened with, kept server-side only. A session is as strong as its token and no stronger:
 * each use re-reads the token ({@link ApiTokens#principal}), so a revoked token ends its sessions at
 * once, and its role is the token's current role.
 *
 * <p>Invariants: an id is never reused or derived from anything but {@link SecureRandom}; a session
 * idle for longer than {@link #idle()} is gone (and removed when next seen or swept); signing out
 * removes the entry, so a copied cookie stops working with it. Sessions are held in memory: a
 * server restart signs everybody out, which is the safe direction.
 */
public final class Sessions {

    /** The default idle lifetime of a session. */
    public static final Duration DEFAULT_IDLE = Duration.ofHours(12);
    /** Bounds the memory a flood of sign-ins can take; the oldest sessions beyond it are dropped. */
    static final int MAX_SESSIONS = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ApiTokens tokens;
    private final Duration idle;
    private final Map<String, Session> open = new ConcurrentHashMap<>();

    public Sessions(ApiTokens tokens, Duration idle) {
        if (idle == null || idle.isNegative() || idle.isZero()) {
            throw new IllegalArgumentException("a session's idle lifetime must be positive, got " + idle);
        }
        this.tokens = tokens;
        this.idle = idle;
    }

    /** One open session: whose token it is and when it was last used. */
    record Session(long tokenId, Instant lastUsed) {
    }

    /** The outcome of a sign-in: a new session, or the refusal a bearer request with that token would get. */
    public sealed interface SignIn {
        /** A new session ({@code id} goes into the cookie) and the principal it runs as. */
        record Opened(String id, Principal principal) implements SignIn {
        }

        /** The token was refused; {@code why} says what was wrong. */
        record Refused(Authentication.Refused why) implements SignIn {
        }
    }

    public Duration idle() {
        return idle;
    }

    /** Signs in with a token's secret: the same check as a bearer token, so a wrong token gets the same clear refusal. */
    public SignIn signIn(String secret, Instant now) {
        return switch (tokens.authenticate(secret == null || secret.isBlank() ? null : "Bearer " + secret.strip())) {
            case Authentication.Valid valid -> {
                sweep(now);
                String id = newId();
                open.put(id, new Session(valid.principal().tokenId(), now));
                yield new SignIn.Opened(id, valid.principal());
            }
            case Authentication.Refused refused -> new SignIn.Refused(refused);
        };
    }

    /** Checks a session id from a cookie: Valid with the token's principal and refreshed idle time, or Refused saying why. */
    public Authentication authenticate(String id, Instant now) {
        Session s = id == null ? null : open.get(id);
        if (s == null) {
            return new Authentication.Refused("the session is not valid (signed out, expired or unknown); sign in again", true, null);
        }
        if (now.isAfter(s.lastUsed().plus(idle))) {
            open.remove(id, s);
            return new Authentication.Refused("the session expired after " + idle.toHours() + " h without use; sign in again", true, null);
        }
        ApiTokens.TokenInfo t = tokens.byId(s.tokenId()).orElse(null);
        if (t == null || !t.active()) {
            open.remove(id, s);
            return new Authentication.Refused("the session ended: its token was revoked; sign in again", true,
                    t == null ? null : new Principal(t.id(), t.name(), Role.parse(t.role())));
        }
        Principal p = new Principal(t.id(), t.name(), Role.parse(t.role()));
        open.put(id, new Session(s.tokenId(), now));
        return new Authentication.Valid(p);
    }

    /** Ends a session (sign-out); true when it was open. */
    public boolean end(String id) {
        return id != null && open.remove(id) != null;
    }

    /** How many sessions are open (expired ones not yet swept included). */
    public int size() {
        return open.size();
    }

    private void sweep(Instant now) {
        open.entrySet().removeIf(e -> now.isAfter(e.getValue().lastUsed().plus(idle)));
        if (open.size() >= MAX_SESSIONS) {
            open.entrySet().stream().min(Map.Entry.comparingByValue((a, b) -> a.lastUsed().compareTo(b.lastUsed())))
                    .ifPresent(oldest -> open.remove(oldest.getKey()));
        }
    }

    private static String newId() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
