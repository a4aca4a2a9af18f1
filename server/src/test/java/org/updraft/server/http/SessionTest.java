package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.updraft.server.TestServer;

/**
 * The dashboard's session: sign-in turns a token into an HttpOnly, SameSite=Strict cookie; the
 * cookie authenticates like the token (same role, same audit name); sign-out and revocation end it
 * server-side; a cookie request that changes something must come from this server's origin.
 */
class SessionTest {

    static TestServer server;
    static String own;

    @BeforeAll
    static void start() {
        server = new TestServer();
        own = "http://127.0.0.1:" + server.port();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> withCookie(String cookie, String method, String path, String json, String... headers) {
        List<String> all = new ArrayList<>(List.of("Cookie", "updraft_session=" + cookie));
        all.addAll(List.of(headers));
        return send(method, path, json, all);
    }

    private static HttpResponse<String> send(String method, String path, String json, List<String> headers) {
        var b = java.net.http.HttpRequest.newBuilder(server.uri(path)).method(method, json == null
                ? java.net.http.HttpRequest.BodyPublishers.noBody() : java.net.http.HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.size(); i += 2) {
            b.header(headers.get(i), headers.get(i + 1));
        }
        try {
            return java.net.http.HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> signInWithoutBearer(String token, String... headers) {
        List<String> all = new ArrayList<>(List.of(headers));
        return send("POST", "/api/session", "{\"token\":\"" + token + "\"}", all);
    }

    /** Signs in and returns the session id from Set-Cookie. */
    private static String session(String token) {
        var r = signInWithoutBearer(token);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String set = r.headers().firstValue("Set-Cookie").orElseThrow();
        return set.substring("updraft_session=".length(), set.indexOf(';'));
    }

    @Test
    void signInAnswersWhoAndSetsAnHttpOnlyStrictCookieHoldingOnlyARandomId() throws Exception {
        String viewer = server.token("session-viewer", "viewer");
        var r = signInWithoutBearer(viewer);
        assertThat(r.statusCode()).isEqualTo(201);
        JsonNode who = Json.MAPPER.readTree(r.body());
        assertThat(who.get("name").asText()).isEqualTo("session-viewer");
        assertThat(who.get("role").asText()).isEqualTo("viewer");
        assertThat(who.get("idleMinutes").asLong()).isEqualTo(720);
        assertThat(r.headers().allValues("Set-Cookie")).hasSize(1);
        assertThat(r.headers().firstValue("Set-Cookie").orElseThrow())
                .matches("updraft_session=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict")
                .doesNotContain(viewer.substring(4));
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        assertThat(session(viewer)).isNotEqualTo(session(viewer));
    }

    @Test
    void theCookieAuthenticatesWithTheTokensRoleAndAViewersWriteIsRefused() throws Exception {
        String cookie = session(server.token("session-viewer2", "viewer"));
        assertThat(withCookie(cookie, "GET", "/api/v1/products", null).statusCode()).isEqualTo(200);
        JsonNode who = Json.MAPPER.readTree(withCookie(cookie, "GET", "/api/session", null).body());
        assertThat(who.get("name").asText()).isEqualTo("session-viewer2");
        var forged = withCookie(cookie, "POST", "/api/v1/products", "{\"name\":\"forged\",\"layout\":\"arduino-4m\"}", "Origin", own);
        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(Json.MAPPER.readTree(forged.body()).get("error").asText()).startsWith("POST /api/v1/products needs the admin role; token 'session-viewer2'");
        assertThat(server.get("/api/v1/products/forged").statusCode()).isEqualTo(404);
    }

    @Test
    void aWrongTokenIsRefusedWithAClearMessageAndAudited() throws Exception {
        var r = signInWithoutBearer("upd_nottherightsecretnottherightsecretnottheright");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(Json.MAPPER.readTree(r.body()).get("error").asText()).isEqualTo("sign-in refused: the token is not valid (unknown or revoked)");
        assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
        var empty = signInWithoutBearer("");
        assertThat(empty.statusCode()).isEqualTo(401);
        assertThat(Json.MAPPER.readTree(empty.body()).get("error").asText()).startsWith("sign-in needs an API token");
        JsonNode latest = Json.MAPPER.readTree(server.get("/api/v1/audit?limit=5").body()).get("items");
        assertThat(latest.get(0).get("action").asText()).isEqualTo("POST /api/session");
        assertThat(latest.get(0).get("actor").asText()).isEqualTo("anonymous");
        assertThat(latest.get(0).get("status").asInt()).isEqualTo(401);
    }

    @Test
    void aCookieWriteNeedsThisServersOriginOrRefererAndABearerWriteDoesNot() throws Exception {
        String cookie = session(server.token("session-admin", "admin"));
        String body = "{\"name\":\"%s\",\"layout\":\"arduino-4m\"}";

        var foreign = withCookie(cookie, "POST", "/api/v1/products", body.formatted("csrf1"), "Origin", "http://127.0.0.1:1");
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(Json.MAPPER.readTree(foreign.body()).get("error").asText()).isEqualTo("cross-site request refused: Origin is "
                + "http://127.0.0.1:1, but a request signed in by the session cookie must come from a page of this server (" + own + ")");
        var none = withCookie(cookie, "POST", "/api/v1/products", body.formatted("csrf2"));
        assertThat(none.statusCode()).isEqualTo(403);
        assertThat(Json.MAPPER.readTree(none.body()).get("error").asText()).contains("must carry an Origin (or Referer) header of this server");
        var foreignReferer = withCookie(cookie, "POST", "/api/v1/products", body.formatted("csrf3"), "Referer", "http://evil.example/x");
        assertThat(foreignReferer.statusCode()).isEqualTo(403);
        var nullOrigin = withCookie(cookie, "POST", "/api/v1/products", body.formatted("csrf4"), "Origin", "null");
        assertThat(nullOrigin.statusCode()).isEqualTo(403);
        for (String name : List.of("csrf1", "csrf2", "csrf3", "csrf4")) {
            assertThat(server.get("/api/v1/products/" + name).statusCode()).as(name + " must not exist").isEqualTo(404);
        }

        assertThat(withCookie(cookie, "POST", "/api/v1/products", body.formatted("same1"), "Origin", own).statusCode()).isEqualTo(201);
        assertThat(withCookie(cookie, "POST", "/api/v1/products", body.formatted("same2"), "Referer", own + "/ui/").statusCode())
                .isEqualTo(201);
        // A bearer request is not a browser's: no Origin rule.
        assertThat(send("POST", "/api/v1/products", body.formatted("bearer1"), List.of("Authorization", "Bearer " + server.adminToken(),
                "Origin", "http://evil.example")).statusCode()).isEqualTo(201);
        // Reads need no Origin.
        assertThat(withCookie(cookie, "GET", "/api/v1/products/same1", null, "Origin", "http://evil.example").statusCode()).isEqualTo(200);
    }

    @Test
    void aBrowsersSignInFromAnotherOriginIsRefused() throws Exception {
        var r = signInWithoutBearer(server.adminToken(), "Origin", "http://evil.example");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
        assertThat(signInWithoutBearer(server.adminToken(), "Origin", own).statusCode()).isEqualTo(201);
    }

    @Test
    void signOutEndsTheSessionOnTheServerSoACopiedCookieStopsWorking() throws Exception {
        String cookie = session(server.token("session-out", "operator"));
        var out = withCookie(cookie, "DELETE", "/api/session", null, "Origin", own);
        assertThat(out.statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(out.body()).get("ended").asBoolean()).isTrue();
        assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("updraft_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        var after = withCookie(cookie, "GET", "/api/v1/products", null);
        assertThat(after.statusCode()).isEqualTo(401);
        assertThat(Json.MAPPER.readTree(after.body()).get("error").asText())
                .isEqualTo("the session is not valid (signed out, expired or unknown); sign in again");
    }

    @Test
    void revokingTheTokenEndsItsSessions() throws Exception {
        String token = server.token("session-revoked", "operator");
        String cookie = session(token);
        assertThat(withCookie(cookie, "GET", "/api/v1/products", null).statusCode()).isEqualTo(200);
        long id = Json.MAPPER.readTree(withCookie(cookie, "GET", "/api/session", null).body()).get("tokenId").asLong();
        assertThat(server.send("DELETE", "/api/v1/tokens/" + id, null).statusCode()).isEqualTo(200);
        var after = withCookie(cookie, "GET", "/api/v1/products", null);
        assertThat(after.statusCode()).isEqualTo(401);
        assertThat(Json.MAPPER.readTree(after.body()).get("error").asText()).isEqualTo("the session ended: its token was revoked; sign in again");
    }

    @Test
    void actionsByCookieAreAuditedUnderTheTokensName() throws Exception {
        String cookie = session(server.token("session-audited", "admin"));
        assertThat(withCookie(cookie, "POST", "/api/v1/products", "{\"name\":\"audited\",\"layout\":\"arduino-4m\"}", "Origin", own)
                .statusCode()).isEqualTo(201);
        assertThat(withCookie(cookie, "DELETE", "/api/session", null, "Origin", own).statusCode()).isEqualTo(200);
        JsonNode latest = Json.MAPPER.readTree(server.get("/api/v1/audit?limit=3").body()).get("items");
        assertThat(latest.get(0).get("action").asText()).isEqualTo("DELETE /api/session");
        assertThat(latest.get(0).get("actor").asText()).isEqualTo("session-audited");
        assertThat(latest.get(1).get("action").asText()).isEqualTo("POST /api/v1/products");
        assertThat(latest.get(1).get("actor").asText()).isEqualTo("session-audited");
        assertThat(latest.get(2).get("action").asText()).isEqualTo("POST /api/session");
        assertThat(latest.get(2).get("actor").asText()).isEqualTo("session-audited");
        assertThat(latest.get(2).get("status").asInt()).isEqualTo(201);
    }

    @Test
    void overHttpsTheCookieIsSecureAndTheOriginMustBeHttps(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path crt = dir.resolve("a.crt");
        java.nio.file.Path key = dir.resolve("a.key");
        for (java.nio.file.Path p : List.of(crt, key)) {
            try (var in = SessionTest.class.getResourceAsStream("/org/updraft/server/tls/" + p.getFileName())) {
                java.nio.file.Files.copy(in, p);
            }
        }
        try (TestServer tls = new TestServer(org.updraft.server.TestDatabase.EMBEDDED,
                c -> c.withTls(org.updraft.server.config.TlsConfig.pem(0, crt, key)))) {
            int port = tls.server().httpsPort();
            var http = java.net.http.HttpClient.newBuilder().sslContext(TlsListenerTest.trusting()).build();
            var signIn = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://127.0.0.1:" + port + "/api/session"))
                    .header("Content-Type", "application/json").header("Origin", "https://127.0.0.1:" + port)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"token\":\"" + tls.adminToken() + "\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(signIn.statusCode()).as(signIn.body()).isEqualTo(201);
            String set = signIn.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(set).matches("updraft_session=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict; Secure");
            String cookie = set.substring(0, set.indexOf(';'));
            for (String origin : List.of("http://127.0.0.1:" + port, "https://127.0.0.1:" + port)) {
                var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://127.0.0.1:" + port + "/api/v1/products"))
                        .header("Content-Type", "application/json").header("Origin", origin).header("Cookie", cookie)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"tls\",\"layout\":\"arduino-4m\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(origin).isEqualTo(origin.startsWith("https") ? 201 : 403);
            }
        }
    }
}
