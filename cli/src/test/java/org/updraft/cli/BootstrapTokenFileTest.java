package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;
import org.updraft.server.auth.BootstrapTokenFile;

/**
 * The bootstrap admin token's file in the data directory: written owner-only by the start that
 * creates the token, found by the CLI only for a loopback server, and gone once the token is
 * revoked (by {@code updraft token revoke} at once, by the server's next start otherwise).
 */
class BootstrapTokenFileTest {

    @TempDir
    Path dir;

    @Test
    void theFirstStartKeepsTheTokenOwnerOnlyUntilItIsRevoked() throws Exception {
        Path data = dir.resolve("data");
        Path file = data.resolve("bootstrap-token");
        String secret;
        try (UpdraftServer first = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, data, null))) {
            secret = first.bootstrapToken().orElseThrow();
            assertThat(first.bootstrapTokenFile()).contains(file.toAbsolutePath());
            assertThat(Files.readString(file)).isEqualTo(secret + "\n");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(BootstrapTokenFile.read(data)).contains(secret);

            // The CLI finds it for a server on this machine, in the directory UPDRAFT_DATA_DIR names.
            assertThat(RemoteOptions.localTokenFile(first.baseUri(), data.toString())).contains(file.toAbsolutePath());
            assertThat(RemoteOptions.localTokenFile(URI.create("http://localhost:8080"), data.toString())).isPresent();
            assertThat(RemoteOptions.localTokenFile(URI.create("http://192.168.1.23:8080"), data.toString())).isEmpty();
            assertThat(RemoteOptions.localTokenFile(URI.create("http://updraft.example"), data.toString())).isEmpty();
            assertThat(RemoteOptions.localTokenFile(first.baseUri(), dir.resolve("elsewhere").toString())).isEmpty();

            // Revoked over the API with another admin token: the file stays until the next start.
            Run named = Run.of("token", "create", "alice", "--role", "admin", "--server", first.baseUri().toString(), "--token", secret);
            assertThat(named.exit()).as(named.toString()).isZero();
            String alice = named.out().lines().reduce((a, b) -> b).orElseThrow();
            Run revoke = Run.of("token", "revoke", "1", "--server", first.baseUri().toString(), "--token", alice);
            assertThat(revoke.exit()).as(revoke.toString()).isZero();
        }
        assertThat(file).exists();
        try (UpdraftServer again = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, data, null))) {
            assertThat(again.bootstrapToken()).isEmpty();
            assertThat(file).doesNotExist();
            assertThat(again.bootstrapTokenFile()).isEmpty();
        }
    }

    @Test
    void aValidTokenFileStaysAcrossStartsAndAnEmbeddedServerWithASeededTokenWritesNone() throws Exception {
        Path data = dir.resolve("data");
        try (UpdraftServer first = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, data, null))) {
            assertThat(first.bootstrapToken()).isPresent();
        }
        try (UpdraftServer again = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, data, null))) {
            assertThat(again.bootstrapToken()).isEmpty();
            assertThat(again.bootstrapTokenFile()).isPresent();
        }
        Path seeded = dir.resolve("seeded");
        try (UpdraftServer s = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, seeded, null)
                .withAdminToken(org.updraft.server.auth.ApiTokens.newSecret()))) {
            assertThat(s.bootstrapTokenFile()).isEmpty();
        }
    }
}
