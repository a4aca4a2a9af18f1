package org.updraft.bench;

import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;

/**
 * The paged device list at fleet size (docs/api.md, "The device list"): loads 100,000 devices,
 * 1,000,000 timeline rows (check_in), tags and 20,000 update rows into a fresh PostgreSQL database
 * with COPY, starts a server on it, and times pages of {@code GET /api/v1/devices} over loopback:
 * the first page, a page in the middle reached by cursor, filtered pages, free text. Each case is
 * asked {@code rounds} times after a warm-up; the time is the request's round trip on loopback
 * (the server's work plus a loopback hop and the client's read), the median and p99 per case.
 *
 * <p>{@code java -cp updraft-bench.jar org.updraft.bench.DeviceListBench JDBC-URL DATA-DIR [ROUNDS]};
 * prints one tab-separated line per case: name, median ms, p99 ms, items, total.
 */
public final class DeviceListBench {

    static final int DEVICES = 100_000;
    static final int TIMELINE_PER_DEVICE = 10;
    static final String TOKEN = "upd_bench-device-list-" + "0".repeat(22);
    private static final String[] VERSIONS = {"1.0.0", "1.1.0", "1.2.0", "2.0.0", "2.1.0"};
    private static final String[] OUTCOMES = {"up-to-date", "up-to-date", "up-to-date", "update", "insufficient-space",
            "no-release", "running-newer"};
    private static final String[] STATES = {"confirmed", "confirmed", "confirmed", "failed", "rolled_back", "downloaded",
            "installed"};

    private DeviceListBench() {
    }

    public static void main(String[] args) throws Exception {
        // No logback configuration in this jar: its default logs everything at DEBUG to stdout.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        String jdbc = args[0];
        Path data = Path.of(args[1]);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        Files.createDirectories(data);
        ServerConfig config = new ServerConfig("127.0.0.1", 0, data, jdbc).withAdminToken(TOKEN);
        try (UpdraftServer server = UpdraftServer.start(config)) {
            HttpClient http = HttpClient.newHttpClient();
            for (String p : List.of("plug", "relay", "lamp", "sensor")) {
                send(http, server.baseUri(), "POST", "/api/v1/products", "{\"name\":\"" + p + "\",\"layout\":\"arduino-4m\"}", 201);
            }
            upload(http, server.baseUri());
        }
        long t0 = System.nanoTime();
        load(jdbc);
        System.err.printf("loaded %d devices, %d timeline rows in %.1f s%n", DEVICES, DEVICES * TIMELINE_PER_DEVICE,
                (System.nanoTime() - t0) / 1e9);
        try (UpdraftServer server = UpdraftServer.start(config)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI base = server.baseUri();
            String middle = cursorAt(http, base, "/api/v1/devices?limit=1000", 50);
            String middleLastSeen = cursorAt(http, base, "/api/v1/devices?sort=-lastSeen&limit=1000", 50);
            Map<String, String> cases = new LinkedHashMap<>();
            cases.put("first", "/api/v1/devices?limit=100");
            cases.put("middle", middle.replace("limit=1000", "limit=100"));
            cases.put("middle-lastseen", middleLastSeen.replace("limit=1000", "limit=100"));
            cases.put("product-version", "/api/v1/devices?product=relay&version=2.0.0&limit=100");
            cases.put("failed-unseen", "/api/v1/devices?outcome=failed&unseen=1d&sort=-lastSeen&limit=100");
            cases.put("tag", "/api/v1/devices?tag=canary&sort=version&limit=100");
            cases.put("space", "/api/v1/devices?outcome=insufficient-space&product=plug&limit=100");
            cases.put("text", "/api/v1/devices?q=7F:01:8&limit=100");
            // The dashboard's overview (docs/dashboard.md, "Overview"): every aggregate over the same rows.
            cases.put("overview", "/api/v1/overview");
            for (var c : cases.entrySet()) {
                for (int i = 0; i < 20; i++) {
                    send(http, base, "GET", c.getValue(), null, 200);
                }
            }
            for (var c : cases.entrySet()) {
                long[] ns = new long[rounds];
                JsonNode last = null;
                for (int i = 0; i < rounds; i++) {
                    long s = System.nanoTime();
                    last = send(http, base, "GET", c.getValue(), null, 200);
                    ns[i] = System.nanoTime() - s;
                }
                Arrays.sort(ns);
                System.out.printf("%s\t%.1f\t%.1f\t%d\t%d%n", c.getKey(), ns[rounds / 2] / 1e6, ns[(int) Math.ceil(rounds * 0.99) - 1] / 1e6,
                        last.has("items") ? last.get("items").size() : 0, last.has("total") ? last.get("total").asLong() : 0);
            }
        }
    }

    /** The next link after {@code pages} pages from {@code first}. */
    private static String cursorAt(HttpClient http, URI base, String first, int pages) throws Exception {
        String next = first;
        for (int i = 0; i < pages; i++) {
            next = send(http, base, "GET", next, null, 200).get("next").asText();
        }
        return next;
    }

    /** A release of relay, for the update rows to name. */
    private static void upload(HttpClient http, URI base) throws Exception {
        byte[] image = ImageBuilder.arduino().version("2.1.0").payload(3, 20_000).build();
        String boundary = "bench" + System.nanoTime();
        var body = new java.io.ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"version\"\r\n\r\n2.1.0\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"firmware\"; filename=\"fw.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        body.writeBytes(image);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/api/v1/products/relay/releases"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException("upload: " + r.statusCode() + " " + r.body());
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode send(HttpClient http, URI base, String method, String path, String json, int expect) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + TOKEN);
        b = json == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != expect) {
            throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** COPY of every row, generated from a fixed seed, in chunks of 10,000 devices (bounded memory). */
    private static void load(String jdbc) throws Exception {
        Random random = new Random(42);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        try (Connection c = DriverManager.getConnection(jdbc)) {
            List<Long> products = new ArrayList<>();
            long release;
            try (Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT id FROM product ORDER BY id")) {
                    while (rs.next()) {
                        products.add(rs.getLong(1));
                    }
                }
                try (ResultSet rs = s.executeQuery("SELECT id FROM firmware_release")) {
                    rs.next();
                    release = rs.getLong(1);
                }
            }
            CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            for (int chunk = 0; chunk < DEVICES; chunk += 10_000) {
                StringBuilder devices = new StringBuilder();
                StringBuilder timeline = new StringBuilder();
                StringBuilder tags = new StringBuilder();
                StringBuilder updates = new StringBuilder();
                for (int i = chunk; i < chunk + 10_000; i++) {
                    String mac = String.format("5C:CF:7F:%02X:%02X:%02X", i >> 16, (i >> 8) & 0xff, i & 0xff);
                    Instant last = now.minusSeconds(random.nextInt(30 * 86_400));
                    String version = VERSIONS[random.nextInt(VERSIONS.length)];
                    devices.append(mac).append('\t').append(products.get(i % products.size())).append('\t').append(version)
                            .append("\t10.").append(i >> 16).append('.').append((i >> 8) & 0xff).append('.').append(i & 0xff)
                            .append('\t').append(last.minusSeconds(86_400)).append('\t').append(last).append('\t')
                            .append(OUTCOMES[random.nextInt(OUTCOMES.length)]).append("\t100\n");
                    for (int t = 0; t < TIMELINE_PER_DEVICE; t++) {
                        timeline.append(mac).append('\t').append(last.minusSeconds(3600L * t)).append("\thttp-update\tup-to-date\t304\t")
                                .append(version).append('\n');
                    }
                    if (i % 10 == 0) {
                        tags.append(mac).append("\tcanary\n");
                    }
                    if (i % 100 == 7) {
                        tags.append(mac).append("\tlab-").append(i % 7).append('\n');
                    }
                    if (i % 5 == 0) {
                        String state = STATES[random.nextInt(STATES.length)];
                        boolean finished = state.equals("confirmed") || state.equals("failed") || state.equals("rolled_back");
                        updates.append(mac).append('\t').append(release).append('\t').append(state)
                                .append("\t1\t").append(last).append('\t').append(finished ? last.toString() : "\\N").append('\n');
                    }
                }
                copy.copyIn("COPY device (mac, product_id, running_version, address, first_seen, last_seen, last_outcome, check_ins) "
                        + "FROM STDIN", new StringReader(devices.toString()));
                copy.copyIn("COPY check_in (mac, at, endpoint, outcome, status, running_version) FROM STDIN",
                        new StringReader(timeline.toString()));
                copy.copyIn("COPY device_tag (mac, tag) FROM STDIN", new StringReader(tags.toString()));
                copy.copyIn("COPY device_update (mac, release_id, state, attempts, updated_at, finished_at) FROM STDIN",
                        new StringReader(updates.toString()));
            }
            try (Statement s = c.createStatement()) {
                s.execute("ANALYZE");
            }
        }
    }
}
