package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;

/**
 * {@code updraft gc [--dry-run]} against a real server: what it says when there is nothing to
 * remove, and when an archived release's image waits out the grace period after its upload (the
 * removal itself: ArtifactCollectionTest, with a clock the test moves). Needs an admin token.
 */
class GcCommandTest {

    static final String TOKEN = org.updraft.server.auth.ApiTokens.newSecret();

    @TempDir
    Path dir;

    @Test
    void reportsWhatItRemovedAndWhatWaitsForTheGracePeriod() throws Exception {
        try (UpdraftServer server = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir.resolve("data"), null).withAdminToken(TOKEN))) {
            String url = server.baseUri().toString();
            Run nothing = Run.of("gc", "--server", url, "--token", TOKEN);
            assertThat(nothing.exit()).as(nothing.toString()).isZero();
            assertThat(nothing.out()).isEqualTo("Removed 0 artifacts, 0 bytes.\n");

            Path v1 = Files.write(dir.resolve("v1.bin"), ImageBuilder.arduino().version("1.0.0").payload(1, 20_000).build());
            Path v2 = Files.write(dir.resolve("v2.bin"), ImageBuilder.arduino().version("2.0.0").payload(2, 20_000).build());
            DbCommandTest.ok("product", "create", "relay", "--chip", "esp8266", "--layout", "arduino-4m", "--server", url, "--token", TOKEN);
            DbCommandTest.ok("release", "upload", "relay", "1.0.0", "--firmware", v1.toString(), "--server", url, "--token", TOKEN);
            DbCommandTest.ok("release", "upload", "relay", "2.0.0", "--firmware", v2.toString(), "--server", url, "--token", TOKEN);
            DbCommandTest.ok("release", "archive", "relay", "1.0.0", "--server", url, "--token", TOKEN);

            Run dry = Run.of("gc", "--dry-run", "--server", url, "--token", TOKEN);

            assertThat(dry.exit()).as(dry.toString()).isZero();
            assertThat(dry.out()).isEqualTo("Would remove 0 artifacts, 0 bytes.\n"
                    + "1 unreferenced artifact was used by an upload within the last 60 minutes and kept for a later run.\n");

            String viewer = server.tokens().create("dash", org.updraft.server.auth.Role.VIEWER, "test", java.time.Instant.now()).secret();
            Run refused = Run.of("gc", "--server", url, "--token", viewer);
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).contains("admin");
        }
    }
}
