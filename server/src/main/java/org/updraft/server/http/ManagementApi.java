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
import java.util.Set;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartConfig;
import org.eclipse.jetty.http.MultiPartFormData;
import org.eclipse.jetty.io.Content;
import org.updraft.server.Rejection;
import org.updraft.server.catalog.Artifact;
import org.updraft.server.catalog.ArtifactRole;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;
import org.updraft.server.fleet.Device;
import org.updraft.server.fleet.DeviceRegistry;
import org.updraft.server.fleet.Mac;
import org.updraft.server.rollout.UpdateTracker;

/**
 * The management REST API under {@code /api/v1} (JSON), documented in {@code /api/openapi.yaml}.
 * Errors are {@code {"error": "...", "status": n}} with a message saying what was wrong and what
 * was expected.
 */
public final class ManagementApi {

    /** Largest image part accepted in an upload; larger than any ESP slot (ESP32 apps top out near 8 MB). */
    public static final long MAX_IMAGE_BYTES = 16L << 20;
    private static final Set<String> UPLOAD_FIELDS = Set.of("version", "notes", "downgrade", "hold", "firmware", "user1", "user2");

    private final Catalog catalog;
    private final DeviceRegistry devices;
    private final Path uploadDir;
    private final UpdateTracker updates;

    public ManagementApi(Catalog catalog, DeviceRegistry devices, UpdateTracker updates, Path uploadDir) {
        this.catalog = catalog;
        this.devices = devices;
        this.updates = updates;
        this.uploadDir = uploadDir;
    }

    record ProductView(String name, String chip, String kind, String layout, long flashSize, long slotSize,
                       String updatePath, long healthWindowSeconds, Instant createdAt) {
        static ProductView of(Product p) {
            return new ProductView(p.name(), p.chip(), p.kind().id(), p.layout().id(), p.flashSize(), p.slotSize(),
                    p.updatePath(), p.healthWindow().toSeconds(), p.createdAt());
        }
    }

    record ArtifactView(String role, String sha256, String md5, long size, String format, String chip, String appVersion) {
    }

    record ReleaseView(String product, String version, String notes, boolean downgrade, boolean held, Instant createdAt,
                       List<ArtifactView> artifacts) {
        static ReleaseView of(Product p, Release r) {
            List<ArtifactView> arts = r.artifacts().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .map(e -> {
                        Artifact a = e.getValue();
                        return new ArtifactView(e.getKey().id(), a.sha256(), a.md5(), a.size(), a.format(), a.chip(), a.appVersion());
                    }).toList();
            return new ReleaseView(p.name(), r.version().toString(), r.notes(), r.downgrade(), r.held(), r.createdAt(), arts);
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
        router.post("/api/v1/products", ex -> {
            NewProduct np = ex.bodyJson(NewProduct.class);
            Product p = catalog.createProduct(new Catalog.ProductSpec(np.name(), np.chip(), np.kind(), np.layout(),
                    np.slotSize(), np.updatePath(), np.healthWindowSeconds()));
            ex.json(201, ProductView.of(p));
        });
        router.get("/api/v1/products", ex -> ex.json(200, catalog.products().stream().map(ProductView::of).toList()));
        router.get("/api/v1/products/{product}", ex -> ex.json(200, ProductView.of(catalog.requireProduct(ex.param("product")))));
        router.post("/api/v1/products/{product}/releases", this::uploadRelease);
        router.get("/api/v1/products/{product}/releases", ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            ex.json(200, catalog.releases(p).stream().map(r -> ReleaseView.of(p, r)).toList());
        });
        router.get("/api/v1/products/{product}/releases/{version}", ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            String v = ex.param("version");
            Release r = catalog.releases(p).stream().filter(x -> x.version().toString().equals(v)).findFirst()
                    .orElseThrow(() -> Rejection.notFound("product '" + p.name() + "' has no release " + v));
            ex.json(200, ReleaseView.of(p, r));
        });
        router.get("/api/v1/devices", ex -> {
            String product = ex.query("product");
            if (product != null) {
                catalog.requireProduct(product);
            }
            ex.json(200, devices.list(product, ex.query("version"), ex.query("q")));
        });
        router.get("/api/v1/devices/{mac}", ex -> {
            String mac = mac(ex.param("mac"));
            Device d = devices.find(mac).orElseThrow(() -> Rejection.notFound("no device " + mac
                    + " (devices register on their first check-in)"));
            List<UpdateView> ups = updates.ofDevice(mac).stream().map(u -> new UpdateView(
                    catalog.release(u.releaseId()).map(r -> r.version().toString()).orElse(null), u.rolloutId(), u.state().id(),
                    u.attempts(), u.lastError(), u.offeredAt(), u.downloadedAt(), u.installedAt(), u.finishedAt(),
                    u.nextAttemptAt())).toList();
            ex.json(200, new DeviceView(d, ups));
        });
        router.put("/api/v1/devices/{mac}/tags", ex -> {
            TagsRequest t = ex.bodyJson(TagsRequest.class);
            if (t.tags() == null) {
                throw Rejection.badRequest("body must be {\"tags\": [\"canary\", ...]}");
            }
            ex.json(200, devices.setTags(mac(ex.param("mac")), t.tags()));
        });
        router.put("/api/v1/devices/{mac}/pin", ex -> {
            PinRequest pr = ex.bodyJson(PinRequest.class);
            if (pr.version() == null || pr.version().isBlank()) {
                throw Rejection.badRequest("body must be {\"version\": \"<release version>\"}");
            }
            ex.json(200, devices.pin(mac(ex.param("mac")), pr.version()));
        });
        router.delete("/api/v1/devices/{mac}/pin", ex -> ex.json(200, devices.unpin(mac(ex.param("mac")))));
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
                    + "(or 'user1' and 'user2') file part, got " + (ct == null ? "none" : ct));
        }
        Files.createDirectories(uploadDir);
        MultiPartConfig config = new MultiPartConfig.Builder()
                .location(uploadDir)
                .maxParts(8)
                .maxPartSize(MAX_IMAGE_BYTES)
                .maxSize(3 * MAX_IMAGE_BYTES)
                .maxMemoryPartSize(256 * 1024)
                .build();
        MultiPartFormData.Parts parts;
        try {
            parts = MultiPartFormData.getParts(ex.request(), ex.request(), ct, config);
        } catch (RuntimeException e) {
            String msg = rootMessage(e);
            if (msg != null && msg.toLowerCase().contains("max")) {
                throw new Rejection(413, "upload too large: each image may be at most " + MAX_IMAGE_BYTES + " bytes (" + msg + ")");
            }
            throw Rejection.badRequest("malformed multipart body: " + msg);
        }
        try (parts) {
            String version = null;
            String notes = null;
            boolean downgrade = false;
            boolean hold = false;
            Map<ArtifactRole, byte[]> images = new EnumMap<>(ArtifactRole.class);
            Map<String, Integer> seen = new LinkedHashMap<>();
            for (MultiPart.Part part : parts) {
                String name = part.getName();
                if (name == null || !UPLOAD_FIELDS.contains(name)) {
                    throw Rejection.badRequest("unexpected form field '" + name + "'; expected version, notes, downgrade, "
                            + "hold, firmware, user1, user2");
                }
                if (seen.merge(name, 1, Integer::sum) > 1) {
                    throw Rejection.badRequest("form field '" + name + "' given more than once");
                }
                switch (name) {
                    case "version" -> version = part.getContentAsString(StandardCharsets.UTF_8).strip();
                    case "notes" -> notes = part.getContentAsString(StandardCharsets.UTF_8);
                    case "downgrade" -> downgrade = parseBoolean("downgrade", part.getContentAsString(StandardCharsets.UTF_8).strip());
                    case "hold" -> hold = parseBoolean("hold", part.getContentAsString(StandardCharsets.UTF_8).strip());
                    default -> images.put(ArtifactRole.parse(name), bytes(part));
                }
            }
            Release r = catalog.addRelease(product, version, notes, downgrade, hold, images);
            ex.json(201, ReleaseView.of(product, r));
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
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
