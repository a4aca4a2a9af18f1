package org.updraft.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.updraft.server.http.Route;
import org.updraft.server.http.HttpApi;

/** Every registered route is documented in /api/openapi.yaml, and the document names no route that does not exist. */
class OpenApiTest {

    @Test
    void everyRouteIsInTheDocumentAndEveryDocumentedOperationIsARoute() throws Exception {
        String doc = new String(HttpApi.openApiDocument(), StandardCharsets.UTF_8);
        List<String> documented = operations(doc);
        try (TestServer server = new TestServer()) {
            List<String> registered = server.server().api().routes().stream()
                    .map((Route r) -> r.method() + " " + r.template()).toList();
            assertThat(registered).isNotEmpty();
            assertThat(documented).containsExactlyInAnyOrderElementsOf(registered);
            // And the server serves the document it was built with.
            var served = server.get("/api/openapi.yaml");
            assertThat(served.statusCode()).isEqualTo(200);
            assertThat(served.body()).isEqualTo(doc);
        }
    }

    @Test
    void theDocumentMarksExactlyTheOpenRoutesAsNeedingNoToken() {
        String doc = new String(HttpApi.openApiDocument(), StandardCharsets.UTF_8);
        List<String> open = new ArrayList<>();
        List<String> ops = operations(doc);
        String section = doc.substring(doc.indexOf("\npaths:\n"), doc.indexOf("\ncomponents:\n"));
        String[] lines = section.split("\n");
        int op = 0;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].matches("^    (get|put|post|delete|patch|head):\\s*$")) {
                if (i + 1 < lines.length && lines[i + 1].equals("      security: []")) {
                    open.add(ops.get(op));
                }
                op++;
            }
        }
        try (TestServer server = new TestServer()) {
            List<String> registered = server.server().api().routes().stream()
                    .filter(r -> r.access() instanceof org.updraft.server.auth.Access.Open)
                    .map((Route r) -> r.method() + " " + r.template()).toList();
            assertThat(open).containsExactlyInAnyOrderElementsOf(registered);
        }
        assertThat(doc).contains("security:\n  - bearer: []\npaths:");
    }

    /** "METHOD /path" for every operation under paths: (two-space path keys, four-space methods). */
    static List<String> operations(String yaml) {
        List<String> ops = new ArrayList<>();
        String section = yaml.substring(yaml.indexOf("\npaths:\n"), yaml.indexOf("\ncomponents:\n"));
        Pattern path = Pattern.compile("^  (/\\S*):\\s*$");
        Pattern method = Pattern.compile("^    (get|put|post|delete|patch|head):\\s*$");
        String current = null;
        for (String line : section.split("\n")) {
            Matcher p = path.matcher(line);
            if (p.matches()) {
                current = p.group(1);
                continue;
            }
            Matcher m = method.matcher(line);
            if (m.matches()) {
                ops.add(m.group(1).toUpperCase() + " " + current);
            }
        }
        return ops;
    }
}
