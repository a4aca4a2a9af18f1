package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code updraft demo}'s closing hint points only at a server that still runs (the whole demo: FleetCommandsTest). */
class DemoCommandTest {

    @TempDir
    Path dir;

    @Test
    void closingHintPointsOnlyAtAServerThatRuns() {
        URI base = URI.create("http://127.0.0.1:41234");
        assertThat(DemoCommand.closingHint(true, base, 1, "upd_T", null))
                .isEqualTo("see it: updraft rollout status 1 --server http://127.0.0.1:41234 --token upd_T\n");
        assertThat(DemoCommand.closingHint(false, base, 1, "upd_T", null))
                .isEqualTo("The demo's server stops now. To look around afterwards, run updraft demo --keep (it serves until Ctrl-C).\n");
        Path kept = dir.resolve("demo-data");
        assertThat(DemoCommand.closingHint(false, base, 1, "upd_T", kept)).isEqualTo(
                "The demo's server stops now. To look around afterwards, run updraft demo --keep (it serves until Ctrl-C).\n"
                        + "Its data stays in " + kept + ": updraft token reset-admin --data-dir " + kept + " makes an admin token for it,\n"
                        + "then updraft server --data-dir " + kept + " serves it (on this machine's real clock).\n");
    }

    @Test
    void portDefaultsToAFreeOne() {
        Run help = Run.of("demo", "--help");
        assertThat(help.out()).contains("--port=PORT      Port (default: a free one, so that the demo never");
    }
}
