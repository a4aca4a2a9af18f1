package org.updraft.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code updraft server}: runs the update server in the foreground until Ctrl-C. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run the Updraft server (firmware repository, device update endpoints, management API) until Ctrl-C.")
final class ServerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "0.0.0.0",
            description = "Interface to listen on (default: ${DEFAULT-VALUE}, all interfaces).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "${env:UPDRAFT_PORT:-" + ServerConfig.DEFAULT_PORT + "}",
            description = "TCP port (default: $UPDRAFT_PORT, else " + ServerConfig.DEFAULT_PORT + "; 0 picks a free one).")
    int port;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:UPDRAFT_DATA_DIR:-updraft-data}",
            description = "Artifact store and embedded database directory (default: $UPDRAFT_DATA_DIR, else ./updraft-data).")
    Path dataDir;

    @Option(names = "--db", paramLabel = "JDBC-URL",
            description = "Database, e.g. jdbc:postgresql://localhost:5432/updraft?user=u&password=p (default: the embedded SQLite file updraft.db in --data-dir).")
    String jdbcUrl;

    @Option(names = "--instance", paramLabel = "NAME",
            description = "This instance's name among several on one PostgreSQL database, in logs and as its connections' "
                    + "application_name (default: host name:port). 1-63 characters A-Z a-z 0-9 . _ : -")
    String instance;

    @Option(names = "--mqtt", paramLabel = "URL",
            description = "MQTT broker for update-available and rollout events, e.g. tcp://127.0.0.1:1883 (default: none).")
    String mqttUrl;

    @Option(names = "--webhook", paramLabel = "URL",
            description = "URL that receives rollout events as JSON POSTs (default: none).")
    String webhookUrl;

    @Option(names = "--https-port", paramLabel = "PORT", description = "Also serve HTTPS on this port (needs --tls-cert and --tls-key, or --tls-pkcs12).")
    Integer httpsPort;

    @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain for HTTPS (reloaded when the file changes).")
    java.nio.file.Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM PKCS#8 private key for HTTPS.")
    java.nio.file.Path tlsKey;

    @Option(names = "--tls-pkcs12", paramLabel = "FILE",
            description = "PKCS#12 keystore for HTTPS instead of PEM files; password from $UPDRAFT_TLS_PASSWORD.")
    java.nio.file.Path tlsPkcs12;

    @Option(names = "--limit", paramLabel = "NAME=VALUE",
            description = "Change a limit, e.g. --limit max-image-bytes=8388608 --limit header-timeout=5s --limit ip-rate=600/min "
                    + "(names and defaults: docs/security.md, Limits). Repeatable.")
    java.util.Map<String, String> limitOptions = new java.util.LinkedHashMap<>();

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig config;
        try {
            org.updraft.server.config.Limits limits = org.updraft.server.config.Limits.DEFAULTS;
            for (var e : limitOptions.entrySet()) {
                limits = limits.with(e.getKey(), e.getValue());
            }
            config = new ServerConfig(host, port, dataDir, jdbcUrl).withNotifications(mqttUrl, webhookUrl).withLimits(limits)
                    .withInstance(instance);
            if (httpsPort != null || tlsCert != null || tlsKey != null || tlsPkcs12 != null) {
                if (httpsPort == null) {
                    throw new IllegalArgumentException("--tls-cert/--tls-key/--tls-pkcs12 need --https-port");
                }
                String pw = System.getenv("UPDRAFT_TLS_PASSWORD");
                config = config.withTls(new org.updraft.server.config.TlsConfig(httpsPort, tlsCert, tlsKey, tlsPkcs12,
                        pw == null ? null : pw.toCharArray(), java.time.Duration.ofSeconds(10)));
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        boolean fresh = isNew(config.dataDir());
        UpdraftServer server;
        try {
            server = UpdraftServer.start(config);
        } catch (RuntimeException e) {
            throw new CommandFailure(startFailure(e), e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "updraft-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.print(listening(server.baseUri(), config, server.port(), fresh, Lan.addresses()));
        if (server.httpsPort() > 0) {
            out.println("HTTPS on port " + server.httpsPort() + " (certificate " + server.tlsSubject() + ", checked for renewal every 10 s)");
        }
        server.bootstrapToken().ifPresentOrElse(
                secret -> out.print(bootstrap(secret, server.baseUri(), server.bootstrapTokenFile().orElse(null))),
                () -> server.bootstrapTokenFile().ifPresent(file -> out.println("The bootstrap admin token is still valid and kept in " + file
                        + " (revoke it once you have named tokens).")));
        out.flush();
        server.join();
        return 0;
    }

    /** Whether {@code dir} does not exist yet or is empty: this start makes a new, empty instance. */
    static boolean isNew(Path dir) {
        if (!Files.exists(dir)) {
            return true;
        }
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException | RuntimeException e) {
            return false; // not listable: the start fails with its own reason
        }
    }

    /**
     * What the server really serves on and where its state is, e.g.
     * <pre>
     * Updraft listening on http://127.0.0.1:8080 (bound to 0.0.0.0:8080: all interfaces)
     *   devices on the LAN: http://192.168.1.23:8080/u/PRODUCT
     *   data:     /home/me/updraft-data (new: created empty just now)
     *   database: jdbc:sqlite:/home/me/updraft-data/updraft.db
     * </pre>
     * The first URL is the one this machine's CLI uses ({@code UPDRAFT_SERVER}); devices need an
     * address they can reach, {@code lan} (this machine's site-local addresses, {@link Lan}).
     */
    static String listening(URI baseUri, ServerConfig config, int port, boolean fresh, java.util.List<String> lan) {
        String url = baseUri.toString().replaceAll("/$", "");
        String host = config.host();
        boolean all = host.equals("0.0.0.0") || host.equals("::");
        boolean loopback = Lan.isLoopback(host);
        String bound = (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        StringBuilder out = new StringBuilder("Updraft listening on " + url + " (bound to " + bound
                + (all ? ": all interfaces" : loopback ? ": this machine only" : "") + ")\n");
        if (loopback) {
            out.append("  devices: none can reach a loopback address; start with --host 0.0.0.0 for devices on the network\n");
        } else if (!all) {
            out.append("  devices: http://").append(bound).append("/u/PRODUCT\n");
        } else if (lan.isEmpty()) {
            out.append("  devices: this machine has no LAN address right now; use an address of it that devices can reach\n");
        } else {
            out.append("  devices on the LAN: ").append(String.join("  ", lan.stream()
                    .map(a -> "http://" + (a.contains(":") ? "[" + a + "]" : a) + ":" + port + "/u/PRODUCT").toList())).append("\n");
        }
        out.append("  data:     ").append(config.dataDir().toAbsolutePath().normalize())
                .append(fresh ? " (new: created empty just now)" : "").append("\n");
        out.append("  database: ").append(database(config)).append("\n");
        return out.toString();
    }

    /**
     * The lines that show the bootstrap admin token: on the first start that listens, when the
     * database has no token yet. The database stores only its hash; the data directory keeps it in
     * {@code file} (owner-only) until it is revoked, for scripts and the CLI on this machine.
     */
    static String bootstrap(String secret, URI baseUri, Path file) {
        String url = baseUri.toString().replaceAll("/$", "");
        return "Bootstrap admin token (shown once): " + secret + "\n"
                + "  Use it as a bearer token: export UPDRAFT_TOKEN=" + secret + " (or --token, or the header\n"
                + "  'Authorization: Bearer …' to " + url + "/api/v1/…).\n"
                + (file == null ? "  Only its hash is stored: keep it now.\n"
                        : "  It is also kept in " + file + " (owner-only) until it is revoked; updraft commands\n"
                        + "  on this machine use it when neither --token nor UPDRAFT_TOKEN is given.\n")
                + "  Then create named tokens (updraft token create NAME --role admin|operator|viewer)\n"
                + "  and revoke this one (updraft token revoke ID; see updraft token list).\n";
    }

    /** The JDBC URL without any password. */
    static String database(ServerConfig config) {
        return config.effectiveJdbcUrl().replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    private String startFailure(RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return "cannot listen on " + host + ":" + port + ": " + t.getMessage()
                        + " (is another server running there? choose another --port)";
            }
        }
        String message = e.getMessage() != null ? e.getMessage() : e.toString();
        return "the server did not start: " + message;
    }
}
