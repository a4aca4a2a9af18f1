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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code updraft server}: runs the update server in the foreground until Ctrl-C. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run the Updraft server (firmware repository, device update endpoints, management API) until Ctrl-C.")
final class ServerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ServerOptions options = new ServerOptions();

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig config;
        try {
            config = options.settings().serverConfig();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        boolean fresh = isNew(config.dataDir());
        UpdraftServer server;
        try {
            server = UpdraftServer.start(config);
        } catch (RuntimeException e) {
            throw new CommandFailure(startFailure(config, e), e);
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

    private static String startFailure(ServerConfig config, RuntimeException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return "cannot listen on " + config.host() + ":" + config.port() + ": " + t.getMessage()
                        + " (is another server running there? choose another --port)";
            }
        }
        String message = e.getMessage() != null ? e.getMessage() : e.toString();
        return "the server did not start: " + message;
    }
}
