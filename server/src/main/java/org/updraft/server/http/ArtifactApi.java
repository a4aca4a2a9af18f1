package org.updraft.server.http;

import org.updraft.server.auth.Role;
import org.updraft.server.catalog.ArtifactCollection;
import org.updraft.server.problem.Rejection;

/** {@code POST /api/v1/artifacts/gc[?dry-run=true]} (admin): garbage collection of unreferenced artifact bytes (docs/lifecycle.md). */
final class ArtifactApi {

    private final ArtifactCollection collection;

    ArtifactApi(ArtifactCollection collection) {
        this.collection = collection;
    }

    /** The answer: what was (or with dryRun would be) collected, what waits for the grace period, the bytes freed. */
    record CollectionView(boolean dryRun, java.util.List<ArtifactCollection.Blob> collected, java.util.List<ArtifactCollection.Blob> waiting,
                          long bytes, long graceSeconds) {
    }

    void register(Router router) {
        router.post("/api/v1/artifacts/gc", Role.ADMIN, ex -> {
            boolean dryRun = dryRun(ex.query("dry-run"));
            ArtifactCollection.Result r = collection.run(dryRun);
            ex.audit("dry-run", String.valueOf(dryRun));
            ex.audit("collected", String.valueOf(r.collected().size()));
            ex.audit("bytes", String.valueOf(r.bytes()));
            ex.json(200, new CollectionView(r.dryRun(), r.collected(), r.waiting(), r.bytes(), r.grace().toSeconds()));
        });
    }

    static boolean dryRun(String text) {
        if (text == null || text.equals("false")) {
            return false;
        }
        if (text.equals("true") || text.isEmpty()) {
            return true;
        }
        throw Rejection.badRequest("dry-run must be true or false, got '" + Rejection.echo(text) + "'");
    }
}
