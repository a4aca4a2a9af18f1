package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.server.ServerConfig;

/** {@code updraft server}: the startup line, and a clear failure when the port is taken. */
class ServerCommandTest {

    @TempDir
    Path dir;

    @Test
    void startupLineNamesUrlDataDirectoryAndDatabase() {
        ServerConfig embedded = new ServerConfig("0.0.0.0", 8080, dir, null);
        assertThat(ServerCommand.listening(URI.create("http://127.0.0.1:8080"), embedded)).isEqualTo(
                "Updraft listening on http://127.0.0.1:8080 (data: " + dir.toAbsolutePath().normalize()
                        + ", database: jdbc:sqlite:" + dir.toAbsolutePath().resolve("updraft.db") + ")");

        ServerConfig pg = new ServerConfig("0.0.0.0", 8080, dir, "jdbc:postgresql://db:5432/updraft?user=u&password=hunter2&ssl=true");
        assertThat(ServerCommand.listening(URI.create("http://127.0.0.1:8080/"), pg)).isEqualTo(
                "Updraft listening on http://127.0.0.1:8080 (data: " + dir.toAbsolutePath().normalize()
                        + ", database: jdbc:postgresql://db:5432/updraft?user=u&password=***&ssl=true)");
    }

    @Test
    void aTakenPortIsAClearFailure() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Run run = Run.of("server", "--host", "127.0.0.1", "--port", String.valueOf(port), "--data-dir", dir.toString());
            assertThat(run.exit()).as(run.toString()).isEqualTo(1);
            assertThat(run.out()).isEmpty();
            assertThat(run.err()).startsWith("error: cannot listen on 127.0.0.1:" + port + ": ")
                    .endsWith(" (is another server running there? choose another --port)\n");
        }
    }
}
