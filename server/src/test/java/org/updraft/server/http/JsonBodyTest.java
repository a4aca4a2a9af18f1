package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;

/**
 * Every route that takes a body, walked from the router itself: a JSON body that is not an object
 * ({@code null}, an array, a number, a string, a boolean) is a 400 naming the fields expected and
 * what came — never a 500 — on the JSON routes, and the routes that take another body refuse it
 * as a 4xx too. The routes answering "expected a JSON object" are exactly those whose OpenAPI
 * operation takes application/json, so a new JSON route is covered without editing this test.
 */
class JsonBodyTest {

    static final Map<String, String> PARAMS = Map.of("product", "relay", "mac", "DE:BA:7A:B1:E0:42", "id", "999999",
            "version", "1.0.0", "key", "nokey");
    static final Map<String, String> NOT_OBJECTS = Map.of("null", "null", "[]", "an array", "[{\"a\":1}]", "an array", "42",
            "the number 42", "\"x\"", "the string \"x\"", "true", "true", "false", "false");

    static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer();
        server.product("relay", "arduino-4m");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** "POST /api/v1/products" for every route that takes a body (POST, PUT). */
    static List<String> bodyRoutes() {
        return server.server().api().router().routes().stream().filter(r -> r.method().equals("POST") || r.method().equals("PUT"))
                .map(r -> r.method() + " " + r.template()).toList();
    }

    static Stream<Arguments> cases() {
        return bodyRoutes().stream().flatMap(route -> NOT_OBJECTS.entrySet().stream()
                .map(body -> Arguments.of(route, body.getKey(), body.getValue())));
    }

    static String path(String template) {
        Matcher m = Pattern.compile("\\{(\\w+)}").matcher(template);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(PARAMS.get(m.group(1))));
        }
        return m.appendTail(b).toString();
    }

    static RawHttp.Response send(String route, String body) throws Exception {
        String[] mp = route.split(" ", 2);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String request = mp[0] + " " + path(mp[1]) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer "
                + TestServer.ADMIN_TOKEN + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n" + body;
        return RawHttp.exchange(server.port(), request);
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("cases")
    void aBodyThatIsNotAnObjectIsA4xxNamingTheShape(String route, String body, String described) throws Exception {
        RawHttp.Response r = send(route, body);
        String said = error(r);

        assertThat(r.status()).as(said).isBetween(400, 499);
        assertThat(said).doesNotContain("internal error");
        if (jsonRoutes().contains(route)) {
            assertThat(r.status()).as(said).isEqualTo(400);
            assertThat(said).contains("expected a JSON object with fields ").contains(", got " + described);
        }
    }

    @Test
    void theRoutesThatSayExpectedAJsonObjectAreExactlyTheDocumentedJsonRoutes() throws Exception {
        Set<String> saying = new TreeSet<>();
        for (String route : bodyRoutes()) {
            if (error(send(route, "null")).contains("expected a JSON object")) {
                saying.add(route);
            }
        }
        assertThat(saying).isEqualTo(jsonRoutes()).contains("POST /u/{product}/report", "POST /api/v1/products");
    }

    /** An empty object (every field missing) is refused or handled on every body route, never a 500. */
    @Test
    void anEmptyObjectIsNeverA500() throws Exception {
        for (String route : bodyRoutes()) {
            RawHttp.Response r = send(route, "{}");
            assertThat(r.status()).as(route + ": " + error(r)).isNotEqualTo(500).isBetween(200, 499);
        }
    }

    @Test
    void anEmptyJsonBodyIsNamedToo() throws Exception {
        RawHttp.Response r = send("POST /api/v1/products", "");
        assertThat(r.status()).isEqualTo(400);
        assertThat(error(r)).contains(
                "expected a JSON object with fields name, chip, kind, layout, slotSize, updatePath, healthWindowSeconds, got an empty body");
    }

    @Test
    void aFractionForAWholeNumberIsRefusedNotRounded() throws Exception {
        RawHttp.Response r = send("POST /api/v1/products", "{\"name\":\"half\",\"layout\":\"arduino-4m\",\"slotSize\":1048576.5}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(error(r)).contains("field 'slotSize' must be a whole number, got the number 1048576.5");
        assertThat(server.get("/api/v1/products/half").statusCode()).isEqualTo(404);

        RawHttp.Response rollout = send("POST /api/v1/products/{product}/rollouts", "{\"version\":\"1.0.0\",\"maxConcurrent\":2.5}");
        assertThat(error(rollout)).contains("field 'maxConcurrent' must be a whole number, got the number 2.5");

        RawHttp.Response tags = send("PUT /api/v1/devices/{mac}/tags", "{\"tags\":\"canary\"}");
        assertThat(error(tags)).contains("field 'tags' must be an array, got the string \"canary\"");
    }

    /** The "error" text of a JSON error answer (the raw body when it is not one). */
    static String error(RawHttp.Response r) throws Exception {
        String body = new String(r.body(), StandardCharsets.UTF_8);
        try {
            return Json.MAPPER.readTree(body).path("error").asText(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return body;
        }
    }

    /** "METHOD /path" of every OpenAPI operation whose requestBody has application/json content. */
    static Set<String> jsonRoutes() {
        String doc = new String(ServiceEndpoints.openApiDocument(), StandardCharsets.UTF_8);
        String section = doc.substring(doc.indexOf("\npaths:\n"), doc.indexOf("\ncomponents:\n"));
        Set<String> json = new TreeSet<>();
        String path = null;
        String op = null;
        boolean inBody = false;
        for (String line : section.split("\n")) {
            Matcher p = Pattern.compile("^  (/\\S*):\\s*$").matcher(line);
            Matcher m = Pattern.compile("^    (get|put|post|delete|patch):\\s*$").matcher(line);
            if (p.matches()) {
                path = p.group(1);
                op = null;
            } else if (m.matches()) {
                op = m.group(1).toUpperCase() + " " + path;
                inBody = false;
            } else if (line.matches("^      requestBody:.*")) {
                inBody = true;
            } else if (line.matches("^      \\S.*")) {
                inBody = false;
            } else if (inBody && op != null && line.contains("application/json")) {
                json.add(op);
            }
        }
        return json;
    }

    @Test
    void theDocumentParserFindsTheJsonRoutes() {
        List<String> expectedSome = new ArrayList<>(List.of("POST /api/v1/tokens", "PUT /api/v1/devices/{mac}/pin"));
        assertThat(jsonRoutes()).containsAll(expectedSome).doesNotContain("POST /api/v1/products/{product}/releases");
    }
}
