package org.updraft.server;

import org.updraft.server.config.Limits;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.artifact.ArtifactStore;
import org.updraft.server.artifact.DatabaseBlobs;
import org.updraft.server.audit.AuditEvent;
import org.updraft.server.audit.AuditLog;
import org.updraft.server.auth.ApiTokens;
import org.updraft.server.auth.BootstrapTokenFile;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.delivery.Delivery;
import org.updraft.server.delivery.UpdateReports;
import org.updraft.server.fleet.DeviceRegistry;
import org.updraft.server.fleet.UpdatePolicy;
import org.updraft.server.fleet.SentFilesystems;
import org.updraft.server.fleet.Admission;
import org.updraft.server.http.HttpApi;
import org.updraft.server.http.Listeners;
import org.updraft.server.notify.MqttNotifier;
import org.updraft.server.notify.Notifiers;
import org.updraft.server.notify.WebhookNotifier;
import org.updraft.server.rollout.Notifier;
import org.updraft.server.rollout.RolloutEngine;
import org.updraft.server.rollout.UpdateTracker;
import java.util.ArrayList;
import java.util.List;
import org.updraft.server.http.Metrics;
import org.updraft.server.store.DataDirectory;
import org.updraft.server.store.Database;
import org.updraft.server.store.EmbeddedDatabase;
import org.updraft.server.store.SingleInstance;
import org.updraft.server.store.StorageHealth;
import org.updraft.server.artifact.ArtifactScrub;

/**
 * One running Updraft server: database, artifact store, catalog, device registry and the HTTP
 * listener, wired by plain constructors. {@link #close()} is the graceful stop
 * (docs/production.md, "Graceful shutdown"): {@code /ready} answers 503, the listeners stop
 * accepting, requests in flight (downloads) get up to {@link ServerConfig#drainTimeout()} to finish,
 * then the answered check-ins and update reports reach the database and the pool closes.
 *
 * <p>One class because it is the composition root: every part is constructed, wired, started and
 * closed here in one order (and in reverse when a start fails half-way), and the accessors are the
 * tests' and the CLI's view of the running parts. What stands alone is elsewhere
 * ({@link GracefulStop}, {@link Cluster}, {@link ServerConfig}).
 */
public final class UpdraftServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UpdraftServer.class);

    private final ServerConfig config;
    private final Database database;
    private final DeviceRegistry devices;
    private final Catalog catalog;
    private final Metrics metrics;
    private final UpdateTracker updates;
    private final RolloutEngine rollouts;
    private final Notifier notifier;
    private final HttpApi api;
    private final ApiTokens tokens;
    private final AuditLog audit;
    private String bootstrapToken;
    private final Server jetty;
    private final Listeners listeners;
    private final ArtifactStore store;
    private final StorageHealth storage;
    private final ArtifactScrub scrub;
    private final String instance;
    private final Cluster cluster;
    /** The data directory's lock while the embedded database is in use, else null. */
    private final SingleInstance single;

    private UpdraftServer(ServerConfig config) throws Exception {
        this.config = config;
        // Owner-only data directory, empty upload spool; tightened again once the database engine
        // has created its files (docs/integrity.md). An earlier version's H2 database is moved
        // into SQLite before the pool opens (docs/durability.md).
        DataDirectory data = DataDirectory.open(config.dataDir());
        // The embedded database is one server's: a second one on this directory is refused here (docs/cluster.md).
        this.single = config.jdbcUrl() == null ? SingleInstance.claim(config.dataDir()) : null;
        Clock clock = config.clock();
        this.instance = config.instanceName();
        try {
            EmbeddedDatabase.prepare(config.dataDir(), config.jdbcUrl() == null);
            this.database = Database.open(config.effectiveJdbcUrl(), instance);
        } catch (RuntimeException | Error e) {
            if (single != null) {
                single.close();
            }
            throw e;
        }
        Server started = null;
        ArtifactScrub scrubbing = null;
        // What holds threads or connections, in the order opened: a start that fails half-way
        // closes them in reverse, so a failed start (a port taken) leaves no writer or ticker behind.
        java.util.Deque<AutoCloseable> opened = new java.util.ArrayDeque<>();
        try {
            data.tighten();
            this.storage = new StorageHealth(data.root(), config.limits().diskReserveBytes());
            // The database holds every image; artifacts/ is this instance's verified cache of it
            // (docs/integrity.md). A data directory of an earlier version has images only in files:
            // they are stored in the database first (idempotent), then files the database lacks go.
            DatabaseBlobs blobs = new DatabaseBlobs(database.jdbi(), clock);
            this.store = new ArtifactStore(data.artifacts(), blobs);
            this.catalog = new Catalog(database.jdbi(), store, clock);
            blobs.backfill(catalog.storedArtifacts(), store);
            List<String> orphans = store.sweep(blobs.digests());
            if (!orphans.isEmpty()) {
                LOG.warn("removed {} artifact file(s) the database does not hold (an upload stopped before its release was "
                        + "stored, or the artifact was collected): {}", orphans.size(), orphans);
            }
            this.devices = new DeviceRegistry(database.jdbi(), catalog, storage);
            opened.push(devices);
            this.metrics = new Metrics();
            metrics.checkInWriter(devices::writerStats);
            metrics.integrity(() -> storage.write(0) == null, storage::usable, () -> store.damaged().size());
            this.updates = new UpdateTracker(database.jdbi(), catalog, storage);
            opened.push(updates);
            this.rollouts = new RolloutEngine(database.jdbi(), catalog, devices, updates, clock, config.rolloutTick(),
                    config.deviceUrl());
            opened.push(rollouts);
            if (database.isPostgres()) {
                rollouts.coordinatedBy(() -> false); // until this instance holds the coordinator's lock
                rollouts.share(instance);
            }
            metrics.fleet(catalog, devices, rollouts);
            List<Notifier> notifiers = new ArrayList<>();
            if (config.mqttUrl() != null) {
                notifiers.add(MqttNotifier.connect(config.mqttUrl(), null));
            }
            if (config.webhookUrl() != null) {
                notifiers.add(new WebhookNotifier(config.webhookUrl()));
            }
            this.notifier = new Notifiers(List.copyOf(notifiers));
            opened.push(notifier);
            rollouts.notifier(notifier);
            SentFilesystems filesystems = new SentFilesystems(database.jdbi());
            // Several instances may share a PostgreSQL database (docs/cluster.md); the embedded one is this instance's own.
            this.cluster = database.isPostgres()
                    ? Cluster.join(config.effectiveJdbcUrl(), instance, catalog, devices, rollouts, updates, filesystems) : null;
            if (cluster != null) {
                opened.push(cluster);
            }
            this.tokens = new ApiTokens(database.jdbi());
            this.audit = new AuditLog(database.jdbi(), database.isPostgres());
            seedAdminToken(config, clock);
            if (BootstrapTokenFile.removeIfInvalid(data.root(), tokens)) {
                LOG.info("Removed {}: the bootstrap admin token in it is no longer valid (revoked)", BootstrapTokenFile.in(data.root()));
            }
            UpdatePolicy policy = new UpdatePolicy(catalog, devices, rollouts, updates, filesystems);
            Limits limits = config.limits();
            Admission admission = new Admission(database.jdbi(), catalog, clock);
            Delivery delivery = new Delivery(catalog, policy, devices, store, updates, rollouts, admission, storage,
                    limits.perDevice(), clock);
            this.api = new HttpApi(delivery, new UpdateReports(catalog, devices, updates, admission), catalog, devices, updates,
                    rollouts, admission, store, data.uploads(), database.jdbi(), storage, tokens, audit, metrics, limits, clock,
                    config.trustedProxies());
            scrubbing = new ArtifactScrub(store, limits.scrubInterval());

            skipJettyMBeanServer();
            QueuedThreadPool pool = new QueuedThreadPool(64, 4);
            pool.setName("updraft-http");
            // Handlers are BLOCKING (JDBC, file I/O); Jetty runs them on virtual threads, so
            // thousands of slow ESP8266 downloads cost no platform threads.
            pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
            this.jetty = new Server(pool);
            this.listeners = Listeners.add(jetty, config.host(), config.port(), config.tls(), limits);
            jetty.setHandler(api.handler());
            jetty.setErrorHandler(api.errors());
            // close() drains first (GracefulStop.drain); what Jetty's own stop then finds still running is cut.
            jetty.setStopTimeout(0);
            started = jetty;
            jetty.start();
            // Only now, with every listener bound: a bootstrap token created by a start that then
            // failed (port taken) would be printed nowhere and never again, locking the instance out.
            this.bootstrapToken = createBootstrapToken(clock, data.root());
            this.scrub = scrubbing;
            api.readiness().ready();
        } catch (Exception | Error e) {
            if (scrubbing != null) {
                scrubbing.close();
            }
            if (started != null) {
                try {
                    started.stop(); // releases whatever listener did bind
                } catch (Exception x) {
                    e.addSuppressed(x);
                }
            }
            while (!opened.isEmpty()) {
                try {
                    opened.pop().close();
                } catch (Exception x) {
                    e.addSuppressed(x);
                }
            }
            database.close();
            if (single != null) {
                single.close();
            }
            throw e;
        }
    }

    /** Seeds the configured admin token (audited when it was added). */
    private void seedAdminToken(ServerConfig config, Clock clock) {
        java.time.Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        if (config.adminToken() != null && tokens.seed(config.adminToken(), now)) {
            audit.append(new AuditEvent(now, "server", null, null, "seed admin token", "name=seeded", null, 201));
        }
    }

    /**
     * On a database that has never had a token, creates the bootstrap admin token (audited),
     * writes its secret to {@link BootstrapTokenFile} in the data directory and returns it; else
     * null. Called once the server listens, so the start that creates it is one that can print it.
     * A file that cannot be written costs only the convenience: the secret is still printed.
     */
    private String createBootstrapToken(Clock clock, Path dataDir) {
        java.time.Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        return tokens.bootstrapIfEmpty(now).map(issued -> {
            audit.append(new AuditEvent(now, "server", null, null, "create bootstrap admin token",
                    "id=" + issued.token().id() + " name=" + issued.token().name(), null, 201));
            try {
                Path file = BootstrapTokenFile.write(dataDir, issued.secret());
                LOG.info("Created the bootstrap admin token #{} (printed once and kept in {} until revoked; not logged)",
                        issued.token().id(), file);
            } catch (java.io.IOException | RuntimeException e) {
                LOG.warn("Created the bootstrap admin token #{} (printed once, not logged) but could not write {}: {}",
                        issued.token().id(), BootstrapTokenFile.in(dataDir), e.toString());
            }
            return issued.secret();
        }).orElse(null);
    }

    /**
     * Jetty's MemoryUtils (first used by QueuedThreadPool) asks the platform MBean server whether
     * oops are compressed, to pad its queues to a cache line. Creating that server (JMX, every
     * platform MBean, JFR's diagnostic commands) took 120-150 ms of a ~1.5 s start; nothing else
     * in Updraft needs it. The property is Jetty's own answer to that question: 64-byte lines hold
     * 16 compressed (4-byte) references, which is what the JVM uses for heaps under 32 GB; when
     * it is wrong (-XX:-UseCompressedOops) only the padding is.
     */
    private static void skipJettyMBeanServer() {
        String property = "org.eclipse.jetty.util.referencesPerCacheLine";
        if (System.getProperty(property) == null) {
            System.setProperty(property, Runtime.getRuntime().maxMemory() < (32L << 30) ? "16" : "8");
        }
    }

    /** Starts a server; throws with the reason (port in use, database unreachable, ...) when it cannot. */
    public static UpdraftServer start(ServerConfig config) {
        try {
            UpdraftServer s = new UpdraftServer(config);
            LOG.debug("Updraft listening on {} (data: {}, database: {})", s.baseUri(), config.dataDir().toAbsolutePath(),
                    s.database.description());
            return s;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot start Updraft on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start Updraft: " + e.getMessage(), e);
        }
    }

    /** The HTTPS port, or -1 without a TLS listener. */
    public int httpsPort() {
        return listeners.httpsPort();
    }

    /** The subject of the HTTPS certificate in use, or null without a TLS listener. */
    public String tlsSubject() {
        return listeners.tlsSubject();
    }

    public int port() {
        return listeners.port();
    }

    public URI baseUri() {
        String host = config.host().equals("0.0.0.0") || config.host().equals("::") ? "127.0.0.1" : config.host();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port());
    }

    public ServerConfig config() {
        return config;
    }

    public Catalog catalog() {
        return catalog;
    }

    public DeviceRegistry devices() {
        return devices;
    }

    public Database database() {
        return database;
    }

    /** This instance's name among several on one database ({@link ServerConfig#instanceName}). */
    public String instance() {
        return instance;
    }

    /** Whether this instance coordinates the rollouts: always alone on the embedded database, else while it holds the lock. */
    public boolean coordinating() {
        return cluster == null || cluster.coordinating();
    }

    public RolloutEngine rollouts() {
        return rollouts;
    }

    public UpdateTracker updates() {
        return updates;
    }

    /**
     * The bootstrap admin token's secret when this start created it (first start on an empty
     * token table), else empty. It is stored only hashed; this is the only copy.
     */
    public java.util.Optional<String> bootstrapToken() {
        return java.util.Optional.ofNullable(bootstrapToken);
    }

    /** The file that holds the still valid bootstrap admin token ({@link BootstrapTokenFile}), if there is one. */
    public java.util.Optional<Path> bootstrapTokenFile() {
        Path file = BootstrapTokenFile.in(config.dataDir());
        return java.nio.file.Files.isRegularFile(file) ? java.util.Optional.of(file) : java.util.Optional.empty();
    }

    public ApiTokens tokens() {
        return tokens;
    }

    public AuditLog audit() {
        return audit;
    }

    /** The artifact store (its verdicts, {@link ArtifactStore#scrub}). */
    public ArtifactStore artifacts() {
        return store;
    }

    public StorageHealth storage() {
        return storage;
    }

    public Metrics metrics() {
        return metrics;
    }

    public HttpApi api() {
        return api;
    }

    public Path dataDir() {
        return config.dataDir();
    }

    public void join() throws InterruptedException {
        jetty.join();
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /** The graceful stop; a second call (a shutdown hook after an explicit close) does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // The dashboard's event streams end first: they never finish on their own, and the drain
        // would otherwise wait its whole deadline for them.
        api.close();
        GracefulStop.drain(jetty, api, config.drainTimeout());
        try {
            jetty.stop();
        } catch (Exception e) {
            LOG.warn("stopping the HTTP listener: {}", e.toString());
        }
        listeners.close();
        scrub.close();
        if (cluster != null) {
            cluster.close();
        }
        rollouts.close();
        notifier.close();
        devices.close();
        updates.close();
        database.close();
        if (single != null) {
            single.close();
        }
        LOG.info("Stopped: answered check-ins and update reports written, database pool closed");
    }
}
