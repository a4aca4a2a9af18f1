package org.updraft.ui;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Page;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;

/**
 * An axe-core scan (from its WebJar, injected from the jar's bytes) of every page this branch
 * builds, at laptop and phone width: no serious or critical violation. The pages' CSP forbids
 * injected scripts, so these contexts bypass it — only here, only to run the scanner.
 */
class AccessibilityBrowserTest extends DashboardBrowser {

    static final String AXE = axeSource();

    @BeforeAll
    static void data() {
        product("meter", "esp32-4m");
        release("meter", "3.1.0", "Calibration fix", ImageBuilder.esp32().version("3.1.0").payload(9, 30_000).build());
        token("ci-deploy", "operator");
        // The live pages' data: a device of meter and a draft rollout (its preview is on its page).
        org.updraft.testsupport.Multipart held = new org.updraft.testsupport.Multipart().field("version", "3.2.0").field("hold", "true")
                .file("firmware", "meter.bin", ImageBuilder.esp32().version("3.2.0").payload(10, 30_000).build());
        expect(201, call("POST", "/api/v1/products/meter/releases", held.contentType(), held.body()));
        expect(304, call("GET", "/u/meter?mac=AC:00:00:00:00:01&version=3.1.0", null, null));
        expect(201, call("POST", "/api/v1/products/meter/rollouts", "application/json",
                "{\"version\":\"3.2.0\",\"waves\":\"10,100\"}".getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    Browser.NewContextOptions contextOptions() {
        return super.contextOptions().setBypassCSP(true);
    }

    @Test
    void everyPageHasNoSeriousOrCriticalViolation() {
        page.navigate(base() + "/ui/");
        page.getByLabel("API token").waitFor();
        List<String> problems = new ArrayList<>(scan("sign-in"));
        signIn(adminToken);
        for (String[] p : new String[][] {{"#/releases/meter", "Releases"}, {"#/products/meter", "Products"}, {"#/tokens", "Tokens"},
                {"#/audit", "Audit"}, {"#/overview", "Overview"}, {"#/devices", "Devices"}, {"#/devices/AC:00:00:00:00:01", "Device"},
                {"#/rollouts", "Rollouts"}, {"#/rollouts/1", "Rollout #1"}}) {
            open(p[0], p[1]);
            problems.addAll(scan(p[0]));
            if (p[0].equals("#/products/meter")) {
                docScreenshot("products");
            } else if (p[0].equals("#/tokens")) {
                docScreenshot("tokens");
            } else if (p[0].equals("#/audit")) {
                docScreenshot("audit");
            }
        }
        assertThat(problems).as("axe-core serious/critical violations").isEmpty();
    }

    @Test
    void theReleasesPageHasNoSeriousOrCriticalViolationAtPhoneWidth() {
        page.setViewportSize(390, 844);
        signIn(operatorToken);
        open("#/releases/meter", "Releases");
        assertThat(scan("#/releases/meter (phone)")).isEmpty();
        assertThat((Boolean) page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"))
                .as("no sideways scrolling of the whole page at 390 px").isTrue();
    }

    /** "page: rule (impact): target" for each serious or critical violation. */
    private List<String> scan(String where) {
        page.addScriptTag(new Page.AddScriptTagOptions().setContent(AXE));
        String json = (String) page.evaluate("async () => JSON.stringify((await axe.run(document, {resultTypes: ['violations']})).violations)");
        List<String> found = new ArrayList<>();
        try {
            for (JsonNode v : JSON.readTree(json)) {
                String impact = v.path("impact").asText();
                if (impact.equals("serious") || impact.equals("critical")) {
                    for (JsonNode n : v.get("nodes")) {
                        found.add(where + ": " + v.get("id").asText() + " (" + impact + "): " + n.get("target") + " " + n.path("failureSummary").asText());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    /** axe.min.js from the axe-core WebJar on the test classpath (its version from the jar's pom.properties). */
    private static String axeSource() {
        ClassLoader cl = AccessibilityBrowserTest.class.getClassLoader();
        try (InputStream props = cl.getResourceAsStream("META-INF/maven/org.webjars.npm/axe-core/pom.properties")) {
            if (props == null) {
                throw new IllegalStateException("the axe-core WebJar is not on the test classpath");
            }
            Properties p = new Properties();
            p.load(props);
            try (InputStream js = cl.getResourceAsStream("META-INF/resources/webjars/axe-core/" + p.getProperty("version") + "/axe.min.js")) {
                return new String(js.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
