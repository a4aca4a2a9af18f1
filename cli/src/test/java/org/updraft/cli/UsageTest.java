package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Usage errors exit 2 with one "error:" line, the synopsis and where help is; --help and --version exit 0. */
class UsageTest {

    @Test
    void versionNamesTheBuild() {
        Run run = Run.of("--version");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("updraft 0.1.0-SNAPSHOT\nJava ");
    }

    @Test
    void helpListsEveryCommand() {
        Run run = Run.of("--help");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("\n  server ", "\n  inspect ", "\n  product ", "\n  release ", "\n  device ");
    }

    @Test
    void unknownCommand() {
        Run run = Run.of("zzz");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("""
                error: Unmatched argument at index 0: 'zzz'
                Usage: updraft [-hV] [COMMAND]
                Try 'updraft --help' for more information.
                """);
    }

    @Test
    void misspelledCommandGetsASuggestion() {
        Run run = Run.of("devices", "list");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("""
                error: Unmatched arguments from index 0: 'devices', 'list'
                Did you mean: updraft device or updraft demo?
                Usage: updraft [-hV] [COMMAND]
                Try 'updraft --help' for more information.
                """);
    }

    @Test
    void missingRequiredOption() {
        Run run = Run.of("product", "create", "relay", "--layout", "arduino-4m");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: Missing required option: '--chip=CHIP'\n")
                .endsWith("Try 'updraft product create --help' for more information.\n");
    }

    @Test
    void uploadNeedsFirmwareOrTheNonosPair() {
        Run none = Run.of("release", "upload", "relay", "1.0.0");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).isEqualTo("""
                error: Missing required argument (specify one of these): (--firmware=FILE | (--user1=FILE --user2=FILE))
                Usage: updraft release upload [-hV] [--downgrade] [--hold] [--json]
                                              [--filesystem=FILE] [--notes=TEXT] [--server=URL]
                                              [--token=TOKEN] (--firmware=FILE | (--user1=FILE
                                              --user2=FILE)) PRODUCT VERSION
                Try 'updraft release upload --help' for more information.
                """);

        Run both = Run.of("release", "upload", "relay", "1.0.0", "--firmware", "a.bin", "--user1", "b.bin", "--user2", "c.bin");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).startsWith("error: --firmware=FILE and (--user1=FILE --user2=FILE) are mutually exclusive (specify only one)\n");

        Run half = Run.of("release", "upload", "relay", "1.0.0", "--user1", "b.bin");
        assertThat(half.exit()).isEqualTo(2);
        assertThat(half.err()).startsWith("error: Missing required argument(s): --user2=FILE\n");
    }

    @Test
    void serverUrlMustBeHttp() {
        Run run = Run.of("device", "list", "--server", "localhost:8080");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: Invalid value for option '--server': 'localhost:8080' is not an http(s) URL"
                + " with a host; expected e.g. http://localhost:8080\n");
    }

    @Test
    void badPort() {
        Run run = Run.of("server", "--port", "eighty");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: flag --port: port = 'eighty' is not valid: expected a whole number 0..65535\n");

        Run range = Run.of("server", "--port", "70000");
        assertThat(range.exit()).isEqualTo(2);
        assertThat(range.err()).startsWith("error: flag --port: port = '70000' is not valid: expected a whole number 0..65535\n");
    }

    @Test
    void inspectNeedsAFile() {
        Run run = Run.of("inspect");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).startsWith("error: Missing required parameter: 'FILE'\n");
    }
}
