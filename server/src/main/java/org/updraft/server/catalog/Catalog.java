package org.updraft.server.catalog;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.updraft.core.layout.FlashLayout;
import org.updraft.core.sign.ReleaseManifest;
import org.updraft.core.version.Version;
import org.updraft.server.problem.Rejection;
import org.updraft.server.artifact.ArtifactStore;
import org.updraft.server.catalog.ReleaseValidation.ValidatedImage;
import org.updraft.server.store.Sql;

/**
 * The firmware repository: products, their releases and the stored artifacts.
 *
 * <p>The database is the truth; this class keeps all of it in memory as well (a fleet has few
 * products and releases), so a device check-in never reads the database for them. Writes go to
 * the database first, then the memory view; writes are serialised by this object's monitor.
 * Readers see immutable records through concurrent maps and never block.
 *
 * <p>Invariant: a release is visible only after its artifacts are stored (fsync'd, renamed) and
 * its rows are committed. A failed commit deletes the blobs this call created.
 */
public final class Catalog {

    private static final Pattern PRODUCT_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern UPDATE_PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");
    /**
     * First path segments of the server's own routes (and the UI's), which no product's updatePath
     * may take, in any letter case: /api/v1/..., /u/{product}/..., /health, /metrics. A test checks
     * that every registered route starts with one of them.
     */
    public static final List<String> RESERVED_ROOTS = List.of("/api", "/u", "/ui", "/health", "/metrics");

    private final Jdbi jdbi;
    private final ArtifactStore store;
    private final Clock clock;
    private final Map<String, Product> productsByName = new ConcurrentHashMap<>();
    private final Map<Long, Product> productsById = new ConcurrentHashMap<>();
    private final Map<String, Product> productsByPath = new ConcurrentHashMap<>();
    /** Per product id: releases newest first. */
    private final Map<Long, List<Release>> releases = new ConcurrentHashMap<>();
    private final Map<Long, Release> releasesById = new ConcurrentHashMap<>();
    private final TrustedKeys keys;

    public Catalog(Jdbi jdbi, ArtifactStore store, Clock clock) {
        this.jdbi = jdbi;
        this.store = store;
        this.clock = clock;
        this.keys = new TrustedKeys(jdbi);
        load();
    }

    /** What a new product must say. slotSize and updatePath may be null (layout default, none). */
    public record ProductSpec(String name, String chip, String kind, String layout, Long slotSize, String updatePath,
                              Long healthWindowSeconds) {
    }

    public synchronized Product createProduct(ProductSpec spec) {
        if (spec.name() == null || !PRODUCT_NAME.matcher(spec.name()).matches()) {
            throw Rejection.badRequest("product name '" + spec.name() + "' is not valid: use 1-64 characters a-z 0-9 . _ -, "
                    + "starting with a letter or digit");
        }
        if (productsByName.containsKey(spec.name())) {
            throw Rejection.conflict("product '" + spec.name() + "' already exists");
        }
        if (spec.layout() == null) {
            throw Rejection.badRequest("layout is required; one of " + layoutIds());
        }
        FlashLayout layout;
        try {
            layout = FlashLayout.byId(spec.layout());
        } catch (IllegalArgumentException e) {
            throw Rejection.badRequest(e.getMessage());
        }
        String layoutChip = layout.chip().displayName().toLowerCase();
        String chip = spec.chip() == null ? layoutChip : spec.chip().toLowerCase();
        if (chip.startsWith("esp32") != layoutChip.startsWith("esp32")) {
            throw Rejection.badRequest("chip " + chip + " does not match layout " + layout.id() + " (a " + layout.chip().displayName()
                    + " layout)");
        }
        if (!chip.equals("esp8266") && !chip.matches("esp32(-[a-z0-9]{2})?")) {
            throw Rejection.badRequest("unknown chip '" + spec.chip() + "'; expected esp8266, esp32, esp32-s2, esp32-s3, esp32-c3, "
                    + "esp32-c2, esp32-c6, esp32-h2, esp32-p4 or esp32-c5");
        }
        ProductKind kind;
        if (spec.kind() == null) {
            kind = layout.id().startsWith("nonos") ? ProductKind.NONOS
                    : layout.id().startsWith("esp32") ? ProductKind.ESP_IDF : ProductKind.ARDUINO;
        } else {
            try {
                kind = ProductKind.parse(spec.kind());
            } catch (IllegalArgumentException e) {
                throw Rejection.badRequest(e.getMessage());
            }
        }
        boolean nonosLayout = layout.id().startsWith("nonos");
        if ((kind == ProductKind.NONOS) != nonosLayout || (kind == ProductKind.ESP_IDF) != chip.startsWith("esp32")) {
            throw Rejection.badRequest("kind " + kind.id() + " does not fit layout " + layout.id()
                    + " (nonos needs a nonos-* layout, esp-idf an esp32 layout, arduino an arduino-* layout)");
        }
        long slot = spec.slotSize() == null ? layout.slotSize() : spec.slotSize();
        if (slot <= 0 || slot > layout.slotSize()) {
            throw Rejection.badRequest("slotSize " + slot + " must be between 1 and " + layout.slotSize()
                    + " (the largest image layout " + layout.id() + " can stage)");
        }
        String path = spec.updatePath();
        if (path != null) {
            if (!UPDATE_PATH.matcher(path).matches() || path.contains("/./") || path.contains("/../")
                    || path.endsWith("/.") || path.endsWith("/..")) {
                throw Rejection.badRequest("updatePath '" + Rejection.echo(path) + "' is not valid: an absolute path of letters, "
                        + "digits and . _ ~ -, without . or .. segments");
            }
            String root = path.toLowerCase(Locale.ROOT).split("/", 3)[1];
            if (RESERVED_ROOTS.contains("/" + root)) {
                throw Rejection.badRequest("updatePath '" + Rejection.echo(path) + "' is not valid: it lies under /" + root
                        + ", which the server's own routes use (in any letter case, paths under " + String.join(", ", RESERVED_ROOTS)
                        + " are reserved)");
            }
            for (Product other : productsByPath.values()) {
                if (other.updatePath().equalsIgnoreCase(path)) {
                    throw Rejection.conflict("updatePath " + path + " is already used by product '" + other.name() + "'"
                            + (other.updatePath().equals(path) ? "" : " as " + other.updatePath() + " (paths differing only in case clash)"));
                }
            }
        }
        long window = spec.healthWindowSeconds() == null ? 300 : spec.healthWindowSeconds();
        if (window < 0 || window > 30L * 24 * 3600) {
            throw Rejection.badRequest("healthWindowSeconds must be within 0..2592000 (30 days), was " + window);
        }
        Instant now = now();
        long id = jdbi.withHandle(h -> h.createUpdate("""
                        INSERT INTO product (name, chip, kind, layout, flash_size, slot_size, update_path, health_window_seconds,
                            created_at)
                        VALUES (:name, :chip, :kind, :layout, :flash, :slot, :path, :window, :at)""")
                .bind("name", spec.name()).bind("chip", chip).bind("kind", kind.id()).bind("layout", layout.id())
                .bind("flash", layout.flashSize()).bind("slot", slot).bind("path", path).bind("window", window)
                .bind("at", Sql.utc(now))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
        Product p = new Product(id, spec.name(), chip, kind, layout, layout.flashSize(), slot, path,
                java.time.Duration.ofSeconds(window), now, SigningPolicy.UNSIGNED_ALLOWED, Enrollment.OPEN);
        index(p);
        return p;
    }

    public List<Product> products() {
        return productsByName.values().stream().sorted(Comparator.comparing(Product::name)).toList();
    }

    public Optional<Product> product(String name) {
        return Optional.ofNullable(productsByName.get(name));
    }

    public Optional<Product> product(long id) {
        return Optional.ofNullable(productsById.get(id));
    }

    public Optional<Product> productByUpdatePath(String path) {
        return Optional.ofNullable(productsByPath.get(path));
    }

    /** The SHA-256 of every artifact row: the blobs the artifact store must keep. */
    public java.util.Set<String> storedArtifacts() {
        return java.util.Set.copyOf(jdbi.withHandle(h -> h.createQuery("SELECT sha256 FROM artifact").mapTo(String.class).list()));
    }

    public Product requireProduct(String name) {
        return product(name).orElseThrow(() -> Rejection.notFound("no product named '" + Rejection.echo(name) + "'"));
    }

    /** Releases of a product, newest version first. */
    public List<Release> releases(Product product) {
        return releases.getOrDefault(product.id(), List.of());
    }

    public Optional<Release> newestRelease(Product product) {
        List<Release> list = releases(product);
        return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
    }

    public Optional<Release> release(Product product, Version version) {
        return releases(product).stream().filter(r -> r.version().equals(version)).findFirst();
    }

    public Optional<Release> release(long id) {
        return Optional.ofNullable(releasesById.get(id));
    }

    /** The release one of whose artifacts is installed with this MD5 (ESP8266 sketch-md5), if any. */
    public Optional<Release> releaseByInstalledMd5(Product product, String md5) {
        return releases(product).stream().filter(r -> r.containsInstalledMd5(md5)).findFirst();
    }

    /** The release one of whose artifacts has this SHA-256 (ESP32 sketch-sha256), if any. */
    public Optional<Release> releaseBySha256(Product product, String sha256) {
        return releases(product).stream().filter(r -> r.containsSha256(sha256)).findFirst();
    }

    /**
     * Validates and stores a release. Rejections (bad version, duplicate, bad image, ...) happen
     * before anything is written.
     */
    public synchronized Release addRelease(Product product, String versionText, String notes, boolean downgrade,
                                           boolean held, Map<ArtifactRole, byte[]> uploads) {
        return addRelease(product, versionText, notes, downgrade, held, uploads, null);
    }

    /**
     * Validates and stores a release with an optional signed manifest (its text, or null). After
     * the image checks: each image's signature against the product's signing policy and trusted
     * keys ({@link SignatureCheck}); the manifest ({@link ManifestCheck}); then the security counter
     * (the manifest's, 0 without one) must not be lower than the product's highest unless the
     * release is marked as a downgrade.
     */
    public synchronized Release addRelease(Product product, String versionText, String notes, boolean downgrade,
                                           boolean held, Map<ArtifactRole, byte[]> uploads, String manifestText) {
        product = product(product.id()).orElse(product);
        if (versionText == null || versionText.isBlank()) {
            throw Rejection.badRequest("version is required (e.g. 1.2.0 or 2)");
        }
        Version version;
        try {
            version = Version.parse(versionText);
        } catch (IllegalArgumentException e) {
            throw Rejection.badRequest("version '" + Rejection.echo(versionText) + "' is not valid: " + e.getMessage());
        }
        if (notes != null && notes.length() > 2000) {
            throw Rejection.badRequest("notes are " + notes.length() + " characters; at most 2000 are kept");
        }
        if (release(product, version).isPresent()) {
            throw Rejection.conflict("product '" + product.name() + "' already has release " + version
                    + "; releases are immutable, upload a new version");
        }
        Optional<Release> newest = newestRelease(product);
        if (newest.isPresent() && version.compareTo(newest.get().version()) < 0 && !downgrade) {
            throw Rejection.conflict("version " + version + " is lower than the newest release " + newest.get().version()
                    + " of '" + product.name() + "'; devices never move to a lower version unless the release is marked "
                    + "as a downgrade (downgrade=true)");
        }
        Map<ArtifactRole, ValidatedImage> images = ReleaseValidation.validate(product, uploads);
        List<TrustedKey> trusted = keys.of(product.id());
        String signer = null;
        for (ValidatedImage img : images.values()) {
            String s = SignatureCheck.signer(product, img.role().id() + " image", img.bytes(), img.image(), trusted);
            signer = signer == null ? s : signer;
        }
        ReleaseManifest manifest = manifestText == null ? null
                : ManifestCheck.check(product, version, manifestText, images, trusted, clock.instant());
        long counter = manifest == null ? 0 : manifest.securityCounter();
        Optional<Release> highest = releases(product).stream().max(Comparator.comparingLong(Release::securityCounter));
        if (highest.isPresent() && counter < highest.get().securityCounter() && !downgrade) {
            throw Rejection.conflict("security counter " + counter + (manifest == null ? " (a release without a manifest)" : "")
                    + " is lower than " + highest.get().securityCounter() + " of release " + highest.get().version()
                    + "; a device that ran that release never accepts it — raise the counter, or mark the release "
                    + "as a downgrade (downgrade=true) to keep it for devices below that counter");
        }
        final long securityCounter = counter;
        final String signedBy = signer;
        final String manifestStored = manifest == null ? null : manifest.text();
        final Product target = product;

        List<String> created = new ArrayList<>();
        try {
            for (ValidatedImage img : images.values()) {
                if (store.put(img.bytes())) {
                    created.add(img.sha256());
                }
            }
            Instant now = now();
            Map<ArtifactRole, Artifact> artifacts = new EnumMap<>(ArtifactRole.class);
            long id = jdbi.inTransaction(h -> {
                for (ValidatedImage img : images.values()) {
                    Artifact a = new Artifact(img.sha256(), img.md5(), img.installedMd5(), img.installedSha256(), img.bytes().length,
                            img.image().format().name(), img.image().chip().displayName(),
                            img.image().app().map(d -> d.version()).orElse(null), now);
                    artifacts.put(img.role(), insertArtifactIfAbsent(h, a));
                }
                long rid = h.createUpdate("""
                                INSERT INTO firmware_release (product_id, version, notes, downgrade, held, created_at,
                                    security_counter, signer, manifest)
                                VALUES (:p, :v, :n, :d, :held, :at, :counter, :signer, :manifest)""")
                        .bind("p", target.id()).bind("v", version.toString()).bind("n", notes).bind("d", downgrade)
                        .bind("held", held).bind("counter", securityCounter).bind("signer", signedBy)
                        .bind("manifest", manifestStored)
                        .bind("at", Sql.utc(now))
                        .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
                for (var e : artifacts.entrySet()) {
                    h.createUpdate("INSERT INTO release_artifact (release_id, role, sha256) VALUES (:r, :role, :sha)")
                            .bind("r", rid).bind("role", e.getKey().id()).bind("sha", e.getValue().sha256()).execute();
                }
                return rid;
            });
            Release r = new Release(id, product.id(), version, notes, downgrade, held, now, artifacts, securityCounter,
                    signedBy, manifestStored);
            index(r);
            return r;
        } catch (RuntimeException e) {
            created.forEach(store::delete);
            throw e;
        }
    }

    /** The product's trusted keys, oldest first. */
    public List<TrustedKey> keys(Product product) {
        return keys.of(product.id());
    }

    /** Most keys one product trusts (rotation needs old + new; more is a mistake). */
    static final int MAX_KEYS = 16;

    /**
     * Adds PEM public keys to the product's trusted set (keys already trusted are kept as they
     * are). Returns the keys added. See {@link #replaceKeys} for the rules.
     */
    public synchronized List<TrustedKey> addKeys(Product product, String pem) {
        List<TrustedKey> current = keys.of(product.id());
        List<TrustedKey> added = new ArrayList<>();
        for (TrustedKey k : parseKeys(product, pem)) {
            if (current.stream().noneMatch(c -> c.keyId().equals(k.keyId())) && added.stream().noneMatch(c -> c.keyId().equals(k.keyId()))) {
                added.add(k);
            }
        }
        List<TrustedKey> all = new ArrayList<>(current);
        all.addAll(added);
        store(product(product.id()).orElseThrow(), all);
        return added;
    }

    /**
     * Replaces the product's trusted keys with the PEM keys given (one or more {@code BEGIN PUBLIC
     * KEY} blocks): key rotation in one step. Refused: text that holds no key or a broken one; an
     * ECDSA key for an ESP8266 product (the stock Updater cannot verify ECDSA, so every image
     * signed with it would brick nothing but fail on every device); more than {@link #MAX_KEYS}
     * keys; a set without an image key while the product requires signatures.
     */
    public synchronized List<TrustedKey> replaceKeys(Product product, String pem) {
        List<TrustedKey> current = keys.of(product.id());
        List<TrustedKey> next = new ArrayList<>();
        for (TrustedKey k : parseKeys(product, pem)) {
            if (next.stream().noneMatch(c -> c.keyId().equals(k.keyId()))) {
                next.add(current.stream().filter(c -> c.keyId().equals(k.keyId())).findFirst().orElse(k));
            }
        }
        store(product(product.id()).orElseThrow(), next);
        return keys.of(product.id());
    }

    /** Removes one trusted key by its id (hex SHA-256) or fingerprint. */
    public synchronized TrustedKey removeKey(Product product, String id) {
        List<TrustedKey> current = keys.of(product.id());
        TrustedKey gone = current.stream().filter(k -> k.keyId().equals(id.toLowerCase()) || k.fingerprint().equals(id)).findFirst()
                .orElseThrow(() -> Rejection.notFound("product '" + product.name() + "' trusts no key " + id + "; its keys: "
                        + (current.isEmpty() ? "none" : String.join(", ", current.stream().map(TrustedKey::keyId).toList()))));
        List<TrustedKey> rest = new ArrayList<>(current);
        rest.remove(gone);
        store(product(product.id()).orElseThrow(), rest);
        return gone;
    }

    private void store(Product product, List<TrustedKey> next) {
        if (next.size() > MAX_KEYS) {
            throw Rejection.unprocessable("product '" + product.name() + "' would trust " + next.size() + " keys; at most "
                    + MAX_KEYS + " (remove old ones first)");
        }
        if (product.signing() == SigningPolicy.REQUIRED && next.stream().noneMatch(TrustedKey::checksImages)) {
            throw Rejection.conflict("product '" + product.name() + "' requires signed images: it must keep at least one "
                    + "image key (RSA-2048" + (product.esp8266() ? "" : " or ECDSA P-256") + "); add the new key before "
                    + "removing the old one, or set signing to unsigned-allowed first");
        }
        keys.replace(product.id(), next);
    }

    private List<TrustedKey> parseKeys(Product product, String pem) {
        if (pem == null || pem.isBlank()) {
            throw Rejection.badRequest("expected one or more PEM public keys (-----BEGIN PUBLIC KEY-----), got an empty body");
        }
        List<TrustedKey> out = new ArrayList<>();
        Instant now = now();
        java.util.regex.Matcher m = PEM_BLOCK.matcher(pem);
        int n = 0;
        while (m.find()) {
            n++;
            if (m.group(1).contains("PRIVATE")) {
                throw Rejection.unprocessable("key rejected: PEM block " + n + " is a " + m.group(1) + "; upload only the public "
                        + "half (BEGIN PUBLIC KEY, written by updraft keygen beside the private key) and keep the private key "
                        + "off the server");
            }
            org.updraft.core.sign.VerifyingKey key;
            try {
                key = org.updraft.core.sign.VerifyingKey.parse(m.group(), "PEM block " + n);
            } catch (IllegalArgumentException e) {
                throw Rejection.unprocessable("key rejected: " + e.getMessage());
            }
            if (product.esp8266() && key.algorithm() == org.updraft.core.sign.KeyAlgorithm.ECDSA_P256) {
                throw Rejection.unprocessable("key rejected: " + key + " is ECDSA P-256, but product '" + product.name()
                        + "' is ESP8266: the stock Updater expects a 65-byte ECDSA signature and its verifier refuses odd "
                        + "lengths, so no ECDSA-signed image can install; use an RSA-2048 key (updraft keygen --type rsa-2048)");
            }
            out.add(TrustedKey.of(key, now));
        }
        if (n == 0) {
            throw Rejection.badRequest("expected one or more PEM public keys (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----), "
                    + "found none");
        }
        return out;
    }

    private static final Pattern PEM_BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----[\\s\\S]*?-----END \\1-----");

    /** Sets the product's signing policy and enrollment (null keeps the current one). */
    public synchronized Product setPolicies(Product product, SigningPolicy signing, Enrollment enrollment) {
        Product current = product(product.id()).orElseThrow();
        SigningPolicy s = signing == null ? current.signing() : signing;
        Enrollment e = enrollment == null ? current.enrollment() : enrollment;
        if (s == SigningPolicy.REQUIRED && keys.of(product.id()).stream().noneMatch(TrustedKey::checksImages)) {
            throw Rejection.conflict("product '" + product.name() + "' has no trusted image key; add one (POST /api/v1/products/"
                    + product.name() + "/keys, an RSA-2048 public key" + (product.esp8266() ? "" : " or ECDSA P-256")
                    + ") before requiring signatures");
        }
        jdbi.useHandle(h -> h.createUpdate("UPDATE product SET signing = :s, enrollment = :e WHERE id = :id")
                .bind("s", s.id()).bind("e", e.id()).bind("id", product.id()).execute());
        Product next = current.withPolicies(s, e);
        index(next);
        return next;
    }

    private static Artifact insertArtifactIfAbsent(Handle h, Artifact a) {
        Optional<Artifact> existing = h.createQuery("SELECT * FROM artifact WHERE sha256 = :s").bind("s", a.sha256())
                .map((rs, ctx) -> artifact(rs)).findOne();
        if (existing.isPresent()) {
            return existing.get();
        }
        h.createUpdate("""
                        INSERT INTO artifact (sha256, md5, installed_md5, installed_sha256, size, format, chip, app_version, created_at)
                        VALUES (:sha, :md5, :imd5, :isha, :size, :format, :chip, :appv, :at)""")
                .bind("sha", a.sha256()).bind("md5", a.md5()).bind("imd5", a.installedMd5()).bind("isha", a.installedSha256()).bind("size", a.size())
                .bind("format", a.format()).bind("chip", a.chip()).bind("appv", a.appVersion())
                .bind("at", Sql.utc(a.createdAt())).execute();
        return a;
    }

    private void load() {
        jdbi.useHandle(h -> {
            h.createQuery("SELECT * FROM product").map((rs, ctx) -> product(rs)).forEach(this::index);
            Map<String, Artifact> artifacts = new HashMap<>();
            h.createQuery("SELECT * FROM artifact").map((rs, ctx) -> artifact(rs)).forEach(a -> artifacts.put(a.sha256(), a));
            Map<Long, Map<ArtifactRole, Artifact>> roles = new HashMap<>();
            h.createQuery("SELECT release_id, role, sha256 FROM release_artifact").map((rs, ctx) -> {
                roles.computeIfAbsent(rs.getLong("release_id"), k -> new EnumMap<>(ArtifactRole.class))
                        .put(ArtifactRole.parse(rs.getString("role")), artifacts.get(rs.getString("sha256")));
                return 0;
            }).list();
            h.createQuery("SELECT * FROM firmware_release").map((rs, ctx) -> new Release(rs.getLong("id"),
                            rs.getLong("product_id"), Version.parse(rs.getString("version")), rs.getString("notes"),
                            rs.getBoolean("downgrade"), rs.getBoolean("held"), Sql.instant(rs, "created_at"),
                            roles.getOrDefault(rs.getLong("id"), Map.of()), rs.getLong("security_counter"),
                            rs.getString("signer"), rs.getString("manifest")))
                    .forEach(this::index);
        });
    }

    private void index(Product p) {
        productsByName.put(p.name(), p);
        productsById.put(p.id(), p);
        if (p.updatePath() != null) {
            productsByPath.put(p.updatePath(), p);
        }
    }

    private void index(Release r) {
        releasesById.put(r.id(), r);
        releases.compute(r.productId(), (k, old) -> {
            List<Release> list = new ArrayList<>(old == null ? List.of() : old);
            list.add(r);
            list.sort(Comparator.comparing(Release::version).reversed());
            return new CopyOnWriteArrayList<>(list);
        });
    }

    private static Product product(ResultSet rs) throws SQLException {
        return new Product(rs.getLong("id"), rs.getString("name"), rs.getString("chip"), ProductKind.parse(rs.getString("kind")),
                FlashLayout.byId(rs.getString("layout")), rs.getLong("flash_size"), rs.getLong("slot_size"),
                rs.getString("update_path"), java.time.Duration.ofSeconds(rs.getLong("health_window_seconds")),
                Sql.instant(rs, "created_at"), SigningPolicy.parse(rs.getString("signing")),
                Enrollment.parse(rs.getString("enrollment")));
    }

    private static Artifact artifact(ResultSet rs) throws SQLException {
        return new Artifact(rs.getString("sha256"), rs.getString("md5"), rs.getString("installed_md5"),
                rs.getString("installed_sha256"), rs.getLong("size"),
                rs.getString("format"), rs.getString("chip"), rs.getString("app_version"), Sql.instant(rs, "created_at"));
    }

    private Instant now() {
        // Microseconds: what both databases store, so a value read back equals the value written.
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static String layoutIds() {
        return String.join(", ", java.util.Arrays.stream(FlashLayout.values()).map(FlashLayout::id).toList());
    }
}
