package org.updraft.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;

/**
 * The live pages: a rollout previewed, started and watched to 100 % from the event stream without a
 * reload; a bad release halting at the canary wave with the reason on the page; pause, resume and
 * abort; the overview; the device table searched and a device's timeline. The devices are emulated
 * by their check-ins and reports over HTTP, as ESP8266httpUpdate sends them (a GET with the MAC and
 * running version; the image read to its last byte).
 */
class LiveBrowserTest extends DashboardBrowser {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(31, 8_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(32, 8_000).build();
    static final HttpClient DEVICES = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void assertionsWait() {
        PlaywrightAssertions.setDefaultAssertionTimeout(20_000);
    }

    /** A product with 1.0.0 and a held 2.0.0, and these devices on 1.0.0 (the first `canaries` tagged canary). */
    static void fleet(String product, String prefix, int devices, int canaries) {
        product(product, "arduino-4m");
        release(product, "1.0.0", "first", V1);
        org.updraft.testsupport.Multipart held = new org.updraft.testsupport.Multipart().field("version", "2.0.0").field("hold", "true")
                .file("firmware", "v2.bin", V2);
        expect(201, call("POST", "/api/v1/products/" + product + "/releases", held.contentType(), held.body()));
        for (int i = 1; i <= devices; i++) {
            String mac = mac(prefix, i);
            assertThat(checkIn(product, mac, "1.0.0")).isEqualTo(304);
            if (i <= canaries) {
                expect(200, call("PUT", "/api/v1/devices/" + mac + "/tags", "application/json", "{\"tags\":[\"canary\"]}".getBytes()));
            }
        }
    }

    static String mac(String prefix, int i) {
        return prefix + ":00:00:00:00:" + String.format("%02X", i);
    }

    /** One check-in of an emulated device; an offered image is read to its last byte. */
    static int checkIn(String product, String mac, String version) {
        try {
            return DEVICES.send(HttpRequest.newBuilder(URI.create(base() + "/u/" + product + "?mac=" + mac + "&version=" + version)).build(),
                    HttpResponse.BodyHandlers.ofByteArray()).statusCode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void report(String product, String mac, String status, String detail) {
        expect(200, call("POST", "/u/" + product + "/report", "application/json", ("{\"mac\":\"" + mac + "\",\"status\":\"" + status
                + "\",\"version\":\"2.0.0\",\"detail\":\"" + detail + "\"}").getBytes(StandardCharsets.UTF_8)));
    }

    /** The device takes 2.0.0, boots it and reports it healthy. */
    static void update(String product, String mac) {
        assertThat(checkIn(product, mac, "1.0.0")).isEqualTo(200);
        assertThat(checkIn(product, mac, "2.0.0")).isEqualTo(304);
        report(product, mac, "ok", "");
    }

    @Test
    void aRolloutIsPreviewedStartedAndItsWavesReachEveryDeviceLiveWithoutAReload() {
        fleet("lights", "1A", 4, 1);
        page.onDialog(d -> d.accept());
        signIn(operatorToken);
        open("#/rollouts", "Rollouts");
        page.locator("#ro-product").selectOption("lights");
        assertThat(page.locator("#ro-version option")).hasCount(2);
        page.locator("#ro-version").selectOption("2.0.0");
        page.locator("#ro-waves").fill("canary,100");
        page.locator("#ro-soak").fill("0");
        page.locator("#create-rollout button[type=submit]").click();
        assertThat(page.locator("#preview")).containsText("4 known devices of lights: canary 1, 100% 3; 0 in no wave");
        assertThat(page.locator("#rollout-head .badge")).hasText("draft");
        long id = Long.parseLong(page.url().replaceAll(".*#/rollouts/", ""));
        assertThat(get("/api/v1/rollouts/" + id).get("state").asText()).isEqualTo("draft");   // nothing started before the confirmation

        page.locator("#start-rollout").click();
        assertThat(page.locator("#rollout-head .badge")).hasText("running");
        page.evaluate("() => { window.sameDocument = 'yes'; }");
        update("lights", mac("1A", 1));
        assertThat(page.locator("[data-wave=canary] .wave-numbers")).containsText("100 % — canary: 1 of 1 confirmed");
        for (int i = 2; i <= 4; i++) {
            update("lights", mac("1A", i));
        }
        assertThat(page.locator("[data-wave='100%'] .wave-numbers")).containsText("100 % — 100%: 3 of 3 confirmed, 0 failed");
        assertThat(page.locator("[data-wave='100%'] [role=progressbar]")).hasAttribute("aria-valuenow", "100");
        assertThat(page.locator("#rollout-head .badge")).hasText("completed");
        assertThat(page.evaluate("() => window.sameDocument")).isEqualTo("yes");                // pushed, not reloaded
        docScreenshot("rollout-live");
    }

    @Test
    void aBadReleaseHaltsAtTheCanaryWaveAndThePageSaysWhy() {
        fleet("heaters", "2A", 4, 2);
        JsonNode r = expect(201, call("POST", "/api/v1/products/heaters/rollouts?start=true", "application/json",
                "{\"version\":\"2.0.0\",\"waves\":\"canary,100\",\"failureThreshold\":0.6}".getBytes()));
        signIn(viewerToken);
        open("#/rollouts/" + r.get("id").asLong(), "Rollout #" + r.get("id").asLong());
        assertThat(page.locator("#rollout-head .badge")).hasText("running");
        assertThat(page.locator("#rollout-head button")).hasCount(0);                          // a viewer has no controls
        for (int i = 1; i <= 2; i++) {
            String mac = mac("2A", i);
            assertThat(checkIn("heaters", mac, "1.0.0")).isEqualTo(200);
            assertThat(checkIn("heaters", mac, "2.0.0")).isEqualTo(304);
            assertThat(checkIn("heaters", mac, "1.0.0")).isEqualTo(304);                       // came back on the old image
        }
        assertThat(page.locator("#rollout-head .badge")).hasText("halted");
        assertThat(page.locator("#halt-reason")).containsText(Pattern.compile("Halted: wave 1 \\(canary\\): 2 of 2 devices failed or rolled back"));
        assertThat(page.locator("[data-wave=canary] .reasons")).containsText("ran 2.0.0, came back on 1.0.0");
        assertThat(get("/api/v1/rollouts/" + r.get("id").asLong()).get("progress").get(1).get("offered").asInt()).isZero();
    }

    @Test
    void pauseResumeAndAbortAskFirstAndAnAbortReasonWithMarkupIsShownAsText() {
        fleet("fans", "3C", 2, 0);
        long id = expect(201, call("POST", "/api/v1/products/fans/rollouts?start=true", "application/json",
                "{\"version\":\"2.0.0\",\"waves\":\"100\"}".getBytes())).get("id").asLong();
        signIn(operatorToken);
        open("#/rollouts/" + id, "Rollout #" + id);
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        page.onDialog(d -> {
            asked.add(d.message());
            if (asked.size() == 1) {
                d.dismiss();                                                                 // the first pause is thought better of
            } else {
                d.accept();
            }
        });
        page.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Pause")).click();
        assertThat(page.locator("#rollout-head .badge")).hasText("running");
        assertThat(get("/api/v1/rollouts/" + id).get("state").asText()).isEqualTo("running");
        page.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Pause")).click();
        assertThat(page.locator("#rollout-head .badge")).hasText("paused");
        page.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Resume")).click();
        assertThat(page.locator("#rollout-head .badge")).hasText("running");
        page.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Abort")).click();
        assertThat(page.locator("#rollout-head .badge")).hasText("aborted");
        assertThat(asked).hasSize(4);
        assertThat(asked.get(3)).startsWith("Abort rollout #" + id + "?");
        assertThat(get("/api/v1/rollouts/" + id).get("state").asText()).isEqualTo("aborted");

        long other = expect(201, call("POST", "/api/v1/products/fans/rollouts?start=true", "application/json",
                "{\"version\":\"2.0.0\",\"waves\":\"100\"}".getBytes())).get("id").asLong();
        String reason = "<script>window.pwned = 1</script><b>stop</b>";
        expect(200, call("POST", "/api/v1/rollouts/" + other + "/abort", "application/json",
                ("{\"reason\":\"" + reason.replace("\"", "\\\"") + "\"}").getBytes(StandardCharsets.UTF_8)));
        open("#/rollouts/" + other, "Rollout #" + other);
        assertThat(page.locator("#state-reason")).hasText(reason);
        assertThat(page.locator("main b, main script")).hasCount(0);
        assertThat(page.evaluate("() => window.pwned === undefined")).isEqualTo(true);
    }

    @Test
    void theOverviewShowsVersionsAndWhatNeedsAttentionWithLinksToTheDevices() {
        fleet("pumps", "4C", 3, 0);
        assertThat(checkIn("pumps", mac("4C", 9), "0.1.0")).isEqualTo(200);                 // an image no release has
        signIn(viewerToken);
        open("#/overview", "Overview");
        assertThat(page.locator(".product-versions", new Page.LocatorOptions().setHasText("pumps (4 devices)"))).containsText("0.1.0");
        assertThat(page.locator("#attention")).containsText("Running an unknown image");
        page.locator("#attention a", new Page.LocatorOptions().setHasText(mac("4C", 9))).click();
        assertThat(page.locator("main h1")).containsText(mac("4C", 9));
        page.goBack();
        assertThat(page.locator("main h1")).hasText("Overview");
        docScreenshot("overview");
    }

    @Test
    void theDeviceTableIsSearchedOnTheServerAndADeviceShowsItsTimelineAndRefusedTagsAsText() {
        fleet("valves", "5E", 3, 1);
        String failing = mac("5E", 3);
        long id = expect(201, call("POST", "/api/v1/products/valves/rollouts?start=true", "application/json",
                "{\"version\":\"2.0.0\",\"waves\":\"100\",\"maxAttempts\":1}".getBytes())).get("id").asLong();
        assertThat(checkIn("valves", failing, "1.0.0")).isEqualTo(200);
        report("valves", failing, "error", "flash \\\"write\\\" failed & rebooted");
        page.onDialog(d -> d.accept());
        signIn(operatorToken);
        open("#/devices", "Devices");
        page.locator("#f-q").fill("5E:00:00:00:00:0");
        assertThat(page.locator("#device-count")).hasText("3 devices match; showing 1-3.");
        page.locator("#f-q").fill(failing);
        assertThat(page.locator("#device-table tbody tr")).hasCount(1);
        assertThat(page.url()).endsWith("#/devices/?q=" + failing.replace(":", "%3A"));
        page.locator("#device-table a", new Page.LocatorOptions().setHasText(failing)).click();
        assertThat(page.locator("main h1")).containsText(failing);
        assertThat(page.locator("#updates")).containsText("flash \"write\" failed & rebooted");
        assertThat(page.locator("#timeline")).containsText("update");
        page.locator("#tags-input").fill("canary, <script>window.pwned=1</script>");
        page.locator("#tags-input").press("Enter");
        assertThat(page.locator("#message .error")).containsText("tag '<script>window.pwned=1</script>' is not valid");
        assertThat(page.evaluate("() => window.pwned === undefined")).isEqualTo(true);
        page.locator("#tags-input").fill("canary, valve-room");
        page.locator("#tags-input").press("Enter");
        assertThat(page.locator("#device-tags")).hasText("canary, valve-room");
        List<String> stored = new java.util.ArrayList<>();
        get("/api/v1/devices/" + failing).get("tags").forEach(t -> stored.add(t.asText()));
        assertThat(stored).containsExactlyInAnyOrder("canary", "valve-room");
        docScreenshot("device");
        assertThat(id).isPositive();
    }
}
