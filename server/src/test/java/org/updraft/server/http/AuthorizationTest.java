package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;
import org.updraft.server.auth.Access;
import org.updraft.server.auth.Role;

/**
 * Every route × every role. The table below is the contract: a route added to the server without
 * a line here fails {@link #everyRouteStatesTheAccessInThisTable}, so nobody adds a management
 * route without deciding who may call it.
 */
class AuthorizationTest {

    /** "METHOD template" → the role it needs, or "devices"/"public" for open routes. */
    static final Map<String, String> EXPECTED = new LinkedHashMap<>();

    static {
        // Devices (stock ESP clients cannot send a bearer token) and service endpoints.
        open("devices", "GET /u/{product}", "GET /u/{product}/user1.bin", "GET /u/{product}/user2.bin", "GET /u/{product}/version",
                "POST /u/{product}/report");
        open("public", "GET /health", "GET /ready", "GET /metrics", "GET /api/openapi.yaml");
        // The dashboard's sign-in takes the token in its body; who is signed in and sign-out need a session or token.
        open("sign-in", "POST /api/session");
        needs(Role.VIEWER, "GET /api/session", "DELETE /api/session", "GET /api/v1/layouts");
        // The dashboard's overview and live event stream read what a viewer may read.
        needs(Role.VIEWER, "GET /api/v1/overview", "GET /api/v1/events");
        needs(Role.VIEWER, "GET /api/v1/products", "GET /api/v1/products/{product}", "GET /api/v1/products/{product}/releases",
                "GET /api/v1/products/{product}/releases/{version}", "GET /api/v1/devices", "GET /api/v1/devices/{mac}",
                "GET /api/v1/rollouts", "GET /api/v1/rollouts/{id}", "GET /api/v1/rollouts/{id}/preview", "GET /api/v1/audit",
                "GET /api/v1/audit/verify",
                "GET /api/v1/products/{product}/keys", "GET /api/v1/products/{product}/allowlist", "GET /api/v1/devices/{mac}/token");
        needs(Role.OPERATOR, "POST /api/v1/products/{product}/releases", "PUT /api/v1/devices/{mac}/pin",
                "DELETE /api/v1/devices/{mac}/pin", "PUT /api/v1/devices/{mac}/tags", "PUT /api/v1/devices/{mac}/product", "POST /api/v1/products/{product}/rollouts",
                "POST /api/v1/rollouts/{id}/start", "POST /api/v1/rollouts/{id}/pause", "POST /api/v1/rollouts/{id}/resume",
                "POST /api/v1/rollouts/{id}/abort",
                // Device provisioning: allowlist membership and per-device tokens (the enrollment policy itself is admin).
                "PUT /api/v1/products/{product}/allowlist", "POST /api/v1/devices/{mac}/token", "DELETE /api/v1/devices/{mac}/token",
                // Lifecycle of what operators upload and register (archiving a whole product is admin, like creating one).
                "POST /api/v1/products/{product}/releases/{version}/archive", "POST /api/v1/products/{product}/releases/{version}/unhold",
                "DELETE /api/v1/devices/{mac}", "DELETE /api/v1/rollouts/{id}",
                "POST /api/v1/products/{product}/rollback");
        // Stepping stones: like a pin, which release a device gets on its way (operator).
        needs(Role.VIEWER, "GET /api/v1/products/{product}/stepping-stone");
        needs(Role.OPERATOR, "PUT /api/v1/products/{product}/stepping-stone", "DELETE /api/v1/products/{product}/stepping-stone");
        // Trust roots: the signing and enrollment policy and the trusted keys — whoever uploads (operator)
        // must not also decide which signatures count.
        needs(Role.ADMIN, "POST /api/v1/products", "POST /api/v1/tokens", "GET /api/v1/tokens", "DELETE /api/v1/tokens/{id}",
                "PUT /api/v1/products/{product}/policy", "POST /api/v1/products/{product}/keys", "PUT /api/v1/products/{product}/keys",
                "DELETE /api/v1/products/{product}/keys/{key}", "POST /api/v1/products/{product}/archive");
        // Garbage collection removes stored bytes for good: admin, like archiving a product.
        needs(Role.ADMIN, "POST /api/v1/artifacts/gc");
    }

    private static void open(String who, String... routes) {
        for (String r : routes) {
            EXPECTED.put(r, who);
        }
    }

    private static void needs(Role role, String... routes) {
        for (String r : routes) {
            EXPECTED.put(r, role.id());
        }
    }

    static TestServer server;
    static final Map<Role, String> TOKENS = new LinkedHashMap<>();
    static String revoked;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer();
        for (Role r : Role.values()) {
            TOKENS.put(r, server.token("t-" + r.id(), r.id()));
        }
        revoked = server.token("gone", "admin");
        assertThat(server.send("DELETE", "/api/v1/tokens/" + tokenId("gone"), null).statusCode()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static List<Route> routes() {
        return server.server().api().router().routes();
    }

    static String access(Route r) {
        return switch (r.access()) {
            case Role role -> role.id();
            case Access.Open open -> open.who();
        };
    }

    @Test
    void everyRouteStatesTheAccessInThisTable() {
        Map<String, String> actual = new LinkedHashMap<>();
        for (Route r : routes()) {
            actual.put(r.method() + " " + r.template(), access(r));
        }
        assertThat(actual).as("route table vs. AuthorizationTest.EXPECTED (add new routes there with their role)")
                .containsExactlyInAnyOrderEntriesOf(EXPECTED);
        // No management route is open, and every open route is a device or service endpoint.
        for (Route r : routes()) {
            if (r.template().startsWith("/api/v1/")) {
                assertThat(r.access()).as(r.method() + " " + r.template()).isInstanceOf(Role.class);
            }
        }
    }

    /** One case per protected route, with a concrete path that names nothing that exists (so the right role changes nothing). */
    static Stream<Arguments> protectedRoutes() {
        List<Arguments> cases = new ArrayList<>();
        for (Route r : routes()) {
            if (r.access() instanceof Role needed) {
                String path = r.template().replace("{product}", "nosuch").replace("{version}", "9.9.9")
                        .replace("{mac}", "AA:BB:CC:DD:EE:FF").replace("{id}", "999999").replace("{key}", "nosuchkey");
                cases.add(Arguments.of(r.method() + " " + r.template(), r.method(), path, needed));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("protectedRoutes")
    void needsATokenOfItsRole(String name, String method, String path, Role needed) throws Exception {
        var none = server.sendAs(null, method, path, null);
        assertThat(none.statusCode()).as("no token").isEqualTo(401);
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"updraft\"");
        assertThat(Json.MAPPER.readTree(none.body()).get("error").asText()).startsWith("missing bearer token");

        for (String bad : new String[] {"upd_nottherightsecretnottherightsecretnottheright", revoked}) {
            var invalid = server.sendAs(bad, method, path, null);
            assertThat(invalid.statusCode()).as("invalid or revoked token").isEqualTo(401);
            assertThat(invalid.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"updraft\", error=\"invalid_token\"");
            assertThat(invalid.body()).contains("the bearer token is not valid (unknown or revoked)");
        }

        for (Role role : Role.values()) {
            // The event stream stays open: a role that may read it asks with HEAD (the same access check, no stream).
            var r = server.sendAs(TOKENS.get(role), role.covers(needed) && path.equals("/api/v1/events") ? "HEAD" : method, path, null);
            if (role.covers(needed)) {
                assertThat(r.statusCode()).as(role + " may " + name + ": " + r.body()).isNotIn(401, 403);
            } else {
                assertThat(r.statusCode()).as(role + " may not " + name).isEqualTo(403);
                assertThat(Json.MAPPER.readTree(r.body()).get("error").asText()).isEqualTo(method + " " + name.substring(name.indexOf(' ') + 1)
                        + " needs the " + needed.id() + " role; token 't-" + role.id() + "' (#" + tokenId("t-" + role.id()) + ") has the "
                        + role.id() + " role");
            }
        }
    }

    @Test
    void headOfAProtectedGetNeedsATokenToo() throws Exception {
        var raw = RawHttp.exchange(server.port(), "HEAD /api/v1/products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(raw.status()).isEqualTo(401);
        var ok = RawHttp.exchange(server.port(), "HEAD /api/v1/products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Authorization: Bearer " + TOKENS.get(Role.VIEWER) + "\r\n\r\n");
        assertThat(ok.status()).isEqualTo(200);
    }

    @Test
    void theSchemeMustBeBearerAndIsCaseInsensitive() throws Exception {
        var basic = RawHttp.exchange(server.port(), "GET /api/v1/products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Authorization: Basic YWRtaW46YWRtaW4=\r\n\r\n");
        assertThat(basic.status()).isEqualTo(401);
        assertThat(new String(basic.body())).contains("the Authorization header must be 'Bearer <token>'");
        var lower = RawHttp.exchange(server.port(), "GET /api/v1/products HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                + "Authorization: bearer " + TOKENS.get(Role.VIEWER) + "\r\n\r\n");
        assertThat(lower.status()).isEqualTo(200);
    }

    @Test
    void aRefusedRequestsBodyIsNotReadAndItsConnectionIsClosed() throws Exception {
        // Announces 16 MB, sends 10 bytes: the 401 comes at once, with Connection: close, and the server hangs up.
        long t0 = System.nanoTime();
        var r = RawHttp.exchange(server.port(), "POST /api/v1/products/relay/releases HTTP/1.1\r\nHost: x\r\n"
                + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 16777216\r\n\r\n--b\r\nxxxx");
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("Connection")).isEqualTo("close");
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - t0)).isLessThan(java.time.Duration.ofSeconds(5));
    }

    @Test
    void refusedRequestsWithABodyDoNotBreakTheClientsNextRequest() {
        for (int i = 0; i < 50; i++) {
            assertThat(server.sendAs(null, "POST", "/api/v1/products", "{\"name\":\"x\",\"layout\":\"arduino-4m\"}").statusCode())
                    .isEqualTo(401);
            assertThat(server.sendAs(TOKENS.get(Role.VIEWER), "PUT", "/api/v1/devices/AA:BB:CC:DD:EE:FF/pin", "{\"version\":\"1\"}")
                    .statusCode()).isEqualTo(403);
            assertThat(server.get("/api/v1/products").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void openRoutesNeedNoToken() {
        assertThat(server.sendAs(null, "GET", "/health", null).statusCode()).isEqualTo(200);
        assertThat(server.sendAs(null, "GET", "/metrics", null).statusCode()).isEqualTo(200);
        assertThat(server.sendAs(null, "GET", "/api/openapi.yaml", null).statusCode()).isEqualTo(200);
        // A device endpoint answers as it does for devices (404 unknown product), never 401.
        assertThat(server.sendAs(null, "GET", "/u/nosuch?mac=AA:BB:CC:DD:EE:FF", null).statusCode()).isEqualTo(404);
    }

    private static long tokenId(String name) throws Exception {
        for (var t : Json.MAPPER.readTree(server.get("/api/v1/tokens").body()).get("items")) {
            if (t.get("name").asText().equals(name)) {
                return t.get("id").asLong();
            }
        }
        throw new AssertionError("no token " + name);
    }
}
