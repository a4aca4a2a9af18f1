package org.updraft.server.cluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What other instances on the same PostgreSQL database changed (docs/cluster.md, "Propagation").
 * One dedicated connection runs {@code LISTEN updraft_change} and is polled on a virtual thread;
 * each notification another writer sent is handed to the {@link Listener}, one at a time, in the
 * order PostgreSQL delivered them. PostgreSQL sends a notification only when the writing
 * transaction commits (the V12 migration's triggers send it inside that transaction), so a listener
 * never sees a change that was rolled back.
 *
 * <p>Notifications sent while this connection was down are lost. So every time the connection is
 * made — the first time too, since the instance loaded its memory before it listened — the listener
 * is told to {@link Listener#reloadAll reload everything}, after {@code LISTEN} took effect, so a
 * change committed after that reload began is either in the reload or delivered afterwards. A
 * broken connection (the database restarted, the network failed; found by the poll or by a probe
 * every {@value #PROBE_MS} ms) is made again after {@value #RETRY_MS} ms, as often as it takes.
 *
 * <p>Invariant: a listener's exception ends neither the connection nor the thread; it is logged and
 * the next notification is delivered.
 */
public final class ChangeFeed implements AutoCloseable {

    /** The channel the triggers notify. */
    public static final String CHANNEL = "updraft_change";
    static final int POLL_MS = 250;
    static final int PROBE_MS = 5_000;
    static final int RETRY_MS = 1_000;

    private static final Logger LOG = LoggerFactory.getLogger(ChangeFeed.class);

    /** Who hears about changes. */
    public interface Listener {
        /** Another writer committed {@code change}. */
        void changed(Change change);

        /** Notifications may have been missed (the connection was just made): read everything again. */
        void reloadAll();
    }

    private final String jdbcUrl;
    private final String instance;
    private final Listener listener;
    private final Thread thread;
    private final CountDownLatch firstListen = new CountDownLatch(1);
    private volatile boolean closed;
    private volatile Connection connection;

    private ChangeFeed(String jdbcUrl, String instance, Listener listener) {
        this.jdbcUrl = jdbcUrl;
        this.instance = instance;
        this.listener = listener;
        this.thread = Thread.ofVirtual().name("updraft-change-feed").unstarted(this::run);
    }

    /**
     * Starts listening as {@code instance} (whose own changes are skipped: its memory has them);
     * returns once the first {@code LISTEN} took effect and the first reload ran, or after 10 s
     * when the database cannot be reached (the feed keeps trying).
     */
    public static ChangeFeed start(String jdbcUrl, String instance, Listener listener) {
        ChangeFeed feed = new ChangeFeed(jdbcUrl, instance, listener);
        feed.thread.start();
        try {
            if (!feed.firstListen.await(10, TimeUnit.SECONDS)) {
                LOG.warn("instance {}: not listening for changes of other instances yet (database unreachable); still trying", instance);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return feed;
    }

    private void run() {
        while (!closed) {
            try (Connection c = connect()) {
                connection = c;
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                deliverReload();
                firstListen.countDown();
                poll(c);
            } catch (SQLException e) {
                if (!closed) {
                    LOG.warn("instance {}: change feed connection lost ({}); reconnecting in {} ms, then reloading everything",
                            instance, e.getMessage(), RETRY_MS);
                }
            } finally {
                connection = null;
            }
            if (!closed) {
                pause(RETRY_MS);
            }
        }
    }

    private void poll(Connection c) throws SQLException {
        PGConnection pg = c.unwrap(PGConnection.class);
        long probeAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_MS);
        while (!closed) {
            PGNotification[] ns = pg.getNotifications(POLL_MS);
            if (ns != null) {
                for (PGNotification n : ns) {
                    Change change = Change.parse(n.getParameter());
                    if (!change.writer().equals(instance)) {
                        deliver(change);
                    }
                }
            }
            if (System.nanoTime() - probeAt > 0) {
                try (Statement s = c.createStatement()) {
                    s.execute("SELECT 1");
                }
                probeAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_MS);
            }
        }
    }

    private Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("ApplicationName", instance);
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(jdbcUrl, p);
    }

    private void deliver(Change change) {
        try {
            listener.changed(change);
        } catch (RuntimeException e) {
            LOG.error("instance {}: applying a change of {} by {} failed; it takes effect at the next reload", instance,
                    change.table(), change.writer(), e);
        }
    }

    private void deliverReload() {
        try {
            listener.reloadAll();
        } catch (RuntimeException e) {
            LOG.error("instance {}: reloading after (re)connecting the change feed failed", instance, e);
        }
    }

    private void pause(int ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the feed is connected and listening now. */
    public boolean listening() {
        return connection != null;
    }

    @Override
    public void close() {
        closed = true;
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        // No interrupt: it would close the socket of a pool connection a reload is using; the poll returns within POLL_MS.
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
