package org.updraft.server;

import java.net.URI;

/** Placeholder while the server lands; see the real class. */
public final class UpdraftServer implements AutoCloseable {
    private UpdraftServer() {}
    public static UpdraftServer start(ServerConfig config) { throw new UnsupportedOperationException("server not yet built"); }
    public int port() { return 0; }
    public URI baseUri() { return URI.create("http://127.0.0.1:" + port()); }
    public void join() throws InterruptedException {}
    @Override public void close() {}
}
