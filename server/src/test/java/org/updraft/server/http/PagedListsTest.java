package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.testsupport.Multipart;

/**
 * The paging contract (docs/api.md, "Paging") on the lists besides devices — products,
 * releases, rollouts, tokens, audit — on both databases: walking every page returns each item
 * exactly once in the list's order with a constant total; items created between pages do not
 * shift or repeat the others; a cursor of another list, or one that names no item key, is a 400.
 */
class PagedListsTest {

    /** Follows next from {@code path} with pages of {@code limit}; the key of each item, in order. */
    private static List<String> walk(TestServer s, String path, int limit, Function<JsonNode, String> key, Runnable betweenPages)
            throws Exception {
        List<String> keys = new ArrayList<>();
        String next = path + (path.contains("?") ? "&" : "?") + "limit=" + limit;
        Long total = null;
        while (next != null) {
            JsonNode page = Json.MAPPER.readTree(s.expect(200, s.get(next)));
            if (total == null) {
                total = page.get("total").asLong();
            }
            assertThat(page.get("items").size()).as(next).isLessThanOrEqualTo(limit);
            page.get("items").forEach(i -> keys.add(key.apply(i)));
            next = page.get("next").isNull() ? null : page.get("next").asText();
            if (next != null) {
                assertThat(page.get("items").size()).as("a page before the last is full").isEqualTo(limit);
            }
            betweenPages.run();
            assertThat(keys.size()).isLessThan(10_000);
        }
        return keys;
    }

    private static List<String> walk(TestServer s, String path, int limit, Function<JsonNode, String> key) throws Exception {
        List<String> keys = walk(s, path, limit, key, () -> { });
        JsonNode first = Json.MAPPER.readTree(s.get(path).body());
        assertThat(first.get("total").asLong()).as("total of " + path).isEqualTo(keys.size());
        return keys;
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void everyListWalksEachItemOnceInItsOrder(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            List<String> products = new ArrayList<>();
            for (int i = 22; i >= 0; i--) {
                String name = String.format("p%02d", i);
                s.product(name, "arduino-4m");
                products.add(0, name);
            }
            assertThat(walk(s, "/api/v1/products", 5, p -> p.get("name").asText())).containsExactlyElementsOf(products);

            // Version order, not text order: 1.0.10 is newer than 1.0.9.
            List<String> versions = new ArrayList<>();
            for (int i = 1; i <= 11; i++) {
                String v = "1.0." + i;
                s.uploadOk("p00", v, Multipart.file("firmware", ImageBuilder.arduino().version(v).payload(i, 3_000).build()));
                versions.add(0, v);
            }
            assertThat(walk(s, "/api/v1/products/p00/releases", 4, r -> r.get("version").asText())).containsExactlyElementsOf(versions);
            assertThat(walk(s, "/api/v1/products/p01/releases", 4, r -> r.get("version").asText())).isEmpty();

            s.expect(201, s.upload("p00", new Multipart().field("version", "2.0.0").field("hold", "true")
                    .file("firmware", "v2.bin", ImageBuilder.arduino().version("2.0.0").payload(99, 3_000).build())));
            List<String> rollouts = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                rollouts.add(Json.MAPPER.readTree(s.expect(201, s.send("POST", "/api/v1/products/p00/rollouts", "{\"version\":\"2.0.0\"}")))
                        .get("id").asText());
            }
            assertThat(walk(s, "/api/v1/rollouts", 3, r -> r.get("id").asText())).containsExactlyElementsOf(rollouts);
            assertThat(walk(s, "/api/v1/rollouts?product=p00", 2, r -> r.get("id").asText())).containsExactlyElementsOf(rollouts);
            assertThat(walk(s, "/api/v1/rollouts?product=p01", 2, r -> r.get("id").asText())).isEmpty();

            List<String> tokens = new ArrayList<>(walk(s, "/api/v1/tokens", 1000, t -> t.get("id").asText()));
            assertThat(tokens).as("the seeded admin token").hasSize(1);
            for (int i = 0; i < 11; i++) {
                s.token("t" + i, "viewer");
            }
            List<String> allTokens = walk(s, "/api/v1/tokens", 5, t -> t.get("id").asText());
            assertThat(allTokens).hasSize(12).startsWith(tokens.get(0));
            assertThat(allTokens.stream().map(Long::parseLong).toList()).isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();

            List<String> audit = walk(s, "/api/v1/audit", 7, e -> e.get("seq").asText());
            long head = Long.parseLong(audit.get(0));
            List<String> expected = new ArrayList<>();
            for (long seq = head; seq >= 1; seq--) {
                expected.add(String.valueOf(seq));
            }
            assertThat(audit).as("every entry, newest first, no gaps").containsExactlyElementsOf(expected);
            assertThat(head).as("at least the 23 products, 12 uploads, 7 rollouts and 11 tokens").isGreaterThanOrEqualTo(53);
            assertThat(walk(s, "/api/v1/audit?before=10", 4, e -> e.get("seq").asText(), () -> { }))
                    .as("before= still starts below that seq").containsExactly("9", "8", "7", "6", "5", "4", "3", "2", "1");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void itemsCreatedBetweenPagesNeitherShiftNorRepeatTheOthers(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            List<String> before = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                s.product("b" + (char) ('a' + i) + "0", "arduino-4m");
                before.add("b" + (char) ('a' + i) + "0");
            }
            int[] created = {0};
            List<String> walked = walk(s, "/api/v1/products", 3, p -> p.get("name").asText(), () -> {
                // One product before the walk's position and one after it, between every two pages.
                s.product("a" + created[0], "arduino-4m");
                s.product("b" + (char) ('a' + 19 - created[0]) + "5", "arduino-4m");
                created[0]++;
            });
            assertThat(walked).isSortedAccordingTo(String::compareTo).doesNotHaveDuplicates().containsAll(before);
            assertThat(walked).noneMatch(n -> n.startsWith("a"));

            List<String> audit = new ArrayList<>();
            String next = "/api/v1/audit?limit=4";
            while (next != null) {
                JsonNode page = Json.MAPPER.readTree(s.expect(200, s.get(next)));
                page.get("items").forEach(e -> audit.add(e.get("seq").asText()));
                next = page.get("next").isNull() ? null : page.get("next").asText();
                s.token("during-" + audit.size(), "viewer");
            }
            long head = Long.parseLong(audit.get(0));
            assertThat(audit).as("entries written during the walk are newer than its start").hasSize((int) head);
            assertThat(audit.stream().map(Long::parseLong).toList()).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aCursorOfAnotherListOrForNoItemIsA400(TestDatabase db) throws Exception {
        try (TestServer s = new TestServer(db)) {
            s.product("relay", "arduino-4m");
            s.product("lamp", "arduino-4m");
            s.token("t1", "viewer");
            String productCursor = Json.MAPPER.readTree(s.get("/api/v1/products?limit=1").body()).get("next").asText()
                    .replaceAll(".*cursor=", "");
            String tokenCursor = Json.MAPPER.readTree(s.get("/api/v1/tokens?limit=1").body()).get("next").asText()
                    .replaceAll(".*cursor=", "");
            String forged = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("[\"releases\",\"not a version\"]".getBytes());
            String forgedToken = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("[\"tokens\",\"x\"]".getBytes());
            String bad = "cursor is not one this list gave out (for this list and sort): pass the next link of the previous page "
                    + "as it is, or leave cursor out to start at the first page";
            for (String path : List.of("/api/v1/tokens?cursor=" + productCursor, "/api/v1/audit?cursor=" + tokenCursor,
                    "/api/v1/rollouts?cursor=" + productCursor, "/api/v1/products/relay/releases?cursor=" + forged,
                    "/api/v1/tokens?cursor=" + forgedToken)) {
                var r = s.get(path);
                assertThat(r.statusCode()).as(path).isEqualTo(400);
                assertThat(Json.MAPPER.readTree(r.body()).get("error").asText()).as(path).isEqualTo(bad);
            }
            var r = s.get("/api/v1/products?limit=5000");
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(Json.MAPPER.readTree(r.body()).get("error").asText())
                    .isEqualTo("limit 5000 is over the maximum of 1000 items per page; follow each page's next link to read the rest");
            var unknown = s.get("/api/v1/rollouts?prodcut=relay");
            assertThat(Json.MAPPER.readTree(unknown.body()).get("error").asText())
                    .isEqualTo("unknown parameter 'prodcut'; this list accepts cursor, limit, product");
            assertThat(s.get("/api/v1/products?cursor=" + productCursor).statusCode()).isEqualTo(200);
        }
    }
}
