package org.updraft.server.http;

import java.net.URI;
import java.util.Locale;
import org.updraft.server.problem.Rejection;
import org.eclipse.jetty.server.Request;

/**
 * The CSRF rule of cookie-authenticated requests: a request that may change something and is
 * authenticated by the session cookie must say, in {@code Origin} (or else {@code Referer}), that it
 * comes from a page of this server — scheme, host and port equal to the ones the request was sent
 * to (RFC 6454 origins; the Fetch standard sends Origin on every POST, PUT and DELETE). A browser
 * cannot forge either header, so a form or script on another site is refused even where a browser
 * would send the cookie. Bearer requests are unaffected: no browser attaches a bearer token by itself.
 */
final class OriginCheck {

    private OriginCheck() {
    }

    /** 403 unless the request carries an Origin or Referer of this server. */
    static void require(Request request) {
        String origin = request.getHeaders().get("Origin");
        String referer = request.getHeaders().get("Referer");
        String own = own(request);
        String claimed = origin != null ? origin : referer;
        if (claimed == null) {
            throw new Rejection(403, "a request signed in by the session cookie that changes something must carry an Origin "
                    + "(or Referer) header of this server (" + own + "); it carried neither");
        }
        String theirs = of(claimed);
        if (!own.equals(theirs)) {
            throw new Rejection(403, "cross-site request refused: " + (origin != null ? "Origin" : "Referer") + " is "
                    + Rejection.echo(claimed) + ", but a request signed in by the session cookie must come from a page of this server ("
                    + own + ")");
        }
    }

    /** Sign-in: a browser's sign-in must come from this server's page too (no login CSRF); a client without Origin may sign in. */
    static void requireForSignIn(Request request) {
        if (request.getHeaders().get("Origin") != null) {
            require(request);
        }
    }

    /** "http://host:port" of the request as sent: its scheme and the Host it was addressed to. */
    static String own(Request request) {
        var uri = request.getHttpURI();
        String scheme = request.isSecure() ? "https" : "http";
        return normal(scheme, uri.getHost(), uri.getPort());
    }

    /** The origin of an Origin or Referer value, normalised; "" when it has none ("null", garbage). */
    static String of(String value) {
        try {
            URI u = new URI(value.strip());
            if (u.getScheme() == null || u.getHost() == null) {
                return "";
            }
            return normal(u.getScheme(), u.getHost(), u.getPort());
        } catch (java.net.URISyntaxException e) {
            return "";
        }
    }

    private static String normal(String scheme, String host, int port) {
        String s = scheme.toLowerCase(Locale.ROOT);
        int p = port > 0 ? port : s.equals("https") ? 443 : 80;
        String h = host == null ? "" : host.toLowerCase(Locale.ROOT);
        if (h.contains(":") && !h.startsWith("[")) {
            h = "[" + h + "]";
        }
        return s + "://" + h + ":" + p;
    }
}
