package org.updraft.server.http;

import java.time.Instant;
import java.util.List;
import org.updraft.server.problem.Rejection;
import org.updraft.server.auth.Role;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.rollout.Rollout;
import org.updraft.server.rollout.RolloutEngine;
import org.updraft.server.rollout.WaveStats;

/** Rollouts in the management API: create, list, show with per-wave progress, and the state changes. */
final class RolloutApi {

    private final Catalog catalog;
    private final RolloutEngine engine;
    private final org.updraft.server.fleet.Lifecycle lifecycle;

    RolloutApi(Catalog catalog, RolloutEngine engine, org.updraft.server.fleet.Lifecycle lifecycle) {
        this.catalog = catalog;
        this.engine = engine;
        this.lifecycle = lifecycle;
    }

    record PolicyView(double successThreshold, double failureThreshold, long soakSeconds, int maxConcurrent, int maxAttempts,
                      long backoffSeconds, long installDeadlineSeconds, String windows, String timeZone, Integer offersPerMinute,
                      Integer rampStartPerMinute, Long rampDoublingMinutes) {
    }

    record RolloutView(long id, String product, String version, String state, String reason, List<String> targetTags,
                       String fromVersions, List<String> waves, int currentWave, String currentWaveLabel, Instant waveStartedAt,
                       PolicyView policy, Instant createdAt, Instant finishedAt, List<WaveStats> progress, boolean downgrade,
                       List<java.util.Map<String, Integer>> failureReasons) {
    }

    record AbortRequest(String reason) {
    }

    RolloutView view(Rollout r) {
        Product p = catalog.product(r.productId()).orElseThrow();
        String version = catalog.release(r.releaseId()).map(x -> x.version().toString()).orElse(null);
        Rollout.Policy pol = r.policy();
        return new RolloutView(r.id(), p.name(), version, r.state().id(), r.reason(), r.targetTags().stream().sorted().toList(),
                r.fromVersions() == null ? null : r.fromVersions().text(), r.waves().stream().map(w -> w.label()).toList(),
                r.currentWave(), r.waves().get(r.currentWave()).label(), r.waveStartedAt(),
                new PolicyView(pol.successThreshold(), pol.failureThreshold(), pol.soak().toSeconds(), pol.maxConcurrent(),
                        pol.maxAttempts(), pol.backoff().toSeconds(), pol.installDeadline().toSeconds(),
                        pol.windows() == null ? null : pol.windows().text(), pol.windows() == null ? null : pol.windows().zone().getId(),
                        pol.rate() == null ? null : pol.rate().perMinute(), pol.rate() == null ? null : pol.rate().rampStart(),
                        pol.rate() == null || pol.rate().rampEvery() == null ? null : pol.rate().rampEvery().toMinutes()),
                r.createdAt(), r.finishedAt(), engine.stats(r), r.downgrade(), engine.failureReasons(r));
    }

    void register(Router router) {
        router.post("/api/v1/products/{product}/rollouts", Role.OPERATOR, ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            // ?start=true: created and started in one step, both or neither (a refused start leaves no draft).
            boolean start = flag(ex, "start");
            RolloutEngine.Spec spec = ex.bodyJson(RolloutEngine.Spec.class);
            Rollout r;
            try {
                r = start ? engine.createAndStart(p, spec) : engine.create(p, spec);
            } catch (RuntimeException refused) {
                // A refused creation is audited with what was asked for; there is no rollout id.
                ex.audit("version", spec.version());
                if (start) {
                    ex.audit("start", "true");
                }
                throw refused;
            }
            // The audit target keeps its form: "product=P rollout=N version=V" (then "start=true").
            ex.audit("rollout", String.valueOf(r.id()));
            ex.audit("version", spec.version());
            if (start) {
                ex.audit("start", "true");
            }
            ex.json(201, view(r));
        });
        // A one-step fleet rollback: a downgrade rollout of the previous release (fleet.Lifecycle#rollback).
        router.post("/api/v1/products/{product}/rollback", Role.OPERATOR, ex -> {
            Product p = catalog.requireProduct(ex.param("product"));
            boolean start = flag(ex, "start");
            RolloutEngine.Spec spec = ex.header("Content-Type") == null
                    ? new RolloutEngine.Spec(null, null, null, null, null, null, null, null, null, null)
                    : ex.bodyJson(RolloutEngine.Spec.class);
            if (start) {
                ex.audit("start", "true");
            }
            Rollout r = lifecycle.rollback(p, spec, start);
            ex.audit("version", catalog.release(r.releaseId()).map(x -> x.version().toString()).orElse(null));
            ex.audit("rollout", String.valueOf(r.id()));
            ex.json(201, view(r));
        });
        router.delete("/api/v1/rollouts/{id}", Role.OPERATOR, ex -> ex.json(200, view(engine.deleteDraft(id(ex)))));
        router.get("/api/v1/rollouts", Role.VIEWER, ex -> {
            PageRequest page = PageRequest.parse(ex, "rollouts", "product");
            String product = page.filter("product");
            Product p = product == null ? null : catalog.requireProduct(product);
            ex.json(200, page.slice(engine.list(p), r -> String.valueOf(r.id()), PageRequest.BY_NUMBER).map(this::view));
        });
        router.get("/api/v1/rollouts/{id}", Role.VIEWER, ex -> ex.json(200, view(engine.require(id(ex)))));
        router.get("/api/v1/rollouts/{id}/preview", Role.VIEWER, ex -> ex.json(200, engine.preview(id(ex))));
        router.post("/api/v1/rollouts/{id}/start", Role.OPERATOR, ex -> ex.json(200, view(engine.start(id(ex)))));
        router.post("/api/v1/rollouts/{id}/pause", Role.OPERATOR, ex -> ex.json(200, view(engine.pause(id(ex)))));
        router.post("/api/v1/rollouts/{id}/resume", Role.OPERATOR, ex -> ex.json(200, view(engine.resume(id(ex)))));
        router.post("/api/v1/rollouts/{id}/abort", Role.OPERATOR, ex -> {
            String reason = null;
            if (ex.header("Content-Type") != null) {
                reason = ex.bodyJson(AbortRequest.class).reason();
            }
            ex.json(200, view(engine.abort(id(ex), reason)));
        });
    }

    /** A true/false query parameter; absent is false; anything else is a 400 naming what is expected. */
    private static boolean flag(Exchange ex, String name) {
        String v = ex.query(name);
        if (v == null || v.equals("false")) {
            return false;
        }
        if (v.equals("true")) {
            return true;
        }
        throw Rejection.badRequest(name + " must be true or false, got '" + Rejection.echo(v) + "'");
    }

    private static long id(Exchange ex) {
        String s = ex.param("id");
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw Rejection.badRequest("rollout id '" + s + "' is not a number");
        }
    }
}
