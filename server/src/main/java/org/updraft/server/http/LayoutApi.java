package org.updraft.server.http;

import java.util.Arrays;
import java.util.List;
import org.updraft.core.layout.FlashLayout;
import org.updraft.core.layout.Partition;
import org.updraft.server.auth.Role;

/**
 * {@code GET /api/v1/layouts} (viewer): every flash layout a product may use, with its regions in
 * flash order and its update slots — what the dashboard draws as a product's flash map. The regions
 * are {@link FlashLayout#partitions()}, whose comment cites the source of each map.
 */
final class LayoutApi {

    record RegionView(String name, long offset, long size) {
    }

    record LayoutView(String id, String chip, long flashSize, long slotSize, List<Long> slotOffsets, List<RegionView> regions) {
        static LayoutView of(FlashLayout l) {
            return new LayoutView(l.id(), l.chip().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), l.flashSize(), l.slotSize(), l.slotOffsets(),
                    l.partitions().stream().map((Partition p) -> new RegionView(p.name(), p.offset(), p.size())).toList());
        }
    }

    void register(Router router) {
        router.get("/api/v1/layouts", Role.VIEWER, ex -> ex.json(200, Arrays.stream(FlashLayout.values()).map(LayoutView::of).toList()));
    }
}
