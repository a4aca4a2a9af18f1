package org.updraft.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.updraft.server.auth.Access;
import org.updraft.server.catalog.Catalog;

/** {@code /health}, {@code /metrics} (Prometheus text) and {@code /api/openapi.yaml}. */
public final class ServiceEndpoints {

    private final Jdbi jdbi;
    private final String database;
    private final Catalog catalog;
    private final Metrics metrics;
    private final byte[] openApi;

    public ServiceEndpoints(Jdbi jdbi, String database, Catalog catalog, Metrics metrics) {
        this.jdbi = jdbi;
        this.database = database;
        this.catalog = catalog;
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

    void register(Router router) {
        router.get("/health", Access.PUBLIC, ex -> {
            Map<String, Object> body = new LinkedHashMap<>();
            boolean dbUp;
            try {
                dbUp = jdbi.withHandle(h -> h.createQuery("SELECT 1").mapTo(Integer.class).one()) == 1;
            } catch (RuntimeException e) {
                dbUp = false;
            }
            body.put("status", dbUp ? "UP" : "DOWN");
            body.put("database", database);
            body.put("products", catalog.products().size());
            body.put("downloadsInFlight", metrics.downloadsInFlight());
            ex.json(dbUp ? 200 : 503, body);
        });
        router.get("/metrics", Access.PUBLIC, ex -> ex.send(200, "text/plain; version=0.0.4; charset=utf-8",
                metrics.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        router.get("/api/openapi.yaml", Access.PUBLIC, ex -> ex.send(200, "application/yaml", openApi));
    }
}
