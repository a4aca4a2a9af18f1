package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;

/**
 * "Acknowledged means durable" for the audit log: a management action is answered 2xx only once its
 * audit entry is committed. The audit log is made to fail for real — a trigger in the database
 * refuses every insert into {@code audit_log}, on SQLite and on PostgreSQL — and the requests go
 * over HTTP through the real server.
 */
class DispatcherTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REFUSAL = "audit_log refuses writes in this test";

    /** From now on every insert into audit_log fails with {@link #REFUSAL}; {@link #auditWorks} undoes it. */
    private static void auditFails(TestServer s, TestDatabase db) {
        s.server().database().jdbi().useHandle(h -> {
            if (db == TestDatabase.POSTGRES) {
                h.execute("CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '"
                        + REFUSAL + "'; END $$");
                h.execute("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()");
            } else {
                h.execute("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, '" + REFUSAL + "'); END");
            }
        });
    }

    private static void auditWorks(TestServer s, TestDatabase db) {
        s.server().database().jdbi().useHandle(h -> {
            h.execute(db == TestDatabase.POSTGRES ? "DROP TRIGGER refuse_audit ON audit_log" : "DROP TRIGGER refuse_audit");
            if (db == TestDatabase.POSTGRES) {
                h.execute("DROP FUNCTION refuse_audit()");
            }
        });
    }

    private static JsonNode json(String body) throws Exception {
        return JSON.readTree(body);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void anActionWhoseAuditEntryCannotBeStoredIsNotAcknowledgedAndTheAnswerSaysItWasApplied(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            s.product("relay", "arduino-4m");
            int before = json(s.get("/api/v1/audit?limit=1000").body()).get("items").size();
            auditFails(s, db);

            HttpResponse<String> r = s.send("POST", "/api/v1/products", "{\"name\":\"lamp\",\"layout\":\"arduino-4m\"}");

            assertThat(r.statusCode()).as(r.body()).isEqualTo(500);
            assertThat(r.headers().firstValue("Location")).isEmpty();
            JsonNode error = json(r.body());
            assertThat(error.get("status").asInt()).isEqualTo(500);
            String message = error.get("error").asText();
            assertThat(message).startsWith("POST /api/v1/products [name=lamp]: the change WAS applied (it would have been answered 201), "
                    + "but it could not be recorded in the audit log: ");
            assertThat(message).contains(REFUSAL).endsWith(". Check the change before repeating it; the server log has the details.");
            assertThat(message).doesNotContain("Exception").doesNotContain("org.").doesNotContain("java.");

            // The change was applied, as the message says; the log holds no entry for it.
            assertThat(s.get("/api/v1/products/lamp").statusCode()).isEqualTo(200);
            auditWorks(s, db);
            JsonNode entries = json(s.get("/api/v1/audit?limit=1000").body()).get("items");
            assertThat(entries.size()).isEqualTo(before);
            assertThat(entries.get(0).get("target").asText()).isEqualTo("name=relay");

            // The chain the server remembers is still the stored one: the next action links to it.
            s.expect(201, s.send("POST", "/api/v1/products", "{\"name\":\"fan\",\"layout\":\"arduino-4m\"}"));
            JsonNode verified = json(s.get("/api/v1/audit/verify").body());
            assertThat(verified.get("ok").asBoolean()).as(verified.toString()).isTrue();
            assertThat(verified.get("entries").asInt()).isEqualTo(before + 1);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aRefusalKeepsItsStatusWhenItsAuditEntryCannotBeStored(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            String viewer = s.token("dashboard", "viewer");
            auditFails(s, db);
            // Nothing was applied, so there is nothing to take back: the refusal goes out as it is.
            assertThat(s.sendAs(null, "POST", "/api/v1/products", "{\"name\":\"x\",\"layout\":\"arduino-4m\"}").statusCode())
                    .isEqualTo(401);
            HttpResponse<String> forbidden = s.sendAs(viewer, "POST", "/api/v1/products", "{\"name\":\"x\",\"layout\":\"arduino-4m\"}");
            assertThat(forbidden.statusCode()).isEqualTo(403);
            assertThat(json(forbidden.body()).get("error").asText()).doesNotContain("audit");
            HttpResponse<String> missing = s.send("PUT", "/api/v1/devices/AA:BB:CC:DD:EE:01/pin", "{\"version\":\"1.0.0\"}");
            assertThat(missing.statusCode()).isEqualTo(404);
            auditWorks(s, db);
        }
    }
}
