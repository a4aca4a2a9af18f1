package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;

/**
 * The rollout commands against a real UpdraftServer on loopback: a product with a health window, v1 and a held v2, a
 * tagged device, a rollout created with --start, its status view, and pause/resume/abort as the device sees them.
 */
class RolloutEndToEndTest {

    /** The admin token the test server is started with (ServerConfig.withAdminToken). */
    private static final String TOKEN = org.updraft.server.auth.ApiTokens.newSecret();

    private static final String MAC = "5C:CF:7F:01:02:03";

    @TempDir
    Path dir;

    /** What ESP8266httpUpdate sends for ESPhttpUpdate.update(client, url, version). */
    private static int checkIn(HttpClient http, String url, String version) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/u/relay"))
                .header("User-Agent", "ESP8266-http-Update")
                .header("x-ESP8266-STA-MAC", MAC)
                .header("x-ESP8266-AP-MAC", "5E:CF:7F:01:02:03")
                .header("x-ESP8266-free-space", "2801664")
                .header("x-ESP8266-sketch-size", "300000")
                .header("x-ESP8266-chip-size", "4194304")
                .header("x-ESP8266-sdk-version", "2.2.2-dev(38a443e)")
                .header("x-ESP8266-mode", "sketch")
                .header("x-ESP8266-version", version)
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofByteArray()).statusCode();
    }

    @Test
    void createStartWatchPauseResumeAbort() throws Exception {
        Path v1 = Files.write(dir.resolve("v1.bin"), ImageBuilder.arduino().version("1.0.0").payload(1, 60_000).build());
        Path v2 = Files.write(dir.resolve("v2.bin"), ImageBuilder.arduino().version("2.0.0").payload(2, 60_000).build());
        try (UpdraftServer server = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir.resolve("data"), null).withAdminToken(TOKEN));
             HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            String url = server.baseUri().toString();

            Run product = Run.of("product", "create", "relay", "--chip", "esp8266", "--layout", "arduino-4m",
                    "--health-window", "5m", "--server", url, "--token", TOKEN);
            assertThat(product.exit()).as(product.toString()).isZero();
            assertThat(product.out()).contains("\n  update path    -\n  health window  5m\n  created        20");

            Run first = Run.of("release", "upload", "relay", "1.0.0", "--firmware", v1.toString(), "--server", url, "--token", TOKEN);
            assertThat(first.exit()).as(first.toString()).isZero();
            assertThat(first.out()).startsWith("Released relay 1.0.0\n");

            assertThat(checkIn(http, url, "1.0.0")).isEqualTo(304);
            server.devices().flush();
            Run tag = Run.of("device", "tag", MAC, "canary", "--server", url, "--token", TOKEN);
            assertThat(tag.exit()).as(tag.toString()).isZero();
            assertThat(tag.out()).isEqualTo("Tagged " + MAC + ": canary.\n");

            Run held = Run.of("release", "upload", "relay", "2.0.0", "--firmware", v2.toString(), "--hold", "--server", url, "--token", TOKEN);
            assertThat(held.exit()).as(held.toString()).isZero();
            assertThat(held.out()).startsWith("Released relay 2.0.0 (held: devices get it only through a rollout)\n");
            assertThat(checkIn(http, url, "1.0.0")).as("a held release is offered only through a rollout").isEqualTo(304);

            Run create = Run.of("rollout", "create", "relay", "2.0.0", "--waves", "canary,100", "--soak", "10m",
                    "--max-attempts", "3", "--backoff", "30s", "--start", "--server", url, "--token", TOKEN);
            assertThat(create.exit()).as(create.toString()).isZero();
            Matcher created = Pattern.compile("Created rollout (\\d+): relay 2.0.0 \\(running\\)\n").matcher(create.out());
            assertThat(created.lookingAt()).as(create.out()).isTrue();
            String id = created.group(1);
            assertThat(create.out().substring(created.end())).startsWith(""
                    + "  waves       canary, 100%\n"
                    + "  target      every device of relay (pinned devices excluded)\n"
                    + "  advance at  90% of a wave confirmed\n"
                    + "  halt above  10% of a wave failed or rolled back\n"
                    + "  soak        10m per wave at least\n"
                    + "  downloads   at most 50 at once\n"
                    + "  attempts    at most 3 per device, backoff 30s doubling\n"
                    // The devices checked in moments apart: three poll intervals are below the 5-minute floor.
                    + "  deadline    failed when silent 5m after a download\n"
                    + "  created     20").endsWith("Z\nRollout " + id + " (relay 2.0.0): running, wave canary (1 of 2).\n");

            JsonNode json = ApiClient.JSON.readTree(Run.of("rollout", "status", id, "--json", "--server", url, "--token", TOKEN).out());
            String since = Table.time(json.path("waveStartedAt"));
            Run status = Run.of("rollout", "status", id, "--server", url, "--token", TOKEN);
            assertThat(status.exit()).as(status.toString()).isZero();
            assertThat(status.out()).isEqualTo("Rollout " + id + " (relay 2.0.0): running, wave canary (1 of 2)\n"
                    + "   WAVE    PROGRESS                CONFIRMED  FAILED  ROLLED BACK  UPDATING  PENDING  ATTEMPTS\n"
                    + ">  canary  [....................]  0/1 0%     0       0            0         1        -\n"
                    + "   100%    [                    ]  0/0 -      0       0            0         0        -\n"
                    + "Wave canary since " + since + "; advances at 90% confirmed after 10m, halts above 10% failed.\n");

            Run list = Run.of("rollout", "list", "--product", "relay", "--server", url, "--token", TOKEN);
            assertThat(list.exit()).as(list.toString()).isZero();
            assertThat(list.out()).startsWith("ID  PRODUCT  VERSION  STATE    WAVE             CONFIRMED  FAILED  CREATED")
                    .contains("\n" + id + " " .repeat(4 - id.length()) + "relay    2.0.0    running  canary (1 of 2)  0/1        0       20");

            Run pause = Run.of("rollout", "pause", id, "--server", url, "--token", TOKEN);
            assertThat(pause.exit()).as(pause.toString()).isZero();
            assertThat(pause.out()).isEqualTo("Rollout " + id + " (relay 2.0.0): paused at wave canary (1 of 2).\n"
                    + "No new offers until resumed (updraft rollout resume " + id + "); transfers in flight finish.\n");
            assertThat(checkIn(http, url, "1.0.0")).as("paused: no new offers").isEqualTo(304);
            Run pausedAgain = Run.of("rollout", "pause", id, "--server", url, "--token", TOKEN);
            assertThat(pausedAgain.exit()).isEqualTo(1);
            assertThat(pausedAgain.err()).isEqualTo("error: rollout " + id + " is paused; only a running rollout can be paused\n");

            Run resume = Run.of("rollout", "resume", id, "--server", url, "--token", TOKEN);
            assertThat(resume.exit()).as(resume.toString()).isZero();
            assertThat(resume.out()).isEqualTo("Rollout " + id + " (relay 2.0.0): running, wave canary (1 of 2).\n");
            assertThat(checkIn(http, url, "1.0.0")).as("running again: the canary gets 2.0.0").isEqualTo(200);

            Run offered = Run.of("rollout", "status", id, "--server", url, "--token", TOKEN);
            assertThat(offered.out()).contains("\n>  canary  [....................]  0/1 0%     0       0            1         0        1.0\n");

            Run abort = Run.of("rollout", "abort", id, "--reason", "battery drain on 2.0.0", "--server", url, "--token", TOKEN);
            assertThat(abort.exit()).as(abort.toString()).isZero();
            assertThat(abort.out()).isEqualTo("Rollout " + id + " (relay 2.0.0): aborted: battery drain on 2.0.0.\n"
                    + "No new offers; devices keep whatever valid release they run.\n");

            Run watch = Run.of("rollout", "status", id, "--watch", "--interval", "50ms", "--server", url, "--token", TOKEN);
            assertThat(watch.exit()).as(watch.toString()).isEqualTo(1);
            assertThat(watch.out()).startsWith("Rollout " + id + " (relay 2.0.0): aborted\n")
                    .contains("\n   canary  [....................]  0/1 0%     0       0            1         0        1.0\n")
                    .containsPattern("\nAborted at 20\\d\\d-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ: battery drain on 2.0.0\n$");
            assertThat(watch.err()).isEqualTo("error: rollout " + id + " aborted: battery drain on 2.0.0\n");

            Run again = Run.of("rollout", "abort", id, "--server", url, "--token", TOKEN);
            assertThat(again.exit()).isEqualTo(1);
            assertThat(again.err()).isEqualTo("error: rollout " + id + " is already aborted\n");

            server.devices().flush();
            Run show = Run.of("device", "show", MAC, "--server", url, "--token", TOKEN);
            assertThat(show.exit()).as(show.toString()).isZero();
            assertThat(show.out()).contains("\n  tags             canary\n", "\nUpdates (times after the offer):\nRELEASE  ROLLOUT  STATE",
                    "\n2.0.0    " + id + " ".repeat(9 - id.length()));
        }
    }
}
