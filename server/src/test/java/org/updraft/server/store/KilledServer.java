package org.updraft.server.store;

import java.nio.file.Path;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;

/**
 * A server in its own JVM, for a test to kill -9 ({@link KillTest}): args data-dir admin-token
 * [jdbc-url] (without one: the embedded database); prints "port N" once it listens.
 */
public final class KilledServer {

    private KilledServer() {
    }

    public static void main(String[] args) throws Exception {
        UpdraftServer server = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, Path.of(args[0]), args.length > 2 ? args[2] : null).withAdminToken(args[1]));
        System.out.println("port " + server.port());
        System.out.flush();
        Thread.sleep(120_000); // bounded: the test kills it long before
        server.close();
    }
}
