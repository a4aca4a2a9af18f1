package org.updraft.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.AriaRole;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin pages: a product's flash map and policy, tokens (the secret once, revoke), the audit log with paging. */
class SettingsBrowserTest extends DashboardBrowser {

    @BeforeAll
    static void data() {
        product("gate", "esp32-4m");
    }

    @Test
    void theProductPageDrawsTheFlashMapAndSavesThePolicy() {
        page.onDialog(d -> d.accept());
        signIn(adminToken);
        open("#/products/gate", "Products");
        // One rectangle per region of esp32-4m, the two update slots highlighted.
        assertThat(page.locator("svg.flash g rect")).hasCount(6);
        assertThat(page.locator("svg.flash g rect[fill='#0b57d0']")).hasCount(2);
        assertThat(page.locator("svg.flash > title")).hasText("Flash map of esp32-4m: nvs, otadata, app0, app1, spiffs, coredump");
        assertThat(page.locator("#map-h + svg + p + .table-wrap tbody tr").nth(2)).hasText("app00x100001.25 MB");

        // Requiring signatures without a trusted key is refused, in the server's words.
        page.getByLabel("Signing policy", new Page.GetByLabelOptions().setExact(true)).selectOption("required");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save policy")).click();
        assertThat(page.locator("#policy-h ~ form .error")).hasText("product 'gate' has no trusted image key; add one "
                + "(POST /api/v1/products/gate/keys, an RSA-2048 public key or ECDSA P-256) before requiring signatures");
        assertThat(get("/api/v1/products/gate").get("signing").asText()).isEqualTo("unsigned-allowed");

        page.getByLabel("Signing policy", new Page.GetByLabelOptions().setExact(true)).selectOption("unsigned-allowed");
        page.getByLabel("Enrollment", new Page.GetByLabelOptions().setExact(true)).selectOption("allowlist");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save policy")).click();
        assertThat(page.locator("#message")).hasText("Policy of gate saved.");
        JsonNode gate = get("/api/v1/products/gate");
        assertThat(gate.get("signing").asText()).isEqualTo("unsigned-allowed");
        assertThat(gate.get("enrollment").asText()).isEqualTo("allowlist");

        page.getByLabel("MAC addresses, one per line").fill("AA:BB:CC:00:00:01\nAA:BB:CC:00:00:02");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save allowlist")).click();
        assertThat(page.getByText("Saved: 2 devices.")).isVisible();
        assertThat(get("/api/v1/products/gate/allowlist").get("macs")).hasSize(2);
        page.getByLabel("MAC addresses, one per line").fill("not-a-mac");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save allowlist")).click();
        assertThat(page.locator("#allow-h ~ form .error")).containsText("not-a-mac");
        assertThat(get("/api/v1/products/gate/allowlist").get("macs")).hasSize(2);
    }

    @Test
    void aNewTokensSecretIsShownOnceAndWorksUntilRevoked() throws Exception {
        page.onDialog(d -> d.accept());
        signIn(adminToken);
        open("#/tokens", "Tokens");
        page.getByLabel("Name (names the actor in the audit log)").fill("ci-deploy");
        page.getByLabel("Role", new Page.GetByLabelOptions().setExact(true)).selectOption("operator");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create token")).click();
        String secret = page.locator("#secret").innerText();
        assertThat(secret).matches("upd_[A-Za-z0-9_-]{43}");
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest asIt = HttpRequest.newBuilder(URI.create(base() + "/api/v1/products")).header("Authorization", "Bearer " + secret).build();
        assertThat(http.send(asIt, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(page.locator("#tokens-h ~ .table-wrap tbody tr", new Page.LocatorOptions().setHasText("ci-deploy"))).containsText("active");

        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Revoke ci-deploy")).click();
        assertThat(page.locator("#message")).hasText("Token \"ci-deploy\" revoked.");
        assertThat(page.locator("#tokens-h ~ .table-wrap tbody tr", new Page.LocatorOptions().setHasText("ci-deploy"))).containsText("revoked");
        assertThat(http.send(asIt, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        // A name already taken is refused with the server's reason.
        page.getByLabel("Name (names the actor in the audit log)").fill("CI-deploy");
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create token")).click();
        assertThat(page.locator("#issued .error")).containsText("token name 'CI-deploy' is taken by token");
    }

    @Test
    void theAuditLogPagesBackAndShowsTheChainIntact() {
        signIn(adminToken);
        for (int i = 0; i < 55; i++) {
            token("audit-filler-" + i, "viewer");
        }
        open("#/audit", "Audit");
        assertThat(page.locator("#verify .info")).containsText("Chain intact:");
        assertThat(page.locator("#audit-h ~ .table-wrap tbody tr")).hasCount(50);
        long newest = Long.parseLong(page.locator("#audit-h ~ .table-wrap tbody tr td").first().innerText());
        assertThat(page.locator("#audit-h ~ .table-wrap tbody tr").first()).containsText("POST /api/v1/tokens");
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Older entries")).click();
        assertThat(page.locator("#audit-h")).hasText("Entries before #" + (newest - 49));
        assertThat(page.locator("#audit-h ~ .table-wrap tbody tr td").first()).hasText(String.valueOf(newest - 50));
    }
}
