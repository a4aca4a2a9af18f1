package org.updraft.server.http;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slow-loris protection. The idle timeout alone cannot stop a client that sends one header byte
 * every few seconds: bytes keep moving. So every {@code timeout} each HTTP/1 connection is looked
 * at: one still in the middle of the same request's header (Jetty's parser past START and not yet
 * at the body, no new request begun) as at the previous look is closed. A header therefore has
 * between one and two {@code timeout}s to arrive, whatever its pace.
 */
public final class HeaderDeadline implements Connection.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadline.class);

    private final Scheduler scheduler;
    private final long millis;

    public HeaderDeadline(Scheduler scheduler, Duration timeout) {
        this.scheduler = scheduler;
        this.millis = timeout.toMillis();
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection instanceof HttpConnection http) {
            schedule(http, -1);
        }
    }

    private void schedule(HttpConnection http, long midHeaderOfRequest) {
        scheduler.schedule(() -> look(http, midHeaderOfRequest), millis, TimeUnit.MILLISECONDS);
    }

    private void look(HttpConnection http, long midHeaderBefore) {
        if (!http.getEndPoint().isOpen()) {
            return;
        }
        HttpParser parser = http.getParser();
        boolean midHeader = parser.inHeaderState() && !parser.isStart();
        long requests = http.getMessagesIn();
        if (midHeader && requests == midHeaderBefore) {
            LOG.info("closing connection from {}: request header not complete after {} ms (header-timeout)",
                    http.getEndPoint().getRemoteSocketAddress(), millis);
            http.getEndPoint().close();
            return;
        }
        schedule(http, midHeader ? requests : -1);
    }
}
