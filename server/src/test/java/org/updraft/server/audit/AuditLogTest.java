package org.updraft.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.testsupport.Multipart;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.server.artifact.Digests;

/**
 * What the audit log records, and that verification catches every edited or deleted row — on SQLite
 * and on PostgreSQL, tampering directly in the database as an attacker with database access would.
 */
class AuditLogTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Six audited actions: seed (server), product, upload, pin refused, 401, 403. Returns the viewer's secret. */
    private static String someHistory(TestServer s) {
        s.product("relay", "arduino-4m");
        s.uploadOk("relay", "1.0.0", Multipart.file("firmware", ImageBuilder.arduino().version("1.0.0").payload(1, 4000).build()));
        s.send("PUT", "/api/v1/devices/AA:BB:CC:DD:EE:01/pin", "{\"version\":\"1.0.0\"}");
        s.sendAs(null, "POST", "/api/v1/products", "{\"name\":\"x\",\"layout\":\"arduino-4m\"}");
        String viewer = s.token("dashboard", "viewer");
        s.sendAs(viewer, "DELETE", "/api/v1/devices/AA:BB:CC:DD:EE:01/pin", null);
        return viewer;
    }

    private static JsonNode entries(TestServer s) throws Exception {
        var r = s.get("/api/v1/audit?limit=1000");
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body()).get("items");
    }

    private static JsonNode verify(TestServer s, String query) throws Exception {
        var r = s.get("/api/v1/audit/verify" + query);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static void sql(TestServer s, String statement) {
        int n = s.server().database().jdbi().withHandle(h -> h.createUpdate(statement).execute());
        assertThat(n).as(statement).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void recordsWhoWhatWhenFromWhereAndTheResultOfEveryChangeAndEveryRefusal(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            String viewer = someHistory(s);
            s.get("/api/v1/products");                       // reads are not recorded
            s.sendAs(viewer, "GET", "/api/v1/devices", null);
            JsonNode all = entries(s);
            List<String> lines = new ArrayList<>();
            for (JsonNode e : all) {
                lines.add(e.get("seq").asInt() + " " + e.get("actor").asText() + " " + e.get("role").asText() + " "
                        + e.get("action").asText() + " [" + e.get("target").asText() + "] " + e.get("status").asInt());
            }
            assertThat(lines).containsExactly(
                    "7 dashboard viewer DELETE /api/v1/devices/{mac}/pin [mac=AA:BB:CC:DD:EE:01] 403",
                    "6 seeded admin POST /api/v1/tokens [name=dashboard role=viewer id=2] 201",
                    "5 anonymous null POST /api/v1/products [] 401",
                    "4 seeded admin PUT /api/v1/devices/{mac}/pin [mac=AA:BB:CC:DD:EE:01 version=1.0.0] 404",
                    "3 seeded admin POST /api/v1/products/{product}/releases [product=relay version=1.0.0] 201",
                    "2 seeded admin POST /api/v1/products [name=relay] 201",
                    "1 server null seed admin token [name=seeded] 201");
            JsonNode newest = all.get(0);
            assertThat(newest.get("remote").asText()).isEqualTo("127.0.0.1");
            assertThat(newest.get("tokenId").asLong()).isEqualTo(2);
            assertThat(newest.get("at").asText()).startsWith("20");
            assertThat(all.get(all.size() - 1).get("prevHash").asText()).isEqualTo("0".repeat(64));

            // limit and before page through it, newest first.
            JsonNode two = JSON.readTree(s.get("/api/v1/audit?limit=2&before=5").body()).get("items");
            assertThat(two).hasSize(2);
            assertThat(two.get(0).get("seq").asInt()).isEqualTo(4);
            assertThat(s.get("/api/v1/audit?limit=0").statusCode()).isEqualTo(400);
            assertThat(s.get("/api/v1/audit?limit=1001").body()).contains("limit 1001 is over the maximum of 1000 items per page");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void eachHashIsTheSha256OfTheDocumentedCanonicalRowAndLinksToThePrevious(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            someHistory(s);
            String prev = "0".repeat(64);
            JsonNode all = entries(s);
            for (int i = all.size() - 1; i >= 0; i--) {
                JsonNode e = all.get(i);
                // [seq, at, actor, tokenId, role, action, target, remote, status, prevHash] — as docs/security.md, "Audit log" documents it.
                var canonical = JSON.createArrayNode().add(e.get("seq").asLong()).add(e.get("at").asText()).add(e.get("actor"))
                        .add(e.get("tokenId")).add(e.get("role")).add(e.get("action")).add(e.get("target")).add(e.get("remote"))
                        .add(e.get("status").asInt()).add(e.get("prevHash"));
                assertThat(e.get("prevHash").asText()).isEqualTo(prev);
                assertThat(e.get("hash").asText()).as(canonical.toString())
                        .isEqualTo(Digests.sha256Hex(JSON.writeValueAsString(canonical).getBytes(StandardCharsets.UTF_8)));
                prev = e.get("hash").asText();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void anUntouchedLogVerifiesAndSurvivesARestart(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            assertThat(verify(s, "").get("ok").asBoolean()).isTrue();
            someHistory(s);
            JsonNode ok = verify(s, "");
            assertThat(ok.get("ok").asBoolean()).isTrue();
            assertThat(ok.get("entries").asInt()).isEqualTo(7);
            assertThat(ok.get("headSeq").asInt()).isEqualTo(7);
            assertThat(ok.get("headHash").asText()).isEqualTo(entries(s).get(0).get("hash").asText());
            s.restart();
            s.product("lamp", "arduino-4m");
            JsonNode after = verify(s, "?anchor=7:" + ok.get("headHash").asText());
            assertThat(after.get("ok").asBoolean()).as(after.toString()).isTrue();
            assertThat(after.get("entries").asInt()).isEqualTo(8);
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void anEditedRowIsNamed(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            someHistory(s);
            sql(s, "UPDATE audit_log SET status = 200 WHERE seq = 5");   // hide the refused attempt
            JsonNode bad = verify(s, "");
            assertThat(bad.get("ok").asBoolean()).isFalse();
            assertThat(bad.get("firstBadSeq").asInt()).isEqualTo(5);
            assertThat(bad.get("problem").asText()).isEqualTo("seq 5 was edited: its hash does not match its content");
            assertThat(bad.get("entries").asInt()).as("rows checked good before it").isEqualTo(4);
            assertThat(bad.has("headHash") && !bad.get("headHash").isNull()).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void anEditedRowWithARecomputedHashBreaksTheLinkToTheNextOne(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            someHistory(s);
            JsonNode row = entries(s).get(7 - 3);   // seq 3
            String forged = AuditEntry.chain(3, row.get("prevHash").asText(), new AuditEvent(java.time.Instant.parse(row.get("at").asText()),
                    "someone-else", null, "admin", row.get("action").asText(), row.get("target").asText(), "10.0.0.9", 201)).hash();
            sql(s, "UPDATE audit_log SET actor = 'someone-else', token_id = NULL, remote = '10.0.0.9', hash = '" + forged + "' WHERE seq = 3");
            JsonNode bad = verify(s, "");
            assertThat(bad.get("ok").asBoolean()).isFalse();
            assertThat(bad.get("firstBadSeq").asInt()).isEqualTo(4);
            assertThat(bad.get("problem").asText()).isEqualTo("seq 4 does not link to seq 3: its prev_hash is not the hash of seq 3 "
                    + "(seq 3 was rewritten with a recomputed hash, or seq 4 was edited)");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aDeletedRowIsNamed(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            someHistory(s);
            sql(s, "DELETE FROM audit_log WHERE seq = 4");
            JsonNode bad = verify(s, "");
            assertThat(bad.get("ok").asBoolean()).isFalse();
            assertThat(bad.get("firstBadSeq").asInt()).isEqualTo(4);
            assertThat(bad.get("problem").asText()).isEqualTo("seq 4 is missing: the log goes from seq 3 to seq 5 (rows were deleted)");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void deletingTheFirstRowIsNamed(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            someHistory(s);
            sql(s, "DELETE FROM audit_log WHERE seq = 1");
            JsonNode bad = verify(s, "");
            assertThat(bad.get("firstBadSeq").asInt()).isEqualTo(1);
            assertThat(bad.get("problem").asText()).isEqualTo("seq 1 is missing: the log goes from seq 0 to seq 2 (rows were deleted)");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void deletingTheNewestRowsIsCaughtByTheRunningServerAndAfterARestartByAnAnchor(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            someHistory(s);
            JsonNode ok = verify(s, "");
            String anchor = "?anchor=7:" + ok.get("headHash").asText();
            sql(s, "DELETE FROM audit_log WHERE seq = 7");
            JsonNode bad = verify(s, "");
            assertThat(bad.get("ok").asBoolean()).isFalse();
            assertThat(bad.get("firstBadSeq").asInt()).isEqualTo(7);
            assertThat(bad.get("problem").asText()).isEqualTo(
                    "seq 7 missing: this server appended up to seq 7 but the log ends at seq 6 (rows were deleted from the end)");

            s.restart();   // a fresh process only knows what the database says
            assertThat(verify(s, "").get("ok").asBoolean()).as("the chain alone cannot see a cut end").isTrue();
            JsonNode anchored = verify(s, anchor);
            assertThat(anchored.get("ok").asBoolean()).isFalse();
            assertThat(anchored.get("firstBadSeq").asInt()).isEqualTo(7);
            assertThat(anchored.get("problem").asText()).isEqualTo(
                    "the anchor names seq 7 but the log ends at seq 6 (rows were deleted from the end)");

            // The next action after a cut end is appended after the new end — and the anchor still
            // sees that seq 7 is not the row it recorded.
            s.product("lamp", "arduino-4m");
            JsonNode rewritten = verify(s, anchor);
            assertThat(rewritten.get("ok").asBoolean()).isFalse();
            assertThat(rewritten.get("problem").asText()).startsWith("seq 7 differs from the anchor 7:");
            assertThat(s.get("/api/v1/audit/verify?anchor=7").body()).contains("anchor must be SEQ:HASH");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void deletingTheNewestRowIsAlsoSeenWhenTheServerAppendsAgain(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            someHistory(s);
            sql(s, "DELETE FROM audit_log WHERE seq = 7");
            s.product("lamp", "arduino-4m");   // appended as seq 8, linked to the seq 7 this server wrote
            JsonNode bad = verify(s, "");
            assertThat(bad.get("firstBadSeq").asInt()).isEqualTo(7);
            assertThat(bad.get("problem").asText()).isEqualTo("seq 7 is missing: the log goes from seq 6 to seq 8 (rows were deleted)");
        }
    }
}
