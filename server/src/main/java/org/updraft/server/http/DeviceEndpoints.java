package org.updraft.server.http;

import java.nio.ByteBuffer;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.artifact.ArtifactStore;
import org.updraft.server.auth.Access;
import org.updraft.server.catalog.Artifact;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.delivery.Delivery;
import org.updraft.server.delivery.UpdateReports;
import org.updraft.server.fleet.CheckIn;
import org.updraft.server.fleet.Decision;
import org.updraft.server.fleet.Endpoint;
import org.updraft.server.fleet.Mac;
import org.updraft.server.fleet.Outcome;
import org.updraft.server.problem.Rejection;

/**
 * The device-facing endpoints: each pull request becomes one {@link CheckIn}, handed to the
 * {@link Delivery} (which admits, decides and records it), and its {@link Decision} becomes one
 * answer as {@link DeviceAnswers} writes the device wire format — the image (200/206/416), 304 for
 * nothing to do, a deliberate 4xx with {@code X-Updraft-Reason}, never 3xx, and for a NONOS user
 * bin anything but the image is a connection closed without a byte. Reports go to {@link UpdateReports}.
 */
final class DeviceEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger("org.updraft.checkin");
    /** Longest {@code detail} of a report: it is kept in the update's last error (300 characters with its prefix). */
    static final int MAX_REPORT_DETAIL = 200;

    private final Delivery delivery;
    private final UpdateReports reports;
    private final Catalog catalog;
    private final ArtifactStore store;
    private final Metrics metrics;
    private final RateLimits rates;

    DeviceEndpoints(Delivery delivery, UpdateReports reports, Catalog catalog, ArtifactStore store, Metrics metrics,
                           RateLimits rates) {
        this.delivery = delivery;
        this.reports = reports;
        this.catalog = catalog;
        this.store = store;
        this.metrics = metrics;
        this.rates = rates;
    }

    void register(Router router) {
        router.get("/u/{product}", Access.DEVICES, ex -> httpUpdate(ex, catalog.product(ex.param("product")), "/u/" + ex.param("product")));
        router.get("/u/{product}/user1.bin", Access.DEVICES, ex -> nonos(ex, 1));
        router.get("/u/{product}/user2.bin", Access.DEVICES, ex -> nonos(ex, 2));
        router.get("/u/{product}/version", Access.DEVICES, this::version);
        router.post("/u/{product}/report", Access.DEVICES, this::report);
    }

    /** What firmware may say about an update: {@code {"mac", "status": "ok|error|rolled_back", "version"?, "detail"?}}. */
    record Report(String mac, String status, String version, String detail) {
    }

    /**
     * {@code POST /u/{product}/report}: optional, for firmware that wants to say more than its
     * check-ins do — "ok" confirms, "rolled_back" says a trial boot reverted, "error" counts a
     * failed attempt ({@link UpdateReports#record} has the rules). Answered {@code {"state"}}, with
     * {@code "confirmed": false} and the reason for an "ok" that does not confirm.
     */
    private void report(Exchange ex) {
        Product product = catalog.requireProduct(ex.param("product"));
        Report r = ex.bodyJson(Report.class);
        if (r.mac() == null || r.status() == null) {
            throw Rejection.badRequest("body must be {\"mac\": \"DE:BA:7A:B1:E0:42\", \"status\": \"ok|error|rolled_back\", "
                    + "\"version\": optional, \"detail\": optional}");
        }
        if (!r.status().equals("ok") && !r.status().equals("error") && !r.status().equals("rolled_back")) {
            throw Rejection.badRequest("status must be ok, error or rolled_back, got '" + Rejection.echo(r.status()) + "'");
        }
        String mac;
        String detail;
        try {
            mac = Mac.parse(r.mac());
            // Stored (300 characters at most with its prefix) and shown: bounded, no control characters or tags.
            detail = CheckIn.deviceProse(r.detail(), "detail", MAX_REPORT_DETAIL);
        } catch (IllegalArgumentException e) {
            throw Rejection.badRequest(e.getMessage());
        }
        switch (reports.record(product, new UpdateReports.Report(mac, r.status(), r.version(), detail), token(ex), ex.at())) {
            case UpdateReports.Reported.Refused refused -> {
                metrics.report(refused.outcome().id());
                DeviceAnswers.reason(ex.response().getHeaders(), refused.outcome().id(), refused.reason());
                if (refused.outcome() == Outcome.UNAUTHENTICATED) {
                    DeviceAnswers.challenge(ex.response().getHeaders());
                }
                ex.error(refused.outcome().status(), refused.reason());
            }
            case UpdateReports.Reported.Recorded recorded -> {
                java.util.Map<String, Object> answer = new java.util.LinkedHashMap<>();
                answer.put("state", recorded.update().state().id());
                if (recorded.unconfirmed() != null) {
                    answer.put("confirmed", false);
                    answer.put("reason", "recorded, not confirmed: the server has not seen device " + mac + " running "
                            + recorded.unconfirmed() + " (a check-in whose image hash or version is the release); its next "
                            + "check-in on it installs it");
                }
                metrics.report("recorded");
                ex.json(200, answer);
            }
        }
    }

    /** A request for a product's configured update path (not a route: paths are data). */
    boolean handleUpdatePath(Exchange ex, String path) {
        Optional<Product> p = catalog.productByUpdatePath(path);
        if (p.isEmpty()) {
            return false;
        }
        httpUpdate(ex, p, path);
        return true;
    }

    private void httpUpdate(Exchange ex, Optional<Product> product, String path) {
        CheckIn in;
        try {
            in = checkIn(ex, Endpoint.HTTP_UPDATE, path, 0);
        } catch (IllegalArgumentException e) {
            malformed(ex, Endpoint.HTTP_UPDATE, e);
            return;
        }
        Delivery.Decided decided = decide(ex, in, product);
        Decision d = decided.decision();
        if (d.outcome().sendsImage()) {
            sendImage(ex, d, decided.continued());
        } else {
            DeviceAnswers.refuse(ex, Endpoint.HTTP_UPDATE, d);
        }
    }

    private void nonos(Exchange ex, int slot) {
        String name = ex.param("product");
        CheckIn in;
        try {
            in = checkIn(ex, Endpoint.NONOS_USER_BIN, "/u/" + name + "/user" + slot + ".bin", slot);
        } catch (IllegalArgumentException e) {
            malformed(ex, Endpoint.NONOS_USER_BIN, e);
            return;
        }
        Delivery.Decided decided = decide(ex, in, catalog.product(name));
        Decision d = decided.decision();
        if (d.outcome().sendsImage()) {
            sendImage(ex, d, decided.continued());
        } else {
            DeviceAnswers.refuse(ex, Endpoint.NONOS_USER_BIN, d);
        }
    }

    private void version(Exchange ex) {
        String name = ex.param("product");
        CheckIn in;
        try {
            in = checkIn(ex, Endpoint.VERSION, "/u/" + name + "/version", 0);
        } catch (IllegalArgumentException e) {
            malformed(ex, Endpoint.VERSION, e);
            return;
        }
        Decision d = decide(ex, in, catalog.product(name)).decision();
        if (d.outcome() == Outcome.VERSION) {
            ex.response().getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
            ex.text(200, d.target().version().toString());
        } else {
            // No body: firmware that parses this text must not mistake an error for a version.
            DeviceAnswers.refuse(ex, Endpoint.VERSION, d.status() == 304 ? 404 : d.status(), d.outcome().id(), d.reason());
        }
    }

    private CheckIn checkIn(Exchange ex, Endpoint endpoint, String path, int slot) {
        // ESP clients never reuse a connection (HTTP/1.0, or one request per esp_http_client
        // session); closing after the answer frees the socket at once instead of at idle timeout.
        ex.response().getHeaders().put(HttpHeader.CONNECTION, "close");
        try {
            // Parses the whole query string now (Exchange keeps it): a malformed one is this
            // check-in's bad input, refused by malformed() like any other, not a JSON 400 later
            // from the token lookup.
            ex.query("mac");
        } catch (Rejection e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return CheckIn.parse(endpoint, path, slot, ex::header, ex::query, ex.remoteAddress(), ex.at());
    }

    /**
     * A check-in whose identity or headers cannot be parsed: counted as {@code bad-request} (every
     * endpoint, here and only here) and refused as its protocol refuses — NONOS user bins by closing
     * the connection without a byte, the others with 400 and {@code X-Updraft-Reason}.
     */
    private void malformed(Exchange ex, Endpoint endpoint, IllegalArgumentException e) {
        metrics.checkIn(Outcome.BAD_REQUEST);
        if (endpoint == Endpoint.NONOS_USER_BIN) {
            LOG.info("nonos refused (connection closed): {}", e.getMessage());
        } else {
            LOG.info("{} refused: {}", endpoint.id(), e.getMessage());
        }
        DeviceAnswers.refuse(ex, endpoint, Outcome.BAD_REQUEST.status(), Outcome.BAD_REQUEST.id(), e.getMessage());
    }

    /**
     * Hands the check-in to the {@link Delivery} with what only the request knows (token, rate
     * limit, range) and counts its decision; a 429 carries Retry-After, a 401 WWW-Authenticate.
     */
    private Delivery.Decided decide(Exchange ex, CheckIn in, Optional<Product> product) {
        Delivery.Decided decided = delivery.checkIn(new Delivery.Visit(in, product, token(ex), rates.forDevice(ex.request()),
                a -> requested(ex, a) instanceof ByteRange.Partial p
                        ? Optional.of(new Delivery.Span(p.first(), p.last())) : Optional.empty()));
        DeviceAnswers.decided(ex, decided);
        metrics.checkIn(decided.decision().outcome());
        return decided;
    }

    /**
     * The part of the image the request gets: its Range, unless If-Range names another image
     * (RFC 9110 §13.1.5: a validator that does not match means "send the whole representation").
     */
    private static ByteRange requested(Exchange ex, Artifact a) {
        String ifRange = ex.header("If-Range");
        if (ifRange != null && !ifRange.trim().equals("\"" + a.sha256() + "\"")) {
            return ByteRange.WHOLE;
        }
        return ByteRange.parse(ex.header("Range"), a.size());
    }

    /**
     * The device token of the request: {@code ?token=}, else {@code Authorization:
     * Bearer <token>}, else the password of {@code Authorization: Basic} (what
     * {@code HTTPClient::setAuthorization(user, password)} sends); null when none.
     */
    static String token(Exchange ex) {
        String q = ex.query("token");
        if (q != null && !q.isEmpty()) {
            return q;
        }
        String auth = ex.header("Authorization");
        if (auth == null) {
            return null;
        }
        if (auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.substring(7).strip();
        }
        if (auth.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String pair = new String(java.util.Base64.getDecoder().decode(auth.substring(6).strip()),
                        java.nio.charset.StandardCharsets.UTF_8);
                // Tokens never hold ':', so the password is what follows the last one: a user name may
                // be the MAC, colons and all (HTTPClient::setAuthorization joins user ":" password as given).
                int colon = pair.lastIndexOf(':');
                return colon < 0 ? null : pair.substring(colon + 1);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    /** Writes the artifact (or the requested range of it). The decision already validated it. */
    private void sendImage(Exchange ex, Decision d, boolean continued) {
        Artifact a = d.artifact();
        ByteBuffer image;
        try {
            image = store.read(a.sha256());
        } catch (ArtifactStore.Damaged e) {
            // Damaged since the Delivery checked it: the same refusal, nothing sent.
            Decision corrupt = Delivery.corrupt(d);
            metrics.checkIn(corrupt.outcome());
            DeviceAnswers.refuse(ex, d.checkIn().endpoint(), corrupt);
            return;
        }
        DeviceAnswers.image(ex.response().getHeaders(), d);
        switch (requested(ex, a)) {
            case ByteRange.Whole w -> {
                DeviceAnswers.whole(ex.response(), a);
                write(ex, d, continued, image, 0, a.size() - 1);
            }
            case ByteRange.Partial p -> {
                DeviceAnswers.part(ex.response(), a, p.first(), p.last());
                write(ex, d, continued, image.slice((int) p.first(), (int) p.length()), p.first(), p.last());
            }
            case ByteRange.Unsatisfiable u -> DeviceAnswers.unsatisfiable(ex, a);
        }
    }

    /**
     * Writes bytes {@code first..last} of the image; the {@link Delivery} keeps the books of the
     * download ({@link Delivery#sending}) and hears how it ended.
     */
    private void write(Exchange ex, Decision d, boolean continued, ByteBuffer body, long first, long last) {
        if (ex.isHead()) {
            ex.finish(null, Callback.NOOP);
            return;
        }
        long bytes = body.remaining();
        Delivery.Download download = delivery.sending(d, continued, first, last);
        metrics.downloadStarted();
        ex.finish(body, Callback.from(() -> {
            metrics.downloadEnded(bytes);
            download.ended(true, null);
        }, failure -> {
            metrics.downloadEnded(0);
            // Stored and shown by the API: the cause in words, not the exception's class.
            download.ended(false, Exchange.reason(failure, "the connection closed"));
        }));
    }
}
