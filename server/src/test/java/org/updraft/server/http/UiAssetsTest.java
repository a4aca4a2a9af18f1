package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.updraft.server.TestServer;

/** The dashboard's files: where they come from, their headers (CSP, nosniff, ETag, gzip), and their size budget. */
class UiAssetsTest {

    static final Path UI = Path.of("src/main/resources/ui");
    /** The WebJar files the dashboard may load, counted in the size budget. */
    static final List<String> VENDOR_FILES = List.of("/ui/vendor/uplot/dist/uPlot.esm.js", "/ui/vendor/uplot/dist/uPlot.min.css");
    static final int BUDGET = 300 * 1024;

    static TestServer server;
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void start() {
        server = new TestServer();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void theRootAndUiRedirectToTheDashboard() throws Exception {
        for (String path : List.of("/", "/ui")) {
            var r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(302);
            assertThat(r.headers().firstValue("Location")).hasValue("/ui/");
        }
    }

    @Test
    void theIndexIsServedWithAStrictPolicyAndValidators() throws Exception {
        var r = get("/ui/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(r.headers().firstValue("Content-Security-Policy")).hasValue("default-src 'self'; script-src 'self'; style-src 'self'; "
                + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(new String(r.body())).isEqualTo(Files.readString(UI.resolve("index.html")));
        String etag = r.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).matches("\"[0-9a-f]{32}\"");
        var again = get("/ui/", "If-None-Match", etag);
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
    }

    @Test
    void scriptsAndStylesHaveTheirTypesAndGoOutGzippedWhenAccepted() throws Exception {
        var js = get("/ui/app.js", "Accept-Encoding", "gzip, deflate");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertThat(js.headers().firstValue("Content-Encoding")).hasValue("gzip");
        assertThat(js.headers().firstValue("Vary")).hasValue("Accept-Encoding");
        assertThat(js.headers().firstValue("ETag").orElseThrow()).endsWith("-gz\"");
        assertThat(gunzip(js.body())).isEqualTo(Files.readAllBytes(UI.resolve("app.js")));
        var plain = get("/ui/app.js", "Accept-Encoding", "gzip;q=0");
        assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
        assertThat(plain.body()).isEqualTo(Files.readAllBytes(UI.resolve("app.js")));
        assertThat(get("/ui/app.css").headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
    }

    @Test
    void vendorFilesComeFromTheirWebJar() throws Exception {
        var r = get("/ui/vendor/uplot/dist/uPlot.esm.js");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        try (var in = UiAssetsTest.class.getClassLoader().getResourceAsStream("META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.esm.js")) {
            assertThat(r.body()).isEqualTo(in.readAllBytes());
        }
        assertThat(get("/ui/vendor/nosuch/x.js").statusCode()).isEqualTo(404);
    }

    @Test
    void nothingOutsideTheDashboardDirectoryIsServed() throws Exception {
        for (String path : List.of("/ui/../org/updraft/server/openapi.yaml", "/ui/%2e%2e/logback.xml", "/ui/.hidden.js",
                "/ui/nosuch.js", "/ui/app", "/ui/lib/", "/ui/vendor/uplot/../../x.js")) {
            var r = get(path);
            assertThat(r.statusCode()).as(path).isIn(400, 404);
        }
        var missing = get("/ui/nosuch.js");
        assertThat(new String(missing.body())).isEqualTo("{\"error\":\"no such file in the dashboard: /ui/nosuch.js "
                + "(the dashboard starts at /ui/)\",\"status\":404}");
    }

    @Test
    void noPageHasInlineScriptOrEventHandlerAttributesAndNoScriptWritesHtml() throws IOException {
        Pattern inlineScript = Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>", Pattern.CASE_INSENSITIVE);
        Pattern handler = Pattern.compile("<[^>]+\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE);
        Pattern html = Pattern.compile("\\.(innerHTML|outerHTML)\\b|insertAdjacentHTML|document\\.write");
        try (Stream<Path> files = Files.walk(UI)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String text = Files.readString(f);
                if (f.toString().endsWith(".html")) {
                    assertThat(inlineScript.matcher(text).find()).as(f + " has an inline script").isFalse();
                    assertThat(handler.matcher(text).find()).as(f + " has an on...= attribute").isFalse();
                }
                if (f.toString().endsWith(".js")) {
                    assertThat(html.matcher(text).find()).as(f + " writes HTML from a string").isFalse();
                }
            }
        }
    }

    @Test
    void everythingTheDashboardServesFitsIn300KbGzipped() throws Exception {
        long total = 0;
        try (Stream<Path> files = Files.walk(UI)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                total += UiAssets.gzip(Files.readAllBytes(f)).length;
            }
        }
        for (String vendor : VENDOR_FILES) {
            var r = get(vendor);
            assertThat(r.statusCode()).as(vendor).isEqualTo(200);
            total += UiAssets.gzip(r.body()).length;
        }
        assertThat(total).as("bytes of all dashboard files, each gzip-compressed").isPositive().isLessThan(BUDGET);
    }

    private static byte[] gunzip(byte[] b) throws IOException {
        try (var in = new GZIPInputStream(new ByteArrayInputStream(b))) {
            return in.readAllBytes();
        }
    }
}
