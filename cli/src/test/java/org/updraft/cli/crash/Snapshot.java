package org.updraft.cli.crash;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.updraft.cli.crash.Ledger.AuditKey;
import org.updraft.cli.crash.Ledger.Kind;
import org.updraft.cli.crash.Ledger.Problem;
import org.updraft.server.artifact.Digests;

/**
 * The state of a restarted server as its management API shows it, in the ledger's register terms,
 * plus the checks that span registers: every release row has its artifact file with the right
 * bytes, and the audit chain verifies against the anchor taken at the previous check.
 */
record Snapshot(Map<String, String> registers, Map<String, Long> checkIns, List<AuditKey> audit, List<Problem> problems,
                String anchor) {

    static Snapshot read(Api api, Path dataDir, World world, String anchor) throws IOException {
        Map<String, String> registers = new HashMap<>();
        Map<String, Long> checkIns = new HashMap<>();
        List<Problem> problems = new ArrayList<>();
        for (JsonNode p : items(api, api.get("/api/v1/products?limit=1000"), "products")) {
            registers.put("product:" + p.path("name").asText(), p.path("signing").asText() + " " + p.path("enrollment").asText());
        }
        List<String> withReleases = new ArrayList<>(World.UPLOAD_PRODUCTS);
        withReleases.add(World.FLEET);
        for (String product : withReleases) {
            Api.Answer a = api.get("/api/v1/products/" + product + "/releases?limit=1000");
            if (a.status() == 404) {
                continue; // the product itself is missing: its register says so
            }
            for (JsonNode r : items(api, a, "releases of " + product)) {
                String key = "release:" + product + "/" + r.path("version").asText();
                for (JsonNode art : r.path("artifacts")) {
                    String sha = art.path("sha256").asText();
                    if (art.path("role").asText().equals("firmware")) {
                        registers.put(key, sha);
                    }
                    Path file = dataDir.resolve("artifacts").resolve(sha.substring(0, 2)).resolve(sha + ".bin");
                    if (!Files.exists(file)) {
                        problems.add(new Problem(Kind.RELEASE, key + ": the release row is there but its artifact file " + file
                                + " is not"));
                    } else if (!Digests.sha256Hex(Files.readAllBytes(file)).equals(sha)) {
                        problems.add(new Problem(Kind.RELEASE, key + ": artifact file " + file + " does not hash to its name"));
                    }
                }
            }
        }
        for (JsonNode t : items(api, api.get("/api/v1/tokens?limit=1000"), "tokens")) {
            registers.put("token:" + t.path("name").asText(),
                    (t.path("revokedAt").isNull() || t.path("revokedAt").isMissingNode() ? "active " : "revoked ") + t.path("role").asText());
        }
        for (JsonNode r : items(api, api.get("/api/v1/rollouts?limit=1000"), "rollouts")) {
            registers.put("rollout:" + r.path("id").asLong(), r.path("state").asText());
        }
        for (World.Device d : world.devices) {
            Api.Answer a = api.get("/api/v1/devices/" + d.mac);
            if (a.status() == 404) {
                checkIns.put(d.mac, 0L);
                registers.put("tags:" + d.mac, "");
                registers.put("pin:" + d.mac, "");
                continue;
            }
            JsonNode dev = ok(a, "device " + d.mac);
            checkIns.put(d.mac, dev.path("checkIns").asLong());
            TreeSet<String> tags = new TreeSet<>();
            dev.path("tags").forEach(t -> tags.add(t.asText()));
            registers.put("tags:" + d.mac, String.join(",", tags));
            registers.put("pin:" + d.mac, dev.path("pinnedVersion").isTextual() ? dev.path("pinnedVersion").asText() : "");
            for (JsonNode u : dev.path("updates")) {
                registers.put("report:" + d.mac + "/" + u.path("release").asText(), u.path("state").asText());
            }
        }
        List<AuditKey> audit = new ArrayList<>();
        for (JsonNode e : items(api, api.get("/api/v1/audit?limit=1000"), "audit")) {
            audit.add(new AuditKey(e.path("action").asText(), e.path("target").asText(), e.path("status").asInt()));
        }
        JsonNode v = ok(api.get("/api/v1/audit/verify" + (anchor == null ? "" : "?anchor=" + anchor)), "audit verify");
        String next = null;
        if (v.path("ok").asBoolean()) {
            next = v.path("headSeq").isNull() ? null : v.path("headSeq").asLong() + ":" + v.path("headHash").asText();
        } else {
            problems.add(new Problem(Kind.AUDIT, "audit verify" + (anchor == null ? "" : " against anchor " + anchor)
                    + " fails: " + v.path("problem").asText()));
        }
        return new Snapshot(registers, checkIns, audit, problems, next);
    }

    /** Every item of a paged list (docs/api.md, "Paging"), from its first page on, following next. */
    private static List<JsonNode> items(Api api, Api.Answer first, String what) throws IOException {
        List<JsonNode> all = new ArrayList<>();
        JsonNode page = ok(first, what);
        while (true) {
            page.path("items").forEach(all::add);
            if (!page.path("next").isTextual()) {
                return all;
            }
            page = ok(api.get(page.path("next").asText()), what);
        }
    }

    private static JsonNode ok(Api.Answer a, String what) {
        if (!a.ok()) {
            throw new IllegalStateException("reading " + what + " after the restart: " + a.status() + " " + a.text());
        }
        return a.json();
    }
}
