package org.updraft.server.http;

import java.time.Clock;

/** Assembles the route table of the whole server, in one place. */
public final class HttpApi {

    private final Router router = new Router();
    private final Dispatcher dispatcher;

    public HttpApi(DeviceEndpoints devices, ManagementApi management, RolloutApi rollouts, ServiceEndpoints service, Clock clock,
                   RateLimits rates) {
        devices.register(router);
        management.register(router);
        rollouts.register(router);
        service.register(router);
        this.dispatcher = new Dispatcher(router, devices, clock, rates);
    }

    public Router router() {
        return router;
    }

    public Dispatcher handler() {
        return dispatcher;
    }
}
