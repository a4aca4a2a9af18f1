package org.updraft.server.http;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.jdbi.v3.core.Jdbi;
import org.updraft.server.artifact.ArtifactStore;
import org.updraft.server.audit.AuditLog;
import org.updraft.server.auth.ApiTokens;
import org.updraft.server.auth.Sessions;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.config.Limits;
import org.updraft.server.config.TrustedProxies;
import org.updraft.server.delivery.Delivery;
import org.updraft.server.delivery.UpdateReports;
import org.updraft.server.fleet.Admission;
import org.updraft.server.fleet.DeviceRegistry;
import org.updraft.server.rollout.RolloutEngine;
import org.updraft.server.rollout.UpdateTracker;
import org.updraft.server.store.StorageHealth;

/**
 * The HTTP side of the server, wired in one place from the domain objects: the route table of the
 * whole server (device endpoints, management, rollouts, tokens, audit, service, the dashboard's
 * sign-in), the Jetty handler that dispatches it ({@link Dispatcher}) and the error handler for what
 * Jetty refuses before any route ({@link ProtocolErrors}); the dashboard's files ({@link UiAssets})
 * are answered where no route matches. The package's entry for {@code UpdraftServer}: the endpoint
 * classes behind it are package-private.
 */
public final class HttpApi implements AutoCloseable {

    private final Router router = new Router();
    private final Readiness readiness = new Readiness();
    private final org.eclipse.jetty.server.handler.GracefulHandler handler;
    private final ProtocolErrors errors;
    private final DashboardApi dashboard;

    public HttpApi(Delivery delivery, UpdateReports reports, Catalog catalog, DeviceRegistry devices, UpdateTracker updates,
                   RolloutEngine rollouts, Admission admission, ArtifactStore store, Path uploads, Jdbi jdbi,
                   StorageHealth storage, ApiTokens tokens, AuditLog audit, Metrics metrics, Limits limits, Clock clock,
                   TrustedProxies proxies) {
        RateLimits rates = new RateLimits(limits, System::nanoTime);
        DeviceEndpoints deviceEndpoints = new DeviceEndpoints(delivery, reports, catalog, store, metrics, rates);
        deviceEndpoints.register(router);
        org.updraft.server.fleet.Lifecycle lifecycle = new org.updraft.server.fleet.Lifecycle(catalog, devices, admission, rollouts);
        new ManagementApi(catalog, devices, updates, rollouts, lifecycle, uploads, admission, limits, store::damage).register(router);
        RolloutApi rolloutApi = new RolloutApi(catalog, rollouts, lifecycle);
        rolloutApi.register(router);
        this.dashboard = new DashboardApi(new org.updraft.server.fleet.FleetOverview(jdbi, catalog), devices, updates, rollouts,
                rolloutApi, metrics, limits.idleTimeout(), clock);
        dashboard.register(router);
        new SteppingStoneApi(catalog).register(router);
        new LayoutApi().register(router);
        new TokenApi(tokens).register(router);
        new AuditApi(audit).register(router);
        new ArtifactApi(new org.updraft.server.catalog.ArtifactCollection(jdbi, store, clock)).register(router);
        new ServiceEndpoints(jdbi, storage, metrics, readiness).register(router);
        Sessions sessions = new Sessions(tokens, Sessions.DEFAULT_IDLE);
        new SessionApi(sessions).register(router);
        // Outermost the graceful stop (counts requests in flight, refuses new ones once stopping), then
        // the client's address from a trusted proxy, then routing.
        Dispatcher dispatcher = new Dispatcher(router, deviceEndpoints, tokens, sessions, new UiAssets(HttpApi.class.getClassLoader()),
                audit, clock, rates, storage);
        this.handler = new org.eclipse.jetty.server.handler.GracefulHandler(new ForwardedClient(dispatcher, proxies));
        // Jetty cuts a stopping connector's connections idle for 1 s by default: a slow ESP8266
        // download pauses longer than that. They keep the configured idle timeout while draining.
        handler.setShutdownIdleTimeout(limits.idleTimeout().toMillis());
        this.errors = new ProtocolErrors(limits);
    }

    /** Every route, in the order registered. */
    public List<Route> routes() {
        return router.routes();
    }

    Router router() {
        return router;
    }

    /** The Jetty handler of every request. */
    public Handler handler() {
        return handler;
    }

    /** What {@code /ready} answers from. */
    public Readiness readiness() {
        return readiness;
    }

    /** Requests being handled right now (a download counts until its last byte is written). */
    public long inFlight() {
        return handler.getCurrentRequestCount();
    }

    /** Jetty's error handler: its refusals (431, 414, 400, 408, 413) in the API's error form. */
    public ErrorHandler errors() {
        return errors;
    }

    /** The dashboard's live event feed (subscribers, coalescing). */
    public org.updraft.server.live.LiveFeed liveFeed() {
        return dashboard.feed();
    }

    /** Ends the open event streams (before the listener stops, so it need not wait for them). */
    @Override
    public void close() {
        dashboard.close();
    }

    /** The OpenAPI document served at {@code /api/openapi.yaml}. */
    public static byte[] openApiDocument() {
        return ServiceEndpoints.openApiDocument();
    }
}
