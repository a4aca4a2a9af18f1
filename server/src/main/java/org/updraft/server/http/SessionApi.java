package org.updraft.server.http;

import java.time.Instant;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.updraft.server.auth.Access;
import org.updraft.server.auth.Principal;
import org.updraft.server.auth.Role;
import org.updraft.server.auth.Sessions;
import org.updraft.server.problem.Rejection;

/**
 * {@code /api/session}: the dashboard's sign-in (an API token in, a session cookie out), who is
 * signed in, and sign-out. Outside {@code /api/v1} because sign-in is the one call that needs no
 * token. The cookie follows RFC 6265bis: {@code HttpOnly} (no script reads it), {@code SameSite=Strict}
 * (no cross-site request carries it), {@code Secure} when the request came over HTTPS, {@code Path=/}.
 * Its value is the session id only ({@link Sessions}); the token never leaves the sign-in request.
 */
final class SessionApi {

    static final String COOKIE = "updraft_session";

    private final Sessions sessions;

    SessionApi(Sessions sessions) {
        this.sessions = sessions;
    }

    record SignIn(String token) {
    }

    /** Who is signed in: what the dashboard needs to show only what the role may do. */
    record Who(long tokenId, String name, String role, long idleMinutes) {
    }

    record SignedOut(boolean ended) {
    }

    void register(Router router) {
        router.post("/api/session", Access.SIGN_IN, ex -> {
            OriginCheck.requireForSignIn(ex.request());
            SignIn body = ex.bodyJson(SignIn.class);
            switch (sessions.signIn(body.token(), ex.at())) {
                case Sessions.SignIn.Opened opened -> {
                    ex.principal(opened.principal());
                    ex.response().getHeaders().add(HttpHeader.SET_COOKIE, cookie(ex.request(), opened.id(), false));
                    ex.response().getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
                    ex.json(201, who(opened.principal()));
                }
                case Sessions.SignIn.Refused refused -> {
                    ex.principal(refused.why().known());
                    throw new Rejection(401, body.token() == null || body.token().isBlank()
                            ? "sign-in needs an API token: paste a token (upd_...) of the admin, operator or viewer role"
                            : "sign-in refused: the token is not valid (unknown or revoked)");
                }
            }
        });
        router.get("/api/session", Role.VIEWER, ex -> ex.json(200, who(ex.principal())));
        router.delete("/api/session", Role.VIEWER, ex -> {
            boolean ended = sessions.end(value(ex.request()));
            ex.response().getHeaders().add(HttpHeader.SET_COOKIE, cookie(ex.request(), "", true));
            ex.json(200, new SignedOut(ended));
        });
    }

    private Who who(Principal p) {
        return new Who(p.tokenId(), p.name(), p.role().id(), sessions.idle().toMinutes());
    }

    /** The session cookie's value, or null when the request carries none. */
    static String value(Request request) {
        for (HttpCookie c : Request.getCookies(request)) {
            if (c.getName().equals(COOKIE)) {
                return c.getValue();
            }
        }
        return null;
    }

    /** The Set-Cookie value; {@code clear} makes the browser drop it at once. */
    static String cookie(Request request, String id, boolean clear) {
        return COOKIE + "=" + id + "; Path=/; HttpOnly; SameSite=Strict" + (request.isSecure() ? "; Secure" : "")
                + (clear ? "; Max-Age=0; Expires=" + java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
                        Instant.EPOCH.atZone(java.time.ZoneOffset.UTC)) : "");
    }
}
