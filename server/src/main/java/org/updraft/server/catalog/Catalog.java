package org.updraft.server.catalog;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;
import org.updraft.core.version.Version;
import org.updraft.server.artifact.ArtifactStore;
import org.updraft.server.problem.Rejection;

/**
 * The firmware repository: products, their releases and the stored artifacts. It is the read
 * model the device check-in, the fleet and the rollouts read, and the one door through which the
 * management API changes the catalog; the work behind that door is done by the parts below.
 *
 * <p>Reads: the database is the truth; all of it is held in memory as well (a fleet has few
 * products and releases), so a device check-in never reads the database for them. The memory
 * view is one immutable {@link Index}, replaced as a whole: readers never block and always see one
 * consistent state. {@link #load} is the only place that fills it from the database.
 *
 * <p>Writes are serialised by this object's monitor. Each runs its rules first — {@link ProductCheck}
 * for a new product, {@link ReleaseIntake} for an upload, {@link TrustedKeys} for keys and the
 * signing policy — then writes the database ({@link CatalogStore}, where all the SQL is), then the
 * memory view.
 *
 * <p>Invariant: a release is visible only after its artifacts are stored (fsync'd, renamed) and
 * its rows are committed. A failed commit deletes the blobs this call created. The whole upload,
 * step by step, is in docs/architecture.md ("The upload flow").
 */
public final class Catalog {

    /**
     * First path segments of the server's own routes (and the UI's), which no product's updatePath
     * may take, in any letter case: /api/v1/..., /u/{product}/..., /health, /metrics.
     * BadInputCatalogueTest checks that every registered route starts with one of them.
     */
    public static final List<String> RESERVED_ROOTS = List.of("/api", "/u", "/ui", "/health", "/ready", "/metrics");

    private final CatalogStore store;
    private final TrustedKeys keys;
    private final Clock clock;
    /** Replaced, never changed: written under this object's monitor, read without it. */
    private volatile Index index = Index.EMPTY;
    private final SteppingStones stones;
    /** Product id to its stepping stone's release id ({@link SteppingStones}); replaced, never changed, like {@link #index}. */
    private volatile Map<Long, Long> steppingStones = Map.of();

    public Catalog(Jdbi jdbi, ArtifactStore store, Clock clock) {
        this.store = new CatalogStore(jdbi, store);
        this.keys = new TrustedKeys(this.store);
        this.stones = new SteppingStones(jdbi);
        this.clock = clock;
        load();
    }

    /** What a new product must say. slotSize and updatePath may be null (layout default, none). */
    public record ProductSpec(String name, String chip, String kind, String layout, Long slotSize, String updatePath,
                              Long healthWindowSeconds) {
    }

    /**
     * Reads products, releases and trusted keys from the database and replaces the memory view
     * with them. The only place that reads the catalog tables for the memory view: at
     * construction, and again (under this monitor) after another instance changed the database
     * (docs/cluster.md).
     */
    public synchronized void load() {
        CatalogStore.Contents contents = store.load();
        keys.reload(contents.keys());
        index = Index.of(contents.products(), contents.releases(), contents.archivedProducts(), contents.archivedReleases());
        steppingStones = stones.load();
    }

    // ---- reads: the check-in, the fleet, the rollouts and the management API ----

    public List<Product> products() {
        return index.byName().values().stream().sorted(Comparator.comparing(Product::name)).toList();
    }

    public Optional<Product> product(String name) {
        return Optional.ofNullable(index.byName().get(name));
    }

    public Optional<Product> product(long id) {
        return Optional.ofNullable(index.byId().get(id));
    }

    public Optional<Product> productByUpdatePath(String path) {
        return Optional.ofNullable(index.byPath().get(path));
    }

    public Product requireProduct(String name) {
        return product(name).orElseThrow(() -> Rejection.notFound("no product named '" + Rejection.echo(name) + "'"));
    }

    /** Releases of a product, newest version first; archived ones are not among them. */
    public List<Release> releases(Product product) {
        return index.releases().getOrDefault(product.id(), List.of());
    }

    /** True when the release was archived: kept for history, never listed, offered or pinned again. */
    public boolean archived(Release release) {
        return index.archivedReleases().contains(release.id());
    }

    public Optional<Release> newestRelease(Product product) {
        List<Release> list = releases(product);
        return list.isEmpty() ? Optional.empty() : Optional.of(list.get(0));
    }

    public Optional<Release> release(Product product, Version version) {
        return releases(product).stream().filter(r -> r.version().equals(version)).findFirst();
    }

    public Optional<Release> release(long id) {
        return Optional.ofNullable(index.releasesById().get(id));
    }

    /** The release one of whose artifacts is installed with this MD5 (ESP8266 sketch-md5), if any. */
    public Optional<Release> releaseByInstalledMd5(Product product, String md5) {
        return withArchived(product).stream().filter(r -> r.containsInstalledMd5(md5)).findFirst();
    }

    /** The release one of whose artifacts has this SHA-256 (ESP32 sketch-sha256), if any. */
    public Optional<Release> releaseBySha256(Product product, String sha256) {
        return withArchived(product).stream().filter(r -> r.containsSha256(sha256)).findFirst();
    }

    /**
     * Every release of the product, archived ones included, newest first: what a device runs is
     * recognised even when its release was archived, and an upload's version and security counter
     * are checked against all of them (a version is never reused).
     */
    private List<Release> withArchived(Product product) {
        return index.allReleases().getOrDefault(product.id(), List.of());
    }

    /** The product's trusted keys, oldest first. */
    public List<TrustedKey> keys(Product product) {
        return keys.of(product.id());
    }

    /** The product's stepping stone (docs/rollouts.md, "Stepping stones for small flash"), if one is designated. */
    public Optional<Release> steppingStone(Product product) {
        return SteppingStones.of(steppingStones, product).flatMap(this::release).filter(r -> r.productId() == product.id());
    }

    /** Whether {@code release} is its product's designated stepping stone. */
    public boolean isSteppingStone(Product product, Release release) {
        return steppingStone(product).filter(s -> s.id() == release.id()).isPresent();
    }

    /** The SHA-256 of every artifact row: the blobs the artifact store must keep. */
    public Set<String> storedArtifacts() {
        return store.artifactDigests();
    }

    // ---- writes: rules, then the database, then the memory view ----

    /** Creates a product; the rules are {@link ProductCheck}'s. */
    public synchronized Product createProduct(ProductSpec spec) {
        // byId holds archived products too: their names and update paths are never reused.
        Product p = store.insertProduct(ProductCheck.check(spec, index.byId().values(), now()));
        index = index.with(p);
        return p;
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
     * Validates and stores a release with an optional signed manifest (its text, or null): the
     * {@link ReleaseIntake} decides (every rule, in its order, before anything is stored), then
     * {@link CatalogStore#insertRelease} stores the images and rows, then the release is indexed.
     */
    public synchronized Release addRelease(Product product, String versionText, String notes, boolean downgrade,
                                           boolean held, Map<ArtifactRole, byte[]> uploads, String manifestText) {
        Product current = product(product.id()).orElse(product);
        AcceptedRelease accepted = ReleaseIntake.admit(current, withArchived(current), keys.of(current.id()),
                new ReleaseUpload(versionText, notes, downgrade, held, uploads, manifestText), clock.instant());
        Release r = store.insertRelease(accepted, now());
        index = index.with(r);
        return r;
    }

    /** Adds PEM public keys to the product's trusted set; returns the keys added ({@link TrustedKeys#add}). */
    public synchronized List<TrustedKey> addKeys(Product product, String pem) {
        return keys.add(product(product.id()).orElseThrow(), pem, now());
    }

    /** Replaces the product's trusted keys with the PEM keys given: key rotation in one step ({@link TrustedKeys#replace}). */
    public synchronized List<TrustedKey> replaceKeys(Product product, String pem) {
        return keys.replace(product(product.id()).orElseThrow(), pem, now());
    }

    /** Removes one trusted key by its id (hex SHA-256) or fingerprint. */
    public synchronized TrustedKey removeKey(Product product, String id) {
        Product current = product(product.id()).orElseThrow();
        return keys.remove(current, id);
    }

    /** Sets the product's signing policy and enrollment (null keeps the current one). */
    public synchronized Product setPolicies(Product product, SigningPolicy signing, Enrollment enrollment) {
        Product current = product(product.id()).orElseThrow();
        Product next = current.withPolicies(signing == null ? current.signing() : signing,
                enrollment == null ? current.enrollment() : enrollment);
        keys.checkPolicy(next);
        store.updatePolicies(next);
        index = index.with(next);
        return next;
    }

    /**
     * Lets a held release reach devices without a rollout: it is held no longer, and becomes the
     * baseline when it is the newest release no rollout holds. The caller has checked that no
     * rollout is under way with it (docs/lifecycle.md).
     */
    public synchronized Release unhold(Release release) {
        Release current = release(release.id()).orElseThrow();
        if (!current.held()) {
            throw Rejection.conflict("release " + current.version() + " is not held");
        }
        store.unhold(current.id());
        Release next = new Release(current.id(), current.productId(), current.version(), current.notes(), current.downgrade(),
                false, current.createdAt(), current.artifacts(), current.securityCounter(), current.signer(), current.manifest());
        Map<Long, Release> all = new HashMap<>(index.releasesById());
        all.put(next.id(), next);
        index = Index.of(index.byId().values(), all.values(), index.archivedProducts(), index.archivedReleases());
        return next;
    }

    /**
     * Archives a release: it is no longer listed, offered, pinnable or the baseline; its rows stay
     * (rollouts and device updates refer to it, and its security counter keeps counting for
     * anti-rollback) and its version is never uploaded again. The caller has checked that nothing
     * uses it ({@code org.updraft.server.fleet.Lifecycle}).
     */
    public synchronized void archive(Release release) {
        if (index.archivedReleases().contains(release.id())) {
            throw Rejection.conflict("release " + release.version() + " is archived already");
        }
        store.archiveRelease(release.id(), now());
        Set<Long> archived = new java.util.HashSet<>(index.archivedReleases());
        archived.add(release.id());
        index = Index.of(index.byId().values(), index.releasesById().values(), index.archivedProducts(), archived);
    }

    /**
     * Archives a product: its name and update path answer 404 from now on (to the management API
     * and to devices alike) and are never given to another product; its rows stay for the history
     * that names it. The caller has checked that it has no releases, devices or tokens left.
     */
    public synchronized void archive(Product product) {
        if (!releases(product).isEmpty()) {
            throw Rejection.conflict("product '" + product.name() + "' still has releases");
        }
        store.archiveProduct(product.id(), now());
        Set<Long> archived = new java.util.HashSet<>(index.archivedProducts());
        archived.add(product.id());
        index = Index.of(index.byId().values(), index.releasesById().values(), archived, index.archivedReleases());
    }

    /**
     * Designates the product's release {@code version} as its stepping stone, replacing any
     * earlier one; the rules are {@link SteppingStones#check}'s (404/409 naming the problem,
     * nothing written).
     */
    public synchronized Release setSteppingStone(Product product, String version) {
        Product current = product(product.id()).orElseThrow();
        Release stone = SteppingStones.check(current, releases(current), version);
        stones.set(current, stone, now());
        Map<Long, Long> next = new HashMap<>(steppingStones);
        next.put(current.id(), stone.id());
        steppingStones = Map.copyOf(next);
        return stone;
    }

    /** Removes the product's stepping stone; 404 when it has none. Returns the release it was. */
    public synchronized Release clearSteppingStone(Product product) {
        Release was = steppingStone(product).orElseThrow(() -> Rejection.notFound("product '" + product.name()
                + "' has no stepping stone"));
        stones.clear(product);
        Map<Long, Long> next = new HashMap<>(steppingStones);
        next.remove(product.id());
        steppingStones = Map.copyOf(next);
        return was;
    }

    private Instant now() {
        // Microseconds: what both databases store, so a value read back equals the value written.
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * The memory view: live products by name and update path, every product by id (archived ones
     * too, for the history that names them); live releases per product id (newest version first),
     * every release per product id and by id. Immutable; a write builds the next one ({@link #with}).
     */
    private record Index(Map<String, Product> byName, Map<Long, Product> byId, Map<String, Product> byPath,
                         Map<Long, List<Release>> releases, Map<Long, List<Release>> allReleases, Map<Long, Release> releasesById,
                         Set<Long> archivedProducts, Set<Long> archivedReleases) {

        static final Index EMPTY = new Index(Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Set.of(), Set.of());

        static Index of(Collection<Product> products, Collection<Release> releases, Set<Long> archivedProducts,
                        Set<Long> archivedReleases) {
            Map<String, Product> names = new HashMap<>();
            Map<Long, Product> ids = new HashMap<>();
            Map<String, Product> paths = new HashMap<>();
            for (Product p : products) {
                ids.put(p.id(), p);
                if (archivedProducts.contains(p.id())) {
                    continue;
                }
                names.put(p.name(), p);
                if (p.updatePath() != null) {
                    paths.put(p.updatePath(), p);
                }
            }
            Map<Long, List<Release>> live = new HashMap<>();
            Map<Long, List<Release>> all = new HashMap<>();
            Map<Long, Release> releaseIds = new HashMap<>();
            for (Release r : releases) {
                all.computeIfAbsent(r.productId(), k -> new ArrayList<>()).add(r);
                if (!archivedReleases.contains(r.id())) {
                    live.computeIfAbsent(r.productId(), k -> new ArrayList<>()).add(r);
                }
                releaseIds.put(r.id(), r);
            }
            live.replaceAll((k, list) -> newestFirst(list));
            all.replaceAll((k, list) -> newestFirst(list));
            return new Index(Map.copyOf(names), Map.copyOf(ids), Map.copyOf(paths), Map.copyOf(live), Map.copyOf(all),
                    Map.copyOf(releaseIds), Set.copyOf(archivedProducts), Set.copyOf(archivedReleases));
        }

        /** This view with {@code p} added, or replacing the product of the same id. */
        Index with(Product p) {
            Map<String, Product> names = new HashMap<>(byName);
            Map<Long, Product> ids = new HashMap<>(byId);
            Map<String, Product> paths = new HashMap<>(byPath);
            names.put(p.name(), p);
            ids.put(p.id(), p);
            if (p.updatePath() != null) {
                paths.put(p.updatePath(), p);
            }
            return new Index(Map.copyOf(names), Map.copyOf(ids), Map.copyOf(paths), releases, allReleases, releasesById,
                    archivedProducts, archivedReleases);
        }

        /** This view with the new release {@code r} added. */
        Index with(Release r) {
            Map<Long, Release> ids = new HashMap<>(releasesById);
            ids.put(r.id(), r);
            return new Index(byName, byId, byPath, add(releases, r), add(allReleases, r), Map.copyOf(ids), archivedProducts,
                    archivedReleases);
        }

        private static Map<Long, List<Release>> add(Map<Long, List<Release>> perProduct, Release r) {
            Map<Long, List<Release>> next = new HashMap<>(perProduct);
            List<Release> list = new ArrayList<>(perProduct.getOrDefault(r.productId(), List.of()));
            list.add(r);
            next.put(r.productId(), newestFirst(list));
            return Map.copyOf(next);
        }

        private static List<Release> newestFirst(List<Release> list) {
            return list.stream().sorted(Comparator.comparing(Release::version).reversed()).toList();
        }
    }
}
