package org.updraft.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartConfig;
import org.eclipse.jetty.http.MultiPartFormData;
import org.eclipse.jetty.io.Content;
import org.updraft.server.problem.Rejection;
import org.updraft.server.auth.Role;
import org.updraft.server.catalog.Artifact;
import org.updraft.server.catalog.ArtifactRole;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;
import org.updraft.server.catalog.SigningPolicy;
import org.updraft.server.catalog.TrustedKey;
import org.updraft.server.catalog.Enrollment;
import org.updraft.server.fleet.Admission;
import org.updraft.server.config.Limits;
import org.updraft.server.fleet.Device;
import org.updraft.server.fleet.DeviceRegistry;
import org.updraft.server.fleet.Mac;
import org.updraft.server.rollout.RolloutEngine;
import org.updraft.server.rollout.UpdateTracker;

/**
 * The management REST API under {@code /api/v1} (JSON), documented in {@code /api/openapi.yaml}.
 * Errors are {@code {"error": "...", "status": n}} with a message saying what was wrong and what
 * was expected.
 *
 * <p>One class because it is a route table: each handler turns a request into one call on the
 * catalog, the registry or the lifecycle rules and their answer into JSON, and the routes are
 * easiest to check against the OpenAPI document side by side ({@code OpenApiTest}); the rules
 * themselves live in those domain classes.
 */
final class ManagementApi {

    /** Default largest image part accepted in an upload (limit max-image-bytes); larger than any ESP slot (ESP32 apps top out near 8 MB). */
    public static final long MAX_IMAGE_BYTES = Limits.DEFAULTS.maxImageBytes();
    private static final Set<String> UPLOAD_FIELDS = Set.of("version", "notes", "downgrade", "hold", "manifest", "firmware", "user1",
            "user2");
    /** Largest PEM body of a key upload: a few public keys. */
    private static final int MAX_PEM_BODY = 64 * 1024;

    private final Catalog catalog;
    private final DeviceRegistry devices;
    private final Path uploadDir;
    private final UpdateTracker updates;
    private final Admission admission;
    private final long maxImageBytes;
    private final java.util.function.Function<String, String> damage;
    private final RolloutEngine rollouts;
    private final org.updraft.server.fleet.Lifecycle lifecycle;

    /** {@code damage}: why the artifact store refuses to serve a blob, or null (ArtifactStore#damage). */
    ManagementApi(Catalog catalog, DeviceRegistry devices, UpdateTracker updates, RolloutEngine rollouts,
                  org.updraft.server.fleet.Lifecycle lifecycle, Path uploadDir, Admission admission, Limits limits,
                  java.util.function.Function<String, String> damage) {
        this.damage = damage;
        this.rollouts = rollouts;
        this.lifecycle = lifecycle;
        this.catalog = catalog;
        this.devices = devices;
        this.updates = updates;
        this.uploadDir = uploadDir;
        this.admission = admission;
        this.maxImageBytes = limits.maxImageBytes();
    }

    record ProductView(String name, String chip, String kind, String layout, long flashSize, long slotSize,
                       String updatePath, long healthWindowSeconds, Instant createdAt, String signing, String enrollment) {
        static ProductView of(Product p) {
            return new ProductView(p.name(), p.chip(), p.kind().id(), p.layout().id(), p.flashSize(), p.slotSize(),
                    p.updatePath(), p.healthWindow().toSeconds(), p.createdAt(), p.signing().id(), p.enrollment().id());
        }
    }

    record KeyView(String keyId, String fingerprint, String algorithm, String use, Instant createdAt, String pem) {
        static KeyView of(TrustedKey k) {
            return new KeyView(k.keyId(), k.fingerprint(), k.algorithm().cliName(), k.use(), k.createdAt(), k.key().pem());
        }
    }

    record PolicyRequest(String signing, String enrollment) {
    }

    record AllowlistRequest(List<String> macs) {
    }

    record TokenRequest(String product) {
    }

    /** {@code POST /api/v1/products/{product}/archive}: the product's name again. */
    record ArchiveRequest(String confirm) {
    }

    /** {@code PUT /api/v1/devices/{mac}/product}: the product a device moves to. */
    record MoveRequest(String product) {
    }

    /** {@code damaged}: null, or why the stored image failed its SHA-256 check (it is then not served to any device). */
    record ArtifactView(String role, String sha256, String md5, long size, String format, String chip, String appVersion,
                        String damaged) {
    }

    /**
     * {@code baseline}: the release devices get when no pin or rollout says otherwise (the newest
     * release no rollout holds, UpdatePolicy); {@code devices}: how many devices of the product run it.
     */
    record ReleaseView(String product, String version, String notes, boolean downgrade, boolean held, boolean baseline,
                       long devices, Instant createdAt, List<ArtifactView> artifacts, long securityCounter, String signer,
                       String manifest) {
        static ReleaseView of(Product p, Release r, boolean baseline, long devices, java.util.function.Function<String, String> damage) {
            List<ArtifactView> arts = r.artifacts().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .map(e -> {
                        Artifact a = e.getValue();
                        return new ArtifactView(e.getKey().id(), a.sha256(), a.md5(), a.size(), a.format(), a.chip(), a.appVersion(),
                                damage.apply(a.sha256()));
                    }).toList();
            return new ReleaseView(p.name(), r.version().toString(), r.notes(), r.downgrade(), r.held(), baseline, devices,
                    r.createdAt(), arts, r.securityCounter(), r.signer(), r.manifest());
        }
    }

    record NewProduct(String name, String chip, String kind, String layout, Long slotSize, String updatePath,
                      Long healthWindowSeconds) {
    }

    record TagsRequest(List<String> tags) {
    }

    /** A device with its update progress per release. */
    record DeviceView(@com.fasterxml.jackson.annotation.JsonUnwrapped Device device, List<UpdateView> updates) {
    }

    record UpdateView(String release, Long rollout, String state, int attempts, String lastError, Instant offeredAt,
                      Instant downloadedAt, Instant installedAt, Instant finishedAt, Instant nextAttemptAt) {
    }

    record PinRequest(String version) {
    }

    void register(Router router) {
        router.post("/api/v1/products", Role.ADMIN, ex -> {
            NewProduct np = ex.bodyJson(NewProduct.class);
            ex.audit("name", np.name());
            Product p = catalog.createProduct(new Catalog.ProductSpec(np.name(), np.chip(), np.kind(), np.layout(),
                    np.slotSize(), np.updatePath(), np.healthWindowSeconds()));
            ex.json(201, ProductView.of(p));
        });
        router.get("/api/v1/products", Role.VIEWER, ex -> ex.json(200, PageRequest.parse(ex, "products").slice(
                catalog.products().stream().sorted(java.util.Comparator.comparing(Product::name)).map(ProductView::of).toList(),
                ProductView::name, String::compareTo)));
        router.get("/api/v1/products/{product}", Role.VIEWER, ex -> ex.json(200, ProductView.of(catalog.requireProduct(ex.param("product")))));
        router.post("/api/v1/products/{product}/releases", Role.OPERATOR, this::uploadRelease);
        router.get("/api/v1/products/{product}/releases", Role.VIEWER, ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            // Newest first: the version order reversed (a cursor that is no version is a 400).
            ex.json(200, PageRequest.parse(ex, "releases").slice(releaseViews(p, null), ReleaseView::version,
                    (a, b) -> org.updraft.core.version.Version.parse(b).compareTo(org.updraft.core.version.Version.parse(a))));
        });
        router.get("/api/v1/products/{product}/releases/{version}", Role.VIEWER, ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            ex.json(200, releaseViews(p, requireRelease(p, ex.param("version"))).get(0));
        });
        DeviceList deviceList = new DeviceList(catalog, devices, updates);
        router.get("/api/v1/devices", Role.VIEWER, ex -> ex.json(200, deviceList.page(ex)));
        router.get("/api/v1/devices/{mac}", Role.VIEWER, ex -> {
            String mac = mac(ex.param("mac"));
            Device d = devices.find(mac).orElseThrow(() -> Rejection.notFound("no device " + mac
                    + " (devices register on their first check-in)"));
            List<UpdateView> ups = updates.ofDevice(mac).stream().map(u -> new UpdateView(
                    catalog.release(u.releaseId()).map(r -> r.version().toString()).orElse(null), u.rolloutId(), u.state().id(),
                    u.attempts(), u.lastError(), u.offeredAt(), u.downloadedAt(), u.installedAt(), u.finishedAt(),
                    u.nextAttemptAt())).toList();
            ex.json(200, new DeviceView(d, ups));
        });
        router.put("/api/v1/devices/{mac}/tags", Role.OPERATOR, ex -> {
            TagsRequest t = ex.bodyJson(TagsRequest.class);
            if (t.tags() == null) {
                throw Rejection.badRequest("body must be {\"tags\": [\"canary\", ...]}");
            }
            ex.audit("tags", String.valueOf(t.tags()));
            ex.json(200, devices.setTags(mac(ex.param("mac")), t.tags()));
        });
        router.put("/api/v1/devices/{mac}/pin", Role.OPERATOR, ex -> {
            PinRequest pr = ex.bodyJson(PinRequest.class);
            if (pr.version() == null || pr.version().isBlank()) {
                throw Rejection.badRequest("body must be {\"version\": \"<release version>\"}");
            }
            ex.audit("version", pr.version());
            ex.json(200, devices.pin(mac(ex.param("mac")), pr.version()));
        });
        router.delete("/api/v1/devices/{mac}/pin", Role.OPERATOR, ex -> ex.json(200, devices.unpin(mac(ex.param("mac")))));
        router.put("/api/v1/devices/{mac}/product", Role.OPERATOR, ex -> {
            String mac = mac(ex.param("mac"));
            MoveRequest m = ex.bodyJson(MoveRequest.class);
            if (m.product() == null) {
                throw Rejection.badRequest("body must be {\"product\": \"<name>\"}: the product the device moves to");
            }
            ex.audit("product", m.product());
            Product to = catalog.requireProduct(m.product());
            // A device known only by its token (issued, never checked in) moves too: it has no
            // record, but its token claims the MAC, and "move it first" must be something one can do.
            if (devices.find(mac).isEmpty() && admission.token(mac).isEmpty()) {
                throw Rejection.notFound("no device " + mac + " (devices register on their first check-in or with a token)");
            }
            devices.move(mac, to);
            admission.rebind(mac, to);
            Optional<Device> moved = devices.find(mac);
            if (moved.isPresent()) {
                ex.json(200, moved.get());
            } else {
                ex.json(200, admission.token(mac).orElseThrow());
            }
        });
        registerSecurity(router);
        registerLifecycle(router);
    }

    /** Archiving products and releases, un-holding a release, deleting a device record (fleet.Lifecycle says when not). */
    private void registerLifecycle(Router router) {
        router.post("/api/v1/products/{product}/archive", Role.ADMIN, ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            // Archiving cannot be undone: the request repeats the name, so a stray call (a script, a
            // wrong path) archives nothing.
            ArchiveRequest a = ex.header("Content-Type") == null ? null : ex.bodyJson(ArchiveRequest.class);
            if (a == null || !p.name().equals(a.confirm())) {
                throw Rejection.badRequest("archiving product '" + p.name() + "' cannot be undone: send {\"confirm\": \"" + p.name()
                        + "\"} (its name) to confirm" + (a == null || a.confirm() == null ? "" : ", got '" + Rejection.echo(a.confirm()) + "'"));
            }
            lifecycle.archive(p);
            ex.json(200, ProductView.of(p));
        });
        router.post("/api/v1/products/{product}/releases/{version}/archive", Role.OPERATOR, ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            Release r = requireRelease(p, ex.param("version"));
            ReleaseView before = releaseViews(p, r).get(0);
            lifecycle.archive(p, r);
            ex.json(200, before);
        });
        router.post("/api/v1/products/{product}/releases/{version}/unhold", Role.OPERATOR, ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            Release r = lifecycle.unhold(p, requireRelease(p, ex.param("version")));
            ex.json(200, releaseViews(p, r).get(0));
        });
        router.delete("/api/v1/devices/{mac}", Role.OPERATOR, ex -> ex.json(200, lifecycle.delete(mac(ex.param("mac")))));
    }

    /** Signing policy and trusted keys, enrollment (allowlists, device tokens). */
    private void registerSecurity(Router router) {
        router.put("/api/v1/products/{product}/policy", Role.ADMIN, ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            PolicyRequest pr = ex.bodyJson(PolicyRequest.class);
            ex.audit("signing", pr.signing());
            ex.audit("enrollment", pr.enrollment());
            if (pr.signing() == null && pr.enrollment() == null) {
                throw Rejection.badRequest("body must name signing (unsigned-allowed|required) and/or enrollment (open|allowlist|token)");
            }
            ex.json(200, ProductView.of(catalog.setPolicies(p,
                    pr.signing() == null ? null : SigningPolicy.parse(pr.signing()),
                    pr.enrollment() == null ? null : Enrollment.parse(pr.enrollment()))));
        });
        router.get("/api/v1/products/{product}/keys", Role.VIEWER, ex -> ex.json(200,
                catalog.keys(catalog.requireProduct(ex.param("product"))).stream().map(KeyView::of).toList()));
        router.post("/api/v1/products/{product}/keys", Role.ADMIN, ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            List<TrustedKey> added = catalog.addKeys(p, pemBody(ex));
            ex.json(added.isEmpty() ? 200 : 201, catalog.keys(p).stream().map(KeyView::of).toList());
        });
        router.put("/api/v1/products/{product}/keys", Role.ADMIN, ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            ex.json(200, catalog.replaceKeys(p, pemBody(ex)).stream().map(KeyView::of).toList());
        });
        router.delete("/api/v1/products/{product}/keys/{key}", Role.ADMIN, ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            ex.json(200, KeyView.of(catalog.removeKey(p, ex.param("key"))));
        });
        router.get("/api/v1/products/{product}/allowlist", Role.VIEWER, ex -> ex.json(200,
                new AllowlistRequest(admission.allowlist(catalog.requireProduct(ex.param("product"))))));
        router.put("/api/v1/products/{product}/allowlist", Role.OPERATOR, ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            ex.json(200, new AllowlistRequest(admission.setAllowlist(p, ex.bodyJson(AllowlistRequest.class).macs())));
        });
        router.post("/api/v1/devices/{mac}/token", Role.OPERATOR, ex -> {
            String mac = mac(ex.param("mac"));
            String productName = ex.header("Content-Type") == null ? null : ex.bodyJson(TokenRequest.class).product();
            if (productName == null) {
                productName = devices.find(mac).map(Device::product).orElseThrow(() -> Rejection.badRequest("device " + mac
                        + " has not checked in yet, so its product is unknown: send {\"product\": \"<name>\"}"));
            }
            ex.audit("product", productName);
            Product product = catalog.requireProduct(productName);
            Long owner = devices.owner(mac);
            if (owner != null && owner != product.id()) {
                // A token would admit the device at a product its record does not belong to, where
                // every check-in is refused as "registered to another product": say so now.
                throw Rejection.conflict("device " + mac + " belongs to product '" + catalog.product(owner).map(Product::name)
                        .orElse("?") + "'; move it first (PUT /api/v1/devices/" + mac + "/product {\"product\": \"" + product.name()
                        + "\"}, updraft device move)");
            }
            var issued = admission.issueToken(mac, product);
            // From now on only a request carrying this token may claim or change the device's record.
            devices.claim(mac, product.id());
            ex.json(201, issued);
        });
        router.get("/api/v1/devices/{mac}/token", Role.VIEWER, ex -> {
            String mac = mac(ex.param("mac"));
            ex.json(200, admission.token(mac).orElseThrow(() -> Rejection.notFound("device " + mac + " has no token")));
        });
        router.delete("/api/v1/devices/{mac}/token", Role.OPERATOR, ex -> {
            String mac = mac(ex.param("mac"));
            var revoked = admission.revokeToken(mac);
            devices.tokenRevoked(mac);
            ex.json(200, revoked);
        });
    }

    /** The product's release named by the path's version text; 404 naming the product when it has none. */
    private Release requireRelease(Product p, String v) {
        return catalog.releases(p).stream().filter(x -> x.version().toString().equals(v)).findFirst()
                .orElseThrow(() -> Rejection.notFound("product '" + p.name() + "' has no release " + Rejection.echo(v)));
    }

    /** Views of the product's releases (newest first), or of {@code only}, with baseline and device counts. */
    private List<ReleaseView> releaseViews(Product p, Release only) {
        Release baseline = org.updraft.server.fleet.UpdatePolicy.baseline(catalog, rollouts, p).orElse(null);
        Map<String, Long> running = devices.runningVersions(p.id());
        return (only == null ? catalog.releases(p) : List.of(only)).stream()
                .map(r -> ReleaseView.of(p, r, baseline != null && baseline.id() == r.id(),
                        running.getOrDefault(r.version().toString(), 0L), damage)).toList();
    }

    /** A PEM body: {@code application/x-pem-file}, {@code application/pkix-key} or {@code text/plain}. */
    private static String pemBody(Exchange ex) throws IOException {
        String ct = ex.header("Content-Type");
        String type = ct == null ? "" : ct.toLowerCase().split(";")[0].strip();
        if (!type.equals("application/x-pem-file") && !type.equals("text/plain") && !type.equals("application/pkix-key")) {
            throw new Rejection(415, "expected Content-Type: application/x-pem-file (or text/plain) with one or more PEM "
                    + "public keys, got " + (ct == null ? "none" : Rejection.echo(ct)));
        }
        byte[] body;
        try (InputStream in = org.eclipse.jetty.server.Request.asInputStream(ex.request())) {
            body = in.readNBytes(MAX_PEM_BODY + 1);
        }
        if (body.length > MAX_PEM_BODY) {
            throw new Rejection(413, "PEM body larger than " + MAX_PEM_BODY + " bytes; upload a few public keys at a time");
        }
        return new String(body, StandardCharsets.US_ASCII);
    }

    private static String mac(String text) {
        try {
            return Mac.parse(text);
        } catch (IllegalArgumentException e) {
            throw Rejection.badRequest(e.getMessage());
        }
    }

    /**
     * {@code multipart/form-data}: text fields version, notes, downgrade; file parts firmware or
     * user1 + user2. Parts spool to disk under the data directory (not held in memory) and are
     * deleted when the request ends, accepted or not.
     */
    private void uploadRelease(Exchange ex) throws IOException {
        Product product = catalog.requireProduct(ex.param("product"));
        String ct = ex.header("Content-Type");
        if (ct == null || !ct.toLowerCase().startsWith("multipart/form-data")) {
            throw new Rejection(415, "expected Content-Type: multipart/form-data with a 'version' field and a 'firmware' "
                    + "(or 'user1' and 'user2') file part, got " + (ct == null ? "none" : Rejection.echo(ct)));
        }
        org.updraft.server.store.DataDirectory.createPrivateDirectories(uploadDir);
        MultiPartConfig config = new MultiPartConfig.Builder()
                .location(uploadDir)
                .maxParts(8)
                .maxPartSize(maxImageBytes)
                .maxSize(3 * maxImageBytes)
                .maxMemoryPartSize(256 * 1024)
                .build();
        MultiPartFormData.Parts parts;
        try {
            parts = MultiPartFormData.getParts(ex.request(), ex.request(), ct, config);
        } catch (RuntimeException e) {
            if (cause(e) instanceof Rejection r) {
                throw r;   // the body reader's own refusal (min-upload-rate: 408)
            }
            if (org.updraft.server.store.StorageHealth.isOutOfSpace(e)) {
                throw e; // the spool filled the disk: not the client's fault (the dispatcher answers 507)
            }
            String msg = rootMessage(e);
            if (msg != null && msg.toLowerCase().contains("max")) {
                throw new Rejection(413, "upload too large: each image may be at most " + maxImageBytes
                        + " bytes (limit max-image-bytes; " + msg + ")");
            }
            throw Rejection.badRequest("malformed multipart body: " + msg);
        }
        try (parts) {
            String version = null;
            String notes = null;
            boolean downgrade = false;
            boolean hold = false;
            String manifest = null;
            Map<ArtifactRole, byte[]> images = new EnumMap<>(ArtifactRole.class);
            Map<String, Integer> seen = new LinkedHashMap<>();
            for (MultiPart.Part part : parts) {
                String name = part.getName();
                if (name == null || !UPLOAD_FIELDS.contains(name)) {
                    throw Rejection.badRequest("unexpected form field '" + name + "'; expected version, notes, downgrade, "
                            + "hold, manifest, firmware, user1, user2");
                }
                String fileName = part.getFileName();
                if (fileName != null && (fileName.contains("/") || fileName.contains("\\") || fileName.contains("..")
                        || fileName.chars().anyMatch(Character::isISOControl))) {
                    throw Rejection.badRequest("file name '" + HeaderText.safe(fileName) + "' of part '" + name
                            + "' is a path or holds control characters; send the bare file name (e.g. firmware.bin)");
                }
                if (seen.merge(name, 1, Integer::sum) > 1) {
                    throw Rejection.badRequest("form field '" + name + "' given more than once");
                }
                switch (name) {
                    case "version" -> version = part.getContentAsString(StandardCharsets.UTF_8).strip();
                    case "notes" -> notes = part.getContentAsString(StandardCharsets.UTF_8);
                    case "downgrade" -> downgrade = parseBoolean("downgrade", part.getContentAsString(StandardCharsets.UTF_8).strip());
                    case "hold" -> hold = parseBoolean("hold", part.getContentAsString(StandardCharsets.UTF_8).strip());
                    case "manifest" -> manifest = part.getContentAsString(StandardCharsets.UTF_8);
                    default -> images.put(ArtifactRole.parse(name), bytes(part));
                }
            }
            ex.audit("version", version);
            Release r = catalog.addRelease(product, version, notes, downgrade, hold, images, manifest);
            ex.json(201, releaseViews(product, r).get(0));
        }
    }

    private static byte[] bytes(MultiPart.Part part) throws IOException {
        try (InputStream in = Content.Source.asInputStream(part.createContentSource())) {
            return in.readAllBytes();
        }
    }

    private static boolean parseBoolean(String field, String s) {
        return switch (s.toLowerCase()) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off", "" -> false;
            default -> throw Rejection.badRequest(field + " must be true or false, got '" + s + "'");
        };
    }

    private static String rootMessage(Throwable e) {
        return cause(e).getMessage();
    }

    private static Throwable cause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
