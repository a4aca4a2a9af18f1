package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** {@code updraft device tag} and the tags and per-release update states in {@code device show}, against a stub server. */
class DeviceTagTest {

    private static final String MAC = "5C:CF:7F:01:02:03";

    private static String device(String tags, String updates) {
        return """
                {"mac":"5C:CF:7F:01:02:03","product":"relay","runningVersion":"2.0.0","runningSha256":null,\
                "runningMd5":"0123456789abcdef0123456789abcdef","lastSeen":"2026-11-27T01:50:00Z","checkIns":4321,"address":"10.0.0.7",\
                "chipId":"0x1a2b3c","chipSize":4194304,"freeSpace":2801664,"sdkVersion":"2.2.2-dev(38a443e)",\
                "pinnedVersion":null,"lastOutcome":"UP_TO_DATE","lastReason":null,"tags":""" + tags
                + ",\"timeline\":[],\"updates\":" + updates + "}";
    }

    @Test
    void tagReplacesTheTags() throws IOException {
        try (StubServer stub = new StubServer().answer("PUT /api/v1/devices/" + MAC + "/tags", 200,
                device("[\"bench-2\",\"canary\"]", "[]"))) {
            Run run = Run.of("device", "tag", MAC, "canary", "bench-2", "--server", stub.url(), "--token", "t");
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("Tagged " + MAC + ": bench-2, canary.\n");
            StubServer.Request request = stub.only();
            assertThat(request.method()).isEqualTo("PUT");
            assertThat(request.header("Content-Type")).isEqualTo("application/json");
            assertThat(request.header("Authorization")).isEqualTo("Bearer t");
            assertThat(request.bodyText()).isEqualTo("{\"tags\":[\"canary\",\"bench-2\"]}");
        }
    }

    @Test
    void clearSendsAnEmptyList() throws IOException {
        try (StubServer stub = new StubServer().answer("PUT /api/v1/devices/" + MAC + "/tags", 200, device("[]", "[]"))) {
            Run run = Run.of("device", "tag", MAC, "--clear", "--server", stub.url());
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("Cleared the tags of " + MAC + ".\n");
            assertThat(stub.only().bodyText()).isEqualTo("{\"tags\":[]}");

            Run json = Run.of("device", "tag", MAC, "--clear", "--json", "--server", stub.url());
            assertThat(json.exit()).as(json.toString()).isZero();
            assertThat(json.out()).isEqualTo(device("[]", "[]") + "\n");
        }
    }

    @Test
    void tagsOrClearIsAUsageErrorAndRefusalsAreTheServers() throws IOException {
        try (StubServer stub = new StubServer().answer("PUT /api/v1/devices/" + MAC + "/tags", 400,
                "{\"error\":\"tag 'a b' is not valid: 1-64 characters A-Z a-z 0-9 . _ -\",\"status\":400}")) {
            Run neither = Run.of("device", "tag", MAC, "--server", stub.url());
            assertThat(neither.exit()).isEqualTo(2);
            assertThat(neither.err()).isEqualTo("""
                    error: give one or more TAGs, or --clear to remove them all
                    Usage: updraft device tag [-hV] [--clear] [--json] [--server=URL]
                                              [--token=TOKEN] MAC [TAG...]
                    Try 'updraft device tag --help' for more information.
                    """);

            Run both = Run.of("device", "tag", MAC, "canary", "--clear", "--server", stub.url());
            assertThat(both.exit()).isEqualTo(2);
            assertThat(both.err()).startsWith("error: give TAGs or --clear, not both\n");
            assertThat(stub.requests).isEmpty();

            Run refused = Run.of("device", "tag", MAC, "a b", "--server", stub.url());
            assertThat(refused.exit()).as("the server's 400: a usage error").isEqualTo(2);
            assertThat(refused.out()).isEmpty();
            assertThat(refused.err()).isEqualTo("error: tag 'a b' is not valid: 1-64 characters A-Z a-z 0-9 . _ -\n"
                    + "Try 'updraft device tag --help' for more information.\n");
        }
        try (StubServer stub = new StubServer().answer("PUT /api/v1/devices/AA:BB:CC:DD:EE:FF/tags", 404,
                "{\"error\":\"no device AA:BB:CC:DD:EE:FF (devices register on their first check-in)\",\"status\":404}")) {
            Run unknown = Run.of("device", "tag", "AA:BB:CC:DD:EE:FF", "canary", "--server", stub.url());
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.err()).isEqualTo("error: no device AA:BB:CC:DD:EE:FF (devices register on their first check-in)\n");
        }
    }

    @Test
    void showListsTagsAndUpdateStatePerRelease() throws IOException {
        String updates = """
                [{"release":"2.0.0","rollout":7,"state":"confirmed","attempts":2,"lastError":"connection reset after 204800 bytes",\
                "offeredAt":"2026-11-27T01:40:00Z","downloadedAt":"2026-11-27T01:41:04.5Z","installedAt":"2026-11-27T01:42:00Z",\
                "finishedAt":"2026-11-27T01:47:00Z","nextAttemptAt":null},\
                {"release":"1.9.0","rollout":null,"state":"offered","attempts":1,"lastError":null,\
                "offeredAt":"2026-11-27T01:00:00Z","downloadedAt":null,"installedAt":null,"finishedAt":null,\
                "nextAttemptAt":"2026-11-27T01:02:00Z"}]""";
        try (StubServer stub = new StubServer()
                .answer("GET /api/v1/devices/" + MAC, 200, device("[\"bench-2\",\"canary\"]", updates))
                .answer("GET /api/v1/devices/5C:CF:7F:0A:0B:0C", 200, device("[]", "[]").replace("01:02:03", "0A:0B:0C"))) {
            Run run = Run.of("device", "show", MAC, "--server", stub.url());
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("""
                    Device 5C:CF:7F:01:02:03
                      product          relay
                      running version  2.0.0
                      running sha256   -
                      running md5      0123456789abcdef0123456789abcdef
                      pinned version   -
                      tags             bench-2, canary
                      last seen        2026-11-27 01:50:00Z
                      check-ins        4321
                      address          10.0.0.7
                      chip id          0x1a2b3c
                      chip size        4 MiB
                      free space       2736 KiB
                      sdk version      2.2.2-dev(38a443e)
                      last outcome     UP_TO_DATE

                    Updates (times after the offer):
                    RELEASE  ROLLOUT  STATE      ATTEMPTS  OFFERED               DOWNLOADED  INSTALLED  FINISHED  NEXT ATTEMPT          LAST ERROR
                    2.0.0    7        confirmed  2         2026-11-27 01:40:00Z  +1m 4s      +2m        +7m       -                     connection reset after 204800 bytes
                    1.9.0    -        offered    1         2026-11-27 01:00:00Z  -           -          -         2026-11-27 01:02:00Z  -

                    No check-ins recorded.
                    """);

            Run untagged = Run.of("device", "show", "5C:CF:7F:0A:0B:0C", "--server", stub.url());
            assertThat(untagged.exit()).as(untagged.toString()).isZero();
            assertThat(untagged.out()).contains("\n  pinned version   -\n  tags             -\n  last seen  ")
                    .doesNotContain("Updates").endsWith("  last outcome     UP_TO_DATE\n\nNo check-ins recorded.\n");
        }
    }
}
