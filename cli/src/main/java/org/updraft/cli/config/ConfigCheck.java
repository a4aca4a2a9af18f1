package org.updraft.cli.config;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.updraft.server.ServerConfig;
import org.updraft.server.config.Limits;
import org.updraft.server.http.Listeners;
import org.updraft.server.store.Database;

/**
 * {@code updraft config check}: what a start would trip over, found before the start. Each check
 * is one line, ok or FAIL with the reason; nothing is changed (the database is opened read-only
 * where the engine allows and never migrated, the data directory gets a probe file that is removed
 * at once, a port is bound and released).
 */
public final class ConfigCheck {

    /** One line of the report. */
    public record Result(boolean ok, String what, String detail) {
        @Override
        public String toString() {
            return String.format("%-4s  %s: %s", ok ? "ok" : "FAIL", what, detail);
        }
    }

    private ConfigCheck() {
    }

    /** Every check of {@code settings} (a configuration that does not even build is one FAIL line). */
    public static List<Result> run(Settings settings) {
        List<Result> results = new ArrayList<>();
        ServerConfig config;
        try {
            config = settings.serverConfig();
        } catch (IllegalArgumentException e) {
            results.add(new Result(false, "configuration", e.getMessage()));
            return results;
        }
        results.add(new Result(true, "configuration", settings.file() == null ? "no configuration file; environment and flags"
                : settings.file() + ", environment and flags"));
        results.add(dataDirectory(config.dataDir()));
        results.add(database(config));
        results.add(port("HTTP port", config.host(), config.port()));
        if (config.tls() != null) {
            results.add(port("HTTPS port", config.host(), config.tls().port()));
            try {
                results.add(new Result(true, "TLS certificate", Listeners.checkCertificate(config.tls())));
            } catch (IllegalArgumentException e) {
                results.add(new Result(false, "TLS certificate", e.getMessage()));
            }
        }
        results.add(limits(config));
        return results;
    }

    static Result dataDirectory(Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.exists(abs)) {
            Path parent = abs.getParent();
            while (parent != null && !Files.exists(parent)) {
                parent = parent.getParent();
            }
            return parent != null && Files.isDirectory(parent) && Files.isWritable(parent)
                    ? new Result(true, "data directory", abs + " does not exist yet; the first start creates it (owner-only)")
                    : new Result(false, "data directory", abs + " does not exist and cannot be created: " + parent + " is not writable");
        }
        if (!Files.isDirectory(abs)) {
            return new Result(false, "data directory", abs + " is not a directory");
        }
        try {
            Path probe = Files.createTempFile(abs, ".config-check", ".tmp");
            Files.delete(probe);
        } catch (IOException | RuntimeException e) {
            return new Result(false, "data directory", abs + " is not writable by this user: " + e.getMessage());
        }
        return new Result(true, "data directory", abs + " is writable");
    }

    static Result database(ServerConfig config) {
        String what = "database " + Settings.redact(config.effectiveJdbcUrl());
        try {
            return new Result(true, what, Database.migrationState(config.effectiveJdbcUrl()));
        } catch (IllegalStateException | IllegalArgumentException e) {
            return new Result(false, what, Settings.redact(e.getMessage()));
        }
    }

    static Result port(String what, String host, int port) {
        String where = (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        if (port == 0) {
            return new Result(true, what, where + ": a free port is picked at start");
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true); // as Jetty binds: a port whose old connections linger in TIME_WAIT is free
            s.bind(new InetSocketAddress(host, port));
            return new Result(true, what, where + " is free");
        } catch (IOException e) {
            return new Result(false, what, where + " cannot be bound: " + e.getMessage()
                    + (port < 1024 ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" : " (is another server running there?)"));
        }
    }

    static Result limits(ServerConfig config) {
        Limits l = config.limits();
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, String> e : l.describe().entrySet()) {
            if (!e.getValue().equals(Limits.DEFAULTS.describe().get(e.getKey()))) {
                changed.add(e.getKey() + "=" + e.getValue());
            }
        }
        if (l.idleTimeout().compareTo(l.headerTimeout()) < 0) {
            return new Result(false, "limits", "idle-timeout (" + l.idleTimeout().toMillis() + "ms) is shorter than header-timeout ("
                    + l.headerTimeout().toMillis() + "ms): expected idle-timeout >= header-timeout");
        }
        return new Result(true, "limits", (changed.isEmpty() ? "the defaults" : "the defaults except " + String.join(", ", changed))
                + "; shutdown-drain " + config.drainTimeout().toMillis() / 1000.0 + " s, trusted proxies: " + config.trustedProxies());
    }
}
