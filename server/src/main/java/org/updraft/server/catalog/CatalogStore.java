package org.updraft.server.catalog;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.updraft.core.layout.FlashLayout;
import org.updraft.core.sign.VerifyingKey;
import org.updraft.core.version.Version;
import org.updraft.server.artifact.ArtifactStore;
import org.updraft.server.catalog.ReleaseValidation.ValidatedImage;
import org.updraft.server.store.Sql;

/**
 * The catalog's storage: every SQL statement on the tables {@code product}, {@code firmware_release},
 * {@code artifact}, {@code release_artifact} and {@code product_key}, and the release images in the
 * {@link ArtifactStore}. It applies no rule; the {@link Catalog} calls it only with what the rules
 * accepted, and keeps the memory view.
 *
 * <p>Invariant of {@link #insertRelease}: the blobs are stored (fsync'd, renamed into place)
 * before the rows commit, and the rows commit in one transaction together with the bytes in the
 * store the files cache ({@link ArtifactStore#backing}: the database), so another instance that
 * finds the rows finds the bytes; when the transaction fails, the
 * blobs this call created are deleted again. A blob an earlier release already holds (images are
 * content-addressed) is never deleted here. A crash between the two steps leaves only blobs no
 * row names, which the start-up sweep removes ({@link #artifactDigests}).
 */
final class CatalogStore {

    private final Jdbi jdbi;
    private final ArtifactStore blobs;

    CatalogStore(Jdbi jdbi, ArtifactStore blobs) {
        this.jdbi = jdbi;
        this.blobs = blobs;
    }

    /** Everything the catalog tables hold; {@code keys} per product id, in table order. */
    record Contents(List<Product> products, List<Release> releases, Map<Long, List<TrustedKey>> keys, Set<Long> archivedProducts,
                    Set<Long> archivedReleases) {
    }

    /**
     * Reads every product, release (with its artifacts) and trusted key through one handle. Not in a
     * transaction on SQLite: there every transaction is IMMEDIATE and would take the write lock (and
     * the one writer is this process, under the catalog's monitor). On PostgreSQL, where another
     * instance may be storing a release meanwhile, in one REPEATABLE READ transaction: every query
     * reads the same snapshot, so a release is never read without the artifact rows committed with it.
     */
    Contents load() {
        return jdbi.withHandle(h -> isPostgres(h)
                ? h.inTransaction(org.jdbi.v3.core.transaction.TransactionIsolationLevel.REPEATABLE_READ, CatalogStore::read)
                : read(h));
    }

    private static boolean isPostgres(org.jdbi.v3.core.Handle h) {
        try {
            return h.getConnection().getMetaData().getDatabaseProductName().equals("PostgreSQL");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot tell the database engine: " + e.getMessage(), e);
        }
    }

    private static Contents read(org.jdbi.v3.core.Handle h) {
        List<Product> products = h.createQuery("SELECT * FROM product").map((rs, ctx) -> product(rs)).list();
        Set<Long> archivedProducts = Set.copyOf(h.createQuery("SELECT id FROM product WHERE archived_at IS NOT NULL")
                .mapTo(Long.class).list());
        Set<Long> archivedReleases = Set.copyOf(h.createQuery("SELECT id FROM firmware_release WHERE archived_at IS NOT NULL")
                .mapTo(Long.class).list());
        Map<String, Artifact> artifacts = new HashMap<>();
        h.createQuery("SELECT * FROM artifact").map((rs, ctx) -> artifact(rs)).forEach(a -> artifacts.put(a.sha256(), a));
        Map<Long, Map<ArtifactRole, Artifact>> roles = new HashMap<>();
        h.createQuery("SELECT release_id, role, sha256 FROM release_artifact").map((rs, ctx) -> {
            roles.computeIfAbsent(rs.getLong("release_id"), k -> new EnumMap<>(ArtifactRole.class))
                    .put(ArtifactRole.parse(rs.getString("role")), artifacts.get(rs.getString("sha256")));
            return 0;
        }).list();
        List<Release> releases = h.createQuery("SELECT * FROM firmware_release").map((rs, ctx) -> new Release(rs.getLong("id"),
                        rs.getLong("product_id"), Version.parse(rs.getString("version")), rs.getString("notes"),
                        rs.getBoolean("downgrade"), rs.getBoolean("held"), Sql.instant(rs, "created_at"),
                        roles.getOrDefault(rs.getLong("id"), Map.of()), rs.getLong("security_counter"),
                        rs.getString("signer"), rs.getString("manifest")))
                .list();
        Map<Long, List<TrustedKey>> keys = new HashMap<>();
        h.createQuery("SELECT product_id, pem, created_at FROM product_key")
                .map((rs, ctx) -> Map.entry(rs.getLong("product_id"),
                        TrustedKey.of(VerifyingKey.parse(rs.getString("pem"), "product_key"), Sql.instant(rs, "created_at"))))
                .forEach(e -> keys.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
        return new Contents(products, releases, keys, archivedProducts, archivedReleases);
    }

    /** Inserts a product {@link ProductCheck} accepted (its id is ignored); returns it with the id the database gave it. */
    Product insertProduct(Product p) {
        long id = jdbi.withHandle(h -> h.createUpdate("""
                        INSERT INTO product (name, chip, kind, layout, flash_size, slot_size, update_path, health_window_seconds,
                            created_at)
                        VALUES (:name, :chip, :kind, :layout, :flash, :slot, :path, :window, :at)""")
                .bind("name", p.name()).bind("chip", p.chip()).bind("kind", p.kind().id()).bind("layout", p.layout().id())
                .bind("flash", p.flashSize()).bind("slot", p.slotSize()).bind("path", p.updatePath())
                .bind("window", p.healthWindow().toSeconds()).bind("at", Sql.utc(p.createdAt()))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
        return new Product(id, p.name(), p.chip(), p.kind(), p.layout(), p.flashSize(), p.slotSize(), p.updatePath(),
                p.healthWindow(), p.createdAt(), p.signing(), p.enrollment());
    }

    /** Marks the product archived (Catalog#archive(Product)). */
    void archiveProduct(long id, Instant at) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE product SET archived_at = :at WHERE id = :id")
                .bind("at", Sql.utc(at)).bind("id", id).execute());
    }

    /** Marks the release archived (Catalog#archive(Release)). */
    void archiveRelease(long id, Instant at) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE firmware_release SET archived_at = :at WHERE id = :id")
                .bind("at", Sql.utc(at)).bind("id", id).execute());
    }

    /** The release is held no longer (Catalog#unhold). */
    void unhold(long id) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE firmware_release SET held = :held WHERE id = :id")
                .bind("held", false).bind("id", id).execute());
    }

    /** Writes the product's signing policy and enrollment. */
    void updatePolicies(Product p) {
        jdbi.useHandle(h -> h.createUpdate("UPDATE product SET signing = :s, enrollment = :e WHERE id = :id")
                .bind("s", p.signing().id()).bind("e", p.enrollment().id()).bind("id", p.id()).execute());
    }

    /**
     * Stores a release the {@link ReleaseIntake} accepted: its images as blobs, then its rows in one
     * transaction (artifact rows shared with earlier releases are reused). See the class comment for
     * what is on disk when this fails.
     */
    Release insertRelease(AcceptedRelease accepted, Instant now) {
        List<String> created = new ArrayList<>();
        try {
            for (ValidatedImage img : accepted.images().values()) {
                if (blobs.put(img.bytes())) {
                    created.add(img.sha256());
                }
            }
            Map<ArtifactRole, Artifact> artifacts = new EnumMap<>(ArtifactRole.class);
            long id = jdbi.inTransaction(h -> {
                for (ValidatedImage img : accepted.images().values()) {
                    blobs.backing().ifPresent(b -> b.put(h, img.sha256(), img.bytes()));
                    Artifact a = new Artifact(img.sha256(), img.md5(), img.installedMd5(), img.installedSha256(), img.bytes().length,
                            img.format(), img.image() != null ? img.image().chip().displayName() : accepted.product().layout().chip().displayName(),
                            img.image() == null ? null : img.image().app().map(d -> d.version()).orElse(null), now);
                    artifacts.put(img.role(), insertArtifactIfAbsent(h, a));
                }
                long rid = h.createUpdate("""
                                INSERT INTO firmware_release (product_id, version, notes, downgrade, held, created_at,
                                    security_counter, signer, manifest)
                                VALUES (:p, :v, :n, :d, :held, :at, :counter, :signer, :manifest)""")
                        .bind("p", accepted.product().id()).bind("v", accepted.version().toString()).bind("n", accepted.notes())
                        .bind("d", accepted.downgrade()).bind("held", accepted.held()).bind("counter", accepted.securityCounter())
                        .bind("signer", accepted.signer()).bind("manifest", accepted.manifest())
                        .bind("at", Sql.utc(now))
                        .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one();
                for (var e : artifacts.entrySet()) {
                    h.createUpdate("INSERT INTO release_artifact (release_id, role, sha256) VALUES (:r, :role, :sha)")
                            .bind("r", rid).bind("role", e.getKey().id()).bind("sha", e.getValue().sha256()).execute();
                }
                return rid;
            });
            return new Release(id, accepted.product().id(), accepted.version(), accepted.notes(), accepted.downgrade(),
                    accepted.held(), now, artifacts, accepted.securityCounter(), accepted.signer(), accepted.manifest());
        } catch (RuntimeException e) {
            created.forEach(blobs::delete);
            throw e;
        }
    }

    /** Replaces the product's trusted keys with {@code keys} in one transaction. */
    void replaceKeys(long productId, List<TrustedKey> keys) {
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM product_key WHERE product_id = :p").bind("p", productId).execute();
            for (TrustedKey k : keys) {
                h.createUpdate("""
                                INSERT INTO product_key (product_id, key_id, fingerprint, algorithm, pem, created_at)
                                VALUES (:p, :id, :fp, :alg, :pem, :at)""")
                        .bind("p", productId).bind("id", k.keyId()).bind("fp", k.fingerprint())
                        .bind("alg", k.algorithm().cliName()).bind("pem", k.key().pem()).bind("at", Sql.utc(k.createdAt()))
                        .execute();
            }
        });
    }

    /** The SHA-256 of every artifact row: the blobs the artifact store must keep. */
    Set<String> artifactDigests() {
        return Set.copyOf(jdbi.withHandle(h -> h.createQuery("SELECT sha256 FROM artifact").mapTo(String.class).list()));
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

    private static Product product(ResultSet rs) throws SQLException {
        return new Product(rs.getLong("id"), rs.getString("name"), rs.getString("chip"), ProductKind.parse(rs.getString("kind")),
                FlashLayout.byId(rs.getString("layout")), rs.getLong("flash_size"), rs.getLong("slot_size"),
                rs.getString("update_path"), Duration.ofSeconds(rs.getLong("health_window_seconds")),
                Sql.instant(rs, "created_at"), SigningPolicy.parse(rs.getString("signing")),
                Enrollment.parse(rs.getString("enrollment")));
    }

    private static Artifact artifact(ResultSet rs) throws SQLException {
        return new Artifact(rs.getString("sha256"), rs.getString("md5"), rs.getString("installed_md5"),
                rs.getString("installed_sha256"), rs.getLong("size"),
                rs.getString("format"), rs.getString("chip"), rs.getString("app_version"), Sql.instant(rs, "created_at"));
    }
}
