package org.updraft.server.cluster;

/**
 * One change another instance committed, as its {@code updraft_change} notification names it
 * (the payload the V12 migration's triggers send): {@code "<table> <writer>"}, or
 * {@code "<table> <writer> <mac>"} for a device's update row.
 *
 * @param table  the table written, e.g. {@code product}, {@code rollout}, {@code device_update}
 * @param writer the writing connection's application_name: the instance name, or what another
 *               client (psql, the {@code updraft} command) calls itself, possibly empty
 * @param mac    the device whose row changed, or null when the table is not per device
 */
public record Change(String table, String writer, String mac) {

    /** Reads a payload; a payload without a table (not sent by our triggers) gives table "". */
    public static Change parse(String payload) {
        String[] parts = payload == null ? new String[0] : payload.split(" ", 3);
        return new Change(parts.length > 0 ? parts[0] : "", parts.length > 1 ? parts[1] : "", parts.length > 2 ? parts[2] : null);
    }
}
