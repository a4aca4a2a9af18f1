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
import org.updraft.server.Rejection;

/**
 * The Jetty handler: routes a request, runs its handler, and turns exceptions into answers — a
 * {@link Rejection} into its status with a JSON error, anything else into a logged 500. Handlers
 * block freely: Jetty runs this handler on virtual threads.
 */
public final class Dispatcher extends Handler.Abstract {

    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final Router router;
    private final DeviceEndpoints devices;
    private final java.time.Clock clock;

    public Dispatcher(Router router, DeviceEndpoints devices, java.time.Clock clock) {
        super(InvocationType.BLOCKING);
        this.router = router;
        this.devices = devices;
        this.clock = clock;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getDecodedPath();
        String method = request.getMethod();
        List<String> allowed = new ArrayList<>(2);
        Router.Match match = path == null ? null : router.find(method, path, allowed);
        // Microseconds: what both databases keep, so a time read back equals the time written.
        Exchange ex = new Exchange(request, response, callback, match == null ? java.util.Map.of() : match.params(),
                clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS));
        try {
            if (match != null) {
                match.route().handler().handle(ex);
            } else if ((method.equals("GET") || method.equals("HEAD")) && path != null && devices.handleUpdatePath(ex, path)) {
                return true;
            } else if (!allowed.isEmpty()) {
                response.getHeaders().put(HttpHeader.ALLOW, String.join(", ", allowed));
                ex.error(405, method + " is not supported on " + path + "; allowed: " + String.join(", ", allowed));
            } else {
                ex.error(404, "no such resource: " + path + " (see /api/openapi.yaml)");
            }
        } catch (Rejection r) {
            answer(ex, r.status(), r.getMessage());
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Exception | Error e) {
            LOG.error("{} {} failed", method, path, e);
            answer(ex, 500, "internal error: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
        }
        if (!ex.isDone()) {
            LOG.error("{} {}: handler returned without answering", method, path);
            answer(ex, 500, "internal error: no answer");
        }
        return true;
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
        ex.error(status, message);
    }
}
