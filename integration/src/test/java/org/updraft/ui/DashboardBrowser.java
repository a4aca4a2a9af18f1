package org.updraft.ui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;
import org.updraft.server.auth.ApiTokens;
import org.updraft.testsupport.Multipart;

/**
 * The shared base of the dashboard's browser tests: per class, one real {@link UpdraftServer} on a
 * free loopback port (embedded SQLite in a temporary directory) with an admin, an operator and a
 * viewer token, and one headless Chromium — Debian's {@code /usr/bin/chromium}, driven by
 * Playwright, which never downloads a browser. Per test, a fresh browser context (no cookies) and
 * page; after each test a full-page screenshot goes to {@code target/screenshots/<Class>-<test>.png}.
 *
 * <p>{@code -Dupdraft.screenshots=DIR} (bin/screenshots) also writes the named screenshots of
 * {@link #docScreenshot} into DIR, for the README and docs.
 */
abstract class DashboardBrowser {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    static Path dataDir;
    static UpdraftServer server;
    static String adminToken = ApiTokens.newSecret();
    static String operatorToken;
    static String viewerToken;
    static Playwright playwright;
    static Browser browser;

    BrowserContext context;
    Page page;
    /** Script errors and console errors of the page: a test fails when there are any. */
    final List<String> scriptErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
    private String testName;

    @BeforeAll
    static void startServerAndBrowser() throws Exception {
        if (!Files.isExecutable(CHROMIUM)) {
            throw new IllegalStateException(CHROMIUM + " is missing: install Debian's Chromium (apt-get install -y chromium); "
                    + "bin/test does this, and Playwright never downloads a browser");
        }
        server = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dataDir, null).withAdminToken(adminToken));
        operatorToken = token("ui-operator", "operator");
        viewerToken = token("ui-viewer", "viewer");
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = Playwright.create(new Playwright.CreateOptions().setEnv(env));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(CHROMIUM).setHeadless(true)
                .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync")));
    }

    @AfterAll
    static void stopServerAndBrowser() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void openPage(TestInfo info) {
        testName = getClass().getSimpleName() + "-" + info.getTestMethod().orElseThrow().getName();
        context = browser.newContext(contextOptions());
        context.setDefaultTimeout(15_000);
        page = context.newPage();
        page.onPageError(e -> scriptErrors.add("page error: " + e));
        page.onConsoleMessage(m -> {
            if (m.type().equals("error") && !m.text().contains("the server responded with a status of")) {
                scriptErrors.add("console: " + m.text());
            }
        });
    }

    /** The options of each test's browser context: a laptop-sized window. */
    Browser.NewContextOptions contextOptions() {
        return new Browser.NewContextOptions().setViewportSize(1280, 900);
    }

    @AfterEach
    void screenshotAndClose() {
        try {
            Path dir = Path.of("target", "screenshots");
            Files.createDirectories(dir);
            page.screenshot(new Page.ScreenshotOptions().setPath(dir.resolve(testName + ".png")).setFullPage(true));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            context.close();
        }
        if (!scriptErrors.isEmpty()) {
            throw new AssertionError("the page reported script errors: " + scriptErrors);
        }
    }

    /** Copies the page as it is now to DIR/NAME.png when -Dupdraft.screenshots=DIR is set (bin/screenshots). */
    void docScreenshot(String name) {
        String dir = System.getProperty("updraft.screenshots");
        if (dir == null || dir.isBlank()) {
            return;
        }
        try {
            Path target = Path.of(dir);
            Files.createDirectories(target);
            Path tmp = Files.createTempFile("screenshot", ".png");
            page.screenshot(new Page.ScreenshotOptions().setPath(tmp).setFullPage(true));
            Files.move(tmp, target.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String base() {
        return "http://127.0.0.1:" + server.port();
    }

    /** Opens the dashboard and signs in with this token; returns when the nav is drawn. */
    void signIn(String token) {
        page.navigate(base() + "/");
        page.getByLabel("API token").fill(token);
        page.getByRole(com.microsoft.playwright.options.AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
        page.locator("#nav a").first().waitFor();
    }

    /** Opens a page of the dashboard (#/id/args) and waits for its heading. */
    void open(String hash, String heading) {
        page.navigate(base() + "/ui/" + hash);
        page.locator("main h1", new Page.LocatorOptions().setHasText(heading)).waitFor();
        page.waitForLoadState(com.microsoft.playwright.options.LoadState.NETWORKIDLE);
    }

    // --- the management API, as the admin, for setting up and checking what the browser did ---

    static HttpResponse<String> call(String method, String path, String contentType, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Bearer " + adminToken)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static JsonNode expect(int status, HttpResponse<String> r) {
        if (r.statusCode() != status) {
            throw new AssertionError(r.request().method() + " " + r.request().uri() + ": expected " + status + ", got " + r.statusCode()
                    + " " + r.body());
        }
        try {
            return r.body().isEmpty() ? null : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode get(String path) {
        return expect(200, call("GET", path, null, null));
    }

    static String token(String name, String role) {
        return expect(201, call("POST", "/api/v1/tokens", "application/json",
                ("{\"name\":\"" + name + "\",\"role\":\"" + role + "\"}").getBytes(StandardCharsets.UTF_8))).get("token").asText();
    }

    static void product(String name, String layout) {
        expect(201, call("POST", "/api/v1/products", "application/json",
                ("{\"name\":\"" + name + "\",\"layout\":\"" + layout + "\"}").getBytes(StandardCharsets.UTF_8)));
    }

    static void release(String product, String version, String notes, byte[] image) {
        Multipart form = new Multipart().field("version", version).field("notes", notes).file("firmware", "firmware.bin", image);
        expect(201, call("POST", "/api/v1/products/" + product + "/releases", form.contentType(), form.body()));
    }
}
