package org.updraft.server.http;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;

/**
 * Jetty's HTTP/1 connections, except that each one's parser shows the raw bytes of every request
 * line to a {@link NonosTarget} before parsing them. Jetty refuses some requests before any
 * handler runs (request line too long, malformed target, no {@code Host}) and hands its error
 * handler a placeholder request without the target; the watched connection still knows whether
 * the request was for a NONOS user bin, so {@link ProtocolErrors} can close instead of answering.
 *
 * <p>Same construction as {@link HttpConnectionFactory#newConnection}: only the parser differs.
 */
final class HttpConnections extends HttpConnectionFactory {

    HttpConnections(HttpConfiguration config) {
        super(config);
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
        Watched connection = new Watched(getHttpConfiguration(), connector, endPoint);
        connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
        return configure(connection, connector, endPoint);
    }

    /** A connection whose parser notes, per request, whether the request line targets a user bin. */
    static final class Watched extends HttpConnection {

        // Set from the superclass constructor (newRequestHandler, then newHttpParser, in that order),
        // so these fields must have no initializer: one would run after super() and wipe them.
        private RequestHandler handler;
        private WatchingParser parser;

        Watched(HttpConfiguration config, Connector connector, EndPoint endPoint) {
            super(config, connector, endPoint);
        }

        @Override
        protected RequestHandler newRequestHandler() {
            handler = super.newRequestHandler();
            return handler;
        }

        @Override
        protected HttpParser newHttpParser(HttpCompliance compliance) {
            // What HttpConnection.newHttpParser does, with the watching subclass.
            parser = new WatchingParser(handler, getHttpConfiguration().getRequestHeaderSize(), compliance);
            parser.setHeaderCacheSize(getHttpConfiguration().getHeaderCacheSize());
            parser.setHeaderCacheCaseSensitive(getHttpConfiguration().isHeaderCacheCaseSensitive());
            return parser;
        }

        boolean targetsUserBin() {
            return parser.target.targetsUserBin();
        }
    }

    private static final class WatchingParser extends HttpParser {

        final NonosTarget target = new NonosTarget();

        WatchingParser(RequestHandler handler, int maxHeaderBytes, HttpCompliance compliance) {
            super(handler, maxHeaderBytes, compliance);
        }

        @Override
        public boolean parseNext(ByteBuffer buffer) {
            // START: a new request (the parser is reset after each); METHOD..URI: its request line
            // arrives in pieces. The parser consumes every request-line byte it is given, so no byte
            // is seen twice; after the target nothing more is looked at.
            switch (getState()) {
                case START -> {
                    target.reset();
                    target.feed(buffer);
                }
                case METHOD, SPACE1, URI -> target.feed(buffer);
                default -> {
                }
            }
            return super.parseNext(buffer);
        }
    }
}
