package org.updraft.cli.config;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.updraft.server.ServerConfig;
import org.updraft.server.config.Limits;
import org.updraft.server.config.TlsConfig;
import org.updraft.server.config.TrustedProxies;

/**
 * The server's effective configuration and where each value came from. One precedence, the same
 * for every key: a command-line flag wins over the environment, the environment over the
 * configuration file, the file over the default (docs/configuration.md). A value that is not
 * acceptable is an error naming the key, the value, what was expected and its source (FILE:LINE,
 * {@code env UPDRAFT_…} or {@code flag --…}); secrets are never part of a message.
 */
public final class Settings {

    /** A value as given, and where: "FILE:LINE", "env NAME", "flag --NAME" or "default". */
    public record Value(String value, String source) {
    }

    /** The environment variable naming the configuration file when there is no {@code --config}. */
    public static final String CONFIG_ENV = "UPDRAFT_CONFIG";

    /** Every setting, in the order {@code config show} and docs/configuration.md list them. */
    public static final List<Setting> ALL = all();

    private static List<Setting> all() {
        Consumer<String> any = v -> { };
        Consumer<String> port = v -> wholeNumber(v, 0, 65535);
        List<Setting> s = new ArrayList<>(List.of(
                new Setting("host", "UPDRAFT_HOST", "--host", "0.0.0.0", false, v -> {
                    if (v.isBlank() || v.contains(" ")) {
                        throw new IllegalArgumentException("expected an interface address such as 0.0.0.0, 127.0.0.1 or ::");
                    }
                }),
                new Setting("port", "UPDRAFT_PORT", "--port", Integer.toString(ServerConfig.DEFAULT_PORT), false, port),
                new Setting("data-dir", "UPDRAFT_DATA_DIR", "--data-dir", "updraft-data", false, Settings::nonBlankPath),
                new Setting("db", "UPDRAFT_DB", "--db", "SQLite file updraft.db in data-dir", false, v -> {
                    if (!v.startsWith("jdbc:postgresql:") && !v.startsWith("jdbc:sqlite:")) {
                        throw new IllegalArgumentException("expected a JDBC URL such as jdbc:postgresql://127.0.0.1:5432/updraft?user=updraft");
                    }
                }),
                new Setting("db-password", "UPDRAFT_DB_PASSWORD", null, "none", true, any),
                new Setting("mqtt", "UPDRAFT_MQTT", "--mqtt", "none", false, v -> url(v, "tcp", "ssl")),
                new Setting("webhook", "UPDRAFT_WEBHOOK", "--webhook", "none", false, v -> url(v, "http", "https")),
                new Setting("https-port", "UPDRAFT_HTTPS_PORT", "--https-port", "none", false, port),
                new Setting("tls-cert", "UPDRAFT_TLS_CERT", "--tls-cert", "none", false, Settings::nonBlankPath),
                new Setting("tls-key", "UPDRAFT_TLS_KEY", "--tls-key", "none", false, Settings::nonBlankPath),
                new Setting("tls-pkcs12", "UPDRAFT_TLS_PKCS12", "--tls-pkcs12", "none", false, Settings::nonBlankPath),
                new Setting("tls-password", "UPDRAFT_TLS_PASSWORD", null, "none", true, any),
                new Setting("trusted-proxies", "UPDRAFT_TRUSTED_PROXIES", "--trusted-proxies", "none", false, TrustedProxies::parse),
                new Setting("shutdown-drain", "UPDRAFT_SHUTDOWN_DRAIN", "--shutdown-drain",
                        ServerConfig.DEFAULT_DRAIN.toSeconds() + "s", false, v -> drain(v)),
                new Setting("instance", "UPDRAFT_INSTANCE", "--instance", "host name:port", false, v -> {
                    if (!v.matches("[A-Za-z0-9._:-]{1,63}")) {
                        throw new IllegalArgumentException("expected 1-63 characters A-Z a-z 0-9 . _ : - (e.g. updraft-2)");
                    }
                })));
        // Limits are checked together when the configuration is built (max-uri-bytes depends on max-header-bytes).
        Limits.DEFAULTS.describe().forEach((name, dflt) -> s.add(Setting.limit(name, dflt, any)));
        return List.copyOf(s);
    }

    private final Map<String, Value> values;
    private final Path file;

    private Settings(Map<String, Value> values, Path file) {
        this.values = values;
        this.file = file;
    }

    /**
     * The effective settings: {@code file} (null: {@code env[UPDRAFT_CONFIG]}, else none), then the
     * environment, then {@code flags} (key → value; {@code limit.NAME} for {@code --limit}), each
     * checked. IllegalArgumentException names the key, the value, what was expected and the source.
     */
    public static Settings resolve(Map<String, String> flags, Map<String, String> env, Path file) {
        Map<String, Setting> known = new LinkedHashMap<>();
        ALL.forEach(s -> known.put(s.key(), s));
        Path configFile = file != null ? file : env.get(CONFIG_ENV) != null && !env.get(CONFIG_ENV).isBlank()
                ? Path.of(env.get(CONFIG_ENV)) : null;
        Map<String, Value> values = new LinkedHashMap<>();
        if (configFile != null) {
            values.putAll(ConfigFile.read(configFile, known));
        }
        for (Setting s : ALL) {
            String v = env.get(s.env());
            if (v != null && !v.isEmpty()) { // set but empty: as if unset, as shells and systemd often leave them
                values.put(s.key(), new Value(v, "env " + s.env()));
            }
        }
        for (String name : env.keySet()) {
            if (name.startsWith("UPDRAFT_LIMIT_") && ALL.stream().noneMatch(s -> s.env().equals(name))) {
                throw new IllegalArgumentException("env " + name + ": unknown limit; expected one of "
                        + String.join(", ", ALL.stream().map(Setting::env).filter(e -> e.startsWith("UPDRAFT_LIMIT_")).toList()));
            }
        }
        for (var f : flags.entrySet()) {
            Setting s = known.get(f.getKey());
            if (s == null) {
                throw new IllegalArgumentException(f.getKey().startsWith("limit.")
                        ? "flag --limit: unknown limit '" + f.getKey().substring(6) + "'; expected one of "
                                + String.join(", ", Limits.DEFAULTS.describe().keySet())
                        : "unknown setting '" + f.getKey() + "'");
            }
            values.put(s.key(), new Value(f.getValue(), s.flag() == null ? "flag" : "flag " + s.flag().replaceFirst(" .*", "")));
        }
        for (var e : values.entrySet()) {
            Setting s = known.get(e.getKey());
            try {
                s.check().accept(e.getValue().value().strip());
            } catch (IllegalArgumentException x) {
                throw invalid(s, e.getValue(), x.getMessage());
            }
        }
        return new Settings(values, configFile);
    }

    static IllegalArgumentException invalid(Setting s, Value v, String expected) {
        String shown = s.secret() ? "***" : "'" + v.value() + "'";
        return new IllegalArgumentException(v.source() + ": " + s.key() + " = " + shown + " is not valid: " + expected);
    }

    /** The configuration file read, or null. */
    public Path file() {
        return file;
    }

    /** The value set for {@code key} (stripped), or null when the default applies. */
    public String get(String key) {
        Value v = values.get(key);
        return v == null ? null : v.value().strip();
    }

    /** Where {@code key}'s value came from ("default" when nothing set it). */
    public String source(String key) {
        Value v = values.get(key);
        return v == null ? "default" : v.source();
    }

    /** The server configuration these settings describe; IllegalArgumentException names the setting and its source. */
    public ServerConfig serverConfig() {
        String dataDir = get("data-dir") != null ? get("data-dir") : "updraft-data";
        String db = jdbcUrl();
        ServerConfig config = new ServerConfig(getOr("host", "0.0.0.0"), Integer.parseInt(getOr("port", "" + ServerConfig.DEFAULT_PORT)),
                Path.of(dataDir), db).withNotifications(get("mqtt"), get("webhook"));
        Limits limits = Limits.DEFAULTS;
        for (Setting s : ALL) {
            if (s.key().startsWith("limit.") && values.containsKey(s.key())) {
                try {
                    limits = limits.with(s.key().substring(6), get(s.key()));
                } catch (IllegalArgumentException e) {
                    throw invalid(s, values.get(s.key()), e.getMessage());
                }
            }
        }
        config = config.withLimits(limits).withTrustedProxies(TrustedProxies.parse(get("trusted-proxies")));
        if (get("shutdown-drain") != null) {
            config = config.withDrainTimeout(drain(get("shutdown-drain")));
        }
        config = config.withInstance(get("instance"));
        return tls(config);
    }

    private String getOr(String key, String dflt) {
        String v = get(key);
        return v == null ? dflt : v;
    }

    private String jdbcUrl() {
        String db = get("db");
        String password = values.containsKey("db-password") ? values.get("db-password").value() : null;
        if (password == null) {
            return db;
        }
        if (db == null || !db.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException(source("db-password") + ": db-password is set, but db (" + source("db")
                    + ") is not a PostgreSQL URL; the embedded SQLite database has no password");
        }
        if (db.toLowerCase(java.util.Locale.ROOT).matches(".*[?&]password=.*")) {
            throw new IllegalArgumentException(source("db-password") + ": db-password is set and the db URL (" + source("db")
                    + ") has a password= too; give it in one place");
        }
        return db + (db.contains("?") ? "&" : "?") + "password=" + URLEncoder.encode(password, StandardCharsets.UTF_8);
    }

    private ServerConfig tls(ServerConfig config) {
        boolean any = get("tls-cert") != null || get("tls-key") != null || get("tls-pkcs12") != null;
        if (get("https-port") == null) {
            if (any) {
                String which = get("tls-pkcs12") != null ? "tls-pkcs12" : get("tls-cert") != null ? "tls-cert" : "tls-key";
                throw new IllegalArgumentException(source(which) + ": " + which + " is set but https-port is not; "
                        + "expected https-port with tls-cert and tls-key, or with tls-pkcs12");
            }
            return config;
        }
        String password = values.containsKey("tls-password") ? values.get("tls-password").value() : null;
        try {
            return config.withTls(new TlsConfig(Integer.parseInt(get("https-port")), path("tls-cert"), path("tls-key"), path("tls-pkcs12"),
                    password == null ? null : password.toCharArray(), Duration.ofSeconds(10)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source("https-port") + ": https-port = " + get("https-port") + ": " + e.getMessage());
        }
    }

    private Path path(String key) {
        return get(key) == null ? null : Path.of(get(key));
    }

    /**
     * Every setting as {@code config show} prints it: key, value (secrets masked, a password in the
     * database URL too) and source, aligned.
     */
    public List<String> show() {
        List<String> lines = new ArrayList<>();
        int width = ALL.stream().mapToInt(s -> s.key().length()).max().orElse(0);
        for (Setting s : ALL) {
            Value v = values.get(s.key());
            String shown = v == null ? s.defaultText() : s.secret() ? "***" : s.key().equals("db") ? redact(v.value()) : v.value().strip();
            lines.add(String.format("%-" + width + "s = %-40s %s", s.key(), shown, v == null ? "(default)" : "(" + v.source() + ")"));
        }
        return lines;
    }

    /** A JDBC URL without its password. */
    public static String redact(String jdbcUrl) {
        return jdbcUrl == null ? null : jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    private static void nonBlankPath(String v) {
        if (v.isBlank()) {
            throw new IllegalArgumentException("expected a path");
        }
    }

    private static void wholeNumber(String v, int min, int max) {
        try {
            int n = Integer.parseInt(v);
            if (n >= min && n <= max) {
                return;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("expected a whole number " + min + ".." + max);
    }

    private static void url(String v, String... schemes) {
        try {
            URI u = new URI(v);
            if (u.getHost() != null && List.of(schemes).contains(u.getScheme())) {
                return;
            }
        } catch (java.net.URISyntaxException e) {
            // below
        }
        throw new IllegalArgumentException("expected a URL " + String.join(" or ", List.of(schemes).stream().map(s -> s + "://HOST:PORT").toList()));
    }

    /** "30s", "500ms", "2m" or plain seconds, 0s..1h. */
    static Duration drain(String v) {
        Duration d;
        try {
            d = v.endsWith("ms") ? Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)))
                    : v.endsWith("s") ? Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)))
                    : v.endsWith("m") ? Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)))
                    : Duration.ofSeconds(Long.parseLong(v));
        } catch (NumberFormatException e) {
            d = Duration.ofSeconds(-1);
        }
        if (d.isNegative() || d.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("expected a duration 0s..1h such as 30s, 500ms or 2m");
        }
        return d;
    }
}
