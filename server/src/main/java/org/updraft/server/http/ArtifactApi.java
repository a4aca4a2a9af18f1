package org.updraft.server.http;

import org.updraft.server.auth.Role;
import org.updraft.server.catalog.ArtifactCollection;

/** {@code POST /api/v1/artifacts/gc} {@code {"dryRun"?}} (admin): garbage collection of unreferenced artifact bytes (docs/lifecycle.md). */
final class ArtifactApi {

    private final ArtifactCollection collection;

    ArtifactApi(ArtifactCollection collection) {
        this.collection = collection;
    }

    /** The answer: what was (or with dryRun would be) collected, what waits for the grace period, the bytes freed. */
    record CollectionView(boolean dryRun, java.util.List<ArtifactCollection.Blob> collected, java.util.List<ArtifactCollection.Blob> waiting,
                          long bytes, long graceSeconds) {
    }

    /** The optional body: {@code dryRun} true only lists what would be collected. */
    record CollectionRequest(Boolean dryRun) {
    }

    void register(Router router) {
        router.post("/api/v1/artifacts/gc", Role.ADMIN, ex -> {
            // No body is a run; a body must be the JSON object (like every JSON route, a 400 names what came instead).
            CollectionRequest body = ex.header("Content-Type") == null ? null : ex.bodyJson(CollectionRequest.class);
            boolean dryRun = body != null && Boolean.TRUE.equals(body.dryRun());
            ArtifactCollection.Result r = collection.run(dryRun);
            ex.audit("dry-run", String.valueOf(dryRun));
            ex.audit("collected", String.valueOf(r.collected().size()));
            ex.audit("bytes", String.valueOf(r.bytes()));
            ex.json(200, new CollectionView(r.dryRun(), r.collected(), r.waiting(), r.bytes(), r.grace().toSeconds()));
        });
    }
}
