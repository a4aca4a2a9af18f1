package org.updraft.server.http;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slow-loris protection. The idle timeout alone cannot stop a client that sends one header byte
 * every few seconds: bytes keep moving. So every {@code timeout} the connector's HTTP/1
 * connections are looked at: one still in the middle of the same request's header (Jetty's parser
 * past START and not yet at the body, no new request begun) as at the previous look is closed. A
 * header therefore has between one and two {@code timeout}s to arrive, whatever its pace.
 *
 * <p>One sweep over the connector's open connections per {@code timeout}, not one scheduled task
 * per connection: devices open a connection per check-in, and a task per connection meant, at
 * 10,000 check-ins/s and the 10 s default, 100,000 pending tasks in the scheduler's heap, each
 * holding its closed connection (parser, channel, request) alive for 10 s — old-generation garbage
 * (BENCHMARKS.md). Only connections caught mid-header are remembered between sweeps.
 */
final class HeaderDeadline extends AbstractLifeCycle {

    private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadline.class);

    private final AbstractConnector connector;
    private final long millis;
    /** Connections mid-header at the last sweep → their request count then (sweep thread only). */
    private Map<HttpConnection, Long> midHeader = Map.of();
    private volatile Scheduler.Task next;

    HeaderDeadline(AbstractConnector connector, Duration timeout) {
        this.connector = connector;
        this.millis = timeout.toMillis();
    }

    @Override
    protected void doStart() {
        schedule();
    }

    @Override
    protected void doStop() {
        Scheduler.Task t = next;
        if (t != null) {
            t.cancel();
        }
        midHeader = Map.of();
    }

    private void schedule() {
        next = connector.getScheduler().schedule(this::sweep, millis, TimeUnit.MILLISECONDS);
    }

    private void sweep() {
        try {
            Map<HttpConnection, Long> now = new HashMap<>();
            for (EndPoint endPoint : connector.getConnectedEndPoints()) {
                Connection c = endPoint.getConnection();
                if (c instanceof SslConnection ssl) {
                    c = ssl.getSslEndPoint().getConnection();
                }
                if (!(c instanceof HttpConnection http) || !endPoint.isOpen()) {
                    continue;
                }
                HttpParser parser = http.getParser();
                if (!parser.inHeaderState() || parser.isStart()) {
                    continue;
                }
                long requests = http.getMessagesIn();
                Long before = midHeader.get(http);
                if (before != null && before == requests) {
                    LOG.info("closing connection from {}: request header not complete after {} ms (header-timeout)",
                            endPoint.getRemoteSocketAddress(), millis);
                    endPoint.close();
                } else {
                    now.put(http, requests);
                }
            }
            midHeader = now;
        } catch (RuntimeException e) {
            LOG.warn("header-timeout sweep failed", e);
        } finally {
            if (isRunning()) {
                schedule();
            }
        }
    }
}
