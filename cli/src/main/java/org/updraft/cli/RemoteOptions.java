package org.updraft.cli;

import java.net.URI;
import java.net.URISyntaxException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** The options every command that talks to a server shares: where, as whom, and in which output form. */
final class RemoteOptions {

    @Option(names = "--server", paramLabel = "URL", converter = ServerUrl.class,
            defaultValue = "${env:UPDRAFT_SERVER:-http://localhost:8080}",
            description = "Updraft server base URL (default: $UPDRAFT_SERVER, else http://localhost:8080).")
    URI server;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:UPDRAFT_TOKEN}",
            showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
            description = "Admin bearer token (default: $UPDRAFT_TOKEN).")
    String token;

    @Option(names = "--json", description = "Print the server's JSON instead of a table.")
    boolean json;

    /** A client for this server; close it when done. */
    ApiClient client() {
        return new ApiClient(server, token);
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
