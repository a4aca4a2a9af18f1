package org.updraft.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;

/** One server per data directory on the embedded database (docs/cluster.md). */
class SingleInstanceTest {

    @TempDir
    Path dir;

    @Test
    void aSecondClaimOfTheSameDirectoryIsRefusedUntilTheFirstIsReleased() {
        try (SingleInstance first = SingleInstance.claim(dir)) {
            assertThatThrownBy(() -> SingleInstance.claim(dir)).isInstanceOf(IllegalStateException.class)
                    .hasMessage("another Updraft server is running on the data directory " + dir.toAbsolutePath().normalize()
                            + " (it holds updraft.lock): its embedded database is one server's. Stop that server first, or run "
                            + "several servers on PostgreSQL (--db), each with its own name (--instance)");
        }
        SingleInstance.claim(dir).close();
    }

    @Test
    void theLockFileIsOwnerOnly() throws Exception {
        try (SingleInstance ignored = SingleInstance.claim(dir)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(SingleInstance.FILE))))
                    .isEqualTo("rw-------");
        }
    }

    @Test
    void aSecondServerOnTheSameEmbeddedDataDirectoryIsRefusedAndOneStartedAfterTheFirstStoppedRuns() {
        ServerConfig config = new ServerConfig("127.0.0.1", 0, dir, null);
        try (UpdraftServer first = UpdraftServer.start(config)) {
            assertThatThrownBy(() -> UpdraftServer.start(config)).hasMessageStartingWith("another Updraft server is running on the "
                    + "data directory " + dir.toAbsolutePath().normalize());
            assertThat(first.catalog().products()).isEmpty();
        }
        UpdraftServer.start(config).close();
    }
}
