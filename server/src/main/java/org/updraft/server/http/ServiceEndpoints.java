package org.updraft.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.updraft.server.auth.Access;
import org.updraft.server.store.StorageHealth;

/**
 * {@code /health}, {@code /metrics} (Prometheus text) and {@code /api/openapi.yaml}.
 *
 * <p>{@code /health} is open to anyone, so it says only what a load balancer needs: 200
 * {@code {"status":"UP"}} when the database answers and writes can be kept, else 503
 * {@code {"status":"DOWN"}}. Never the database URL (a user name or password in it would leak),
 * paths or versions; the log and {@code /metrics} say why.
 *
 * <p>{@code /ready} is for the load balancer in front of several instances: 200
 * {@code {"status":"READY"}} only while the instance has finished its start and is not stopping
 * ({@link Readiness}) and the database answers; else 503 with {@code STARTING}, {@code DRAINING} or
 * {@code DATABASE_DOWN}. It says no more than {@code /health} does.
 */
final class ServiceEndpoints {

    private final Jdbi jdbi;
    private final StorageHealth storage;
    private final Metrics metrics;
    private final byte[] openApi;

    private final Readiness readiness;

    ServiceEndpoints(Jdbi jdbi, StorageHealth storage, Metrics metrics, Readiness readiness) {
        this.readiness = readiness;
        this.jdbi = jdbi;
        this.storage = storage;
        this.metrics = metrics;
        this.openApi = openApiDocument();
    }

    public static byte[] openApiDocument() {
        try (InputStream in = ServiceEndpoints.class.getResourceAsStream("/org/updraft/server/openapi.yaml")) {
            if (in == null) {
                throw new IllegalStateException("openapi.yaml missing from the server jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read openapi.yaml", e);
        }
    }

    private boolean databaseUp() {
        try {
            return jdbi.withHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one()) == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    void register(Router router) {
        router.get("/health", Access.PUBLIC, ex -> {
            boolean up = databaseUp() && storage.writable();
            ex.response().getHeaders().put(org.eclipse.jetty.http.HttpHeader.CACHE_CONTROL, "no-store");
            ex.json(up ? 200 : 503, Map.of("status", up ? "UP" : "DOWN"));
        });
        router.get("/ready", Access.PUBLIC, ex -> {
            Readiness.Phase phase = readiness.phase();
            String status = phase != Readiness.Phase.READY ? phase.name() : databaseUp() ? "READY" : "DATABASE_DOWN";
            ex.response().getHeaders().put(org.eclipse.jetty.http.HttpHeader.CACHE_CONTROL, "no-store");
            ex.json(status.equals("READY") ? 200 : 503, Map.of("status", status));
        });
        router.get("/metrics", Access.PUBLIC, ex -> ex.send(200, "text/plain; version=0.0.4; charset=utf-8",
                metrics.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        router.get("/api/openapi.yaml", Access.PUBLIC, ex -> ex.send(200, "application/yaml", openApi));
    }
}
