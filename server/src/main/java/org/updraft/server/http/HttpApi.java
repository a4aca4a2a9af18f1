package org.updraft.server.http;

import java.time.Clock;
import org.updraft.server.audit.AuditLog;
import org.updraft.server.auth.ApiTokens;

/** Assembles the route table of the whole server, in one place. */
public final class HttpApi {

    private final Router router = new Router();
    private final Dispatcher dispatcher;

    public HttpApi(DeviceEndpoints devices, ManagementApi management, RolloutApi rollouts, ServiceEndpoints service, ApiTokens tokens,
                   AuditLog audit, Clock clock, RateLimits rates, org.updraft.server.store.StorageHealth storage) {
        devices.register(router);
        management.register(router);
        rollouts.register(router);
        new TokenApi(tokens).register(router);
        new AuditApi(audit).register(router);
        service.register(router);
        this.dispatcher = new Dispatcher(router, devices, tokens, audit, clock, rates, storage);
    }

    public Router router() {
        return router;
    }

    public Dispatcher handler() {
        return dispatcher;
    }
}
