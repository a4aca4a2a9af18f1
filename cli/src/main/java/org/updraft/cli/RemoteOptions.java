package org.updraft.cli;

import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The options every command that talks to a server shares: where, as whom, and in which output form. */
final class RemoteOptions {

    @Option(names = "--server", paramLabel = "URL", converter = ServerUrl.class,
            defaultValue = "${env:UPDRAFT_SERVER:-http://localhost:${env:UPDRAFT_PORT:-8080}}",
            description = "Updraft server base URL (default: $UPDRAFT_SERVER, else http://localhost:$UPDRAFT_PORT, else http://localhost:8080).")
    URI server;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:UPDRAFT_TOKEN}",
            showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
            description = "Admin bearer token (default: $UPDRAFT_TOKEN).")
    String token;

    @Option(names = "--json", description = "Print the server's JSON instead of a table.")
    boolean json;

    /**
     * A client for this server; close it when done. Without --token and UPDRAFT_TOKEN, a server on
     * this machine's loopback is asked with the bootstrap admin token its data directory keeps
     * ({@link #localTokenFile}), if there is one.
     */
    ApiClient client() {
        if (token == null || token.isBlank()) {
            java.util.Optional<java.nio.file.Path> file = localTokenFile(server, System.getenv("UPDRAFT_DATA_DIR"));
            if (file.isPresent()) {
                java.nio.file.Path dir = file.get().getParent();
                java.util.Optional<String> secret = org.updraft.server.auth.BootstrapTokenFile.read(dir);
                if (secret.isPresent()) {
                    return new ApiClient(server, secret.get(), file.get().toString());
                }
            }
        }
        return new ApiClient(server, token, null);
    }

    /**
     * The bootstrap token file a local server keeps ({@code BootstrapTokenFile}): in
     * {@code $UPDRAFT_DATA_DIR}, else in ./updraft-data — the server's own defaults — and only
     * for a loopback {@code server}: a token is never sent to another machine unasked.
     */
    static java.util.Optional<java.nio.file.Path> localTokenFile(URI server, String dataDirEnv) {
        if (server.getHost() == null || !Lan.isLoopback(server.getHost())) {
            return java.util.Optional.empty();
        }
        java.nio.file.Path dir = java.nio.file.Path.of(dataDirEnv == null || dataDirEnv.isBlank() ? "updraft-data" : dataDirEnv);
        java.nio.file.Path file = org.updraft.server.auth.BootstrapTokenFile.in(dir);
        return java.nio.file.Files.isRegularFile(file) ? java.util.Optional.of(file) : java.util.Optional.empty();
    }

    /** Accepts http(s)://host[:port][/prefix]; anything else is a usage error (exit 2). */
    static final class ServerUrl implements ITypeConverter<URI> {
        @Override
        public URI convert(String value) {
            URI uri;
            try {
                uri = new URI(value.strip());
            } catch (URISyntaxException e) {
                throw new TypeConversionException("'" + value + "' is not a URL; expected e.g. http://localhost:8080");
            }
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")) || uri.getHost() == null) {
                throw new TypeConversionException("'" + value + "' is not an http(s) URL with a host; expected e.g. http://localhost:8080");
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new TypeConversionException("'" + value + "' has a query or fragment; expected only scheme, host, port and path prefix");
            }
            String text = uri.toString();
            while (text.endsWith("/")) {
                text = text.substring(0, text.length() - 1);
            }
            return URI.create(text);
        }
    }
}
