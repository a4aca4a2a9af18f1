package org.updraft.server.http;

import java.nio.ByteBuffer;
import java.util.Optional;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.artifact.ArtifactStore;
import org.updraft.server.catalog.Artifact;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Enrollment;
import org.updraft.server.catalog.Product;
import org.updraft.server.fleet.Admission;
import org.updraft.server.fleet.CheckIn;
import org.updraft.server.fleet.Decision;
import org.updraft.server.fleet.DeviceRegistry;
import org.updraft.server.fleet.Endpoint;
import org.updraft.server.fleet.Outcome;
import org.updraft.server.fleet.Mac;
import org.updraft.server.fleet.UpdatePolicy;
import org.updraft.core.version.Version;
import org.updraft.server.problem.Rejection;
import org.updraft.server.auth.Access;
import org.updraft.server.catalog.Release;
import org.updraft.server.rollout.RolloutEngine;
import org.updraft.server.rollout.DeviceUpdate;
import org.updraft.server.rollout.UpdateState;
import org.updraft.server.rollout.UpdateTracker;
import org.updraft.server.store.StorageHealth;

/**
 * The device-facing pull endpoints. Each request becomes one {@link CheckIn}, one
 * {@link Decision} (logged, counted, recorded on the device and, when it changed, in its timeline) and one answer:
 *
 * <ul>
 *   <li>200 + the exact image, {@code Content-Length}, {@code x-MD5} (32 lower-case hex, what
 *       ESP8266httpUpdate compares after writing), {@code X-SHA256}, {@code ETag},
 *       {@code Accept-Ranges: bytes}; 206/416 for ranges (ESP-IDF partial download / resume).</li>
 *   <li>304 for nothing to do; deliberate 4xx with {@code X-Updraft-Reason}; never 3xx.</li>
 *   <li>NONOS user bins: the SDK ignores the status line and flashes any body announced by
 *       {@code Content-Length: } (device-protocols.md §5), so anything but an image closes the
 *       connection with no byte sent.</li>
 * </ul>
 */
public final class DeviceEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger("org.updraft.checkin");
    /** Longest {@code detail} of a report: it is kept in the update's last error (300 characters with its prefix). */
    static final int MAX_REPORT_DETAIL = 200;

    private final Catalog catalog;
    private final UpdatePolicy policy;
    private final DeviceRegistry devices;
    private final ArtifactStore store;
    private final Metrics metrics;
    private final UpdateTracker updates;
    private final RolloutEngine rollouts;
    private final java.time.Clock clock;
    private final Admission admission;
    private final RateLimits rates;
    private final DownloadAttempts attempts = new DownloadAttempts();
    private final StorageHealth storage;

    public DeviceEndpoints(Catalog catalog, UpdatePolicy policy, DeviceRegistry devices, ArtifactStore store, Metrics metrics,
                           UpdateTracker updates, RolloutEngine rollouts, java.time.Clock clock, Admission admission,
                           RateLimits rates, StorageHealth storage) {
        this.storage = storage;
        this.admission = admission;
        this.rates = rates;
        this.catalog = catalog;
        this.policy = policy;
        this.devices = devices;
        this.store = store;
        this.metrics = metrics;
        this.updates = updates;
        this.rollouts = rollouts;
        this.clock = clock;
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
     * failed attempt. Applies to the named release, else the device's latest update, of this product.
     *
     * <p>A report is a write to the device's record, so it is admitted exactly as a check-in of
     * that device at that product would be (README "Device identity"): the URL's enrollment (token
     * or allowlist), and the device must belong to the URL's product — an unknown device or
     * another product's device is refused and nothing changes. "ok" confirms only an update the
     * server has seen running (a check-in whose image hash or version is the release: state
     * installed); before that it is logged and answered with {@code "confirmed": false}, so a
     * device that merely downloaded cannot complete a rollout and make its release the baseline.
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
        Optional<Admission.Refusal> refused = admission.check(product, mac, token(ex));
        if (refused.isPresent()) {
            refuseReport(ex, product, mac, refused.get().outcome(), refused.get().reason());
            return;
        }
        Long owner = devices.owner(mac);
        if (owner == null) {
            throw Rejection.notFound("device " + mac + " has never checked in at product '" + product.name()
                    + "': a report is about an update the server offered it");
        }
        if (owner != product.id()) {
            refuseReport(ex, product, mac, Outcome.NOT_ENROLLED, "device " + mac + " is registered to another product; "
                    + "it reports at the URL of its own product");
            return;
        }
        Long releaseId;
        if (r.version() != null) {
            try {
                releaseId = catalog.release(product, Version.parse(r.version())).map(Release::id)
                        .orElseThrow(() -> Rejection.notFound("product '" + product.name() + "' has no release " + Rejection.echo(r.version())));
            } catch (IllegalArgumentException e) {
                throw Rejection.badRequest("version '" + Rejection.echo(r.version()) + "' is not valid: " + e.getMessage());
            }
        } else {
            releaseId = updates.ofDevice(mac).stream()
                    .filter(u -> catalog.release(u.releaseId()).filter(x -> x.productId() == product.id()).isPresent())
                    .findFirst().map(u -> u.releaseId())
                    .orElseThrow(() -> Rejection.notFound("device " + mac + " has no update to report on"));
        }
        DeviceUpdate u;
        try {
            u = updates.report(mac, releaseId, r.status(), detail, ex.at())
                    .orElseThrow(() -> Rejection.notFound("device " + mac + " was never offered that release"));
        } catch (IllegalArgumentException e) {
            throw Rejection.badRequest(e.getMessage());
        }
        boolean confirmed = u.state() == UpdateState.CONFIRMED;
        java.util.Map<String, Object> answer = new java.util.LinkedHashMap<>();
        answer.put("state", u.state().id());
        if (r.status().equals("ok") && !confirmed) {
            String release = catalog.release(releaseId).map(x -> x.version().toString()).orElse("?");
            answer.put("confirmed", false);
            answer.put("reason", "recorded, not confirmed: the server has not seen device " + mac + " running " + release
                    + " (a check-in whose image hash or version is the release); its next check-in on it installs it");
            LOG.info("report {} {}: ok for {} recorded, not confirmed (state {})", mac, product.name(), release, u.state().id());
        } else {
            LOG.info("report {} {}: {} -> {}", mac, product.name(), r.status(), u.state().id());
        }
        metrics.report("recorded");
        ex.json(200, answer);
    }

    /** A refused report: the status of the outcome, its id and the reason in X-Updraft-Reason and the body. */
    private void refuseReport(Exchange ex, Product product, String mac, Outcome outcome, String reason) {
        metrics.report(outcome.id());
        LOG.info("report {} {} -> {} {} ({})", mac, product.name(), outcome.status(), outcome.id(), reason);
        HttpFields.Mutable h = ex.response().getHeaders();
        h.put("X-Updraft-Reason", headerSafe(outcome.id() + ": " + reason));
        if (outcome == Outcome.UNAUTHENTICATED) {
            h.put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"updraft-device\"");
        }
        ex.error(outcome.status(), reason);
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
        Decided decided = decide(ex, in, product);
        Decision d = decided.decision();
        if (d.outcome().sendsImage()) {
            sendImage(ex, d, decided.continued());
        } else {
            refuse(ex, d.status(), d.outcome().id(), d.reason());
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
        Decided decided = decide(ex, in, catalog.product(name));
        Decision d = decided.decision();
        if (d.outcome().sendsImage()) {
            sendImage(ex, d, decided.continued());
        } else {
            ex.abort(d.outcome().id());
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
            refuse(ex, d.status() == 304 ? 404 : d.status(), d.outcome().id(), d.reason());
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
            ex.abort(e.getMessage());
        } else {
            LOG.info("{} refused: {}", endpoint.id(), e.getMessage());
            refuse(ex, Outcome.BAD_REQUEST.status(), Outcome.BAD_REQUEST.id(), e.getMessage());
        }
    }

    /** A decision, and whether its range continues the device's download (exempt from the limit and recorded already). */
    private record Decided(Decision decision, boolean continued) {
    }

    private Decided decide(Exchange ex, CheckIn in, Optional<Product> product) {
        // A range that may continue the device's download at its own product is counted against its
        // limit only once the image is known and it turns out not to continue it (DownloadAttempts
        // has the rule). At another product it continues nothing: it is counted before it can move
        // the device (belongsTo).
        boolean mayContinue = in.mac() != null && product.isPresent()
                && attempts.mayContinue(in.mac(), in.resumeFrom(), in.at())
                && Long.valueOf(product.get().id()).equals(devices.owner(in.mac()));
        boolean continued = false;
        Decision d;
        Optional<Decision> refused = gate(ex, in, product, mayContinue);
        if (refused.isPresent()) {
            d = refused.get();
        } else if (mayContinue) {
            // Which image the answer would send, without the policy's side effects (the running
            // version observed, a rollout membership fixed): a request that ends 429 changes nothing.
            Decision preview = intact(policy.preview(in, product));
            continued = continuing(ex, preview);
            Optional<Decision> limited = continued ? Optional.empty() : rateLimited(ex, in, product.get());
            if (limited.isPresent()) {
                d = limited.get();
            } else {
                d = intact(policy.decide(in, product));
                if (continued && !sameImage(preview, d)) {
                    // Something changed between the two looks (a pin, a rollout): not the download
                    // the exemption was for, so it is counted after all.
                    continued = false;
                    d = rateLimited(ex, in, product.get()).orElse(d);
                }
            }
        } else {
            d = intact(policy.decide(in, product));
        }
        metrics.checkIn(d.outcome());
        devices.record(d);
        if (LOG.isInfoEnabled()) {
            LOG.info("{} {} {} -> {} {} ({})", in.endpoint().id(), in.mac() == null ? "anonymous" : in.mac(), in.productPath(),
                    d.status(), d.outcome().id(), d.reason());
        }
        return new Decided(d, continued);
    }

    private static boolean sameImage(Decision a, Decision b) {
        return a.outcome().sendsImage() && b.outcome().sendsImage() && a.artifact().sha256().equals(b.artifact().sha256());
    }

    /**
     * Admission (the product's enrollment: allowlist or the device's own token), the per-device
     * rate limit, whether the server can store the check-in, and then the device's product (see
     * {@link #belongsTo}); empty when the device may go on to the update policy. Admission comes
     * first so that only an admitted device spends its own bucket; the limit comes before anything
     * the check-in changes, so a device flooding the server claims or moves nothing. A request that
     * {@code mayContinue} the device's download is not counted here ({@link #decide} counts it if
     * it does not continue it).
     */
    private Optional<Decision> gate(Exchange ex, CheckIn in, Optional<Product> maybe, boolean mayContinue) {
        if (maybe.isEmpty()) {
            return unstorable(in, maybe);
        }
        Product product = maybe.get();
        Optional<Admission.Refusal> refused = admission.check(product, in.mac(), token(ex));
        if (refused.isPresent()) {
            if (refused.get().outcome() == Outcome.UNAUTHENTICATED) {
                ex.response().getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"updraft-device\"");
            }
            return Optional.of(new Decision(in, product, refused.get().outcome(), in.version(), null, null,
                    refused.get().reason(), null));
        }
        if (in.mac() == null) {
            return unstorable(in, maybe);
        }
        if (!mayContinue) {
            Optional<Decision> limited = rateLimited(ex, in, product);
            if (limited.isPresent()) {
                return limited;
            }
        }
        return unstorable(in, maybe).or(() -> belongsTo(in, product));
    }

    /** Takes a token from the device's bucket; the 429 decision (with Retry-After) when it is empty. */
    private Optional<Decision> rateLimited(Exchange ex, CheckIn in, Product product) {
        java.util.OptionalLong wait = rates.device(ex.request(), in.mac());
        if (wait.isEmpty()) {
            return Optional.empty();
        }
        long seconds = TokenBuckets.retryAfterSeconds(wait.getAsLong());
        ex.response().getHeaders().put(HttpHeader.RETRY_AFTER, seconds);
        return Optional.of(new Decision(in, product, Outcome.RATE_LIMITED, in.version(), null, null,
                "device " + in.mac() + " checks in too often; retry after " + seconds + " s (limit device-rate "
                        + rates.limits().perDevice().perMinute() + "/min, burst " + rates.limits().perDevice().burst() + ")",
                null));
    }

    /**
     * Whether the answer to this request is a range that continues the device's download of the
     * decided image; if so it is recorded as sent in the same atomic step (DownloadAttempts).
     */
    private boolean continuing(Exchange ex, Decision d) {
        if (!d.outcome().sendsImage()) {
            return false;
        }
        Artifact a = d.artifact();
        CheckIn in = d.checkIn();
        return requested(ex, a) instanceof ByteRange.Partial p
                && attempts.continuing(in.mac(), in.resumeFrom(), a.sha256(), a.size(), p.first(), p.last(), in.at());
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
     * The device-identity rule (README "Device identity"): a device record belongs to one product.
     * A MAC nobody has claimed is claimed by the product of its first admitted check-in. A check-in
     * at another product's URL never rewrites the record of a device whose product enrolls
     * (allowlist or token): it is refused 403 not-enrolled, without naming that product to a caller
     * who has not proved anything; only an operator moves such a device. A device of an open
     * product proves nothing by its MAC, so an admitted check-in elsewhere moves it (its pin, a
     * release of the old product, is dropped) — the same as a reflash with the other product's firmware.
     */
    private Optional<Decision> belongsTo(CheckIn in, Product product) {
        long owner = devices.claim(in.mac(), product.id());
        if (owner == product.id()) {
            return Optional.empty();
        }
        Optional<Product> home = catalog.product(owner);
        if (home.isPresent() && home.get().enrollment() != Enrollment.OPEN) {
            return Optional.of(new Decision(in, product, Outcome.NOT_ENROLLED, in.version(), null, null, "device " + in.mac()
                    + " is registered to another product; an operator moves devices between products", null));
        }
        LOG.info("device {} moves from open product '{}' to '{}' (check-in at {})", in.mac(),
                home.map(Product::name).orElse("?"), product.name(), in.productPath());
        devices.move(in.mac(), product);
        return Optional.empty();
    }

    /**
     * A refusal when the server could not keep what this check-in writes (device row, timeline,
     * update state): an answer must never claim what the disk will not hold (StorageHealth).
     */
    private Optional<Decision> unstorable(CheckIn in, Optional<Product> product) {
        StorageHealth.Refusal r = storage.checkIn();
        if (r == null) {
            return Optional.empty();
        }
        Outcome o = r.status() == Outcome.STORAGE_FULL.status() ? Outcome.STORAGE_FULL : Outcome.STORAGE_FAILING;
        return Optional.of(new Decision(in, product.orElse(null), o, in.version(), null, null, r.reason(), null));
    }

    /**
     * The decision, unless it sends an image that no longer hashes to its SHA-256: then
     * {@code corrupt-artifact}, and the device keeps its firmware (the store logs the damage and
     * lists it; hashing happens once per file per process, see ArtifactStore).
     */
    private Decision intact(Decision d) {
        if (!d.outcome().sendsImage() || store.check(d.artifact().sha256()) == null) {
            return d;
        }
        return new Decision(d.checkIn(), d.product(), Outcome.CORRUPT_ARTIFACT, d.runningVersion(), d.target(), null,
                corrupt(d.target(), d.artifact().sha256()), d.rolloutId());
    }

    private static String corrupt(Release target, String sha256) {
        return "the stored image " + sha256 + " of release " + target.version() + " failed its integrity check and is "
                + "not sent; an operator must upload the release's image again";
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

    private void refuse(Exchange ex, int status, String outcome, String reason) {
        HttpFields.Mutable h = ex.response().getHeaders();
        h.put("X-Updraft-Reason", headerSafe(outcome + (reason == null ? "" : ": " + reason)));
        h.put(HttpHeader.CACHE_CONTROL, "no-cache");
        if (status == 304) {
            ex.empty(304);
        } else {
            ex.send(status, null, new byte[0]);
        }
    }

    /** Writes the artifact (or the requested range of it). The decision already validated it. */
    private void sendImage(Exchange ex, Decision d, boolean continued) {
        Artifact a = d.artifact();
        ByteBuffer image;
        try {
            image = store.read(a.sha256());
        } catch (ArtifactStore.Damaged e) {
            // Changed since decide() looked: the same refusal, nothing sent.
            metrics.checkIn(Outcome.CORRUPT_ARTIFACT);
            if (d.checkIn().endpoint() == Endpoint.NONOS_USER_BIN) {
                ex.abort(e.getMessage());
            } else {
                refuse(ex, Outcome.CORRUPT_ARTIFACT.status(), Outcome.CORRUPT_ARTIFACT.id(), corrupt(d.target(), a.sha256()));
            }
            return;
        }
        HttpFields.Mutable h = ex.response().getHeaders();
        String etag = "\"" + a.sha256() + "\"";
        h.put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
        h.put(HttpHeader.ACCEPT_RANGES, "bytes");
        h.put(HttpHeader.ETAG, etag);
        h.put("X-SHA256", a.sha256());
        h.put("X-Updraft-Version", headerSafe(d.target().version().toString()));
        h.put("X-Updraft-Reason", headerSafe(d.outcome().id() + ": " + d.reason()));
        h.put(HttpHeader.CACHE_CONTROL, "no-cache");

        ByteRange range = requested(ex, a);
        String mac = d.checkIn().mac();
        // A continuation was recorded when it was let through (decide); a counted request begins an attempt.
        if (mac != null && !ex.isHead() && !continued) {
            switch (range) {
                case ByteRange.Whole w -> attempts.began(mac, a.sha256(), a.size(), 0, a.size() - 1, ex.at());
                case ByteRange.Partial p -> attempts.began(mac, a.sha256(), a.size(), p.first(), p.last(), ex.at());
                case ByteRange.Unsatisfiable u -> { }
            }
        }
        switch (range) {
            case ByteRange.Whole w -> {
                ex.response().setStatus(200);
                h.put("x-MD5", a.md5());
                h.put(HttpHeader.CONTENT_LENGTH, a.size());
                write(ex, d, image, true);
            }
            case ByteRange.Partial p -> {
                ex.response().setStatus(206);
                h.put(HttpHeader.CONTENT_RANGE, "bytes " + p.first() + "-" + p.last() + "/" + a.size());
                h.put(HttpHeader.CONTENT_LENGTH, p.length());
                write(ex, d, image.slice((int) p.first(), (int) p.length()), p.last() == a.size() - 1);
            }
            case ByteRange.Unsatisfiable u -> {
                h.remove(HttpHeader.ETAG);
                h.put(HttpHeader.CONTENT_RANGE, "bytes */" + a.size());
                h.put("X-Updraft-Reason", "range-not-satisfiable");
                ex.send(416, null, new byte[0]);
            }
        }
    }

    /**
     * Writes the body; for identified devices a transfer that ends with the image's last byte is
     * one attempt of their update (the tracker and the rollout's concurrency count follow it).
     */
    private void write(Exchange ex, Decision d, ByteBuffer body, boolean endsWithLastByte) {
        if (ex.isHead()) {
            ex.finish(null, Callback.NOOP);
            return;
        }
        long bytes = body.remaining();
        String mac = d.checkIn().mac();
        boolean tracked = mac != null && endsWithLastByte;
        long releaseId = d.target().id();
        Long rollout = d.rolloutId();
        if (tracked) {
            updates.downloading(mac, releaseId, rollout, d.checkIn().resumeFrom() > 0, ex.at());
            if (rollout != null) {
                rollouts.downloadStarted(rollout);
            }
        }
        metrics.downloadStarted();
        ex.finish(body, Callback.from(() -> {
            metrics.downloadEnded(bytes);
            if (tracked) {
                ended(mac, releaseId, rollout, true, null);
            }
        }, failure -> {
            metrics.downloadEnded(0);
            if (tracked) {
                // Stored and shown by the API: the cause in words, not the exception's class.
                ended(mac, releaseId, rollout, false, Exchange.reason(failure, "the connection closed"));
            }
        }));
    }

    private void ended(String mac, long releaseId, Long rollout, boolean complete, String error) {
        if (rollout != null) {
            rollouts.downloadEnded(rollout);
        }
        updates.transferEnded(mac, releaseId, complete, error, clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS));
    }

    /** Header values are ASCII; anything else becomes '?'. */
    static String headerSafe(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 300));
        for (int i = 0; i < s.length() && i < 300; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }
}
