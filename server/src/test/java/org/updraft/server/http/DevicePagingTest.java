package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.RawHttp;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.testsupport.Multipart;

/**
 * The paged device list (docs/api.md, "Paging" and "The device list") on both databases: a walk
 * from the first page to {@code next: null} returns every device exactly once in the sort's
 * order, under concurrent registrations too; every filter and sort, and combinations of them,
 * agree with the same rule applied to the whole list; what cannot be read is a 400 saying so.
 *
 * <p>The fleet: 90 devices of {@code relay} (release 3.0.0): a third run 3.0.0 (up-to-date), a
 * third run 1.0.0 and downloaded the image (update, then the update state downloaded), a third
 * report no version (unknown-image); 3 relay devices with too little free space
 * (insufficient-space); 24 devices of {@code lamp} (no release); tags on every 5th and 7th device.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DevicePagingTest {

    private static final List<String> SORTS = List.of("mac", "-mac", "product", "-product", "version", "-version", "lastSeen",
            "-lastSeen");
    private final Map<TestDatabase, TestServer> servers = new EnumMap<>(TestDatabase.class);

    @AfterAll
    void stop() {
        servers.values().forEach(TestServer::close);
    }

    private TestServer server(TestDatabase db) throws Exception {
        TestServer s = servers.get(db);
        if (s != null) {
            return s;
        }
        s = new TestServer(db);
        servers.put(db, s);
        s.product("relay", "arduino-4m");
        s.product("lamp", "arduino-4m");
        s.uploadOk("relay", "3.0.0", Multipart.file("firmware", ImageBuilder.arduino().version("3.0.0").payload(51, 6_000).build()));
        for (int i = 0; i < 90; i++) {
            String version = switch (i % 3) {
                case 0 -> "&version=3.0.0";
                case 1 -> "&version=1.0.0";
                default -> "";
            };
            checkIn(s, "relay", mac(2 * i), version);
        }
        for (int i = 90; i < 93; i++) {
            String small = RawHttp.esp8266CheckIn(mac(2 * i), new byte[] {1, 2, 3}).replace("free-space: 2000000", "free-space: 1000");
            assertThat(RawHttp.exchange(s.port(), small).status()).isEqualTo(409);
        }
        for (int i = 93; i < 117; i++) {
            checkIn(s, "lamp", mac(2 * i), "&version=0.9." + (i % 4));
        }
        for (int i = 0; i < 117; i += 5) {
            List<String> tags = i % 7 == 0 ? List.of("canary", "lab-east") : List.of("canary");
            s.expect(200, s.send("PUT", "/api/v1/devices/" + mac(2 * i) + "/tags", "{\"tags\":" + Json.MAPPER.writeValueAsString(tags) + "}"));
        }
        for (int i = 7; i < 117; i += 35) {
            s.expect(200, s.send("PUT", "/api/v1/devices/" + mac(2 * i) + "/tags", "{\"tags\":[\"lab-east\"]}"));
        }
        return s;
    }

    /** Even numbers for the fleet, odd ones for devices that register during a walk. */
    private static String mac(int n) {
        return String.format("AA:00:00:00:%02X:%02X", n / 256, n % 256);
    }

    private static void checkIn(TestServer s, String product, String mac, String version) throws Exception {
        RawHttp.Response r = RawHttp.exchange(s.port(), "GET /u/" + product + "?mac=" + mac + version + " HTTP/1.0\r\nHost: x\r\n\r\n");
        assertThat(r.status()).as(mac).isIn(200, 304);
    }

    /** Follows next from {@code path} to the end; checks every page's size and total on the way. */
    private static List<JsonNode> walk(TestServer s, String path, int limit) throws Exception {
        List<JsonNode> all = new ArrayList<>();
        String next = path + (path.contains("?") ? "&" : "?") + "limit=" + limit;
        Long total = null;
        int pages = 0;
        while (next != null) {
            JsonNode page = Json.MAPPER.readTree(s.expect(200, s.get(next)));
            assertThat(page.get("items").size()).as(next).isLessThanOrEqualTo(limit);
            if (total == null) {
                total = page.get("total").asLong();
            }
            assertThat(page.get("total").asLong()).as("total of " + next).isEqualTo(total);
            page.get("items").forEach(all::add);
            next = page.get("next").isNull() ? null : page.get("next").asText();
            if (next != null) {
                assertThat(page.get("items").size()).as("a page before the last is full").isEqualTo(limit);
            }
            assertThat(++pages).as("pages of " + path).isLessThanOrEqualTo(1000);
        }
        assertThat(all).as("total of " + path).hasSize(total.intValue());
        return all;
    }

    private static List<String> macs(List<JsonNode> devices) {
        return devices.stream().map(d -> d.get("mac").asText()).toList();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void walkingEveryPageReturnsEachDeviceOnceInMacOrder(TestDatabase db) throws Exception {
        TestServer s = server(db);
        JsonNode first = Json.MAPPER.readTree(s.expect(200, s.get("/api/v1/devices?product=relay&limit=40")));
        assertThat(first.get("total").asLong()).isEqualTo(93);
        assertThat(first.get("items")).hasSize(40);
        assertThat(first.get("items").get(0).get("mac").asText()).isEqualTo("AA:00:00:00:00:00");
        assertThat(first.get("next").asText()).startsWith("/api/v1/devices?product=relay&limit=40&cursor=");

        List<String> relay = macs(walk(s, "/api/v1/devices?product=relay", 40));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 93; i++) {
            expected.add(mac(2 * i));
        }
        assertThat(relay).containsExactlyElementsOf(expected);
        assertThat(macs(walk(s, "/api/v1/devices?product=relay", 93))).containsExactlyElementsOf(expected);
        assertThat(macs(walk(s, "/api/v1/devices?product=relay", 1000))).containsExactlyElementsOf(expected);

        JsonNode defaults = Json.MAPPER.readTree(s.expect(200, s.get("/api/v1/devices")));
        assertThat(defaults.get("items")).as("100 by default").hasSize(100);
        assertThat(defaults.get("next").asText()).startsWith("/api/v1/devices?limit=100&cursor=");
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void devicesRegisteringDuringAWalkNeitherHideNorRepeatTheOthers(TestDatabase db) throws Exception {
        TestServer s = server(db);
        s.product("burst-" + db.name().toLowerCase(Locale.ROOT), "arduino-4m");
        String product = "burst-" + db.name().toLowerCase(Locale.ROOT);
        List<String> before = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            checkIn(s, product, mac(600 + 4 * i), "&version=1.0.0");
            before.add(mac(600 + 4 * i));
        }
        AtomicReference<Exception> failed = new AtomicReference<>();
        Thread inserts = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < 40; i++) {
                    checkIn(s, product, mac(601 + 4 * i), "&version=1.0.0");
                }
            } catch (Exception e) {
                failed.set(e);
            }
        });
        List<String> seen = new ArrayList<>();
        String next = "/api/v1/devices?product=" + product + "&limit=3";
        while (next != null) {
            JsonNode page = Json.MAPPER.readTree(s.expect(200, s.get(next)));
            page.get("items").forEach(d -> seen.add(d.get("mac").asText()));
            next = page.get("next").isNull() ? null : page.get("next").asText();
            assertThat(seen.size()).isLessThanOrEqualTo(80);
        }
        inserts.join(30_000);
        assertThat(failed.get()).isNull();
        assertThat(seen).as("in order, none twice").isSortedAccordingTo(Comparator.naturalOrder()).doesNotHaveDuplicates();
        assertThat(seen).as("every device there at the start").containsAll(before);
        assertThat(seen.stream().filter(m -> !before.contains(m))).as("the rest registered meanwhile").allMatch(m ->
                Integer.parseInt(m.substring(12, 14) + m.substring(15, 17), 16) % 4 == 1);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void everySortWalksTheWholeListInItsOrder(TestDatabase db) throws Exception {
        TestServer s = server(db);
        List<JsonNode> all = walk(s, "/api/v1/devices", 1000);
        for (String sort : SORTS) {
            for (int limit : new int[] {1, 7, 50}) {
                List<JsonNode> got = walk(s, "/api/v1/devices?sort=" + sort, limit);
                assertThat(macs(got)).as("sort=" + sort + " limit=" + limit).containsExactlyElementsOf(macs(sorted(all, sort)));
            }
        }
    }

    /**
     * Property: for random combinations of filters, sort and page size (fixed seed), the walk
     * returns exactly the devices of the whole list that match the rule docs/api.md states, in
     * the sort's order.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void filtersAndSortsAgreeWithTheirRuleOnTheWholeList(TestDatabase db) throws Exception {
        TestServer s = server(db);
        List<JsonNode> all = walk(s, "/api/v1/devices", 1000);
        Map<String, String> updateState = new HashMap<>();
        for (JsonNode d : all) {
            JsonNode updates = Json.MAPPER.readTree(s.get("/api/v1/devices/" + d.get("mac").asText()).body()).get("updates");
            updateState.put(d.get("mac").asText(), updates.isEmpty() ? null : updates.get(0).get("state").asText());
        }
        assertThat(updateState.values()).as("the fleet has downloaded updates").contains("downloaded");
        String[] products = {null, "relay", "lamp"};
        String[] versions = {null, "3.0.0", "1.0.0", "unknown", "0.9.2"};
        String[] tags = {null, "canary", "lab-east"};
        String[] outcomes = {null, "up-to-date", "update", "unknown-image", "downloaded", "no-release", "insufficient-space", "failed"};
        String[] texts = {null, "0a", "LAB", "aa:00:00:00:00:1", "canary"};
        Random random = new Random(20261207);
        int nonEmpty = 0;
        for (int round = 0; round < 60; round++) {
            Map<String, String> filter = new LinkedHashMap<>();
            put(filter, "product", pick(random, products));
            put(filter, "version", pick(random, versions));
            put(filter, "tag", pick(random, tags));
            put(filter, "outcome", pick(random, outcomes));
            put(filter, "q", pick(random, texts));
            put(filter, "seen", random.nextInt(4) == 0 ? "1h" : null);
            String sort = SORTS.get(random.nextInt(SORTS.size()));
            filter.put("sort", sort);
            StringBuilder path = new StringBuilder("/api/v1/devices?");
            filter.forEach((k, v) -> path.append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)).append('&'));
            List<JsonNode> expected = sorted(all.stream().filter(rule(filter, updateState)).toList(), sort);
            List<JsonNode> got = walk(s, path.substring(0, path.length() - 1), 1 + random.nextInt(12));
            assertThat(macs(got)).as(path.toString()).containsExactlyElementsOf(macs(expected));
            nonEmpty += expected.isEmpty() ? 0 : 1;
        }
        assertThat(nonEmpty).as("most combinations match something").isGreaterThan(30);
        assertThat(macs(walk(s, "/api/v1/devices?unseen=1h", 50))).as("all seen just now").isEmpty();
        assertThat(macs(walk(s, "/api/v1/devices?unseen=0m&seen=1d", 1000))).containsExactlyElementsOf(macs(all));
    }

    private static void put(Map<String, String> m, String k, String v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    /** Absent two times in three (so combinations still match devices), else one of the values. */
    private static String pick(Random r, String[] values) {
        return r.nextInt(3) > 0 ? null : values[r.nextInt(values.length)];
    }

    /** The rule of each filter as docs/api.md states it. */
    private static Predicate<JsonNode> rule(Map<String, String> f, Map<String, String> updateState) {
        return d -> {
            String version = d.get("runningVersion").isNull() ? null : d.get("runningVersion").asText();
            List<String> tags = new ArrayList<>();
            d.get("tags").forEach(t -> tags.add(t.asText()));
            String outcome = f.get("outcome");
            boolean outcomeOk = outcome == null
                    || (List.of("offered", "downloading", "downloaded", "installed", "confirmed", "failed", "rolled_back").contains(outcome)
                        ? outcome.equals(updateState.get(d.get("mac").asText()))
                        : outcome.equals("unknown-image") ? version == null : outcome.equals(d.get("lastOutcome").asText()));
            String q = f.get("q") == null ? null : f.get("q").toUpperCase(Locale.ROOT);
            boolean textOk = q == null || d.get("mac").asText().contains(q) || d.get("address").asText().toUpperCase(Locale.ROOT).contains(q)
                    || tags.stream().anyMatch(t -> t.toUpperCase(Locale.ROOT).contains(q));
            return (f.get("product") == null || f.get("product").equals(d.get("product").asText()))
                    && (f.get("version") == null || (f.get("version").equals("unknown") ? version == null : f.get("version").equals(version)))
                    && (f.get("tag") == null || tags.contains(f.get("tag")))
                    && outcomeOk && textOk;
        };
    }

    /** The order of docs/api.md: the key, then the MAC; '-' reverses both. */
    private static List<JsonNode> sorted(List<JsonNode> devices, String sort) {
        boolean descending = sort.startsWith("-");
        String key = descending ? sort.substring(1) : sort;
        Comparator<JsonNode> byMac = Comparator.comparing(d -> d.get("mac").asText());
        Comparator<JsonNode> order = switch (key) {
            case "mac" -> byMac;
            case "product" -> Comparator.<JsonNode, String>comparing(d -> d.get("product").asText()).thenComparing(byMac);
            case "version" -> Comparator.<JsonNode, String>comparing(d -> d.get("runningVersion").isNull() ? "" : d.get("runningVersion").asText())
                    .thenComparing(byMac);
            case "lastSeen" -> Comparator.<JsonNode, Instant>comparing(d -> Instant.parse(d.get("lastSeen").asText())).thenComparing(byMac);
            default -> throw new IllegalArgumentException(sort);
        };
        return devices.stream().sorted(descending ? order.reversed() : order).toList();
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void whatCannotBeReadIsA400SayingWhatIsExpected(TestDatabase db) throws Exception {
        TestServer s = server(db);
        String cursorOfMac = Json.MAPPER.readTree(s.get("/api/v1/devices?limit=2").body()).get("next").asText().replaceAll(".*cursor=", "");
        Map<String, String> refusals = new LinkedHashMap<>();
        refusals.put("/api/v1/devices?limit=1001",
                "limit 1001 is over the maximum of 1000 items per page; follow each page's next link to read the rest");
        refusals.put("/api/v1/devices?limit=0", "limit must be a whole number from 1 to 1000 (items per page), got 0");
        refusals.put("/api/v1/devices?limit=ten", "limit must be a whole number from 1 to 1000 (items per page), got 'ten'");
        String badCursor = "cursor is not one this list gave out (for this list and sort): pass the next link of the previous page "
                + "as it is, or leave cursor out to start at the first page";
        refusals.put("/api/v1/devices?cursor=garbage", badCursor);
        refusals.put("/api/v1/devices?cursor=", badCursor);
        refusals.put("/api/v1/devices?sort=-lastSeen&cursor=" + cursorOfMac, badCursor);
        refusals.put("/api/v1/products?cursor=" + cursorOfMac, badCursor);
        refusals.put("/api/v1/devices?prodcut=relay",
                "unknown parameter 'prodcut'; this list accepts cursor, limit, outcome, product, q, seen, sort, tag, unseen, version");
        refusals.put("/api/v1/devices?limit=5&limit=6", "parameter 'limit' given 2 times; give it once");
        refusals.put("/api/v1/devices?outcome=broken", "outcome 'broken' is not one of offered, downloading, downloaded, installed, "
                + "confirmed, failed, rolled_back, silent, unknown-image, update, stepping-stone, up-to-date, no-release, running-newer, "
                + "mode-not-served, version, bad-request, unknown-product, wrong-chip, chip-too-small, insufficient-space, "
                + "below-security-counter, corrupt-artifact");
        refusals.put("/api/v1/devices?seen=yesterday", "seen must be a whole number of minutes, hours or days up to ten years (30m, 1h, 7d), "
                + "got 'yesterday'");
        refusals.put("/api/v1/devices?unseen=5y", "unseen must be a whole number of minutes, hours or days up to ten years (30m, 1h, 7d), "
                + "got '5y'");
        refusals.put("/api/v1/devices?sort=size", "sort 'size' is not one of mac, product, version, lastSeen (a leading '-' reverses it: "
                + "-lastSeen)");
        for (var e : refusals.entrySet()) {
            var r = s.get(e.getKey());
            assertThat(r.statusCode()).as(e.getKey()).isEqualTo(400);
            assertThat(Json.MAPPER.readTree(r.body()).get("error").asText()).as(e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(s.get("/api/v1/devices?product=nosuch").statusCode()).isEqualTo(404);
    }
}
