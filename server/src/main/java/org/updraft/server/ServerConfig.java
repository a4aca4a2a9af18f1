package org.updraft.server;

import org.updraft.server.config.DeviceUrl;
import org.updraft.server.config.Limits;
import org.updraft.server.config.TlsConfig;
import org.updraft.server.config.TrustedProxies;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.updraft.server.store.EmbeddedDatabase;

/**
 * How to run one Updraft server: where to listen, where data lives, which database, whom to notify.
 *
 * @param host         interface to bind ("0.0.0.0" for all, "127.0.0.1" for loopback only)
 * @param port         TCP port; 0 picks a free one (tests)
 * @param dataDir      directory for the artifact store and, by default, the database ({@code updraft.db})
 * @param jdbcUrl      JDBC URL of the database, or null for the embedded SQLite file under {@code dataDir}
 * @param mqttUrl      MQTT broker for update-available and rollout events (tcp://host:1883), or null for none
 * @param webhookUrl   URL that receives rollout events as JSON POSTs, or null for none
 * @param rolloutTick  how often rollouts re-check their time-based rules (soak)
 * @param clock        the server's clock (tests and the fleet simulator may scale it)
 * @param limits       size, time and rate limits ({@link Limits#DEFAULTS})
 * @param tls          an HTTPS listener beside the HTTP one, or null for none
 * @param adminToken   a bearer token to make sure exists as an admin token (named "seeded") on start,
 *                     or null; for tests, simulators and provisioning. When set, no bootstrap token is
 *                     printed. Never a way around authentication: the token is as good as any other.
 * @param deviceUrl    where update-available notices tell devices to fetch a product's firmware
 *                     ({@link DeviceUrl#CHECK_IN}, this server's {@code /u/{product}}, by default)
 * @param trustedProxies the reverse proxies whose X-Forwarded-For names the client (rate limits, the
 *                     device's address); {@link TrustedProxies#NONE} by default
 * @param drainTimeout how long a stopping server lets requests in flight (downloads) finish before it
 *                     cuts them ({@link #DEFAULT_DRAIN}); docs/production.md, "Graceful shutdown"
 * @param instance     this instance's name among several on one PostgreSQL database (docs/cluster.md): in
 *                     logs, in the rows it owns and as its database connections' application_name; null
 *                     for the host name and port ({@link #instanceName}). 1-63 characters A-Z a-z 0-9 . _ : -
 */
public record ServerConfig(String host, int port, Path dataDir, String jdbcUrl, String mqttUrl, String webhookUrl,
                           Duration rolloutTick, Clock clock, Limits limits, TlsConfig tls, String adminToken,
                           DeviceUrl deviceUrl, TrustedProxies trustedProxies, Duration drainTimeout, String instance) {

    public static final int DEFAULT_PORT = 8080;
    public static final Duration DEFAULT_DRAIN = Duration.ofSeconds(30);

    private static final java.util.concurrent.atomic.AtomicInteger UNNAMED = new java.util.concurrent.atomic.AtomicInteger();

    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(rolloutTick, "rolloutTick");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(deviceUrl, "deviceUrl");
        Objects.requireNonNull(trustedProxies, "trustedProxies");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (drainTimeout.isNegative() || drainTimeout.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("shutdown-drain must be within 0s..1h, was " + drainTimeout);
        }
        if (adminToken != null && (adminToken.length() < 32 || adminToken.chars().anyMatch(c -> c <= ' ' || c > '~'))) {
            throw new IllegalArgumentException("adminToken must be at least 32 printable ASCII characters without spaces "
                    + "(e.g. ApiTokens.newSecret())");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        if (jdbcUrl != null && !jdbcUrl.startsWith("jdbc:")) {
            throw new IllegalArgumentException("database URL must start with jdbc: (e.g. jdbc:postgresql://host/db), was " + jdbcUrl);
        }
        if (rolloutTick.isNegative() || rolloutTick.isZero()) {
            throw new IllegalArgumentException("rolloutTick must be positive");
        }
        if (instance != null && !instance.matches("[A-Za-z0-9._:-]{1,63}")) {
            throw new IllegalArgumentException("instance name must be 1-63 characters A-Z a-z 0-9 . _ : - (e.g. updraft-2), got '"
                    + instance + "'");
        }
    }

    /**
     * The instance's name: the configured one, else this machine's host name and the port (a
     * server on port 0, as in tests, gets the process id and a number unique in the JVM, since
     * its port is not known before the database opens). Each call for an unnamed port-0
     * configuration gives a new name: ask once per server.
     */
    public String instanceName() {
        if (instance != null) {
            return instance;
        }
        String hostName;
        try {
            hostName = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            hostName = "localhost";
        }
        hostName = hostName.replaceAll("[^A-Za-z0-9._-]", "-");
        String suffix = port != 0 ? Integer.toString(port)
                : ProcessHandle.current().pid() + "-" + UNNAMED.incrementAndGet();
        String name = hostName + ":" + suffix;
        return name.length() <= 63 ? name : name.substring(name.length() - 63);
    }

    /** No trusted proxy, the default drain deadline; the instance is named by host and port. */
    public ServerConfig(String host, int port, Path dataDir, String jdbcUrl, String mqttUrl, String webhookUrl,
                        Duration rolloutTick, Clock clock, Limits limits, TlsConfig tls, String adminToken, DeviceUrl deviceUrl) {
        this(host, port, dataDir, jdbcUrl, mqttUrl, webhookUrl, rolloutTick, clock, limits, tls, adminToken, deviceUrl,
                TrustedProxies.NONE, DEFAULT_DRAIN, null);
    }

    /** Devices are told the server's own check-in route ({@link DeviceUrl#CHECK_IN}). */
    public ServerConfig(String host, int port, Path dataDir, String jdbcUrl, String mqttUrl, String webhookUrl,
                        Duration rolloutTick, Clock clock, Limits limits, TlsConfig tls, String adminToken) {
        this(host, port, dataDir, jdbcUrl, mqttUrl, webhookUrl, rolloutTick, clock, limits, tls, adminToken, DeviceUrl.CHECK_IN);
    }

    public ServerConfig(String host, int port, Path dataDir, String jdbcUrl) {
        this(host, port, dataDir, jdbcUrl, null, null, Duration.ofSeconds(1), Clock.systemUTC(), Limits.DEFAULTS, null, null);
    }

    /** Embedded defaults: all interfaces, port 8080, ./updraft-data, embedded SQLite database, no notifications. */
    public static ServerConfig defaults() {
        return new ServerConfig("0.0.0.0", DEFAULT_PORT, Path.of("updraft-data"), null);
    }

    public ServerConfig withTls(TlsConfig t) {
        return new ServerConfig(host, port, dataDir, jdbcUrl, mqttUrl, webhookUrl, rolloutTick, clock, limits, t, adminToken, deviceUrl, trustedProxies, drainTimeout, instance);
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(host, newPort, dataDir, jdbcUrl, mqttUrl, webhookUrl, rolloutTick, clock, limits, tls, adminToken, deviceUrl, trustedProxies, drainTimeout, instance);
    }

    public ServerConfig withNotifications(String mqtt, String webhook) {
        return new ServerConfig(host, port, dataDir, jdbcUrl, mqtt, webhook, rolloutTick, clock, limits, tls, adminToken, deviceUrl, trustedProxies, drainTimeout, instance);
    }

    public ServerConfig withRolloutTick(Duration tick) {
        return new ServerConfig(host, port, dataDir, jdbcUrl, mqttUrl, webhookUrl, tick, clock, limits, tls, adminToken, deviceUrl, trustedProxies, drainTimeout, instance);
    }

    public ServerConfig withClock(Clock c) {
        return new ServerConfig(host, port, dataDir, jdbcUrl, mqttUrl, webhookUrl, rolloutTick, c, limits, tls, adminToken, deviceUrl, trustedProxies, drainTimeout, instance);
    }

    public ServerConfig withLimits(Limits l) {
        return new ServerConfig(host, port, dataDir, jdbcUrl, mqttUrl, webhookUrl, rolloutTick, clock, l, tls, adminToken, deviceUrl, trustedProxies, drainTimeout, instance);
    }

    /** Seeds this admin bearer token on start (see {@code adminToken}); null for none. */
    public ServerConfig withAdminToken(String token) {
        return new ServerConfig(host, port, dataDir, jdbcUrl, mqttUrl, webhookUrl, rolloutTick, clock, limits, tls, token, deviceUrl, trustedProxies, drainTimeout, instance);
    }

    /** Tells devices to fetch firmware from {@code url} in update-available notices. */
    public ServerConfig withDeviceUrl(DeviceUrl url) {
        return new ServerConfig(host, port, dataDir, jdbcUrl, mqttUrl, webhookUrl, rolloutTick, clock, limits, tls, adminToken, url, trustedProxies, drainTimeout, instance);
    }

    /** Believes X-Forwarded-For from these proxies only. */
    public ServerConfig withTrustedProxies(TrustedProxies proxies) {
        return new ServerConfig(host, port, dataDir, jdbcUrl, mqttUrl, webhookUrl, rolloutTick, clock, limits, tls, adminToken,
                deviceUrl, proxies, drainTimeout, instance);
    }

    /** Names this instance ({@code instance}); null for the host name and port. */
    public ServerConfig withInstance(String name) {
        return new ServerConfig(host, port, dataDir, jdbcUrl, mqttUrl, webhookUrl, rolloutTick, clock, limits, tls, adminToken,
                deviceUrl, trustedProxies, drainTimeout, name);
    }

    /** Lets requests in flight finish for up to {@code drain} when the server stops. */
    public ServerConfig withDrainTimeout(Duration drain) {
        return new ServerConfig(host, port, dataDir, jdbcUrl, mqttUrl, webhookUrl, rolloutTick, clock, limits, tls, adminToken,
                deviceUrl, trustedProxies, drain, instance);
    }

    /** Never prints the admin token or a database password. */
    @Override
    public String toString() {
        return "ServerConfig[host=" + host + ", port=" + port + ", dataDir=" + dataDir + ", jdbcUrl="
                + (jdbcUrl == null ? null : jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***")) + ", mqttUrl=" + mqttUrl
                + ", webhookUrl=" + webhookUrl + ", rolloutTick=" + rolloutTick + ", clock=" + clock + ", limits=" + limits
                + ", tls=" + (tls == null ? null : "configured") + ", adminToken=" + (adminToken == null ? null : "***")
                + ", deviceUrl=" + deviceUrl.template() + ", trustedProxies=" + trustedProxies + ", drainTimeout=" + drainTimeout + ", instance=" + instance + "]";
    }

    /** The JDBC URL actually used: the configured one, or the embedded SQLite file in the data directory. */
    public String effectiveJdbcUrl() {
        return jdbcUrl != null ? jdbcUrl : EmbeddedDatabase.url(dataDir);
    }
}
