package org.updraft.cli;

import java.io.PrintWriter;
import java.net.BindException;
import java.net.URI;
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

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "" + ServerConfig.DEFAULT_PORT,
            description = "TCP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "updraft-data",
            description = "Artifact store and embedded database directory (default: ./${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--db", paramLabel = "JDBC-URL",
            description = "Database, e.g. jdbc:postgresql://localhost:5432/updraft?user=u&password=p (default: the embedded SQLite file updraft.db in --data-dir).")
    String jdbcUrl;

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
                    + "(names and defaults: README, Limits). Repeatable.")
    java.util.Map<String, String> limitOptions = new java.util.LinkedHashMap<>();

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig config;
        try {
            org.updraft.server.config.Limits limits = org.updraft.server.config.Limits.DEFAULTS;
            for (var e : limitOptions.entrySet()) {
                limits = limits.with(e.getKey(), e.getValue());
            }
            config = new ServerConfig(host, port, dataDir, jdbcUrl).withNotifications(mqttUrl, webhookUrl).withLimits(limits);
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
        UpdraftServer server;
        try {
            server = UpdraftServer.start(config);
        } catch (RuntimeException e) {
            throw new CommandFailure(startFailure(e), e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "updraft-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println(listening(server.baseUri(), config));
        if (server.httpsPort() > 0) {
            out.println("HTTPS on port " + server.httpsPort() + " (certificate " + server.tlsSubject() + ", checked for renewal every 10 s)");
        }
        server.bootstrapToken().ifPresent(secret -> out.print(bootstrap(secret, server.baseUri())));
        out.flush();
        server.join();
        return 0;
    }

    /** "Updraft listening on http://127.0.0.1:8080 (data: /abs/updraft-data, database: jdbc:sqlite:…/updraft.db)". */
    static String listening(URI baseUri, ServerConfig config) {
        String url = baseUri.toString();
        return "Updraft listening on " + (url.endsWith("/") ? url.substring(0, url.length() - 1) : url)
                + " (data: " + config.dataDir().toAbsolutePath().normalize()
                + ", database: " + database(config) + ")";
    }

    /**
     * The lines that show the bootstrap admin token, once: on the first start that listens, when
     * the database has no token yet. Only its hash is stored; lost, it cannot be shown again
     * ({@code updraft token reset-admin} makes a new admin token).
     */
    static String bootstrap(String secret, URI baseUri) {
        String url = baseUri.toString().replaceAll("/$", "");
        return "Bootstrap admin token (shown once): " + secret + "\n"
                + "  Use it as a bearer token: export UPDRAFT_TOKEN=" + secret + " (or --token, or the header\n"
                + "  'Authorization: Bearer …' to " + url + "/api/v1/…). Only its hash is stored: keep it now.\n"
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
