package org.updraft.ui;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.microsoft.playwright.options.FilePayload;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;

/** The Releases page: upload with the inspection or the exact refusal, and untrusted text shown as text. */
class ReleasesBrowserTest extends DashboardBrowser {

    @BeforeAll
    static void products() {
        product("relay", "arduino-4m");
        product("lamp", "arduino-4m");
        product("notes", "arduino-4m");
        product("dropped", "arduino-4m");
    }

    @Test
    void uploadingAValidReleaseShowsItsInspectionAndListsIt() {
        signIn(operatorToken);
        open("#/releases/relay", "Releases");
        byte[] image = ImageBuilder.arduino().version("1.2.0").payload(7, 60_000).build();
        page.locator("#file-firmware").setInputFiles(new FilePayload("relay-1.2.0.bin", "application/octet-stream", image));
        page.getByLabel("Version").fill("1.2.0");
        page.getByLabel("Release notes").fill("Faster relay switching");
        page.locator("#upload-form button[type=submit]").click();
        assertThat(page.locator("#inspection h3")).hasText("Accepted: relay 1.2.0");
        assertThat(page.locator("#up-progress")).hasAttribute("value", "100");
        String inspection = page.locator("#inspection").innerText();
        assertThat(inspection).contains("firmware: ARDUINO_ESP8266, ESP8266")
                .contains("of a 1020.0 KB slot")
                .contains("unsigned (policy: unsigned-allowed)")
                .contains(org.updraft.server.artifact.Digests.sha256Hex(image));
        assertThat(page.locator("table tbody tr")).hasCount(1);
        assertThat(page.locator("table tbody tr").first()).containsText("1.2.0");
        assertThat(page.locator("table tbody tr").first()).containsText("baseline");
        JsonNode stored = get("/api/v1/products/relay/releases/1.2.0");
        assertThat(stored.get("artifacts").get(0).get("size").asLong()).isEqualTo(image.length);
        docScreenshot("releases");
    }

    @Test
    void uploadingAnHtmlPageIsRefusedWithTheServersReasonAndNothingIsStored() throws Exception {
        signIn(operatorToken);
        open("#/releases/lamp", "Releases");
        long artifactsBefore = artifactFiles();
        byte[] html = "<!doctype html><html><body><h1>Not firmware</h1></body></html>".getBytes(StandardCharsets.UTF_8);
        page.locator("#file-firmware").setInputFiles(new FilePayload("index.html", "text/html", html));
        page.getByLabel("Version").fill("2.0.0");
        page.locator("#upload-form button[type=submit]").click();
        assertThat(page.locator("#upload-result h3")).hasText("Refused");
        String refusal = page.locator("#upload-result .error").innerText();
        assertThat(refusal).startsWith("firmware").contains("HTML");
        assertThat(get("/api/v1/products/lamp/releases").get("items")).isEmpty();
        assertThat(call("GET", "/api/v1/products/lamp/releases/2.0.0", null, null).statusCode()).isEqualTo(404);
        assertThat(artifactFiles()).isEqualTo(artifactsBefore);
    }

    @Test
    void releaseNotesWithScriptAndHtmlAreShownAsText() {
        String notes = "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\"><b>bold?</b>";
        release("notes", "0.9.0", notes, ImageBuilder.arduino().version("0.9.0").payload(3, 20_000).build());
        signIn(viewerToken);
        open("#/releases/notes", "Releases");
        assertThat(page.locator(".notes", new com.microsoft.playwright.Page.LocatorOptions().setHasText("bold?"))).hasText(notes);
        assertThat(page.locator("main b, main img, main script")).hasCount(0);
        assertThat(page.evaluate("() => window.pwned === undefined")).isEqualTo(true);
    }

    @Test
    void aFileDroppedOnTheDropZoneIsUploaded() {
        signIn(operatorToken);
        open("#/releases/dropped", "Releases");
        byte[] image = ImageBuilder.arduino().version("4.0.0").payload(4, 30_000).build();
        java.util.List<Integer> bytes = new java.util.ArrayList<>(image.length);
        for (byte b : image) {
            bytes.add(b & 0xff);
        }
        // What a browser does when a file is dropped: a drop event whose DataTransfer holds the file.
        page.evaluate("bytes => { const dt = new DataTransfer();"
                + " dt.items.add(new File([new Uint8Array(bytes)], 'dropped-4.0.0.bin', {type: 'application/octet-stream'}));"
                + " document.getElementById('dropzone').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true})); }",
                bytes);
        assertThat(page.locator("#dropzone")).hasText("Chosen: dropped-4.0.0.bin");
        page.getByLabel("Version").fill("4.0.0");
        page.locator("#upload-form button[type=submit]").click();
        assertThat(page.locator("#inspection h3")).hasText("Accepted: dropped 4.0.0");
        assertThat(get("/api/v1/products/dropped/releases/4.0.0").get("artifacts").get(0).get("sha256").asText())
                .isEqualTo(org.updraft.server.artifact.Digests.sha256Hex(image));
    }

    private static long artifactFiles() throws Exception {
        Path dir = dataDir.resolve("artifacts");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.count();
        }
    }
}
