package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@code updraft rollout …} against a recording stub server: exact requests, exact output, exact exit codes. */
class RolloutCommandTest {

    private static final String POLICY = """
            "policy":{"successThreshold":0.9,"failureThreshold":0.125,"soakSeconds":600,"maxConcurrent":50,"maxAttempts":5,\
            "backoffSeconds":90}""";

    private static String wave(int index, String label, int members, int pending, int offered, int downloading, int downloaded,
                               int installed, int confirmed, int failed, int rolledBack, double meanAttempts) {
        return "{\"index\":" + index + ",\"label\":\"" + label + "\",\"members\":" + members + ",\"pending\":" + pending
                + ",\"offered\":" + offered + ",\"downloading\":" + downloading + ",\"downloaded\":" + downloaded
                + ",\"installed\":" + installed + ",\"confirmed\":" + confirmed + ",\"failed\":" + failed
                + ",\"rolledBack\":" + rolledBack + ",\"meanAttempts\":" + meanAttempts + "}";
    }

    /** Rollout 7 of relay 2.0.0 over waves canary, 10%, 100%, in the given state. */
    private static String rollout(String state, String reason, int currentWave, String finishedAt, String... progress) {
        String[] labels = {"canary", "10%", "100%"};
        return "{\"id\":7,\"product\":\"relay\",\"version\":\"2.0.0\",\"state\":\"" + state + "\",\"reason\":"
                + (reason == null ? "null" : "\"" + reason + "\"")
                + ",\"targetTags\":[\"beta\",\"lab\"],\"fromVersions\":\">=1.0 <2.0\",\"waves\":[\"canary\",\"10%\",\"100%\"],"
                + "\"currentWave\":" + currentWave + ",\"currentWaveLabel\":\"" + labels[currentWave] + "\","
                + "\"waveStartedAt\":\"2026-11-27T02:10:00Z\"," + POLICY + ",\"createdAt\":\"2026-11-27T02:00:00.123456Z\","
                + "\"finishedAt\":" + (finishedAt == null ? "null" : "\"" + finishedAt + "\"")
                + ",\"progress\":[" + String.join(",", progress) + "]}";
    }

    private static final String DRAFT = rollout("draft", null, 0, null,
            wave(0, "canary", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), wave(1, "10%", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
            wave(2, "100%", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));

    private static final String RUNNING_CANARY = rollout("running", null, 0, null,
            wave(0, "canary", 4, 0, 1, 1, 0, 0, 2, 0, 0, 1.25), wave(1, "10%", 8, 8, 0, 0, 0, 0, 0, 0, 0, 0),
            wave(2, "100%", 72, 72, 0, 0, 0, 0, 0, 0, 0, 0));

    private static final String RUNNING_TEN = rollout("running", null, 1, null,
            wave(0, "canary", 4, 0, 0, 0, 0, 0, 4, 0, 0, 1), wave(1, "10%", 8, 3, 1, 1, 1, 0, 1, 1, 0, 1.6),
            wave(2, "100%", 72, 72, 0, 0, 0, 0, 0, 0, 0, 0));

    private static final String HALTED_REASON = "wave 2 (10%): 2 of 8 devices failed or rolled back (25.0% > 12.5%)";

    private static final String HALTED = rollout("halted", HALTED_REASON, 1, "2026-11-27T02:30:00Z",
            wave(0, "canary", 4, 0, 0, 0, 0, 0, 4, 0, 0, 1), wave(1, "10%", 8, 3, 1, 0, 0, 0, 2, 1, 1, 1.8),
            wave(2, "100%", 72, 72, 0, 0, 0, 0, 0, 0, 0, 0));

    private static final String COMPLETED = rollout("completed", "every wave reached its success threshold", 2, "2026-11-27T03:00:00Z",
            wave(0, "canary", 4, 0, 0, 0, 0, 0, 4, 0, 0, 1), wave(1, "10%", 8, 0, 0, 0, 0, 0, 8, 0, 0, 1),
            wave(2, "100%", 72, 0, 0, 0, 0, 0, 70, 2, 0, 1.1));

    private static final String DRAFT_DETAILS = """
              waves       canary, 10%, 100%
              target      devices of relay tagged beta or lab, running >=1.0 <2.0 (pinned devices excluded)
              advance at  90% of a wave confirmed
              halt above  12.5% of a wave failed or rolled back
              soak        10m per wave at least
              downloads   at most 50 at once
              attempts    at most 5 per device, backoff 1m 30s doubling
              created     2026-11-27 02:00:00Z
            """;

    private static final String CANARY_VIEW = """
            Rollout 7 (relay 2.0.0): running, wave canary (1 of 3)
               WAVE    PROGRESS                CONFIRMED  FAILED  ROLLED BACK  UPDATING  PENDING  ATTEMPTS
            >  canary  [##########..........]  2/4 50%    0       0            2         0        1.3
               10%     [....................]  0/8 0%     0       0            0         8        -
               100%    [....................]  0/72 0%    0       0            0         72       -
            Wave canary since 2026-11-27 02:10:00Z; advances at 90% confirmed after 10m, halts above 12.5% failed.
            """;

    private static final String TEN_VIEW = """
            Rollout 7 (relay 2.0.0): running, wave 10% (2 of 3)
               WAVE    PROGRESS                CONFIRMED  FAILED  ROLLED BACK  UPDATING  PENDING  ATTEMPTS
               canary  [####################]  4/4 100%   0       0            0         0        1.0
            >  10%     [##xx................]  1/8 12%    1       0            3         3        1.6
               100%    [....................]  0/72 0%    0       0            0         72       -
            Wave 10% since 2026-11-27 02:10:00Z; advances at 90% confirmed after 10m, halts above 12.5% failed.
            """;

    private static final String HALTED_VIEW = """
            Rollout 7 (relay 2.0.0): halted
               WAVE    PROGRESS                CONFIRMED  FAILED  ROLLED BACK  UPDATING  PENDING  ATTEMPTS
               canary  [####################]  4/4 100%   0       0            0         0        1.0
               10%     [#####xxxxx..........]  2/8 25%    1       1            1         3        1.8
               100%    [....................]  0/72 0%    0       0            0         72       -
            Halted at 2026-11-27 02:30:00Z: wave 2 (10%): 2 of 8 devices failed or rolled back (25.0% > 12.5%)
            """;

    @Test
    void createSendsOnlyTheGivenFieldsAndPrintsTheSummary() throws IOException {
        try (StubServer stub = new StubServer().answer("POST /api/v1/products/relay/rollouts", 201, DRAFT)) {
            Run run = Run.of("rollout", "create", "relay", "2.0.0", "--server", stub.url());
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("Created rollout 7: relay 2.0.0 (draft)\n" + DRAFT_DETAILS
                    + "Start it with: updraft rollout start 7\n");
            assertThat(stub.only().bodyText()).isEqualTo("{\"version\":\"2.0.0\"}");
            assertThat(stub.only().header("Content-Type")).isEqualTo("application/json");
        }
    }

    @Test
    void createWithEveryOptionAndStart() throws IOException {
        try (StubServer stub = new StubServer()
                .answer("POST /api/v1/products/relay/rollouts?start=true", 201, RUNNING_CANARY)) {
            Run run = Run.of("rollout", "create", "relay", "2.0.0", "--waves", "canary,10,100", "--success", "0.9",
                    "--failure", "0.125", "--soak", "10m", "--max-concurrent", "50", "--max-attempts", "5", "--backoff", "90s",
                    "--tag", "beta", "--tag", "lab", "--from", ">=1.0 <2.0", "--start", "--server", stub.url(), "--token", "t");
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("Created rollout 7: relay 2.0.0 (running)\n" + DRAFT_DETAILS
                    + "Rollout 7 (relay 2.0.0): running, wave canary (1 of 3).\n");
            // One request: created and started together, or not at all.
            assertThat(stub.requests).hasSize(1);
            assertThat(stub.requests.get(0).uri()).isEqualTo("/api/v1/products/relay/rollouts?start=true");
            assertThat(stub.requests.get(0).header("Authorization")).isEqualTo("Bearer t");
            assertThat(stub.requests.get(0).bodyText()).isEqualTo("{\"version\":\"2.0.0\",\"waves\":\"canary,10,100\","
                    + "\"targetTags\":[\"beta\",\"lab\"],\"fromVersions\":\">=1.0 <2.0\",\"successThreshold\":0.9,"
                    + "\"failureThreshold\":0.125,\"soakSeconds\":600,\"maxConcurrent\":50,\"maxAttempts\":5,\"backoffSeconds\":90}");
        }
    }

    @Test
    void createJsonWithStartPrintsTheStartedRollout() throws IOException {
        try (StubServer stub = new StubServer()
                .answer("POST /api/v1/products/relay/rollouts?start=true", 201, RUNNING_CANARY)) {
            Run run = Run.of("rollout", "create", "relay", "2.0.0", "--start", "--json", "--server", stub.url());
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo(RUNNING_CANARY + "\n");
        }
    }

    @Test
    void aRefusedStartCreatesNothing() throws IOException {
        try (StubServer stub = new StubServer()
                .answer("POST /api/v1/products/relay/rollouts?start=true", 409,
                        "{\"error\":\"rollout 3 (running) already targets devices of this product that the new rollout would "
                                + "reach (it targets all devices); pause is not enough — complete or abort it first\",\"status\":409}")) {
            Run run = Run.of("rollout", "create", "relay", "2.0.0", "--start", "--server", stub.url());
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.out()).isEmpty();
            assertThat(run.err()).isEqualTo("error: rollout 3 (running) already targets devices of this product that the new "
                    + "rollout would reach (it targets all devices); pause is not enough — complete or abort it first\n");
            assertThat(stub.only().uri()).isEqualTo("/api/v1/products/relay/rollouts?start=true");
        }
    }

    @Test
    void deleteRemovesADraftAndSaysWhyNotOtherwise() throws IOException {
        try (StubServer stub = new StubServer()
                .answer("DELETE /api/v1/rollouts/7", 200, DRAFT)
                .answer("DELETE /api/v1/rollouts/8", 409, "{\"error\":\"rollout 8 is running; only a draft can be deleted (a "
                        + "rollout that started stays as history: abort it to stop it)\",\"status\":409}")) {
            Run run = Run.of("rollout", "delete", "7", "--server", stub.url());
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("Deleted draft rollout 7 (relay 2.0.0).\n");
            Run refused = Run.of("rollout", "delete", "8", "--server", stub.url());
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).isEqualTo("error: rollout 8 is running; only a draft can be deleted (a rollout that started "
                    + "stays as history: abort it to stop it)\n");
        }
    }

    @Test
    void createRefusalsAndUsageErrors() throws IOException {
        try (StubServer stub = new StubServer().answer("POST /api/v1/products/relay/rollouts", 400,
                "{\"error\":\"wave percentages are cumulative and must rise: 10% after 50%\",\"status\":400}")) {
            Run refused = Run.of("rollout", "create", "relay", "2.0.0", "--waves", "50,10", "--server", stub.url());
            assertThat(refused.exit()).as("the server's 400: a usage error").isEqualTo(2);
            assertThat(refused.out()).isEmpty();
            assertThat(refused.err()).isEqualTo("error: wave percentages are cumulative and must rise: 10% after 50%\n"
                    + "Try 'updraft rollout create --help' for more information.\n");

            Run fraction = Run.of("rollout", "create", "relay", "2.0.0", "--soak", "1500ms", "--server", stub.url());
            assertThat(fraction.exit()).isEqualTo(2);
            assertThat(fraction.err()).startsWith("error: --soak takes whole seconds, e.g. 30s or 10m; got 1500ms\nUsage: ");

            Run notADuration = Run.of("rollout", "create", "relay", "2.0.0", "--backoff", "soon", "--server", stub.url());
            assertThat(notADuration.exit()).isEqualTo(2);
            assertThat(notADuration.err()).startsWith("error: Invalid value for option '--backoff': 'soon' is not a duration");

            Run missing = Run.of("rollout", "create", "relay", "--server", stub.url());
            assertThat(missing.exit()).isEqualTo(2);
            assertThat(missing.err()).startsWith("error: Missing required parameter: 'VERSION'\n");
            assertThat(stub.requests).hasSize(1);
        }
    }

    @Test
    void startPauseResumeAbort() throws IOException {
        String paused = rollout("paused", "paused by operator", 1, null);
        String aborted = rollout("aborted", "battery drain on 2.0.0", 1, "2026-11-27T02:40:00Z");
        String abortedByOperator = rollout("aborted", "aborted by operator", 1, "2026-11-27T02:40:00Z");
        try (StubServer stub = new StubServer()
                .answer("POST /api/v1/rollouts/7/start", 200, RUNNING_CANARY)
                .answer("POST /api/v1/rollouts/7/pause", 200, paused)
                .answer("POST /api/v1/rollouts/7/resume", 200, RUNNING_TEN)
                .answer("POST /api/v1/rollouts/7/abort", 200, aborted)
                .answer("POST /api/v1/rollouts/8/abort", 200, abortedByOperator)) {
            Run start = Run.of("rollout", "start", "7", "--server", stub.url());
            assertThat(start.exit()).as(start.toString()).isZero();
            assertThat(start.out()).isEqualTo("Rollout 7 (relay 2.0.0): running, wave canary (1 of 3).\n");

            Run pause = Run.of("rollout", "pause", "7", "--server", stub.url());
            assertThat(pause.exit()).as(pause.toString()).isZero();
            assertThat(pause.out()).isEqualTo("""
                    Rollout 7 (relay 2.0.0): paused at wave 10% (2 of 3).
                    No new offers until resumed (updraft rollout resume 7); transfers in flight finish.
                    """);

            Run resume = Run.of("rollout", "resume", "7", "--server", stub.url());
            assertThat(resume.exit()).as(resume.toString()).isZero();
            assertThat(resume.out()).isEqualTo("Rollout 7 (relay 2.0.0): running, wave 10% (2 of 3).\n");

            Run abort = Run.of("rollout", "abort", "7", "--reason", "battery drain on 2.0.0", "--server", stub.url());
            assertThat(abort.exit()).as(abort.toString()).isZero();
            assertThat(abort.out()).isEqualTo("""
                    Rollout 7 (relay 2.0.0): aborted: battery drain on 2.0.0.
                    No new offers; devices keep whatever valid release they run.
                    """);

            Run plainAbort = Run.of("rollout", "abort", "8", "--server", stub.url(), "--json");
            assertThat(plainAbort.exit()).as(plainAbort.toString()).isZero();
            assertThat(plainAbort.out()).isEqualTo(abortedByOperator + "\n");

            assertThat(stub.requests).extracting(StubServer.Request::uri).containsExactly("/api/v1/rollouts/7/start",
                    "/api/v1/rollouts/7/pause", "/api/v1/rollouts/7/resume", "/api/v1/rollouts/7/abort", "/api/v1/rollouts/8/abort");
            assertThat(stub.requests).extracting(StubServer.Request::method).containsOnly("POST");
            assertThat(stub.requests.get(3).bodyText()).isEqualTo("{\"reason\":\"battery drain on 2.0.0\"}");
            assertThat(stub.requests.get(4).bodyText()).isEqualTo("{}");
        }
    }

    @Test
    void transitionRefusalsAndBadIds() throws IOException {
        try (StubServer stub = new StubServer().answer("POST /api/v1/rollouts/7/resume", 409,
                "{\"error\":\"rollout 7 is running; only a paused rollout can be resumed\",\"status\":409}")) {
            Run refused = Run.of("rollout", "resume", "7", "--server", stub.url());
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.out()).isEmpty();
            assertThat(refused.err()).isEqualTo("error: rollout 7 is running; only a paused rollout can be resumed\n");

            Run unknown = Run.of("rollout", "status", "9", "--server", stub.url());
            assertThat(unknown.exit()).isEqualTo(1);
            assertThat(unknown.err()).isEqualTo("error: no route /api/v1/rollouts/9\n");

            Run notANumber = Run.of("rollout", "pause", "seven", "--server", stub.url());
            assertThat(notANumber.exit()).isEqualTo(2);
            assertThat(notANumber.err()).startsWith("error: Invalid value for positional parameter at index 0 (ID): 'seven'");
            assertThat(stub.requests).hasSize(2);
        }
    }

    @Test
    void listIsATableAndFilters() throws IOException {
        try (StubServer stub = new StubServer()
                .answer("GET /api/v1/rollouts?limit=1000", 200, RemoteCommandsTest.page(HALTED, RUNNING_TEN))
                .answer("GET /api/v1/rollouts?product=relay&limit=1000", 200, RemoteCommandsTest.page(COMPLETED))
                .answer("GET /api/v1/rollouts?product=lamp&limit=1000", 200, RemoteCommandsTest.page())) {
            Run all = Run.of("rollout", "list", "--server", stub.url());
            assertThat(all.exit()).as(all.toString()).isZero();
            assertThat(all.out()).isEqualTo("""
                    ID  PRODUCT  VERSION  STATE    WAVE          CONFIRMED  FAILED  CREATED               REASON
                    7   relay    2.0.0    halted   10% (2 of 3)  6/84       2       2026-11-27 02:00:00Z  wave 2 (10%): 2 of 8 devices \
                    failed or rolled back (25.0% > 12.5%)
                    7   relay    2.0.0    running  10% (2 of 3)  5/84       1       2026-11-27 02:00:00Z  -
                    """);

            Run relay = Run.of("rollout", "list", "--product", "relay", "--server", stub.url());
            assertThat(relay.exit()).as(relay.toString()).isZero();
            assertThat(relay.out()).isEqualTo("""
                    ID  PRODUCT  VERSION  STATE      WAVE           CONFIRMED  FAILED  CREATED               REASON
                    7   relay    2.0.0    completed  100% (3 of 3)  82/84      2       2026-11-27 02:00:00Z  every wave reached its \
                    success threshold
                    """);

            Run none = Run.of("rollout", "list", "--product", "lamp", "--server", stub.url());
            assertThat(none.out()).isEqualTo("No rollouts of lamp yet. Create one with: updraft rollout create lamp VERSION\n");
        }
        try (StubServer stub = new StubServer().answer("GET /api/v1/rollouts?limit=1000", 200, RemoteCommandsTest.page())) {
            assertThat(Run.of("rollout", "list", "--server", stub.url()).out())
                    .isEqualTo("No rollouts yet. Create one with: updraft rollout create PRODUCT VERSION\n");
        }
    }

    @Test
    void statusDrawsAProgressBarPerWave() throws IOException {
        try (StubServer stub = new StubServer()
                .answer("GET /api/v1/rollouts/7", 200, RUNNING_CANARY)
                .answer("GET /api/v1/rollouts/8", 200, DRAFT.replace("\"id\":7", "\"id\":8"))
                .answer("GET /api/v1/rollouts/9", 200, HALTED.replace("\"id\":7", "\"id\":9"))) {
            Run running = Run.of("rollout", "status", "7", "--server", stub.url());
            assertThat(running.exit()).as(running.toString()).isZero();
            assertThat(running.out()).isEqualTo(CANARY_VIEW);

            Run draft = Run.of("rollout", "status", "8", "--server", stub.url());
            assertThat(draft.exit()).as(draft.toString()).isZero();
            assertThat(draft.out()).isEqualTo("""
                    Rollout 8 (relay 2.0.0): draft
                       WAVE    PROGRESS                CONFIRMED  FAILED  ROLLED BACK  UPDATING  PENDING  ATTEMPTS
                       canary  [                    ]  0/0 -      0       0            0         0        -
                       10%     [                    ]  0/0 -      0       0            0         0        -
                       100%    [                    ]  0/0 -      0       0            0         0        -
                    Draft; start it with: updraft rollout start 8
                    """);

            // Without --watch, status only reports: a halted rollout is still exit 0.
            Run halted = Run.of("rollout", "status", "9", "--server", stub.url());
            assertThat(halted.exit()).as(halted.toString()).isZero();
            assertThat(halted.out()).isEqualTo(HALTED_VIEW.replace("Rollout 7", "Rollout 9"));
        }
    }

    @Test
    void watchEndsOnHaltedWithExitOneAndTheReason() throws IOException {
        try (SequenceServer server = new SequenceServer(RUNNING_CANARY, RUNNING_TEN, HALTED)) {
            Run run = Run.of("rollout", "status", "7", "--watch", "--interval", "10ms", "--server", server.url());
            assertThat(run.exit()).as(run.toString()).isEqualTo(1);
            // Not a terminal: one snapshot per interval, separated by blank lines, no escape sequences.
            assertThat(run.out()).isEqualTo(CANARY_VIEW + "\n" + TEN_VIEW + "\n" + HALTED_VIEW);
            assertThat(run.err()).isEqualTo("error: rollout 7 halted: " + HALTED_REASON + "\n");
            assertThat(server.requests).containsExactly("GET /api/v1/rollouts/7", "GET /api/v1/rollouts/7", "GET /api/v1/rollouts/7");
        }
    }

    @Test
    void watchEndsOnCompletedWithExitZero() throws IOException {
        try (SequenceServer server = new SequenceServer(RUNNING_TEN, COMPLETED)) {
            Run run = Run.of("rollout", "status", "7", "--watch", "--interval", "10ms", "--server", server.url());
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo(TEN_VIEW + "\n" + """
                    Rollout 7 (relay 2.0.0): completed
                       WAVE    PROGRESS                CONFIRMED  FAILED  ROLLED BACK  UPDATING  PENDING  ATTEMPTS
                       canary  [####################]  4/4 100%   0       0            0         0        1.0
                       10%     [####################]  8/8 100%   0       0            0         0        1.0
                       100%    [###################x]  70/72 97%  2       0            0         0        1.1
                    Completed at 2026-11-27 03:00:00Z.
                    """);
            assertThat(run.err()).isEmpty();
        }
    }

    @Test
    void watchEndsOnAbortedWithExitOne() throws IOException {
        String aborted = rollout("aborted", "aborted by operator", 0, "2026-11-27T02:40:00Z",
                wave(0, "canary", 4, 0, 1, 1, 0, 0, 2, 0, 0, 1.25));
        try (SequenceServer server = new SequenceServer(aborted)) {
            Run run = Run.of("rollout", "status", "7", "--watch", "--server", server.url());
            assertThat(run.exit()).as(run.toString()).isEqualTo(1);
            assertThat(run.out()).endsWith("\nAborted at 2026-11-27 02:40:00Z: aborted by operator\n");
            assertThat(run.err()).isEqualTo("error: rollout 7 aborted: aborted by operator\n");
        }
    }

    @Test
    void watchIsBoundedByItsTimeout() throws IOException {
        try (SequenceServer server = new SequenceServer(RUNNING_CANARY)) {
            long started = System.nanoTime();
            Run run = Run.of("rollout", "status", "7", "--watch", "--interval", "20ms", "--timeout", "200ms", "--server", server.url());
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            assertThat(run.exit()).as(run.toString()).isEqualTo(1);
            assertThat(run.err()).isEqualTo("error: stopped watching rollout 7 after 200ms (--timeout); it is still running\n");
            assertThat(run.out()).startsWith(CANARY_VIEW + "\n" + CANARY_VIEW).endsWith(CANARY_VIEW);
            assertThat(server.requests.size()).isBetween(2, 12);
        }
    }

    @Test
    void watchJsonPrintsOneDocumentPerLine() throws IOException {
        try (SequenceServer server = new SequenceServer(RUNNING_CANARY, COMPLETED)) {
            Run run = Run.of("rollout", "status", "7", "--watch", "--interval", "10ms", "--json", "--server", server.url());
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo(RUNNING_CANARY + "\n" + COMPLETED + "\n");
        }
    }

    @Test
    void onATerminalWatchRedrawsInPlace() throws IOException {
        try (SequenceServer server = new SequenceServer(RUNNING_CANARY, RUNNING_TEN, COMPLETED);
             ApiClient api = new ApiClient(URI.create(server.url()), null)) {
            StringWriter text = new StringWriter();
            int exit = RolloutCommand.watch(api, 7, new PrintWriter(text), 200, false, Duration.ofMillis(10), Duration.ofMinutes(1));
            assertThat(exit).isZero();
            // Each redraw moves the cursor up over the previous snapshot (6 lines) and clears to the end of the screen.
            String[] frames = text.toString().split("\033\\[6A\r\033\\[J", -1);
            assertThat(frames).hasSize(3);
            assertThat(frames[0]).isEqualTo(CANARY_VIEW);
            assertThat(frames[1]).isEqualTo(TEN_VIEW);
            assertThat(frames[2]).startsWith("Rollout 7 (relay 2.0.0): completed\n").endsWith("Completed at 2026-11-27 03:00:00Z.\n");
        }
    }

    @Test
    void onANarrowTerminalTheRedrawCountsWrappedLines() throws IOException {
        try (SequenceServer server = new SequenceServer(RUNNING_CANARY, COMPLETED);
             ApiClient api = new ApiClient(URI.create(server.url()), null)) {
            StringWriter text = new StringWriter();
            int exit = RolloutCommand.watch(api, 7, new PrintWriter(text), 80, false, Duration.ofMillis(10), Duration.ofMinutes(1));
            assertThat(exit).isZero();
            // 80 columns: the heading and the 4 table lines (94 wide) take 1 + 4 x 2 rows, the footer (103 wide) 2.
            java.util.List<String> canary = CANARY_VIEW.lines().toList();
            assertThat(RolloutCommand.rows(canary, 80)).isEqualTo(11);
            String redraw = CANARY_VIEW + "\033[11A\r\033[J";
            assertThat(text.toString()).startsWith(redraw);
            assertThat(text.toString().substring(redraw.length()))
                    .startsWith("Rollout 7 (relay 2.0.0): completed\n").doesNotContain("\033");
        }
    }

    @Test
    void barsShowConfirmedAndFailedShares() {
        assertThat(RolloutCommand.bar(0, 0, 0)).isEqualTo("[                    ]");
        assertThat(RolloutCommand.bar(1000, 0, 1)).isEqualTo("[x...................]");
        assertThat(RolloutCommand.bar(10, 10, 0)).isEqualTo("[####################]");
        assertThat(RolloutCommand.bar(10, 9, 1)).isEqualTo("[##################xx]");
        assertThat(RolloutCommand.bar(1000, 999, 1)).isEqualTo("[###################x]");
        assertThat(RolloutCommand.bar(3, 1, 1)).isEqualTo("[######xxxxxx........]");
    }

    /** Answers GET /api/v1/rollouts/7 with the given bodies in turn, repeating the last. */
    static final class SequenceServer implements AutoCloseable {
        private final HttpServer server;
        final List<String> requests = new CopyOnWriteArrayList<>();

        SequenceServer(String... bodies) throws IOException {
            AtomicInteger next = new AtomicInteger();
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", exchange -> {
                try (InputStream in = exchange.getRequestBody()) {
                    in.readAllBytes();
                }
                String request = exchange.getRequestMethod() + " " + exchange.getRequestURI();
                requests.add(request);
                boolean known = request.equals("GET /api/v1/rollouts/7");
                byte[] bytes = (known ? bodies[Math.min(next.getAndIncrement(), bodies.length - 1)]
                        : "{\"error\":\"no route\",\"status\":404}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(known ? 200 : 404, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    // ---- delivery limits and preview ----------------------------------------------------------

    @Test
    void createSendsTheDeliveryLimitsAndTheSummaryShowsThem() throws IOException {
        String limited = DRAFT.replace("\"backoffSeconds\":90}", "\"backoffSeconds\":90,\"installDeadlineSeconds\":1800,"
                + "\"windows\":\"mon,tue,wed,thu,fri 01:00-05:00; sat,sun 00:00-24:00\",\"timeZone\":\"Europe/Berlin\","
                + "\"offersPerMinute\":40,\"rampStartPerMinute\":5,\"rampDoublingMinutes\":10}");
        try (StubServer stub = new StubServer().answer("POST /api/v1/products/relay/rollouts", 201, limited)) {
            Run run = Run.of("rollout", "create", "relay", "2.0.0", "--install-deadline", "30m", "--window", "mon-fri 01:00-05:00",
                    "--window", "sat,sun 00:00-24:00", "--time-zone", "Europe/Berlin", "--rate", "40", "--ramp-start", "5",
                    "--ramp-doubling", "10m", "--server", stub.url());
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(stub.only().bodyText()).isEqualTo("{\"version\":\"2.0.0\",\"installDeadlineSeconds\":1800,"
                    + "\"windows\":\"mon-fri 01:00-05:00; sat,sun 00:00-24:00\",\"timeZone\":\"Europe/Berlin\","
                    + "\"offersPerMinute\":40,\"rampStartPerMinute\":5,\"rampDoublingMinutes\":10}");
            assertThat(run.out()).isEqualTo("Created rollout 7: relay 2.0.0 (draft)\n" + DRAFT_DETAILS.replace("""
                      created     2026-11-27 02:00:00Z
                    """, """
                      deadline    failed when silent 30m after a download
                      windows     mon,tue,wed,thu,fri 01:00-05:00; sat,sun 00:00-24:00 (Europe/Berlin)
                      rate        at most 40 new offers a minute, from 5 when a wave opens, doubling every 10m
                      created     2026-11-27 02:00:00Z
                    """) + "Start it with: updraft rollout start 7\n");

            Run seconds = Run.of("rollout", "create", "relay", "2.0.0", "--rate", "4", "--ramp-start", "1", "--ramp-doubling", "90s",
                    "--server", stub.url());
            assertThat(seconds.exit()).isEqualTo(2);
            assertThat(seconds.err()).startsWith("error: --ramp-doubling takes whole minutes, e.g. 10m or 1h; got 1m 30s\nUsage: ");
            assertThat(stub.requests).hasSize(1);
        }
    }

    @Test
    void previewPrintsEachWavesCountAndWithMacsItsDevices() throws IOException {
        String preview = "{\"rollout\":7,\"state\":\"draft\",\"devices\":5,\"waves\":["
                + "{\"wave\":0,\"label\":\"canary\",\"devices\":1,\"macs\":[\"AA:00:00:00:00:01\"]},"
                + "{\"wave\":1,\"label\":\"10%\",\"devices\":0,\"macs\":[]},"
                + "{\"wave\":2,\"label\":\"100%\",\"devices\":3,\"macs\":[\"AA:00:00:00:00:02\",\"AA:00:00:00:00:03\",\"AA:00:00:00:00:04\"]}],"
                + "\"inNoWave\":[\"AA:00:00:00:00:05\"]}";
        try (StubServer stub = new StubServer().answer("GET /api/v1/rollouts/7/preview", 200, preview)) {
            Run counts = Run.of("rollout", "preview", "7", "--server", stub.url());
            assertThat(counts.exit()).as(counts.toString()).isZero();
            assertThat(counts.out()).isEqualTo("""
                    Rollout 7 (draft): 5 known devices
                    WAVE      DEVICES
                    1 canary  1
                    2 10%     0
                    3 100%    3
                    no wave   1
                    """);
            Run macs = Run.of("rollout", "preview", "7", "--macs", "--server", stub.url());
            assertThat(macs.out()).isEqualTo("""
                    Rollout 7 (draft): 5 known devices
                    WAVE      DEVICES  MACS
                    1 canary  1        AA:00:00:00:00:01
                    2 10%     0        -
                    3 100%    3        AA:00:00:00:00:02 AA:00:00:00:00:03 AA:00:00:00:00:04
                    no wave   1        AA:00:00:00:00:05
                    """);
            Run json = Run.of("rollout", "preview", "7", "--json", "--server", stub.url());
            assertThat(json.out()).isEqualTo(preview + "\n");
        }
    }
}
