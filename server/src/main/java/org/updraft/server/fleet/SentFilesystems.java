package org.updraft.server.fleet;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.store.Sql;

/**
 * Which file system image each device has (docs/device-contract.md, "Filesystem requests"). The
 * stock clients report the sketch's MD5 and version on a file system request, never anything of
 * the file system, so the server remembers what it sends: a transfer of the whole image makes it
 * <em>sent</em> to the device when it starts ({@link #sending}; a transfer that then breaks puts
 * back what was there before, {@link #broken}), and the device's next sketch check-in
 * <em>confirms</em> it (the stock sketch calls {@code update} only after {@code updateFS} returned
 * {@code HTTP_UPDATE_OK}). A file system request gets the image again while it is only sent (the
 * device may have refused it on its MD5 check) and 304 once it is confirmed.
 *
 * <p>Invariant: memory holds exactly the {@code device_filesystem} rows, one per device, loaded
 * at start and written through (row first, then memory). A write that fails is logged and leaves
 * memory as it was: the device is then sent the image again, which costs a transfer, never a file
 * system. Thread-safe.
 *
 * <p>Several instances on one PostgreSQL database (docs/cluster.md): another instance's write
 * notifies {@code device_filesystem <instance> <mac>} (migration V14) and the cluster reads that
 * device's row again ({@link #reload(String)}), or every row after notifications may have been
 * missed ({@link #reloadAll()}). The row is the truth; memory follows it within the notification's
 * delay.
 */
public final class SentFilesystems {

    private static final Logger LOG = LoggerFactory.getLogger(SentFilesystems.class);

    /** The last file system image sent in full to a device, and whether the device confirmed it. */
    public record Sent(String sha256, boolean confirmed) {
    }

    private final Jdbi jdbi;
    private final Map<String, Sent> byMac = new ConcurrentHashMap<>();

    /** Loads every row; {@code jdbi} null keeps the state in memory only (a test or benchmark without a database). */
    public SentFilesystems(Jdbi jdbi) {
        this.jdbi = jdbi;
        reloadAll();
    }

    /** Another instance wrote the device's row: memory takes what the row holds now (nothing, when it was deleted). */
    public void reload(String mac) {
        if (jdbi == null) {
            return;
        }
        Map<String, Sent> rows = read("SELECT mac, sha256, confirmed FROM device_filesystem WHERE mac = :mac", mac);
        Sent s = rows.get(mac);
        if (s == null) {
            byMac.remove(mac);
        } else {
            byMac.put(mac, s);
        }
    }

    /** Every row again; a device whose row is gone is forgotten. */
    public void reloadAll() {
        if (jdbi == null) {
            return;
        }
        Map<String, Sent> rows = read("SELECT mac, sha256, confirmed FROM device_filesystem", null);
        byMac.keySet().retainAll(rows.keySet());
        byMac.putAll(rows);
    }

    private Map<String, Sent> read(String sql, String mac) {
        Map<String, Sent> rows = new HashMap<>();
        jdbi.useHandle(h -> {
            var q = h.createQuery(sql);
            if (mac != null) {
                q.bind("mac", mac);
            }
            q.map((rs, ctx) -> Map.entry(rs.getString("mac").strip(), new Sent(rs.getString("sha256").strip(),
                    rs.getBoolean("confirmed")))).forEach(e -> rows.put(e.getKey(), e.getValue()));
        });
        return rows;
    }

    /** True when the device confirmed having the image {@code sha256}. */
    public boolean confirmed(String mac, String sha256) {
        Sent s = byMac.get(mac);
        return s != null && s.confirmed() && s.sha256().equals(sha256);
    }

    /** True when the image {@code sha256} was sent in full to the device and not yet confirmed. */
    public boolean pending(String mac, String sha256) {
        Sent s = byMac.get(mac);
        return s != null && !s.confirmed() && s.sha256().equals(sha256);
    }

    /**
     * The whole file system image {@code sha256} is about to go to the device. Recorded before the
     * first byte, not when the transfer's completion is heard: the device's next request may be
     * decided before that (the stock sketch's {@code update} follows {@code updateFS} at once).
     *
     * @return what to put back if the transfer breaks ({@link #broken}); null when there was nothing
     */
    public Sent sending(String mac, String sha256, Instant at) {
        Sent before = byMac.get(mac);
        if (before == null || !before.sha256().equals(sha256) || !before.confirmed()) {
            write(mac, new Sent(sha256, false), at);
        }
        return before;
    }

    /**
     * The transfer {@link #sending} announced broke before its last byte: unless the device
     * confirmed the image meanwhile, the record is what it was before.
     */
    public void broken(String mac, String sha256, Sent before, Instant at) {
        Sent now = byMac.get(mac);
        if (now == null || now.confirmed() || !now.sha256().equals(sha256)) {
            return;
        }
        if (before != null) {
            write(mac, before, at);
        } else {
            remove(mac);
        }
    }

    private void remove(String mac) {
        if (jdbi != null) {
            try {
                jdbi.useHandle(h -> h.createUpdate("DELETE FROM device_filesystem WHERE mac = :mac").bind("mac", mac).execute());
            } catch (RuntimeException e) {
                LOG.warn("could not forget the broken file system transfer to device {} ({})", mac, e.getMessage());
                return;
            }
        }
        byMac.remove(mac);
    }

    /** The device checked in for a sketch: a file system image sent to it before is now its own. */
    public void sketchCheckIn(String mac, Instant at) {
        Sent s = byMac.get(mac);
        if (s != null && !s.confirmed()) {
            write(mac, new Sent(s.sha256(), true), at);
        }
    }

    private void write(String mac, Sent s, Instant at) {
        if (jdbi != null) {
            try {
                jdbi.useHandle(h -> h.createUpdate("""
                                INSERT INTO device_filesystem (mac, sha256, confirmed, changed_at) VALUES (:mac, :sha, :c, :at)
                                ON CONFLICT (mac) DO UPDATE SET sha256 = excluded.sha256, confirmed = excluded.confirmed,
                                    changed_at = excluded.changed_at""")
                        .bind("mac", mac).bind("sha", s.sha256()).bind("c", s.confirmed()).bind("at", Sql.utc(at)).execute());
            } catch (RuntimeException e) {
                LOG.warn("could not record file system image {} for device {} ({}); it will be sent again", s.sha256(), mac,
                        e.getMessage());
                return;
            }
        }
        byMac.put(mac, s);
    }
}
