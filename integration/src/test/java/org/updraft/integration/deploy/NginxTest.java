package org.updraft.integration.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;
import org.updraft.server.config.TrustedProxies;
import org.updraft.testsupport.Multipart;

/**
 * deploy/nginx/updraft.conf as shipped, with only its addresses rendered for the test (the
 * upstream servers, the listen port, and {@code proxy_bind 127.0.0.2} so that nginx's address
 * differs from the clients'): the real nginx, as a foreground process with a temporary prefix, in
 * front of two real Updraft instances on one PostgreSQL database that trust 127.0.0.2 only.
 * Devices connect from 127.0.0.3. Skipped, saying so, only when nginx is not installed (bin/test
 * installs it).
 */
@Tag("nginx")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NginxTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final String PG = System.getenv().getOrDefault("UPDRAFT_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(1, 4_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(2, 300_000).build();
    static final String TOKEN = org.updraft.server.auth.ApiTokens.newSecret();
    static final InetAddress DEVICE = address("127.0.0.3");

    Path dir;
    String database;
    String jdbcUrl;
    UpdraftServer a;
    UpdraftServer b;
    Process nginx;
    int port;

    static InetAddress address(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path nginxBinary() {
        for (String d : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/local/sbin").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, "nginx");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static String md5(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(b));
    }

    ServerConfig config(Path data) {
        return new ServerConfig("127.0.0.1", 0, data, jdbcUrl).withAdminToken(TOKEN)
                .withTrustedProxies(TrustedProxies.parse("127.0.0.2")).withDrainTimeout(Duration.ofSeconds(5));
    }

    @BeforeAll
    void start() throws Exception {
        Path binary = nginxBinary();
        Assumptions.assumeTrue(binary != null, "nginx is not installed (apt-get install nginx; bin/test installs it): "
                + "the test of deploy/nginx/updraft.conf is skipped");
        dir = Files.createTempDirectory("updraft-nginx");
        database = "updraft_nginx_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        sql("CREATE DATABASE " + database);
        jdbcUrl = PG.replaceFirst("/test\\?", "/" + database + "?");

        a = UpdraftServer.start(config(dir.resolve("a")));
        api(a, "POST", "/api/v1/products", "application/json", "{\"name\":\"relay\",\"layout\":\"arduino-4m\"}".getBytes());
        for (byte[] image : List.of(V1, V2)) {
            Multipart form = new Multipart().field("version", image == V1 ? "1.0.0" : "2.0.0").file("firmware", "fw.bin", image);
            api(a, "POST", "/api/v1/products/relay/releases", form.contentType(), form.body());
        }
        // B starts with an empty data directory of its own: it serves the images from the database
        // (docs/integrity.md, "Artifact bytes live in the database").
        b = UpdraftServer.start(config(dir.resolve("b")));

        port = freePort();
        Path prefix = Files.createDirectories(dir.resolve("nginx"));
        Files.createDirectories(prefix.resolve("logs"));
        Files.writeString(prefix.resolve("updraft.conf"), render(Files.readString(ROOT.resolve("deploy/nginx/updraft.conf")),
                port, List.of(a.port(), b.port())));
        Files.writeString(prefix.resolve("nginx.conf"), String.join("\n",
                "daemon off;",
                "worker_processes 1;",
                "pid " + prefix.resolve("nginx.pid") + ";",
                "error_log " + prefix.resolve("logs/error.log") + " info;",
                "events { worker_connections 256; }",
                "http {",
                "  access_log " + prefix.resolve("logs/access.log") + ";",
                "  client_body_temp_path " + prefix.resolve("body") + ";",
                "  proxy_temp_path " + prefix.resolve("proxy") + ";",
                "  fastcgi_temp_path " + prefix.resolve("fastcgi") + ";",
                "  uwsgi_temp_path " + prefix.resolve("uwsgi") + ";",
                "  scgi_temp_path " + prefix.resolve("scgi") + ";",
                "  include " + prefix.resolve("updraft.conf") + ";",
                "}", ""));
        List<String> command = List.of(binary.toString(), "-p", prefix.toString(), "-c", prefix.resolve("nginx.conf").toString(),
                "-e", prefix.resolve("logs/error.log").toString());
        Process test = new ProcessBuilder(concat(command, "-t")).redirectErrorStream(true).start();
        String tested = new String(test.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(test.waitFor()).as("nginx -t:\n" + tested).isEqualTo(0);
        nginx = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(prefix.resolve("logs/stdout.log").toFile()).start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!accepts(port)) {
            assertThat(nginx.isAlive()).as("nginx exited: " + Files.readString(prefix.resolve("logs/error.log"))).isTrue();
            assertThat(System.nanoTime()).as("nginx listening within 15 s").isLessThan(until);
            Thread.sleep(100);
        }
    }

    static List<String> concat(List<String> l, String more) {
        List<String> all = new java.util.ArrayList<>(l);
        all.add(more);
        return all;
    }

    /**
     * The shipped file with the test's addresses: its upstream servers (keeping their
     * max_fails/fail_timeout) replaced by the two instances, its listen port by a loopback one, and
     * nginx's outgoing address set to 127.0.0.2.
     */
    static String render(String conf, int listen, List<Integer> upstreams) {
        Matcher servers = Pattern.compile("(?m)^(\\s*)server 127\\.0\\.0\\.1:\\d+ ([^;]*);\\n").matcher(conf);
        assertThat(servers.find()).as("the upstream block lists servers").isTrue();
        String indent = servers.group(1);
        String params = servers.group(2);
        StringBuilder replaced = new StringBuilder();
        for (int p : upstreams) {
            replaced.append(indent).append("server 127.0.0.1:").append(p).append(' ').append(params).append(";\n");
        }
        String once = servers.replaceFirst(Matcher.quoteReplacement(replaced.toString()));
        String rest = Pattern.compile("(?m)^\\s*server 127\\.0\\.0\\.1:808\\d [^;]*;\\n").matcher(once).replaceAll("");
        assertThat(rest).contains("    listen 80;\n");
        return rest.replace("    listen 80;\n", "    listen 127.0.0.1:" + listen + ";\n    proxy_bind 127.0.0.2;\n");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    void sql(String statement) throws Exception {
        try (Connection c = DriverManager.getConnection(PG); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    static void api(UpdraftServer s, String method, String path, String type, byte[] body) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(s.baseUri().resolve(path))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", type)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(201);
    }

    record Answer(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** ESP8266httpUpdate's exact check-in from a device on {@code running}, plus {@code extra} header lines, from 127.0.0.3 to {@code port}. */
    static Answer checkIn(int port, String mac, byte[] running, String... extra) throws Exception {
        StringBuilder req = new StringBuilder("GET /u/relay HTTP/1.0\r\nHost: updraft.example\r\nUser-Agent: ESP8266-http-Update\r\n"
                + "Connection: close\r\nx-ESP8266-Chip-ID: 15602487\r\nx-ESP8266-STA-MAC: " + mac + "\r\nx-ESP8266-AP-MAC: " + mac + "\r\n"
                + "x-ESP8266-free-space: 2000000\r\nx-ESP8266-sketch-size: " + running.length + "\r\n"
                + "x-ESP8266-sketch-md5: " + md5(running) + "\r\nx-ESP8266-chip-size: 4194304\r\n"
                + "x-ESP8266-sdk-version: 2.5.0\r\nx-ESP8266-mode: sketch\r\n");
        for (String h : extra) {
            req.append(h).append("\r\n");
        }
        req.append("\r\n");
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(DEVICE, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write(req.toString().getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            in.transferTo(raw);
            byte[] all = raw.toByteArray();
            int end = indexOf(all, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String[] lines = new String(all, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, c).strip().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).strip());
            }
            return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, Arrays.copyOfRange(all, end + 4, all.length));
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("no end of header in " + hay.length + " bytes");
    }

    /** The address the database holds for a device, once both instances have written what they answered. */
    String storedAddress(String mac) throws Exception {
        a.devices().flush();
        b.devices().flush();
        try (Connection c = DriverManager.getConnection(jdbcUrl); PreparedStatement s = c.prepareStatement("SELECT address FROM device WHERE mac = ?")) {
            s.setString(1, mac);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).as("device " + mac + " stored").isTrue();
                return rs.getString(1);
            }
        }
    }

    @Test
    @Order(1)
    void aCheckInAndItsDownloadThroughNginxAreByteExactWithTheStockClientsHeaders() throws Exception {
        for (int i = 0; i < 2; i++) { // two devices; nginx spreads requests over the instances round robin
            Answer update = checkIn(port, "DE:BA:7A:00:30:0" + i, V1);
            assertThat(update.status()).isEqualTo(200);
            assertThat(update.body()).isEqualTo(V2);
            assertThat(update.header("Content-Length")).isEqualTo(Integer.toString(V2.length));
            assertThat(update.header("x-MD5")).isEqualTo(md5(V2));
            assertThat(update.header("Transfer-Encoding")).isNull();
            assertThat(update.header("Content-Type")).isEqualTo("application/octet-stream");

            Answer current = checkIn(port, "DE:BA:7A:00:31:0" + i, V2);
            assertThat(current.status()).isEqualTo(304);
            assertThat(current.body()).isEmpty();
        }
    }

    @Test
    @Order(2)
    void aRangeRequestPassesThroughAndIsAnswered206() throws Exception {
        Answer part = checkIn(port, "DE:BA:7A:00:32:01", V1, "Range: bytes=100000-");
        assertThat(part.status()).isEqualTo(206);
        assertThat(part.header("Content-Range")).isEqualTo("bytes 100000-" + (V2.length - 1) + "/" + V2.length);
        assertThat(part.header("Content-Length")).isEqualTo(Integer.toString(V2.length - 100_000));
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(V2, 100_000, V2.length));
    }

    @Test
    @Order(3)
    void theServerTakesTheClientsAddressFromXForwardedForOnlyViaTheTrustedProxy() throws Exception {
        // Through nginx (127.0.0.2, trusted): the device's own address, not nginx's.
        checkIn(port, "DE:BA:7A:00:33:01", V2);
        assertThat(storedAddress("DE:BA:7A:00:33:01")).isEqualTo("127.0.0.3");
        // A forged header through nginx: nginx appends the address it saw; the forged part is not believed.
        checkIn(port, "DE:BA:7A:00:33:02", V2, "X-Forwarded-For: 198.51.100.1");
        assertThat(storedAddress("DE:BA:7A:00:33:02")).isEqualTo("127.0.0.3");
        // Straight to an instance (127.0.0.3 is no trusted proxy): the header is ignored.
        checkIn(a.port(), "DE:BA:7A:00:33:03", V2, "X-Forwarded-For: 198.51.100.1");
        assertThat(storedAddress("DE:BA:7A:00:33:03")).isEqualTo("127.0.0.3");
    }

    @Test
    @Order(4)
    void whenOneInstanceStopsNginxSendsEveryDeviceToTheOther() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI ready = URI.create("http://127.0.0.1:" + port + "/ready");
        assertThat(http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

        a.close(); // the graceful stop: /ready 503, listener closed

        assertThat(b.api().readiness().phase().name()).isEqualTo("READY");
        for (int i = 0; i < 6; i++) {
            Answer update = checkIn(port, "DE:BA:7A:00:34:0" + i, V1);
            assertThat(update.status()).as("check-in %d after one instance stopped", i).isEqualTo(200);
            assertThat(update.body()).isEqualTo(V2);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"status\":\"READY\"}");
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (nginx != null) {
            nginx.destroy();
            if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
                nginx.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
        if (database != null) {
            sql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }
}
