package org.updraft.server.fleet;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.updraft.server.problem.Rejection;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;
import org.updraft.server.rollout.Audience;
import org.updraft.server.store.Sql;

/**
 * Devices and their timelines. Devices register themselves on their first identified check-in.
 *
 * <p>Hot path (every check-in passes here): {@link #record} only hands the decision to a {@link CheckInWriter}
 * (bounded: one pending device row per device, a bounded number of timeline rows; see there).
 * Per batch, one transaction: one batched UPDATE of the devices seen (the last check-in of each
 * wins; {@code check_ins} grows by how many it stands for; a device whose row changed only in
 * last_seen and the count gets a three-column UPDATE), one batched INSERT for the devices the
 * UPDATEs did not find, one batched INSERT of the timeline rows. So a thousand polls cost three
 * statements or four, not a thousand transactions. Readers of the management API call {@link #flush()}
 * first, so they see every check-in that was answered before their request.
 *
 * <p>The timeline keeps a row only when a decision differs from the device's previous check-in
 * in what {@link #timelineKey} covers (endpoint, outcome, reason, running version, target
 * release, address): a device polling on an unchanged release updates its row (last seen, check-in
 * count) and adds none. The previous check-in is known from memory (two 64-bit keys per device
 * seen since the server started, ~100 bytes with the map entry and the MAC), so the first
 * check-in of each device after a start adds a row and writes the full device row.
 *
 * <p>Pins are few and read on every check-in; they are kept in memory (loaded at start) and
 * written through.
 *
 * <p>One class because the device rows, pins, tags, the device-to-product claims and the
 * check-in writer's batches are one table set kept consistent with one in-memory view: a
 * check-in updates the view and queues the rows together, and a reader flushes before it reads.
 */
public final class DeviceRegistry implements Pins, Audience, AutoCloseable {

    /** What waits for the database now, and the check-in writer's counters since start. */
    public record WriterStats(int pendingDevices, int pendingTimeline, long coalesced, long shed, long waited,
                              long lostDevices, long lostTimeline) {
    }

    private static final int TIMELINE_LIMIT = 100;
    /**
     * Device rows that may wait for the database: at ~0.5 KB per pending check-in (the decision
     * and its headers) 50,000 are ~25 MB, twice that with the batch being written; beyond it a
     * check-in of one more device waits (a device's latest state is never dropped).
     */
    static final int MAX_PENDING_DEVICES = 50_000;
    /** Timeline rows that may wait; beyond it they are shed and counted in /metrics. */
    static final int MAX_PENDING_TIMELINE = 20_000;

    private final Jdbi jdbi;
    private final Catalog catalog;
    private final Map<String, Long> pins = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> tags = new ConcurrentHashMap<>();
    /**
     * mac → the id of the product the device belongs to (docs/device-identity.md): the product of
     * its record, else of its token (a device enrolled by token before its first check-in). Read
     * on every identified check-in, so kept in memory (loaded at start; ~100 bytes a device).
     */
    private final Map<String, Long> owners = new ConcurrentHashMap<>();
    /** mac → the keys of the device's previous check-in since start. */
    private final Map<String, Keys> lastKeys = new ConcurrentHashMap<>();

    /** {@link #timelineKey} and {@link #deviceKey} of one check-in. */
    private record Keys(long timeline, long device) {
    }
    private final CheckInWriter writer;

    public DeviceRegistry(Jdbi jdbi, Catalog catalog) {
        this(jdbi, catalog, org.updraft.server.store.WriteOutcomes.IGNORED);
    }

    /** {@code outcomes} hears how the check-in writer's transactions end. */
    public DeviceRegistry(Jdbi jdbi, Catalog catalog, org.updraft.server.store.WriteOutcomes outcomes) {
        this.jdbi = jdbi;
        this.catalog = catalog;
        jdbi.useHandle(h -> h.createQuery("SELECT mac, pinned_release_id FROM device WHERE pinned_release_id IS NOT NULL")
                .map((rs, ctx) -> pins.put(rs.getString("mac"), rs.getLong("pinned_release_id"))).list());
        jdbi.useHandle(h -> h.createQuery("SELECT mac, tag FROM device_tag")
                .map((rs, ctx) -> tags.computeIfAbsent(rs.getString("mac"), k -> new TreeSet<>()).add(rs.getString("tag"))).list());
        tags.replaceAll((k, v) -> Set.copyOf(v));
        // Tokens first, records after: where both exist, the record's product wins (the two agree
        // unless a token was issued before that rule existed; "updraft device move" reconciles them).
        // A revoked token admits nobody, so it owns nothing: the MAC is free for any product.
        jdbi.useHandle(h -> h.createQuery("SELECT mac, product_id FROM device_token WHERE revoked_at IS NULL")
                .map((rs, ctx) -> owners.put(rs.getString("mac"), rs.getLong("product_id"))).list());
        jdbi.useHandle(h -> h.createQuery("SELECT mac, product_id FROM device")
                .map((rs, ctx) -> owners.put(rs.getString("mac"), rs.getLong("product_id"))).list());
        // The product written is the owner at write time, not the one the check-in was decided at:
        // a check-in that passed belongsTo just before a move() is written after it, and must not
        // put the device back in the product it left (memory and database would disagree until a restart).
        this.writer = new CheckInWriter(jdbi, (h, rows, timeline) -> write(h, rows, timeline, owners::get), MAX_PENDING_DEVICES, MAX_PENDING_TIMELINE,
                CheckInWriter.LINGER_NANOS, outcomes);
    }

    @Override
    public Long pinnedRelease(String mac) {
        return pins.get(mac);
    }

    /** The id of the product the device belongs to, or null when no product has claimed it yet. */
    public Long owner(String mac) {
        return owners.get(mac);
    }

    /**
     * Claims the device for {@code productId} unless a product already has it; returns the id of
     * the product it belongs to afterwards (atomic: of two first check-ins at two products, one wins).
     */
    public long claim(String mac, long productId) {
        Long before = owners.putIfAbsent(mac, productId);
        return before == null ? productId : before;
    }

    /**
     * Moves the device to {@code to}: its record (the pin, a release of the old product, is dropped;
     * tags, timeline and update history stay with the MAC) and its claim. The management API's
     * {@code PUT /api/v1/devices/{mac}/product} and a check-in that takes a device from an open
     * product call this; the token, if any, is {@link Admission#rebind}'s business.
     */
    public void move(String mac, Product to) {
        // The owner first: every batch that starts from now on writes the device with the new
        // product (write() reads the owner at write time). The flush then waits for any batch that
        // read the old owner, so none commits after the UPDATE below.
        owners.put(mac, to.id());
        flush();
        jdbi.useHandle(h -> h.createUpdate("UPDATE device SET product_id = :p, pinned_release_id = NULL WHERE mac = :mac")
                .bind("p", to.id()).bind("mac", mac).execute());
        pins.remove(mac);
    }

    /**
     * The device's token was revoked: a device known only by that token (no record) belongs to no
     * product any more. A device with a record keeps its product.
     */
    public void tokenRevoked(String mac) {
        flush();
        boolean recorded = jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM device WHERE mac = :mac").bind("mac", mac)
                .mapTo(Long.class).one()) > 0;
        if (!recorded) {
            owners.remove(mac);
        }
    }

    /** The device's tags (groups for rollout targets and canary waves); empty when none. */
    @Override
    public Set<String> tags(String mac) {
        return tags.getOrDefault(mac, Set.of());
    }

    /** Replaces the device's tags; devices must have checked in once. */
    public Device setTags(String mac, List<String> newTags) {
        find(mac).orElseThrow(() -> Rejection.notFound("no device " + mac + " (devices register on their first check-in)"));
        Set<String> clean = new TreeSet<>();
        for (String t : newTags) {
            if (t == null || !t.matches("[A-Za-z0-9._-]{1,64}")) {
                throw Rejection.badRequest("tag '" + t + "' is not valid: 1-64 characters A-Z a-z 0-9 . _ -");
            }
            clean.add(t);
        }
        if (clean.size() > 32) {
            throw Rejection.badRequest("at most 32 tags per device, got " + clean.size());
        }
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM device_tag WHERE mac = :mac").bind("mac", mac).execute();
            PreparedBatch b = h.prepareBatch("INSERT INTO device_tag (mac, tag) VALUES (:mac, :tag)");
            clean.forEach(t -> b.bind("mac", mac).bind("tag", t).add());
            if (!clean.isEmpty()) {
                b.execute();
            }
        });
        tags.put(mac, Set.copyOf(clean));
        return find(mac).orElseThrow();
    }

    /**
     * Hands the decision to the writer: the device row always, a timeline row when it differs from
     * the device's previous check-in. Identified check-ins of known products that register only.
     */
    public void record(Decision d) {
        String mac = d.checkIn().mac();
        if (mac == null || d.product() == null || !d.outcome().registers()) {
            return;
        }
        long timeline = timelineKey(d);
        long device = deviceKey(d);
        Keys previous = lastKeys.get(mac);
        // get, then put only on a change: the steady state allocates nothing here. Two concurrent
        // check-ins of one device may both see the old keys; that costs one extra row, nothing more.
        boolean timelineChanged = previous == null || previous.timeline() != timeline;
        boolean deviceChanged = previous == null || previous.device() != device;
        if (timelineChanged || deviceChanged) {
            lastKeys.put(mac, new Keys(timeline, device));
        }
        writer.record(d, timelineChanged, deviceChanged);
    }

    /** Blocks until every decision recorded before this call is in the database (at most 10 s). */
    public void flush() {
        writer.flush();
    }

    /** The writer's queue and its counters (coalesced, shed, waited, lost), for /metrics. */
    public WriterStats writerStats() {
        return writer.stats();
    }

    /**
     * 64-bit FNV-1a over what the timeline shows of a decision: endpoint, outcome, reason, running
     * version, target release and address. Equal keys mean "nothing to add to the timeline"; a
     * collision (odds 2^-64 per check-in) would leave one change out of it, never out of the device row.
     */
    static long timelineKey(Decision d) {
        long h = 0xcbf29ce484222325L;
        h = mix(h, d.checkIn().endpoint().ordinal());
        h = mix(h, d.outcome().ordinal());
        h = mix(h, d.target() == null ? -1 : d.target().id());
        h = mix(h, d.reason());
        h = mix(h, d.runningVersion());
        return mix(h, d.checkIn().address());
    }

    /**
     * The same over what the device row holds besides last_seen and check_ins (product, chip, sizes,
     * SDK, running version and image hashes, address, last outcome and reason): equal keys mean the
     * writer only has to move last_seen and the count.
     */
    static long deviceKey(Decision d) {
        CheckIn c = d.checkIn();
        long h = 0xcbf29ce484222325L;
        h = mix(h, d.product().id());
        h = mix(h, c.chipId());
        h = mix(h, c.chipSize() == null ? -1 : c.chipSize());
        h = mix(h, c.freeSpace() == null ? -1 : c.freeSpace());
        h = mix(h, c.sketchSize() == null ? -1 : c.sketchSize());
        h = mix(h, c.sdkVersion());
        h = mix(h, d.runningVersion());
        h = mix(h, c.sketchMd5());
        h = mix(h, c.sketchSha256());
        h = mix(h, c.address());
        h = mix(h, d.outcome().ordinal());
        return mix(h, d.reason());
    }

    private static long mix(long h, long v) {
        return (h ^ v) * 0x100000001b3L;
    }

    private static long mix(long h, String s) {
        if (s == null) {
            return mix(h, -1L);
        }
        for (int i = 0; i < s.length(); i++) {
            h = (h ^ s.charAt(i)) * 0x100000001b3L;
        }
        return mix(h, s.length()); // the length ends the field: ("ab", "c") and ("a", "bc") differ
    }

    private static final String UPDATE_DEVICE = """
            UPDATE device SET product_id = ?, chip_id = COALESCE(?, chip_id),
                chip_size = COALESCE(?, chip_size), free_space = COALESCE(?, free_space),
                sketch_size = COALESCE(?, sketch_size), sdk_version = COALESCE(?, sdk_version),
                running_version = ?, running_md5 = ?, running_sha256 = ?, address = ?,
                last_seen = ?, last_outcome = ?, last_reason = ?, check_ins = check_ins + ?
            WHERE mac = ?""";
    private static final String INSERT_DEVICE = """
            INSERT INTO device (product_id, chip_id, chip_size, free_space, sketch_size, sdk_version, running_version,
                running_md5, running_sha256, address, last_seen, last_outcome, last_reason, check_ins, mac, first_seen)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";
    /** A device whose row changed only in last_seen and the count (the steady state of a polling fleet). */
    private static final String TOUCH_DEVICE = "UPDATE device SET last_seen = ?, check_ins = check_ins + ? WHERE mac = ?";
    private static final String INSERT_TIMELINE = """
            INSERT INTO check_in (mac, at, endpoint, outcome, status, reason, running_version, target_version, address)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    /**
     * Plain JDBC on the handle's connection (inside the writer's transaction), not JDBI's named
     * binding: under a check-in load the writer thread is the largest CPU user of the server
     * (JFR, BENCHMARKS.md), and about a quarter of it went to JDBI resolving an argument factory
     * for every bound value of every row (15 per device, 9 per timeline row).
     */
    static void write(Handle h, Collection<CheckInWriter.DeviceRow> devices, List<Decision> timelineRows) {
        write(h, devices, timelineRows, mac -> null);
    }

    /** As above; {@code owner} gives the product a device row is written with (null: the decision's product). */
    static void write(Handle h, Collection<CheckInWriter.DeviceRow> devices, List<Decision> timelineRows,
                      java.util.function.Function<String, Long> owner) {
        java.sql.Connection c = h.getConnection();
        try {
            java.util.function.Function<java.time.Instant, Object> ts = Sql.timestamps(c); // per batch, not per row
            if (!devices.isEmpty()) {
                List<CheckInWriter.DeviceRow> changed = new ArrayList<>();
                List<CheckInWriter.DeviceRow> touched = new ArrayList<>();
                for (CheckInWriter.DeviceRow row : devices) {
                    (row.changed() ? changed : touched).add(row);
                }
                List<CheckInWriter.DeviceRow> fresh = new ArrayList<>();
                if (!changed.isEmpty()) {
                    try (java.sql.PreparedStatement update = c.prepareStatement(UPDATE_DEVICE)) {
                        for (CheckInWriter.DeviceRow row : changed) {
                            bindDevice(update, row, ts, owner);
                            update.addBatch();
                        }
                        missing(update.executeBatch(), changed, fresh);
                    }
                }
                if (!touched.isEmpty()) {
                    // Three values instead of fifteen. Measured (per-thread CPU from /proc, then on H2, 10,000
                    // devices polling, loaded box): the writer thread's CPU per check-in went from
                    // 43-59 µs to 29 µs.
                    try (java.sql.PreparedStatement touch = c.prepareStatement(TOUCH_DEVICE)) {
                        for (CheckInWriter.DeviceRow row : touched) {
                            touch.setObject(1, ts.apply(row.latest().checkIn().at()));
                            touch.setLong(2, row.checkIns());
                            touch.setString(3, row.latest().checkIn().mac());
                            touch.addBatch();
                        }
                        // No row (an earlier write was lost): the full insert below restores it.
                        missing(touch.executeBatch(), touched, fresh);
                    }
                }
                if (!fresh.isEmpty()) {
                    try (java.sql.PreparedStatement insert = c.prepareStatement(INSERT_DEVICE)) {
                        for (CheckInWriter.DeviceRow row : fresh) {
                            bindDevice(insert, row, ts, owner);
                            // A new device was first seen at its earliest pending check-in, not its latest.
                            insert.setObject(16, ts.apply(row.firstAt()));
                            insert.addBatch();
                        }
                        insert.executeBatch();
                    }
                }
            }
            if (!timelineRows.isEmpty()) {
                try (java.sql.PreparedStatement timeline = c.prepareStatement(INSERT_TIMELINE)) {
                    for (Decision d : timelineRows) {
                        CheckIn in = d.checkIn();
                        timeline.setString(1, in.mac());
                        timeline.setObject(2, ts.apply(in.at()));
                        timeline.setString(3, in.endpoint().id());
                        timeline.setString(4, d.outcome().id());
                        timeline.setInt(5, d.status());
                        timeline.setString(6, Sql.clip(d.reason()));
                        timeline.setString(7, d.runningVersion());
                        timeline.setString(8, d.target() == null ? null : d.target().version().toString());
                        timeline.setString(9, in.address());
                        timeline.addBatch();
                    }
                    timeline.executeBatch();
                }
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("writing " + devices.size() + " device rows and " + timelineRows.size()
                    + " timeline rows: " + e.getMessage(), e);
        }
    }

    /** Adds to {@code missing} the rows whose UPDATE found no device. */
    private static void missing(int[] counts, List<CheckInWriter.DeviceRow> rows, List<CheckInWriter.DeviceRow> missing) {
        for (int i = 0; i < rows.size(); i++) {
            if (counts[i] == 0) {
                missing.add(rows.get(i));
            }
        }
    }

    /** Parameters 1-15 of UPDATE_DEVICE and INSERT_DEVICE (the same order in both). */
    private static void bindDevice(java.sql.PreparedStatement st, CheckInWriter.DeviceRow row,
                                   java.util.function.Function<java.time.Instant, Object> ts,
                                   java.util.function.Function<String, Long> owner) throws java.sql.SQLException {
        Decision d = row.latest();
        CheckIn c = d.checkIn();
        Long product = owner.apply(c.mac());
        st.setLong(1, product != null ? product : d.product().id());
        st.setString(2, c.chipId());
        st.setObject(3, c.chipSize(), java.sql.Types.BIGINT);
        st.setObject(4, c.freeSpace(), java.sql.Types.BIGINT);
        st.setObject(5, c.sketchSize(), java.sql.Types.BIGINT);
        st.setString(6, c.sdkVersion());
        st.setString(7, d.runningVersion());
        st.setString(8, c.sketchMd5());
        st.setString(9, c.sketchSha256());
        st.setString(10, c.address());
        st.setObject(11, ts.apply(c.at()));
        st.setString(12, d.outcome().id());
        st.setString(13, Sql.clip(d.reason()));
        st.setLong(14, row.checkIns());
        st.setString(15, c.mac());
    }


    /**
     * Every device of the product (by name) in MAC order, unbounded: what a rollout must know of
     * the whole fleet (the paged list is {@link #page}).
     */
    public List<Device> list(String product) {
        flush();
        return jdbi.withHandle(h -> h.createQuery(DEVICE_SELECT + " WHERE p.name = :product ORDER BY d.mac").bind("product", product)
                .map((rs, ctx) -> device(rs, List.of())).list());
    }

    /**
     * One page of the device list: at most {@code limit} devices matching {@code query}, in its
     * order, after {@code after} (the previous page's last {@link DeviceQuery#key}; null: the first
     * page). Every check-in answered before the call is in it (the writer is flushed first).
     * Throws IllegalArgumentException when {@code after} is no key of the query's sort.
     */
    public List<Device> page(DeviceQuery query, List<String> after, int limit) {
        if (after != null && !DeviceListing.readable(query, after)) {
            throw new IllegalArgumentException("not a key of the sort " + query.sortName());
        }
        flush();
        return jdbi.withHandle(h -> new DeviceListing(query).page(h, after, limit, (rs, ctx) -> device(rs, List.of())));
    }

    /** How many devices match {@code query}'s filters (flushed as {@link #page}). */
    public long count(DeviceQuery query) {
        flush();
        return jdbi.withHandle(h -> new DeviceListing(query).count(h));
    }

    /**
     * How many devices of the product run each version, by the running version the server
     * recognised (null key: devices whose version is not known). Devices whose check-ins are still
     * in the writer's queue count once it has written them.
     */
    public Map<String, Long> runningVersions(long productId) {
        flush();
        Map<String, Long> counts = new java.util.HashMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT running_version, COUNT(*) AS n FROM device WHERE product_id = :p GROUP BY running_version")
                .bind("p", productId)
                .map((rs, ctx) -> counts.put(rs.getString("running_version"), rs.getLong("n"))).list());
        return counts;
    }

    /** Per product id, how many devices run each version ({@link #runningVersions(long)} for every product in one query). */
    public Map<Long, Map<String, Long>> runningVersions() {
        Map<Long, Map<String, Long>> counts = new java.util.HashMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT product_id, running_version, COUNT(*) AS n FROM device GROUP BY product_id, running_version")
                .map((rs, ctx) -> counts.computeIfAbsent(rs.getLong("product_id"), k -> new java.util.HashMap<>())
                        .put(rs.getString("running_version"), rs.getLong("n"))).list());
        return counts;
    }

    /** Every device of a product with the version it last reported, for the rollouts ({@link #list} order). */
    @Override
    public List<Audience.Known> known(String product) {
        return list(product).stream().map(d -> new Audience.Known(d.mac(), d.runningVersion())).toList();
    }

    /**
     * The product's poll interval as its devices show it: per device that checked in at least
     * twice, (last seen − first seen) / (check-ins − 1); the median of those, so a few devices that
     * were offline for a while or polled fast after an update do not move it. Empty when no device
     * has checked in twice. Read when a rollout is created (its default install deadline).
     */
    @Override
    public Optional<java.time.Duration> pollInterval(String product) {
        List<java.time.Duration> gaps = list(product).stream().filter(d -> d.checkIns() >= 2)
                .map(d -> java.time.Duration.between(d.firstSeen(), d.lastSeen()).dividedBy(d.checkIns() - 1)).sorted().toList();
        return gaps.isEmpty() ? Optional.empty() : Optional.of(gaps.get(gaps.size() / 2));
    }

    public Optional<Device> find(String mac) {
        flush();
        return jdbi.withHandle(h -> {
            List<Device.TimelineEntry> timeline = h.createQuery("""
                            SELECT at, endpoint, outcome, status, reason, running_version, target_version, address
                            FROM check_in WHERE mac = :mac ORDER BY at DESC, id DESC LIMIT :limit""")
                    .bind("mac", mac).bind("limit", TIMELINE_LIMIT)
                    .map((rs, ctx) -> new Device.TimelineEntry(Sql.instant(rs, "at"), rs.getString("endpoint"),
                            rs.getString("outcome"), rs.getInt("status"), rs.getString("reason"),
                            rs.getString("running_version"), rs.getString("target_version"), rs.getString("address")))
                    .list();
            return h.createQuery(DEVICE_SELECT + " WHERE d.mac = :mac").bind("mac", mac)
                    .map((rs, ctx) -> device(rs, timeline)).findOne();
        });
    }

    /** The MACs of the devices pinned to this release, in MAC order. */
    public List<String> pinnedTo(long releaseId) {
        return pins.entrySet().stream().filter(e -> e.getValue() == releaseId).map(Map.Entry::getKey).sorted().toList();
    }

    /**
     * Deletes the device's record: the row, its tags and its check-in timeline. Its update history
     * stays with the MAC (it holds the anti-rollback floor: the highest security counter the device
     * has run, UpdatePolicy). A device that checks in again registers afresh, as on its first
     * check-in — a check-in racing this call may do so at once. Returns the record as it was.
     */
    public Device delete(String mac) {
        Device d = find(mac).orElseThrow(() -> Rejection.notFound("no device " + mac + " (devices register on their first check-in)"));
        // find() flushed the writer: no queued row of this device is written after the DELETE below
        // unless a new check-in arrives, which is a new registration.
        jdbi.useTransaction(h -> {
            h.createUpdate("DELETE FROM device_tag WHERE mac = :mac").bind("mac", mac).execute();
            h.createUpdate("DELETE FROM check_in WHERE mac = :mac").bind("mac", mac).execute();
            h.createUpdate("DELETE FROM device WHERE mac = :mac").bind("mac", mac).execute();
        });
        pins.remove(mac);
        tags.remove(mac);
        owners.remove(mac);
        // The next check-in writes both rows again, whatever it says (no "unchanged" shortcut).
        lastKeys.remove(mac);
        return d;
    }

    /** Pins a device to a release of its product; devices must have checked in once. */
    public Device pin(String mac, String version) {
        Device d = find(mac).orElseThrow(() -> Rejection.notFound("no device " + mac + " (devices register on their first check-in)"));
        var product = catalog.requireProduct(d.product());
        Release r;
        try {
            r = catalog.release(product, org.updraft.core.version.Version.parse(version))
                    .orElseThrow(() -> Rejection.notFound("product '" + product.name() + "' has no release " + version));
        } catch (IllegalArgumentException e) {
            throw Rejection.badRequest("version '" + Rejection.echo(version) + "' is not valid: " + e.getMessage());
        }
        jdbi.useHandle(h -> h.createUpdate("UPDATE device SET pinned_release_id = :r WHERE mac = :mac")
                .bind("r", r.id()).bind("mac", mac).execute());
        pins.put(mac, r.id());
        return find(mac).orElseThrow();
    }

    public Device unpin(String mac) {
        find(mac).orElseThrow(() -> Rejection.notFound("no device " + mac));
        jdbi.useHandle(h -> h.createUpdate("UPDATE device SET pinned_release_id = NULL WHERE mac = :mac").bind("mac", mac).execute());
        pins.remove(mac);
        return find(mac).orElseThrow();
    }

    private static final String DEVICE_SELECT = DeviceListing.SELECT;

    private Device device(java.sql.ResultSet rs, List<Device.TimelineEntry> timeline) throws java.sql.SQLException {
        return new Device(rs.getString("mac"), rs.getString("product_name"), rs.getString("chip_id"),
                Sql.longOrNull(rs, "chip_size"), Sql.longOrNull(rs, "free_space"), Sql.longOrNull(rs, "sketch_size"),
                rs.getString("sdk_version"), rs.getString("running_version"), rs.getString("running_md5"),
                rs.getString("running_sha256"), rs.getString("address"), Sql.instant(rs, "first_seen"),
                Sql.instant(rs, "last_seen"), rs.getString("pinned_version"), rs.getString("last_outcome"),
                rs.getString("last_reason"), rs.getLong("check_ins"), List.copyOf(tags(rs.getString("mac"))), timeline);
    }

    @Override
    public void close() {
        writer.close();
    }
}
