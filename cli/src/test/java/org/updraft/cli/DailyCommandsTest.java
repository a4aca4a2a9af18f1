package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;

/**
 * The commands for what was API-only (product show and policy, trusted keys, allowlist, device
 * tokens, release show, rollout show) against a real UpdraftServer on loopback: what each sends is
 * what the server takes, and what it prints is what the server answered.
 */
class DailyCommandsTest {

    private static final String TOKEN = org.updraft.server.auth.ApiTokens.newSecret();
    private static final String MAC = "5C:CF:7F:01:02:03";

    @TempDir
    static Path dir;

    static UpdraftServer server;

    @BeforeAll
    static void start() {
        server = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir.resolve("data"), null).withAdminToken(TOKEN));
        ok("product", "create", "relay", "--chip", "esp8266", "--layout", "arduino-4m");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Runs a remote command against the server as admin; fails unless it exits 0. */
    static Run ok(String... args) {
        Run run = remote(args);
        assertThat(run.exit()).as(run.toString()).isZero();
        return run;
    }

    static Run remote(String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 4);
        all[args.length] = "--server";
        all[args.length + 1] = server.baseUri().toString();
        all[args.length + 2] = "--token";
        all[args.length + 3] = TOKEN;
        return Run.of(all);
    }

    @Test
    void productShowAndPolicy() {
        ok("product", "create", "plug", "--chip", "esp8266", "--layout", "arduino-4m");
        Run show = ok("product", "show", "plug");
        assertThat(show.out()).startsWith("Product plug\n  chip           esp8266\n")
                .contains("\n  health window  5m\n")
                .endsWith("\n  signing        unsigned-allowed\n  enrollment     open\n");

        Run noKeys = remote("product", "policy", "plug", "--signing", "required");
        assertThat(noKeys.exit()).as(noKeys.toString()).isEqualTo(1);
        assertThat(noKeys.err()).startsWith("error: ").contains("key");

        Run policy = ok("product", "policy", "plug", "--enrollment", "allowlist");
        assertThat(policy.out()).isEqualTo("Product plug: signing unsigned-allowed, enrollment allowlist\n");
        assertThat(ok("product", "show", "plug").out()).endsWith("  enrollment     allowlist\n");

        Run none = remote("product", "policy", "plug");
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).startsWith("error: give --signing unsigned-allowed|required and/or --enrollment open|allowlist|token\n");

        Run missing = remote("product", "show", "nothing");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).startsWith("error: ").contains("nothing");
    }

    @Test
    void trustedKeysAddListRemove() throws Exception {
        ok("product", "create", "lamp", "--chip", "esp32", "--layout", "esp32-4m");
        Path keys = Files.createDirectories(dir.resolve("keys"));
        Run gen = Run.of("keygen", "-a", "ecdsa-p256", "--out", keys.toString(), "--name", "one");
        assertThat(gen.exit()).as(gen.toString()).isZero();
        Run gen2 = Run.of("keygen", "-a", "ecdsa-p256", "--out", keys.toString(), "--name", "two");
        assertThat(gen2.exit()).as(gen2.toString()).isZero();

        assertThat(ok("key", "list", "lamp").out())
                .isEqualTo("Product lamp trusts no keys. Add one with: updraft key add lamp FILE.pub\n");

        Run add = ok("key", "add", "lamp", keys.resolve("one.pub").toString());
        assertThat(add.out()).startsWith("Added; product lamp trusts:\nFINGERPRINT").contains("  ecdsa-p256  image  20");
        String fingerprint = add.out().lines().skip(2).findFirst().orElseThrow().split(" ")[0];
        assertThat(fingerprint).startsWith("SHA256:");

        assertThat(ok("key", "add", "lamp", keys.resolve("one.pub").toString()).out())
                .startsWith("Product lamp trusted these keys already; its trusted keys:\n");

        Run replaced = ok("key", "add", "lamp", "--replace", keys.resolve("two.pub").toString());
        assertThat(replaced.out()).startsWith("Product lamp now trusts exactly these keys:\n").doesNotContain(fingerprint);
        assertThat(replaced.out().lines().count()).isEqualTo(3);

        ok("key", "add", "lamp", keys.resolve("one.pub").toString());
        assertThat(ok("key", "list", "lamp").out().lines().count()).isEqualTo(3);
        assertThat(ok("key", "remove", "lamp", fingerprint).out())
                .isEqualTo("Product lamp no longer trusts key " + fingerprint + ".\n");
        assertThat(ok("key", "list", "lamp").out()).doesNotContain(fingerprint);

        Run unknown = remote("key", "remove", "lamp", fingerprint);
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).isEqualTo("error: product lamp trusts no key " + fingerprint + " (see updraft key list lamp)\n");

        Run secret = remote("key", "add", "lamp", keys.resolve("one.key").toString());
        assertThat(secret.exit()).isEqualTo(1);
        assertThat(secret.err()).isEqualTo("error: " + keys.resolve("one.key") + " holds a private key; give the public key "
                + "(the .pub file updraft keygen wrote next to it); nothing was sent\n");
    }

    @Test
    void allowlistShowSetAddRemove() {
        ok("product", "create", "fan", "--chip", "esp8266", "--layout", "arduino-4m");
        assertThat(ok("allowlist", "show", "fan").out()).isEqualTo("The allowlist of fan is empty.\n");
        assertThat(ok("allowlist", "set", "fan", "5ccf7f010203", "5C:CF:7F:01:02:04").out())
                .isEqualTo("The allowlist of fan (2 MACs):\n5C:CF:7F:01:02:03\n5C:CF:7F:01:02:04\n");
        assertThat(ok("allowlist", "add", "fan", "5c:cf:7f:01:02:05", "5C:CF:7F:01:02:03").out())
                .isEqualTo("The allowlist of fan (3 MACs):\n5C:CF:7F:01:02:03\n5C:CF:7F:01:02:04\n5C:CF:7F:01:02:05\n");
        assertThat(ok("allowlist", "remove", "fan", "5ccf7f010204").out())
                .isEqualTo("The allowlist of fan (2 MACs):\n5C:CF:7F:01:02:03\n5C:CF:7F:01:02:05\n");

        Run absent = remote("allowlist", "remove", "fan", "5C:CF:7F:01:02:09");
        assertThat(absent.exit()).isEqualTo(1);
        assertThat(absent.err()).isEqualTo("error: 5C:CF:7F:01:02:09 is not on the allowlist of fan; nothing was changed\n");

        Run bad = remote("allowlist", "add", "fan", "not-a-mac");
        assertThat(bad.exit()).isNotZero();
        assertThat(bad.err()).contains("'not-a-mac' is not a MAC address");

        Run both = remote("allowlist", "set", "fan");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).startsWith("error: give the MACs of the new list, or --clear to empty it\n");
        assertThat(ok("allowlist", "set", "fan", "--clear").out()).isEqualTo("The allowlist of fan is empty.\n");
    }

    @Test
    void deviceTokenIssueShowRevoke() {
        Run unknown = remote("device", "token", "issue", MAC);
        assertThat(unknown.exit()).as("the server's 400: a usage error").isEqualTo(2);
        assertThat(unknown.err()).contains("has not checked in yet, so its product is unknown");

        Run issue = ok("device", "token", "issue", MAC, "--product", "relay");
        assertThat(issue.out()).startsWith("Issued a token for device " + MAC + " of product relay. Its secret, shown only now:\nudt_");

        Run show = ok("device", "token", "show", MAC);
        assertThat(show.out()).startsWith("Token of device " + MAC + "\n  product  relay\n  issued   20")
                .endsWith("\n  revoked  -\n");

        assertThat(ok("device", "token", "revoke", MAC).out()).isEqualTo("Revoked the token of device " + MAC + ".\n");
        assertThat(ok("device", "token", "show", MAC).out()).doesNotContain("revoked  -");
        // A revoked token owns nothing: a new one needs the product again (docs/device-identity.md).
        Run again = remote("device", "token", "issue", MAC);
        assertThat(again.exit()).isEqualTo(2);
        assertThat(ok("device", "token", "issue", MAC, "--product", "relay").out()).contains(" of product relay.");
    }

    @Test
    void releaseShowAndRolloutShow() throws Exception {
        byte[] image = ImageBuilder.arduino().version("2.0.0").payload(1, 50_000).build();
        Path fw = Files.write(dir.resolve("fw-2.bin"), image);
        ok("release", "upload", "relay", "2.0.0", "--firmware", fw.toString(), "--hold", "--notes", "faster relay");
        Run show = ok("release", "show", "relay", "2.0.0");
        assertThat(show.out()).startsWith("Release relay 2.0.0\n  created           20")
                .contains("\n  downgrade         no\n  state             held: devices get it only through a rollout\n"
                        + "  devices           0 running it\n  security counter  0\n  signer            -\n  notes             faster relay\n\nROLE      SIZE")
                .contains("\nfirmware  " + image.length + "  ARDUINO_ESP8266  ");

        Run missing = remote("release", "show", "relay", "9.9.9");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("error: product 'relay' has no release 9.9.9\n");

        Run created = ok("rollout", "create", "relay", "2.0.0");
        String id = created.out().replaceAll("(?s).*?rollout (\\d+).*", "$1");
        assertThat(ok("rollout", "show", id).out()).isEqualTo(ok("rollout", "status", id).out());
    }

    @Test
    void unholdArchiveAndDelete() throws Exception {
        ok("product", "create", "heater", "--chip", "esp8266", "--layout", "arduino-4m");
        Path v1 = Files.write(dir.resolve("heater-1.bin"), ImageBuilder.arduino().version("1.0.0").payload(3, 40_000).build());
        Path v2 = Files.write(dir.resolve("heater-2.bin"), ImageBuilder.arduino().version("2.0.0").payload(4, 40_000).build());
        ok("release", "upload", "heater", "1.0.0", "--firmware", v1.toString());
        ok("release", "upload", "heater", "2.0.0", "--firmware", v2.toString(), "--hold");
        String mac = "5C:CF:7F:0A:0A:01";
        var checkIn = java.net.http.HttpRequest.newBuilder(server.baseUri().resolve("/u/heater?mac=" + mac + "&version=1.0.0")).build();
        try (var http = java.net.http.HttpClient.newHttpClient()) {
            assertThat(http.send(checkIn, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(304);
        }

        Run inUse = remote("release", "archive", "heater", "1.0.0");
        assertThat(inUse.exit()).isEqualTo(1);
        assertThat(inUse.err()).isEqualTo("error: release heater 1.0.0 cannot be archived: 1 device runs it "
                + "(updraft device list --product heater --version 1.0.0)\n");

        assertThat(ok("release", "unhold", "heater", "2.0.0").out())
                .isEqualTo("Release heater 2.0.0 is held no longer: it is the baseline, offered to every device that runs an older version.\n");
        assertThat(ok("release", "list", "heater").out()).contains("\n2.0.0    20").contains("Z  baseline  0  ")
                .contains("\n1.0.0    20").contains("Z  -         1  ");

        Run product = remote("product", "archive", "heater");
        assertThat(product.exit()).isEqualTo(1);
        assertThat(product.err()).startsWith("error: product 'heater' cannot be archived: it has 2 releases: 2.0.0, 1.0.0");

        assertThat(ok("device", "delete", mac).out()).isEqualTo("Deleted the record of device " + mac + ".\n");
        assertThat(ok("release", "archive", "heater", "1.0.0").out()).isEqualTo("Archived release heater 1.0.0.\n");
        assertThat(ok("release", "archive", "heater", "2.0.0").out()).isEqualTo("Archived release heater 2.0.0.\n");
        assertThat(ok("release", "list", "heater").out()).startsWith("No releases of heater yet.");
        assertThat(ok("product", "archive", "heater").out()).isEqualTo("Archived product heater.\n");
        Run gone = remote("product", "show", "heater");
        assertThat(gone.exit()).isEqualTo(1);
        assertThat(gone.err()).isEqualTo("error: no product named 'heater'\n");
    }

    @Test
    void rolloutRollbackGoesBackOneReleaseInOneStep() throws Exception {
        ok("product", "create", "pump", "--chip", "esp8266", "--layout", "arduino-4m");
        Path v1 = Files.write(dir.resolve("pump-1.bin"), ImageBuilder.arduino().version("1.0.0").payload(5, 40_000).build());
        Path v2 = Files.write(dir.resolve("pump-2.bin"), ImageBuilder.arduino().version("2.0.0").payload(6, 40_000).build());
        ok("release", "upload", "pump", "1.0.0", "--firmware", v1.toString());
        ok("release", "upload", "pump", "2.0.0", "--firmware", v2.toString());
        var checkIn = java.net.http.HttpRequest.newBuilder(server.baseUri().resolve("/u/pump?mac=5C:CF:7F:0B:0B:01&version=2.0.0")).build();
        try (var http = java.net.http.HttpClient.newHttpClient()) {
            assertThat(http.send(checkIn, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(304);
        }
        Run back = ok("rollout", "rollback", "pump", "--waves", "100", "--start");
        String id = back.out().replaceAll("(?s)^Created rollback (\\d+):.*", "$1");
        assertThat(back.out()).startsWith("Created rollback " + id + ": pump back to 1.0.0 (running, a downgrade)\n")
                .contains("running >1.0.0")
                .endsWith("Rollout " + id + " (pump 1.0.0): running, wave 100% (1 of 1).\n");
        Run twice = remote("rollout", "rollback", "pump", "--start");
        assertThat(twice.exit()).isEqualTo(1);
        assertThat(twice.err()).startsWith("error: rollout " + id + " (running) already targets devices of this product");
    }
}
