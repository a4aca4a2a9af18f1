package org.updraft.server.fleet;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.sqlite.SQLiteConnection;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.rollout.DeviceUpdate;
import org.updraft.server.store.Sql;

/**
 * The dashboard's overview of the fleet, aggregated in SQL (docs/dashboard.md, "Overview"): per
 * product the devices by running release and by when they were last seen; update outcomes per
 * hour for the last 24 hours and per day for the last 30; the devices that need attention, counted
 * and a short list. Never a row per device leaves the database except the short list (at most
 * {@link #LIST_PER_KIND} per kind), so the answer costs the same at 100 devices and at 100,000
 * (BENCHMARKS.md, "Dashboard overview").
 *
 * <p>Needs attention: an update that failed (other than silent after download), rolled back, or
 * was failed silent after download, while the device still does not run that release; a device
 * whose last check-in was refused for its chip (wrong family, flash too small) or free space; a
 * device running an image that is no release of its product.
 */
public final class FleetOverview {

    /** At most this many devices of each kind in the short list. */
    static final int LIST_PER_KIND = 10;

    /** Check-in outcomes that mean the device cannot take its product's releases. */
    static final Set<String> REFUSED = Set.of(Outcome.INSUFFICIENT_SPACE.id(), Outcome.CHIP_TOO_SMALL.id(), Outcome.WRONG_CHIP.id());

    public record Overview(Instant at, List<ProductView> products, Seen seen, Outcomes outcomes, Attention attention) {
    }

    /** A product's devices: how many in all, by running version (release: whether it is one of the product's releases), by last seen. */
    public record ProductView(String product, long devices, List<VersionCount> versions, Seen seen) {
    }

    /** {@code version} null: the device reported none. */
    public record VersionCount(String version, boolean release, long devices) {
    }

    /** Devices last seen within the last hour, within the last day (but not the hour), longer ago. */
    public record Seen(long lastHour, long lastDay, long older) {
    }

    public record Outcomes(List<Bucket> hourly, List<Bucket> daily) {
    }

    /** Updates that ended in [start, start + width): confirmed, failed (silent ones included), rolled back. */
    public record Bucket(Instant start, long confirmed, long failed, long rolledBack) {
    }

    public record Attention(long failed, long rolledBack, long silent, long refused, long unknownImage, List<Concern> devices) {
    }

    /**
     * One device that needs attention: {@code kind} is failed, rolled-back, silent, refused or
     * unknown-image; {@code detail} says why in the server's words (or the device's, for a report).
     */
    public record Concern(String mac, String product, String kind, String version, String detail, Instant at) {
    }

    private final Jdbi jdbi;
    private final Catalog catalog;
    private volatile Boolean sqlite;

    public FleetOverview(Jdbi jdbi, Catalog catalog) {
        this.jdbi = jdbi;
        this.catalog = catalog;
    }

    /** The overview at {@code now}. */
    public Overview at(Instant now) {
        Instant hour = now.minus(Duration.ofHours(1));
        Instant day = now.minus(Duration.ofDays(1));
        return jdbi.withHandle(h -> {
            Map<Long, Map<String, Long>> versions = new HashMap<>();
            h.createQuery("SELECT product_id, running_version, COUNT(*) AS n FROM device GROUP BY product_id, running_version")
                    .map((rs, ctx) -> versions.computeIfAbsent(rs.getLong("product_id"), k -> new HashMap<>())
                            .put(rs.getString("running_version"), rs.getLong("n"))).list();
            Map<Long, Seen> seen = new HashMap<>();
            h.createQuery("""
                    SELECT product_id,
                           SUM(CASE WHEN last_seen >= :hour THEN 1 ELSE 0 END) AS hour_n,
                           SUM(CASE WHEN last_seen < :hour AND last_seen >= :day THEN 1 ELSE 0 END) AS day_n,
                           SUM(CASE WHEN last_seen < :day THEN 1 ELSE 0 END) AS older_n
                    FROM device GROUP BY product_id""")
                    .bind("hour", Sql.utc(hour)).bind("day", Sql.utc(day))
                    .map((rs, ctx) -> seen.put(rs.getLong("product_id"), new Seen(rs.getLong("hour_n"), rs.getLong("day_n"),
                            rs.getLong("older_n")))).list();
            List<ProductView> products = new ArrayList<>();
            long unknown = 0;
            for (Product p : catalog.products()) {
                Set<String> releases = new java.util.HashSet<>();
                catalog.releases(p).forEach(r -> releases.add(r.version().toString()));
                List<VersionCount> counts = new ArrayList<>();
                long total = 0;
                for (Map.Entry<String, Long> e : versions.getOrDefault(p.id(), Map.of()).entrySet()) {
                    boolean release = e.getKey() != null && releases.contains(e.getKey());
                    counts.add(new VersionCount(e.getKey(), release, e.getValue()));
                    total += e.getValue();
                    unknown += release ? 0 : e.getValue();
                }
                counts.sort(Comparator.comparingLong(VersionCount::devices).reversed()
                        .thenComparing(v -> v.version() == null ? "" : v.version()));
                products.add(new ProductView(p.name(), total, List.copyOf(counts), seen.getOrDefault(p.id(), new Seen(0, 0, 0))));
            }
            Seen all = new Seen(products.stream().mapToLong(v -> v.seen().lastHour()).sum(),
                    products.stream().mapToLong(v -> v.seen().lastDay()).sum(), products.stream().mapToLong(v -> v.seen().older()).sum());
            Outcomes outcomes = new Outcomes(buckets(h, now.truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(23)), Duration.ofHours(1), 24),
                    buckets(h, now.truncatedTo(ChronoUnit.DAYS).minus(Duration.ofDays(29)), Duration.ofDays(1), 30));
            return new Overview(now, List.copyOf(products), all, outcomes, attention(h, unknown));
        });
    }

    /** {@code n} buckets of {@code width} from {@code from}: one GROUP BY over the finished updates since then. */
    private List<Bucket> buckets(Handle h, Instant from, Duration width, int n) {
        long[][] counts = new long[n][3];
        // Whole numbers written into the statement: PostgreSQL groups by the expression only when it is the same text.
        String bucket = "FLOOR((" + epochSeconds(h, "finished_at") + " - " + from.getEpochSecond() + ") / " + width.toSeconds() + ")";
        h.createQuery("SELECT " + bucket + " AS b, state, COUNT(*) AS n FROM device_update "
                        + "WHERE state IN ('confirmed', 'failed', 'rolled_back') AND finished_at >= :since GROUP BY " + bucket + ", state")
                .bind("since", Sql.utc(from))
                .map((rs, ctx) -> {
                    int b = (int) rs.getLong("b");
                    if (b >= 0 && b < n) {
                        counts[b][switch (rs.getString("state")) {
                            case "confirmed" -> 0;
                            case "failed" -> 1;
                            default -> 2;
                        }] += rs.getLong("n");
                    }
                    return b;
                }).list();
        List<Bucket> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Bucket(from.plus(width.multipliedBy(i)), counts[i][0], counts[i][1], counts[i][2]));
        }
        return List.copyOf(out);
    }

    /** Seconds since the epoch of a timestamp column, in the engine's dialect (SQLite keeps text, store/Sql). */
    private String epochSeconds(Handle h, String column) {
        Boolean s = sqlite;
        if (s == null) {
            try {
                s = h.getConnection().isWrapperFor(SQLiteConnection.class);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot tell the database engine: " + e.getMessage(), e);
            }
            sqlite = s;
        }
        return s ? "((julianday(" + column + ") - 2440587.5) * 86400.0)" : "EXTRACT(EPOCH FROM " + column + ")";
    }

    private static final String OPEN_FAILURES = """
            FROM device_update u JOIN firmware_release r ON r.id = u.release_id
                JOIN device d ON d.mac = u.mac JOIN product p ON p.id = d.product_id
            WHERE u.state IN ('failed', 'rolled_back')
              AND (d.running_version IS NULL OR d.running_version <> r.version)""";

    /** The silent reason as an SQL literal (a constant without quotes): PostgreSQL groups by an expression only when it is the same text. */
    private static final String SILENT_LITERAL = "'" + DeviceUpdate.SILENT + "'";

    private static String kind(String state, String lastError) {
        return state.equals("rolled_back") ? "rolled-back" : DeviceUpdate.SILENT.equals(lastError) ? "silent" : "failed";
    }

    private Attention attention(Handle h, long unknownImage) {
        Map<String, Long> byKind = new HashMap<>();
        h.createQuery("SELECT u.state, CASE WHEN u.last_error = <silent> THEN 1 ELSE 0 END AS silent, COUNT(*) AS n " + OPEN_FAILURES
                        + " GROUP BY u.state, CASE WHEN u.last_error = <silent> THEN 1 ELSE 0 END")
                .define("silent", SILENT_LITERAL)
                .map((rs, ctx) -> byKind.merge(kind(rs.getString("state"), rs.getInt("silent") == 1 ? DeviceUpdate.SILENT : null),
                        rs.getLong("n"), Long::sum)).list();
        List<Concern> list = new ArrayList<>();
        for (String[] k : List.of(new String[] {"failed", "u.state = 'failed' AND (u.last_error IS NULL OR u.last_error <> <silent>)"},
                new String[] {"silent", "u.state = 'failed' AND u.last_error = <silent>"}, new String[] {"rolled-back", "u.state = 'rolled_back'"})) {
            list.addAll(h.createQuery("SELECT u.mac, p.name AS product, r.version, u.state, u.last_error, u.finished_at " + OPEN_FAILURES
                            + " AND " + k[1] + " ORDER BY u.finished_at DESC, u.mac LIMIT " + LIST_PER_KIND)
                    .define("silent", SILENT_LITERAL)
                    .map((rs, ctx) -> new Concern(rs.getString("mac"), rs.getString("product"), k[0], rs.getString("version"),
                            rs.getString("last_error"), Sql.instant(rs, "finished_at"))).list());
        }
        long refused = h.createQuery("SELECT COUNT(*) FROM device WHERE last_outcome IN (<refused>)")
                .bindList("refused", List.copyOf(REFUSED)).mapTo(Long.class).one();
        list.addAll(h.createQuery("SELECT d.mac, p.name AS product, d.running_version, d.last_outcome, d.last_reason, d.last_seen "
                        + "FROM device d JOIN product p ON p.id = d.product_id WHERE d.last_outcome IN (<refused>) "
                        + "ORDER BY d.last_seen DESC, d.mac LIMIT " + LIST_PER_KIND)
                .bindList("refused", List.copyOf(REFUSED))
                .map((rs, ctx) -> new Concern(rs.getString("mac"), rs.getString("product"), "refused", rs.getString("running_version"),
                        rs.getString("last_outcome") + (rs.getString("last_reason") == null ? "" : ": " + rs.getString("last_reason")),
                        Sql.instant(rs, "last_seen"))).list());
        if (unknownImage > 0) {
            list.addAll(unknownImages(h));
        }
        list.sort(Comparator.comparing(Concern::at, Comparator.nullsLast(Comparator.reverseOrder())).thenComparing(Concern::mac));
        return new Attention(byKind.getOrDefault("failed", 0L), byKind.getOrDefault("rolled-back", 0L),
                byKind.getOrDefault("silent", 0L), refused, unknownImage, List.copyOf(list));
    }

    /** The most recently seen devices that run no release of their product (a version no release has, or none). */
    private List<Concern> unknownImages(Handle h) {
        return h.createQuery("""
                        SELECT d.mac, p.name AS product, d.running_version, d.last_seen
                        FROM device d JOIN product p ON p.id = d.product_id
                        WHERE d.running_version IS NULL OR NOT EXISTS
                            (SELECT 1 FROM firmware_release r WHERE r.product_id = d.product_id AND r.version = d.running_version)
                        ORDER BY d.last_seen DESC, d.mac LIMIT""" + " " + LIST_PER_KIND)
                .map((rs, ctx) -> new Concern(rs.getString("mac"), rs.getString("product"), "unknown-image", rs.getString("running_version"),
                        rs.getString("running_version") == null ? "reported no version"
                                : "runs " + rs.getString("running_version") + ", which is no release of its product",
                        Sql.instant(rs, "last_seen"))).list();
    }
}
