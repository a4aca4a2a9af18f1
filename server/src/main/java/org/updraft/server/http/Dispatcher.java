package org.updraft.server.http;

import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.problem.Rejection;
import org.updraft.server.audit.AuditEvent;
import org.updraft.server.audit.AuditLog;
import org.updraft.server.auth.Access;
import org.updraft.server.auth.ApiTokens;
import org.updraft.server.auth.Authentication;
import org.updraft.server.auth.Principal;
import org.updraft.server.auth.Role;
import org.updraft.server.auth.Sessions;
import org.updraft.server.fleet.Outcome;
import org.updraft.server.store.StorageHealth;

/**
 * The Jetty handler: routes a request, checks the bearer token against the route's {@link Access},
 * runs its handler, and turns exceptions into answers — a {@link Rejection} into its status with a
 * JSON error, anything else into a logged 500. Handlers block freely: Jetty runs this handler on
 * virtual threads.
 *
 * <p>Routes that need a {@link Role}: no or an invalid/revoked token answers 401 with
 * {@code WWW-Authenticate: Bearer}; a token of a lower role answers 403 naming the role needed.
 * Every refused authentication and every answered request that may change something (any method
 * but GET and HEAD) is appended to the {@link AuditLog} before the answer goes out; when the append
 * fails, a 2xx answer becomes a 500 saying the change was applied but not recorded (acknowledged
 * means durable: no 2xx without its audit entry on disk).
 */
final class Dispatcher extends Handler.Abstract {

    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final Router router;
    private final DeviceEndpoints devices;
    private final java.time.Clock clock;
    private final RateLimits rates;
    private final ApiTokens tokens;
    private final AuditLog audit;
    private final StorageHealth storage;
    private final Sessions sessions;
    private final UiAssets ui;

    Dispatcher(Router router, DeviceEndpoints devices, ApiTokens tokens, Sessions sessions, UiAssets ui, AuditLog audit,
               java.time.Clock clock, RateLimits rates, StorageHealth storage) {
        super(InvocationType.BLOCKING);
        this.sessions = sessions;
        this.ui = ui;
        this.storage = storage;
        this.router = router;
        this.devices = devices;
        this.tokens = tokens;
        this.audit = audit;
        this.clock = clock;
        this.rates = rates;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        request = UploadRate.watch(request, rates.limits());
        String path = request.getHttpURI().getDecodedPath();
        String method = request.getMethod();
        List<String> allowed = new ArrayList<>(2);
        Router.Match match = path == null ? null : router.find(method, path, allowed);
        // Microseconds: what both databases keep, so a time read back equals the time written.
        Exchange ex = new Exchange(request, response, callback, match == null ? java.util.Map.of() : match.params(),
                clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        try {
            if (refusedBeforeRouting(ex, path, method)) {
                return true;
            }
            if (match != null) {
                if (match.route().access() == Access.SIGN_IN) {
                    // Audited under the token it signed in with (set by the handler), or anonymous.
                    ex.beforeAnswer(status -> record(ex, match.route(), ex.principal(), status));
                }
                if (!(match.route().access() instanceof Role needed) || admitted(ex, match.route(), needed)) {
                    boolean writes = !method.equals("GET") && !method.equals("HEAD");
                    if (writes) {
                        storage.requireWritable(Math.max(0, ex.request().getLength()));
                    }
                    // No storage.written() here: a handler that returns may have written nothing (a 403
                    // answered by the handler, a 404); only a committed transaction clears a failure.
                    match.route().handler().handle(ex);
                }
            } else if ((method.equals("GET") || method.equals("HEAD")) && path != null && devices.handleUpdatePath(ex, path)) {
                return true;
            } else if ((method.equals("GET") || method.equals("HEAD")) && path != null && ui.handle(ex, path)) {
                return true;
            } else if (!allowed.isEmpty()) {
                response.getHeaders().put(HttpHeader.ALLOW, String.join(", ", allowed));
                ex.error(405, Rejection.echo(method) + " is not supported on " + Rejection.echo(path) + "; allowed: " + String.join(", ", allowed));
            } else {
                ex.error(404, "no such resource: " + Rejection.echo(path) + " (see /api/openapi.yaml)");
            }
        } catch (Rejection r) {
            answer(ex, r.status(), r.getMessage());
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Exception | Error e) {
            Rejection full = storage.outOfSpace(e);
            if (full != null) {
                LOG.error("{} {} refused, the disk is full: {}", method, path, full.getMessage(), e);
                answer(ex, full.status(), full.getMessage());
            } else {
                LOG.error("{} {} failed", method, path, e);
                answer(ex, 500, "internal error: the server could not complete " + method + " " + path
                        + "; the cause is in the server log");
            }
        }
        if (!ex.isDone()) {
            LOG.error("{} {}: handler returned without answering", method, path);
            answer(ex, 500, "internal error: no answer");
        }
        return true;
    }

    /**
     * Limits checked before any route: path + query length (414) and the per-address rate (429 with
     * Retry-After), with X-Updraft-Reason as every device refusal ({@link DeviceAnswers}); both close
     * the connection, so a client kept open for its Range chunks is not held open past a refusal. A NONOS
     * user-bin request gets a closed connection instead, as for every refusal there ({@link Exchange}).
     */
    private boolean refusedBeforeRouting(Exchange ex, String path, String method) {
        var uri = ex.request().getHttpURI();
        int length = (uri.getPath() == null ? 0 : uri.getPath().length()) + (uri.getQuery() == null ? 0 : uri.getQuery().length() + 1);
        if (length > rates.limits().maxUriBytes()) {
            String why = "URI too long: path and query are " + length + " bytes, at most " + rates.limits().maxUriBytes()
                    + " are accepted (limit max-uri-bytes)";
            LOG.info("{} {}...: {}", method, path == null ? "?" : path.substring(0, Math.min(64, path.length())), why);
            DeviceAnswers.reason(ex.response().getHeaders(), Outcome.BAD_REQUEST.id(), why);
            DeviceAnswers.closeAfter(ex);
            ex.error(414, why);
            return true;
        }
        java.util.OptionalLong wait = rates.client(ex.request());
        if (wait.isPresent()) {
            long seconds = TokenBuckets.retryAfterSeconds(wait.getAsLong());
            String why = "too many requests from " + ex.remoteAddress() + "; retry after " + seconds + " s (limit ip-rate "
                    + rates.limits().perIp().perMinute() + "/min, burst " + rates.limits().perIp().burst() + ")";
            ex.response().getHeaders().put(HttpHeader.RETRY_AFTER, seconds);
            DeviceAnswers.reason(ex.response().getHeaders(), Outcome.RATE_LIMITED.id(), why);
            DeviceAnswers.closeAfter(ex);
            ex.error(429, why);
            return true;
        }
        return false;
    }

    /**
     * True when the caller may call the route; otherwise answers 401 or 403 (audited) and returns
     * false. The caller is the bearer token of {@code Authorization} when the request has one, else
     * the dashboard's session cookie ({@link SessionApi}); a cookie-authenticated request that may
     * change something must also pass the {@link OriginCheck}. A refused request's body is never
     * read (an unauthenticated 16 MB upload costs nothing), so such answers close the connection and
     * say so — a client must not send its next request on it.
     */
    private boolean admitted(Exchange ex, Route route, Role needed) {
        String action = ex.request().getMethod() + " " + route.template();
        String authorization = ex.header("Authorization");
        String session = authorization == null ? SessionApi.value(ex.request()) : null;
        boolean writes = !ex.request().getMethod().equals("GET") && !ex.request().getMethod().equals("HEAD");
        Authentication checked = session != null ? sessions.authenticate(session, ex.at()) : tokens.authenticate(authorization);
        switch (checked) {
            case Authentication.Refused refused -> {
                ex.beforeAnswer(status -> record(ex, route, refused.known(), status));
                closeIfBodyUnread(ex);
                ex.response().getHeaders().put(HttpHeader.WWW_AUTHENTICATE, refused.presented()
                        ? "Bearer realm=\"updraft\", error=\"invalid_token\"" : "Bearer realm=\"updraft\"");
                ex.error(401, refused.reason());
                return false;
            }
            case Authentication.Valid valid -> {
                Principal p = valid.principal();
                ex.principal(p);
                if (!p.role().covers(needed)) {
                    ex.beforeAnswer(status -> record(ex, route, p, status));
                    closeIfBodyUnread(ex);
                    ex.error(403, action + " needs the " + needed + " role; token " + p.describe() + " has the " + p.role() + " role");
                    return false;
                }
                if (writes) {
                    ex.beforeAnswer(status -> record(ex, route, p, status));
                    if (session != null) {
                        try {
                            OriginCheck.require(ex.request());
                        } catch (Rejection r) {
                            closeIfBodyUnread(ex);
                            ex.error(r.status(), r.getMessage());
                            return false;
                        }
                    }
                }
                return true;
            }
        }
    }

    private static void closeIfBodyUnread(Exchange ex) {
        if (ex.request().getLength() > 0 || ex.request().getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
            ex.response().getHeaders().put(HttpHeader.CONNECTION, "close");
        }
    }

    /**
     * Appends the audit entry of an answer about to go out. Null when it is stored, else the message
     * of the 500 that replaces a 2xx answer ({@link Exchange#beforeAnswer}): the action happened, but
     * an acknowledged action must have its entry, so it is not acknowledged — and the message says
     * plainly that it was applied, so nobody repeats it blindly.
     */
    private String record(Exchange ex, Route route, Principal p, int status) {
        AuditEvent event = new AuditEvent(ex.at(), p == null ? "anonymous" : p.name(), p == null ? null : p.tokenId(),
                p == null ? null : p.role().id(), ex.request().getMethod() + " " + route.template(), ex.auditTarget(route.paramNames()),
                ex.remoteAddress(), status);
        try {
            audit.append(event);
            return null;
        } catch (RuntimeException e) {
            String why = reason(e);
            LOG.error("could not append to the audit log ({}){}: {}", why, status >= 200 && status < 300
                    ? "; the action was applied, answering 500 instead of " + status : "", event, e);
            return event.action() + (event.target().isEmpty() ? "" : " [" + event.target() + "]")
                    + ": the change WAS applied (it would have been answered " + status
                    + "), but it could not be recorded in the audit log: " + why
                    + ". Check the change before repeating it; the server log has the details.";
        }
    }

    /** What went wrong, in the database's own words (the innermost cause's first line), without Java class names. */
    static String reason(Throwable e) {
        return Exchange.reason(e, "the database gave no reason");
    }

    private static void answer(Exchange ex, int status, String message) {
        if (ex.isDone()) {
            return;
        }
        if (ex.response().isCommitted()) {
            ex.abort(message);
            return;
        }
        ex.response().getHeaders().clear();
        if (carriesBody(ex.request())) {
            // The body may be unread (refused before it was parsed). Closing a socket with unread
            // data makes the kernel send RST, and a client still uploading then loses our answer;
            // so read what is left (bounded), and close the connection after answering. Refused
            // authentication (401/403), size limits (413/431) and a body too slow (408) never read one.
            if (status != 401 && status != 403 && status != 408 && status != 413 && status != 431) {
                drain(ex.request());
            }
            ex.response().getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        ex.error(status, message);
    }

    /** Reads and discards up to 64 MiB of a request body. */
    private static void drain(Request request) {
        try (java.io.InputStream in = Request.asInputStream(request)) {
            byte[] buf = new byte[16 * 1024];
            long left = 64L << 20;
            int n;
            while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0) {
                left -= n;
            }
        } catch (java.io.IOException | RuntimeException e) {
            // The client went away or the body was already consumed: nothing to drain.
        }
    }

    private static boolean carriesBody(Request request) {
        return UploadRate.carriesBody(request);
    }
}
