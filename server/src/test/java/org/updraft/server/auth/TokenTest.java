package org.updraft.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.server.artifact.Digests;

/** Bootstrap, creation, listing, revocation and persistence of API tokens, on SQLite and PostgreSQL. */
class TokenTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void firstStartCreatesABootstrapAdminTokenOnceAndKeepsOnlyItsHash(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db, c -> c.withAdminToken(null))) {
            String secret = s.server().bootstrapToken().orElseThrow();
            assertThat(secret).matches("upd_[A-Za-z0-9_-]{43}");
            var tokens = s.sendAs(secret, "GET", "/api/v1/tokens", null);
            assertThat(tokens.statusCode()).isEqualTo(200);
            JsonNode list = JSON.readTree(tokens.body()).get("items");
            assertThat(list).hasSize(1);
            assertThat(list.get(0).get("name").asText()).isEqualTo("bootstrap");
            assertThat(list.get(0).get("role").asText()).isEqualTo("admin");
            assertThat(tokens.body()).doesNotContain(secret).doesNotContain(ApiTokens.hash(secret));

            // The database holds the SHA-256 of the secret and nothing from which the secret follows.
            List<Map<String, Object>> rows = s.server().database().jdbi().withHandle(h -> h.createQuery("SELECT * FROM api_token").mapToMap().list());
            assertThat(rows).hasSize(1);
            assertThat(rows.get(0).get("secret_sha256")).isEqualTo(Digests.sha256Hex(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertThat(rows.get(0).values()).noneMatch(v -> v != null && v.toString().contains(secret.substring(4)));

            s.restart();
            assertThat(s.server().bootstrapToken()).as("shown once: not created again").isEmpty();
            assertThat(s.sendAs(secret, "GET", "/api/v1/tokens", null).statusCode()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aSeededTokenMeansNoBootstrapToken(TestDatabase db) {
        try (TestServer s = new TestServer(db)) {
            assertThat(s.server().bootstrapToken()).isEmpty();
            s.restart();
            assertThat(s.server().bootstrapToken()).isEmpty();
            assertThat(s.get("/api/v1/tokens").statusCode()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void createdTokensShowTheirSecretOnceAndRevokedOnesStopWorkingForGood(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            var created = s.send("POST", "/api/v1/tokens", "{\"name\":\"ci-deploy\",\"role\":\"operator\"}");
            assertThat(created.statusCode()).isEqualTo(201);
            JsonNode c = JSON.readTree(created.body());
            String secret = c.get("token").asText();
            long id = c.get("id").asLong();
            assertThat(secret).startsWith("upd_");
            assertThat(c.get("role").asText()).isEqualTo("operator");
            assertThat(c.get("createdBy").asText()).isEqualTo("seeded (#1)");

            assertThat(s.sendAs(secret, "GET", "/api/v1/products", null).statusCode()).isEqualTo(200);
            String listed = s.get("/api/v1/tokens").body();
            assertThat(listed).contains("\"name\":\"ci-deploy\"").doesNotContain(secret).doesNotContain(ApiTokens.hash(secret))
                    .doesNotContain("\"token\"");

            var revoked = s.send("DELETE", "/api/v1/tokens/" + id, null);
            assertThat(revoked.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(revoked.body()).get("revokedAt").isNull()).isFalse();
            assertThat(s.sendAs(secret, "GET", "/api/v1/products", null).statusCode()).isEqualTo(401);
            assertThat(s.send("DELETE", "/api/v1/tokens/" + id, null).statusCode()).as("idempotent").isEqualTo(200);
            s.restart();
            assertThat(s.sendAs(secret, "GET", "/api/v1/products", null).statusCode()).as("revocation survives a restart").isEqualTo(401);
            assertThat(s.get("/api/v1/tokens").body()).as("kept, marked revoked").contains("\"name\":\"ci-deploy\"");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void theLastAdminTokenCannotBeRevokedSoNobodyIsLockedOut(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            var last = s.send("DELETE", "/api/v1/tokens/1", null);
            assertThat(last.statusCode()).isEqualTo(409);
            assertThat(JSON.readTree(last.body()).get("error").asText()).isEqualTo(
                    "token #1 'seeded' is the last active admin token; create another admin token first, then revoke this one");
            // Rotation: a new admin token first, then the old one goes.
            String next = s.token("admin-2025", "admin");
            assertThat(s.sendAs(next, "DELETE", "/api/v1/tokens/1", null).statusCode()).isEqualTo(200);
            assertThat(s.get("/api/v1/products").statusCode()).as("the seeded token is revoked").isEqualTo(401);
            assertThat(s.sendAs(next, "GET", "/api/v1/products", null).statusCode()).isEqualTo(200);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void badTokenRequestsAreRefusedWithTheReason(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            assertThat(error(s.send("POST", "/api/v1/tokens", "{\"name\":\"x\",\"role\":\"root\"}")))
                    .isEqualTo("400 role must be admin, operator or viewer, got 'root'");
            assertThat(error(s.send("POST", "/api/v1/tokens", "{\"role\":\"viewer\"}"))).startsWith("400 token name is required: ");
            assertThat(error(s.send("POST", "/api/v1/tokens", "{\"name\":\"a b\",\"role\":\"viewer\"}")))
                    .startsWith("400 token name 'a b' is not valid: ");
            assertThat(error(s.send("POST", "/api/v1/tokens", "{\"name\":\"x\",\"role\":\"viewer\",\"secret\":\"mine\"}")))
                    .startsWith("400 unknown field 'secret'");
            assertThat(error(s.send("DELETE", "/api/v1/tokens/77", null))).isEqualTo("404 no token #77");
            assertThat(error(s.send("DELETE", "/api/v1/tokens/abc", null))).isEqualTo("400 token id 'abc' is not a number");
        }
    }

    private static String error(java.net.http.HttpResponse<String> r) throws Exception {
        return r.statusCode() + " " + JSON.readTree(r.body()).get("error").asText();
    }
}
