package org.updraft.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first half of a server's stop (docs/production.md, "Graceful shutdown"): refuse what is new,
 * let what is in flight finish up to a deadline, and say what was cut. {@link UpdraftServer#close}
 * runs it before it stops Jetty and flushes the writers.
 */
final class GracefulStop {
    private static final Logger LOG = LoggerFactory.getLogger(UpdraftServer.class);

    private GracefulStop() {
    }

    /**
     * The first half of the stop: {@code /ready} answers 503, every listener closes (new
     * connections are refused, so a balancer sends them to another instance), a new request on
     * a kept-alive connection gets 503, and the requests in flight get up to the drain deadline.
     * Logs what it waited for and what the deadline cut.
     */
    static void drain(org.eclipse.jetty.server.Server jetty, org.updraft.server.http.HttpApi api, java.time.Duration deadline) {
        api.readiness().draining();
        long started = System.nanoTime();
        long inFlight = api.inFlight();
        LOG.info("Stopping: /ready answers 503, no new connections; {} request(s) in flight get up to {} s to finish",
                inFlight, deadline.toMillis() / 1000.0);
        for (org.eclipse.jetty.server.Connector c : jetty.getConnectors()) {
            if (c instanceof org.eclipse.jetty.util.component.Graceful g) {
                g.shutdown(); // stops accepting
            }
            // And releases the port, so that a connection attempt is refused (a balancer then tries
            // another instance) rather than queued by the kernel: without an acceptor thread
            // (Listeners) Jetty's close leaves the listening channel to the selector until stop.
            if (c instanceof org.eclipse.jetty.server.ServerConnector n && n.getTransport() instanceof java.nio.channels.Channel ch) {
                try {
                    ch.close();
                } catch (java.io.IOException e) {
                    LOG.warn("Stopping: closing the listener on port {}: {}", n.getLocalPort(), e.toString());
                }
            }
        }
        if (!(api.handler() instanceof org.eclipse.jetty.util.component.Graceful handler)) {
            return;
        }
        try {
            handler.shutdown().get(deadline.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            LOG.info("Stopping: every request in flight finished ({} ms)", (System.nanoTime() - started) / 1_000_000);
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("Stopping: the drain deadline ({} s) cut {} request(s) still in flight (downloads are resumed with "
                    + "Range or retried by the device)", deadline.toMillis() / 1000.0, api.inFlight());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Stopping: interrupted while draining; cutting {} request(s) in flight", api.inFlight());
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.warn("Stopping: draining failed: {}", e.getCause().toString());
        }
    }
}
