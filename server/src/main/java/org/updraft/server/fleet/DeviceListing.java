package org.updraft.server.fleet;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.updraft.server.store.Sql;

/**
 * The SQL of one page of the device list: the {@link DeviceQuery}'s filters, its order, and the
 * keyset condition that starts the page strictly after the previous page's last device (its sort
 * key, then its MAC: a row-value comparison, which PostgreSQL and SQLite both answer from the
 * V9 indexes where one fits). Same text on both engines.
 *
 * <p>Invariant: the order is total (the MAC, unique, ends every sort key), so a keyset page
 * never repeats or skips a device whose key did not change.
 */
final class DeviceListing {

    static final String SELECT = """
            SELECT d.*, p.name AS product_name, r.version AS pinned_version
            FROM device d JOIN product p ON p.id = d.product_id
            LEFT JOIN firmware_release r ON r.id = d.pinned_release_id""";

    private final DeviceQuery query;
    private final StringBuilder where = new StringBuilder(" WHERE 1 = 1");
    private final Map<String, Object> args = new LinkedHashMap<>();

    DeviceListing(DeviceQuery query) {
        this.query = query;
        if (query.productId() != null) {
            where.append(" AND d.product_id = :product");
            args.put("product", query.productId());
        }
        if (query.version() != null) {
            where.append(" AND COALESCE(d.running_version, '') = :version");
            args.put("version", DeviceQuery.UNKNOWN.equals(query.version()) ? "" : query.version());
        }
        if (query.tag() != null) {
            where.append(" AND d.mac IN (SELECT t.mac FROM device_tag t WHERE t.tag = :tag)");
            args.put("tag", query.tag());
        }
        if (query.outcome() != null) {
            outcome(query.outcome());
        }
        if (query.seenSince() != null) {
            where.append(" AND d.last_seen >= :seenSince");
            args.put("seenSince", Sql.utc(query.seenSince()));
        }
        if (query.unseenSince() != null) {
            where.append(" AND d.last_seen < :unseenSince");
            args.put("unseenSince", Sql.utc(query.unseenSince()));
        }
        if (query.text() != null) {
            // The MAC is stored upper case (Mac.parse); the address and tags are compared upper case.
            // '!' escapes LIKE's wildcards in the text (a backslash would confuse JDBI's parser of the SQL).
            where.append(" AND (d.mac LIKE :text ESCAPE '!' OR UPPER(d.address) LIKE :text ESCAPE '!'"
                    + " OR d.mac IN (SELECT t.mac FROM device_tag t WHERE UPPER(t.tag) LIKE :text ESCAPE '!'))");
            args.put("text", "%" + query.text().toUpperCase(Locale.ROOT).replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%");
        }
    }

    /**
     * The device's latest update (by last change, then release id) is in the state, or (silent)
     * failed for silence after download; unknown-image: no recognised running version; else the
     * outcome of the last check-in.
     */
    private void outcome(String outcome) {
        if (DeviceQuery.UPDATE_STATES.contains(outcome) || DeviceQuery.SILENT.equals(outcome)) {
            boolean silent = DeviceQuery.SILENT.equals(outcome);
            where.append(" AND d.mac IN (SELECT u.mac FROM device_update u WHERE u.state = :state")
                    .append(silent ? " AND u.last_error = :silent" : "")
                    .append(" AND NOT EXISTS (SELECT 1 FROM device_update n WHERE n.mac = u.mac AND (n.updated_at > u.updated_at"
                            + " OR (n.updated_at = u.updated_at AND n.release_id > u.release_id))))");
            args.put("state", silent ? "failed" : outcome);
            if (silent) {
                args.put("silent", org.updraft.server.rollout.DeviceUpdate.SILENT);
            }
        } else if (DeviceQuery.UNKNOWN_IMAGE.equals(outcome)) {
            where.append(" AND d.running_version IS NULL");
        } else {
            where.append(" AND d.last_outcome = :outcome");
            args.put("outcome", outcome);
        }
    }

    /**
     * At most {@code limit} devices in the query's order after {@code after} (the previous page's
     * last {@link DeviceQuery#key}, or null for the first page), mapped by {@code row}.
     */
    List<Device> page(Handle h, List<String> after, int limit, org.jdbi.v3.core.mapper.RowMapper<Device> row) {
        StringBuilder sql = new StringBuilder(SELECT).append(where);
        Map<String, Object> bound = new LinkedHashMap<>(args);
        String dir = query.descending() ? "DESC" : "ASC";
        DeviceQuery.Sort sort = query.sort();
        if (after != null) {
            String cmp = query.descending() ? "<" : ">";
            if (sort == DeviceQuery.Sort.MAC) {
                sql.append(" AND d.mac ").append(cmp).append(" CAST(:afterMac AS CHAR(17))");
                bound.put("afterMac", after.get(0));
            } else {
                sql.append(" AND (").append(sort.column()).append(", d.mac) ").append(cmp).append(" (:afterKey, CAST(:afterMac AS CHAR(17)))");
                bound.put("afterKey", sort == DeviceQuery.Sort.LAST_SEEN ? Sql.utc(Instant.parse(after.get(0))) : after.get(0));
                bound.put("afterMac", after.get(1));
            }
        }
        sql.append(" ORDER BY ");
        if (sort != DeviceQuery.Sort.MAC) {
            sql.append(sort.column()).append(' ').append(dir).append(", ");
        }
        sql.append("d.mac ").append(dir).append(" LIMIT :limit");
        bound.put("limit", limit);
        Query q = h.createQuery(sql.toString());
        bound.forEach(q::bind);
        return q.map(row).list();
    }

    /** How many devices match the filters. */
    long count(Handle h) {
        Query q = h.createQuery("SELECT COUNT(*) FROM device d" + where);
        args.forEach(q::bind);
        return q.mapTo(Long.class).one();
    }

    /** Whether {@code after} can be a key of this query's sort (a forged cursor is not). */
    static boolean readable(DeviceQuery query, List<String> after) {
        int size = query.sort() == DeviceQuery.Sort.MAC ? 1 : 2;
        if (after.size() != size) {
            return false;
        }
        if (query.sort() == DeviceQuery.Sort.LAST_SEEN) {
            try {
                Instant.parse(after.get(0));
            } catch (java.time.format.DateTimeParseException e) {
                return false;
            }
        }
        return true;
    }
}
