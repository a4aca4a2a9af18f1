package org.updraft.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;

/**
 * The server decides, not the page: a viewer sees no enabled control that changes state, and a
 * viewer's forged request is refused; a form on another origin cannot use an admin's session.
 */
class RolesAndOriginBrowserTest extends DashboardBrowser {

    /** Buttons a viewer may press: they change nothing. */
    static final List<String> READ_ONLY_BUTTONS = List.of("Sign out", "Show token state", "Verify again");

    @BeforeAll
    static void data() {
        product("sensor", "arduino-4m");
        release("sensor", "1.0.0", "first", ImageBuilder.arduino().version("1.0.0").payload(5, 20_000).build());
    }

    @Test
    void aViewerSeesNoEnabledControlThatChangesStateAndAForgedRequestGets403() {
        signIn(viewerToken);
        for (String[] p : new String[][] {{"#/releases/sensor", "Releases"}, {"#/products/sensor", "Products"}}) {
            open(p[0], p[1]);
            assertThat(page.locator("main form")).hasCount(0);
            List<String> enabled = new ArrayList<>();
            Locator controls = page.locator("button:enabled, input:enabled:not([type=hidden]), textarea:enabled");
            for (int i = 0; i < controls.count(); i++) {
                Locator c = controls.nth(i);
                String label = c.evaluate("e => e.id === 'product-picker' || e.id === 'token-mac' ? 'read-only' : e.textContent.trim()").toString();
                if (!label.equals("read-only") && !READ_ONLY_BUTTONS.contains(label)) {
                    enabled.add(p[0] + ": " + label);
                }
            }
            assertThat(enabled).as("controls a viewer could use to change something").isEmpty();
        }
        docScreenshot("products-viewer");
        // The page shows no upload form; the server refuses one anyway, with the role needed.
        Object forged = page.evaluate("async () => { const f = new FormData(); f.append('version', '6.6.6');"
                + " f.append('firmware', new Blob([new Uint8Array(64)]), 'x.bin');"
                + " const r = await fetch('/api/v1/products/sensor/releases', {method: 'POST', body: f});"
                + " return r.status + ' ' + (await r.json()).error; }");
        assertThat(forged.toString()).startsWith("403 POST /api/v1/products/{product}/releases needs the operator role; token 'ui-viewer'");
        assertThat(call("GET", "/api/v1/products/sensor/releases/6.6.6", null, null).statusCode()).isEqualTo(404);
    }

    @Test
    void aFormPostedFromAnotherOriginWithTheAdminsSessionIsRefused() throws Exception {
        signIn(adminToken);
        // Another port on the same host is another origin but the same site: SameSite=Strict lets
        // the cookie go along, so the Origin rule is what refuses it.
        HttpServer attacker = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        String form = "<!doctype html><html><body><form id=f method=post action='" + base() + "/api/v1/products' "
                + "enctype='text/plain'><input name='{\"name\":\"csrf\",\"layout\":\"arduino-4m\",\"x\":\"' value='\"}'></form>"
                + "<script>document.getElementById('f').submit()</script></body></html>";
        attacker.createContext("/", ex -> {
            byte[] b = form.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        attacker.start();
        try {
            String attackerUrl = "http://127.0.0.1:" + attacker.getAddress().getPort() + "/";
            page.navigate(attackerUrl);
            page.waitForURL(base() + "/api/v1/products");
            String answer = page.locator("body").innerText();
            assertThat(answer).contains("cross-site request refused: Origin is http://127.0.0.1:" + attacker.getAddress().getPort());
            assertThat(call("GET", "/api/v1/products/csrf", null, null).statusCode()).isEqualTo(404);
            JsonNode audit = get("/api/v1/audit?limit=1").get("items").get(0);
            assertThat(audit.get("action").asText()).isEqualTo("POST /api/v1/products");
            assertThat(audit.get("actor").asText()).isEqualTo("seeded");
            assertThat(audit.get("status").asInt()).isEqualTo(403);

            // Another site (localhost is not 127.0.0.1): SameSite=Strict keeps the cookie at home.
            page.navigate("http://localhost:" + attacker.getAddress().getPort() + "/");
            page.waitForURL(base() + "/api/v1/products");
            assertThat(page.locator("body").innerText()).contains("missing bearer token");
            assertThat(call("GET", "/api/v1/products/csrf", null, null).statusCode()).isEqualTo(404);
        } finally {
            attacker.stop(0);
        }

        // The same rule straight from an HTTP client carrying the browser's cookie: a foreign Origin is refused, the own one is not.
        String cookie = "updraft_session=" + context.cookies().get(0).value;
        HttpClient http = HttpClient.newHttpClient();
        String body = "{\"name\":\"direct\",\"layout\":\"arduino-4m\"}";
        HttpResponse<String> foreign = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/products")).header("Cookie", cookie)
                .header("Origin", "http://evil.example").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(foreign.body()).contains("cross-site request refused: Origin is http://evil.example");
        HttpResponse<String> own = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/products")).header("Cookie", cookie)
                .header("Origin", base()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(own.statusCode()).isEqualTo(201);
    }
}
