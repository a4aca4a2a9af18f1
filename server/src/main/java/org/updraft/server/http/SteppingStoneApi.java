package org.updraft.server.http;

import org.updraft.server.auth.Role;
import org.updraft.server.catalog.ArtifactRole;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;
import org.updraft.server.problem.Rejection;

/**
 * {@code /api/v1/products/{product}/stepping-stone}: the small release a device whose free
 * sketch space is below its target's image is offered first (docs/rollouts.md, "Stepping stones
 * for small flash"). PUT designates one ({@code {"version": "..."}}), GET shows it, DELETE removes
 * it; writes are audited by the dispatcher like every management write.
 */
final class SteppingStoneApi {

    private final Catalog catalog;

    SteppingStoneApi(Catalog catalog) {
        this.catalog = catalog;
    }

    /** The designated release and the size of its image (what a device's free space is compared with). */
    record SteppingStoneView(String product, String version, long size) {
        static SteppingStoneView of(Product p, Release r) {
            return new SteppingStoneView(p.name(), r.version().toString(),
                    r.artifact(ArtifactRole.FIRMWARE).map(a -> a.size()).orElse(0L));
        }
    }

    record SteppingStoneRequest(String version) {
    }

    void register(Router router) {
        router.get("/api/v1/products/{product}/stepping-stone", Role.VIEWER, ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            Release r = catalog.steppingStone(p).orElseThrow(() -> Rejection.notFound("product '" + p.name()
                    + "' has no stepping stone"));
            ex.json(200, SteppingStoneView.of(p, r));
        });
        router.put("/api/v1/products/{product}/stepping-stone", Role.OPERATOR, ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            SteppingStoneRequest req = ex.bodyJson(SteppingStoneRequest.class);
            ex.audit("version", req.version());
            ex.json(200, SteppingStoneView.of(p, catalog.setSteppingStone(p, req.version())));
        });
        router.delete("/api/v1/products/{product}/stepping-stone", Role.OPERATOR, ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            ex.json(200, SteppingStoneView.of(p, catalog.clearSteppingStone(p)));
        });
    }
}
