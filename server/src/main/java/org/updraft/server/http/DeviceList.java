package org.updraft.server.http;

import java.util.List;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.fleet.Device;
import org.updraft.server.fleet.DeviceQuery;
import org.updraft.server.fleet.DeviceRegistry;
import org.updraft.server.problem.Rejection;
import org.updraft.server.rollout.UpdateTracker;

/**
 * {@code GET /api/v1/devices}: one page of the device list, filtered and sorted in SQL
 * (docs/api.md, "The device list"). The cursor holds the sort, the last device's sort key and its
 * MAC.
 *
 * <p>The update tracker keeps each device's update state in memory and writes it in batches
 * (docs/architecture.md, "Where state lives"); the outcome filter reads the table, so the tracker
 * is flushed first, as the registry flushes the check-in writer: a page never shows a state
 * older than one the server already answered with.
 */
final class DeviceList {

    static final String[] FILTERS = {"product", "version", "tag", "outcome", "seen", "unseen", "q", "sort"};

    private final Catalog catalog;
    private final DeviceRegistry devices;
    private final UpdateTracker updates;

    DeviceList(Catalog catalog, DeviceRegistry devices, UpdateTracker updates) {
        this.catalog = catalog;
        this.devices = devices;
        this.updates = updates;
    }

    Page<Device> page(Exchange ex) {
        // The sort is part of the list's name in the cursor: a cursor of another sort is refused.
        String sort = ex.query("sort");
        DeviceQuery query;
        PageRequest request;
        try {
            String product = ex.query("product");
            Long productId = product == null || product.isBlank() ? null : catalog.requireProduct(product.strip()).id();
            query = DeviceQuery.parse(productId, blank(ex.query("version")), blank(ex.query("tag")), blank(ex.query("outcome")),
                    blank(ex.query("seen")), blank(ex.query("unseen")), blank(ex.query("q")), blank(sort), ex.at());
        } catch (IllegalArgumentException e) {
            throw Rejection.badRequest(e.getMessage());
        }
        request = PageRequest.parse(ex, "devices:" + query.sortName(), FILTERS);
        if (query.outcome() != null) {
            updates.flush();
        }
        List<Device> read;
        try {
            read = devices.page(query, request.after(), request.limit() + 1);
        } catch (IllegalArgumentException e) {
            throw PageRequest.badCursor();
        }
        return request.page(read, query::key, devices.count(query));
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
