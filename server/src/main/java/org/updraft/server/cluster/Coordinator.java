package org.updraft.server.cluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which instance coordinates the rollouts (docs/cluster.md, "The coordinator"): the one whose
 * dedicated connection holds the session-level advisory lock {@value #LOCK_KEY}. Every
 * {@link #period} each instance that does not hold it tries {@code pg_try_advisory_lock}; the
 * holder checks its connection instead. When the holder dies, its connection closes and
 * PostgreSQL releases the lock with it (a {@code kill -9} included), so another instance takes
 * over at its next try. When the holder's connection breaks while the holder lives, it stops
 * coordinating at once ({@link Roles#standDown}), before any other instance can take the lock.
 *
 * <p>Invariant: {@link #coordinating()} is true only while this instance's connection held the lock
 * at its last check, and {@link Roles#takeOver} has returned for that holding.
 */
public final class Coordinator implements AutoCloseable {

    /** The advisory lock's key: one per database, so each Updraft database has its own coordinator. */
    public static final long LOCK_KEY = 0x55_70_64_72_61_66_74L; // "Updraft"

    private static final Logger LOG = LoggerFactory.getLogger(Coordinator.class);

    /** What the coordinator does when it gains and loses the lock. */
    public interface Roles {
        /** This instance now coordinates: read the rollouts' state again and go on from there. */
        void takeOver();

        /** This instance no longer coordinates (its connection broke). */
        void standDown();
    }

    private final String jdbcUrl;
    private final String instance;
    private final Roles roles;
    private final java.time.Duration period;
    private final Thread thread;
    private volatile boolean closed;
    private final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);
    private volatile boolean coordinating;
    private volatile Connection connection;

    private Coordinator(String jdbcUrl, String instance, Roles roles, java.time.Duration period) {
        this.jdbcUrl = jdbcUrl;
        this.instance = instance;
        this.roles = roles;
        this.period = period;
        this.thread = Thread.ofVirtual().name("updraft-coordinator").unstarted(this::run);
    }

    /** Starts trying for the lock now and every {@code period}. */
    public static Coordinator start(String jdbcUrl, String instance, Roles roles, java.time.Duration period) {
        Coordinator c = new Coordinator(jdbcUrl, instance, roles, period);
        c.thread.start();
        return c;
    }

    /** Whether this instance coordinates the rollouts now. */
    public boolean coordinating() {
        return coordinating;
    }

    private void run() {
        while (!closed) {
            try {
                check();
            } catch (SQLException e) {
                lose("its database connection failed: " + e.getMessage());
            }
            try {
                if (closing.await(period.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void check() throws SQLException {
        Connection c = connection;
        if (c == null) {
            Properties p = new Properties();
            p.setProperty("ApplicationName", instance);
            p.setProperty("tcpKeepAlive", "true");
            p.setProperty("connectTimeout", "10");
            p.setProperty("socketTimeout", Long.toString(Math.max(5, TimeUnit.MILLISECONDS.toSeconds(period.toMillis()) * 3)));
            c = DriverManager.getConnection(jdbcUrl, p);
            connection = c;
        }
        try (Statement s = c.createStatement()) {
            if (coordinating) {
                s.execute("SELECT 1");
                return;
            }
            try (ResultSet rs = s.executeQuery("SELECT pg_try_advisory_lock(" + LOCK_KEY + ")")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return;
                }
            }
        }
        LOG.info("instance {} coordinates the rollouts now", instance);
        try {
            roles.takeOver();
            coordinating = true;
        } catch (RuntimeException e) {
            LOG.error("instance {}: taking over the rollouts failed; letting another instance try", instance, e);
            lose("taking over failed");
        }
    }

    /** Stops coordinating and drops the connection (which releases the lock if the database still holds it). */
    private void lose(String why) {
        boolean was = coordinating;
        coordinating = false;
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // gone anyway
            }
        }
        if (was) {
            LOG.warn("instance {} no longer coordinates the rollouts: {}", instance, why);
            try {
                roles.standDown();
            } catch (RuntimeException e) {
                LOG.error("instance {}: standing down failed", instance, e);
            }
        } else if (!closed) {
            LOG.debug("instance {}: coordinator connection: {}", instance, why);
        }
    }

    /** Stops coordinating and releases the lock (closing its connection). */
    @Override
    public void close() {
        closed = true;
        // No interrupt: it would close the socket of a pool connection a takeover is using.
        closing.countDown();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lose("the server stops");
    }
}
