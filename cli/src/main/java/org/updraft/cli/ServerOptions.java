package org.updraft.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.updraft.cli.config.Settings;
import picocli.CommandLine.Option;

/**
 * The server's settings as flags, shared by {@code updraft server}, {@code config show} and
 * {@code config check}, so that a check sees exactly what the start would. No flag has a default
 * here: what is not given comes from the environment, then the configuration file, then the
 * default ({@link Settings}).
 */
final class ServerOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = "Configuration file, key = value lines (default: $UPDRAFT_CONFIG, else none). Flags win over the "
                    + "environment, the environment over the file (docs/configuration.md).")
    Path config;

    @Option(names = "--host", paramLabel = "ADDRESS", description = "Interface to listen on ($UPDRAFT_HOST; default 0.0.0.0, all interfaces).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "TCP port ($UPDRAFT_PORT; default 8080; 0 picks a free one).")
    String port;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Artifact store and embedded database directory ($UPDRAFT_DATA_DIR; default ./updraft-data).")
    String dataDir;

    @Option(names = "--db", paramLabel = "JDBC-URL",
            description = "Database, e.g. jdbc:postgresql://localhost:5432/updraft?user=u ($UPDRAFT_DB; password in $UPDRAFT_DB_PASSWORD; "
                    + "default: the embedded SQLite file updraft.db in the data directory).")
    String jdbcUrl;

    @Option(names = "--mqtt", paramLabel = "URL",
            description = "MQTT broker for update-available and rollout events, e.g. tcp://127.0.0.1:1883 ($UPDRAFT_MQTT; default none).")
    String mqttUrl;

    @Option(names = "--webhook", paramLabel = "URL", description = "URL that receives rollout events as JSON POSTs ($UPDRAFT_WEBHOOK; default none).")
    String webhookUrl;

    @Option(names = "--https-port", paramLabel = "PORT", description = "Also serve HTTPS on this port (needs --tls-cert and --tls-key, or --tls-pkcs12).")
    String httpsPort;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain for HTTPS (reloaded when the file changes).")
    String tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM PKCS#8 private key for HTTPS.")
    String tlsKey;

    @Option(names = "--tls-pkcs12", paramLabel = "FILE",
            description = "PKCS#12 keystore for HTTPS instead of PEM files; password from $UPDRAFT_TLS_PASSWORD.")
    String tlsPkcs12;

    @Option(names = "--trusted-proxies", paramLabel = "ADDRESSES",
            description = "Reverse proxies whose X-Forwarded-For names the client, e.g. 127.0.0.1,10.0.0.0/8 ($UPDRAFT_TRUSTED_PROXIES; default none).")
    String trustedProxies;

    @Option(names = "--shutdown-drain", paramLabel = "DURATION",
            description = "How long a stop lets requests in flight (downloads) finish, e.g. 30s ($UPDRAFT_SHUTDOWN_DRAIN; default 30s).")
    String shutdownDrain;

    @Option(names = "--instance", paramLabel = "NAME",
            description = "This instance's name among several on one PostgreSQL database, in logs and as its connections' "
                    + "application_name ($UPDRAFT_INSTANCE; default host name:port). 1-63 characters A-Z a-z 0-9 . _ : -")
    String instance;

    @Option(names = "--limit", paramLabel = "NAME=VALUE",
            description = "Change a limit, e.g. --limit max-image-bytes=8388608 --limit header-timeout=5s --limit ip-rate=600/min "
                    + "(names and defaults: docs/security.md, Limits). Repeatable.")
    Map<String, String> limits = new LinkedHashMap<>();

    /** The flags given, by setting key. */
    Map<String, String> flags() {
        Map<String, String> f = new LinkedHashMap<>();
        put(f, "host", host);
        put(f, "port", port);
        put(f, "data-dir", dataDir);
        put(f, "db", jdbcUrl);
        put(f, "mqtt", mqttUrl);
        put(f, "webhook", webhookUrl);
        put(f, "https-port", httpsPort);
        put(f, "tls-cert", tlsCert);
        put(f, "tls-key", tlsKey);
        put(f, "tls-pkcs12", tlsPkcs12);
        put(f, "trusted-proxies", trustedProxies);
        put(f, "shutdown-drain", shutdownDrain);
        put(f, "instance", instance);
        limits.forEach((name, value) -> f.put("limit." + name, value));
        return f;
    }

    private static void put(Map<String, String> f, String key, String value) {
        if (value != null) {
            f.put(key, value);
        }
    }

    /** The effective settings of these flags with this process's environment. */
    Settings settings() {
        return Settings.resolve(flags(), System.getenv(), config);
    }
}
