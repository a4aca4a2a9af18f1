package org.updraft.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.updraft.server.security.Signing.MANIFEST_KEY;
import static org.updraft.server.security.Signing.OTHER_ED;
import static org.updraft.server.security.Signing.OTHER_RSA;
import static org.updraft.server.security.Signing.TRUSTED_RSA;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.config.Limits;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;

/**
 * The bad-input catalogue: every kind of hostile or broken input — to uploads, the
 * management API and the device endpoints — gets a 4xx whose message (JSON error or
 * X-Updraft-Reason) names the problem, and afterwards the database (every table a request could
 * touch) and the artifact store are exactly as before. Requests go over a raw socket, so malformed
 * HTTP is sent as it is.
 */
class BadInputCatalogueTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(51, 8_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(52, 8_000).build();
    static final Instant FUTURE = Instant.now().plusSeconds(30 * 86_400);
    static final int MAX_IMAGE = 64 * 1024;
    static final String MAC = "DE:BA:7A:B1:E0:42";
    /** A device enrolled by token in product "secure", which has downloaded its release. */
    static final String SECURE_MAC = "DE:BA:7A:B1:E0:5E";
    static final String DIRECTORY_LISTING = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<html>\n <head>\n"
            + "  <title>Index of /firmware</title>\n </head>\n <body>\n<h1>Index of /firmware</h1>\n"
            + "<table><tr><td><a href=\"user1.bin\">user1.bin</a></td></tr></table>\n</body></html>\n";

    static TestServer server;

    @BeforeAll
    static void start() {
        server = new TestServer(org.updraft.server.TestDatabase.EMBEDDED,
                c -> c.withLimits(Limits.DEFAULTS.with("max-image-bytes", Integer.toString(MAX_IMAGE))));
        server.product("relay", "arduino-4m");
        server.product("signed", "arduino-4m");
        server.product("wifi", "nonos-512k");
        var tiny = server.send("POST", "/api/v1/products", "{\"name\":\"tiny\",\"layout\":\"arduino-4m\",\"slotSize\":6000}");
        server.expect(201, tiny);
        for (String p : List.of("relay", "signed")) {
            server.expect(201, server.send("POST", "/api/v1/products/" + p + "/keys", "application/x-pem-file",
                    (TRUSTED_RSA.verifyingKey().pem() + MANIFEST_KEY.verifyingKey().pem()).getBytes()));
        }
        server.expect(200, server.send("PUT", "/api/v1/products/signed/policy", "{\"signing\":\"required\"}"));
        server.token("ci-deploy", "operator");
        server.expect(201, server.upload("relay", new Multipart().field("version", "1.0.0")
                .field("manifest", Signing.manifest("relay", "1.0.0", V1, 2, FUTURE, MANIFEST_KEY))
                .file("firmware", "fw.bin", V1)));
        server.expect(201, server.upload("signed", new Multipart().field("version", "1.0.0")
                .file("firmware", "fw.bin", Signing.sign(V1, TRUSTED_RSA))));
        server.product("secure", "arduino-4m");
        server.uploadOk("secure", "1.0.0", Multipart.file("firmware", V1));
        server.expect(200, server.send("PUT", "/api/v1/products/secure/policy", "{\"enrollment\":\"token\"}"));
        try {
            String token = org.updraft.server.http.Json.MAPPER.readTree(server.expect(201, server.send("POST",
                    "/api/v1/devices/" + SECURE_MAC + "/token", "{\"product\":\"secure\"}"))).get("token").asText();
            assertThat(RawHttp.exchange(server.port(), device("/u/secure?token=" + token, "x-ESP8266-STA-MAC: " + SECURE_MAC,
                    "x-ESP8266-version: 0.9.0")).status()).isEqualTo(200);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Case(String name, byte[] request, int status, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static byte[] http(String method, String path, String contentType, byte[] body, String... headers) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if (path.startsWith("/api/")) {
            head.append("Authorization: Bearer ").append(TestServer.ADMIN_TOKEN).append("\r\n");   // management calls as the seeded admin
        }
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        for (String h : headers) {
            head.append(h).append("\r\n");
        }
        head.append("Content-Length: ").append(body == null ? 0 : body.length).append("\r\n\r\n");
        out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            out.writeBytes(body);
        }
        return out.toByteArray();
    }

    static byte[] upload(String product, Multipart m) {
        return http("POST", "/api/v1/products/" + product + "/releases", m.contentType(), m.body());
    }

    static byte[] upload(String product, String version, byte[] firmware) {
        return upload(product, new Multipart().field("version", version).file("firmware", "firmware.bin", firmware));
    }

    static byte[] json(String method, String path, String body) {
        return http(method, path, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] device(String path, String... headers) {
        String[] all = Stream.concat(Stream.of("User-Agent: ESP8266-http-Update", "x-ESP8266-mode: sketch"), Stream.of(headers))
                .toArray(String[]::new);
        return http("GET", path, null, null, all);
    }

    static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Stream<Arguments> catalogue() {
        List<Case> c = new ArrayList<>();
        // Non-images and broken images.
        c.add(new Case("HTML directory listing", upload("relay", "2.0.0", text(DIRECTORY_LISTING)), 422,
                "firmware image rejected: not a firmware image"));
        c.add(new Case("JSON as an image", upload("relay", "2.0.0", text("{\"url\":\"http://x/fw.bin\"}")), 422, "JSON"));
        c.add(new Case("plain text", upload("relay", "2.0.0", text("version 2\n")), 422, "text"));
        c.add(new Case("empty file", upload("relay", "2.0.0", new byte[0]), 422, "firmware image rejected: "));
        c.add(new Case("ZIP archive", upload("relay", "2.0.0", new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 1, 2, 3, 4, 5, 6}),
                422, "ZIP"));
        c.add(new Case("ELF file", upload("relay", "2.0.0", new byte[] {0x7f, 'E', 'L', 'F', 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
                422, "ELF"));
        c.add(new Case("truncated image", upload("relay", "2.0.0", ImageBuilder.truncate(V2, V2.length - 100)), 422,
                "firmware image rejected: truncated"));
        c.add(new Case("bad checksum", upload("relay", "2.0.0", ImageBuilder.arduino().payload(53, 8_000).wrongChecksum().build()),
                422, "checksum"));
        c.add(new Case("oversize upload (max-image-bytes)", upload("relay", "2.0.0", new byte[MAX_IMAGE + 1]), 413,
                "each image may be at most " + MAX_IMAGE + " bytes (limit max-image-bytes"));
        c.add(new Case("larger than the update slot", upload("tiny", "1.0.0", V2), 422, "do not fit the update slot of 6000 bytes"));
        c.add(new Case("wrong chip", upload("relay", "2.0.0", ImageBuilder.esp32().build()), 422,
                "it is an ESP32 image (ESP32 application image) but product 'relay' is for ESP8266"));
        c.add(new Case("flash size larger than the product's", upload("relay", "2.0.0",
                ImageBuilder.arduino().flashSizeCode(9).payload(54, 8_000).build()), 422, "declares 16 MB of flash"));
        c.add(new Case("NONOS release without user2", upload("wifi", new Multipart().field("version", "1")
                .file("user1", "user1.bin", V1)), 422, "a release needs both user1 and user2 images"));
        // Signatures.
        c.add(new Case("missing signature", upload("signed", "2.0.0", V2), 422, "firmware image rejected: no signature trailer"));
        c.add(new Case("signature by an untrusted key", upload("signed", "2.0.0", Signing.sign(V2, OTHER_RSA)), 422,
                "firmware image rejected: untrusted key"));
        c.add(new Case("bad signature (image changed after signing)", upload("signed", "2.0.0",
                Signing.transplant(Signing.sign(V1, TRUSTED_RSA), V1, V2)), 422, "firmware image rejected: bad signature: trusted key "
                + TRUSTED_RSA.fingerprint()));
        c.add(new Case("Ed25519 trailer for an ESP8266", upload("signed", "2.0.0", Signing.sign(V2, OTHER_ED)), 422,
                "signature length 64 does not match the 2048-bit key (256)"));
        // Manifests.
        c.add(new Case("expired manifest", upload("relay", new Multipart().field("version", "2.0.0")
                .field("manifest", Signing.manifest("relay", "2.0.0", V2, 3, Instant.now().minusSeconds(10), MANIFEST_KEY))
                .file("firmware", "fw.bin", V2)), 422, "manifest rejected: expired at"));
        c.add(new Case("manifest by an untrusted key", upload("relay", new Multipart().field("version", "2.0.0")
                .field("manifest", Signing.manifest("relay", "2.0.0", V2, 3, FUTURE, OTHER_ED)).file("firmware", "fw.bin", V2)), 422,
                "manifest rejected: untrusted key " + OTHER_ED.fingerprint()));
        c.add(new Case("manifest for other bytes", upload("relay", new Multipart().field("version", "2.0.0")
                .field("manifest", Signing.manifest("relay", "2.0.0", V1, 3, FUTURE, MANIFEST_KEY)).file("firmware", "fw.bin", V2)), 422,
                "manifest rejected: artifact firmware: the manifest says sha256"));
        c.add(new Case("malformed manifest", upload("relay", new Multipart().field("version", "2.0.0").field("manifest", "x")
                .file("firmware", "fw.bin", V2)), 422, "manifest rejected: line 1: expected key=value"));
        // Downgrades.
        c.add(new Case("lower version without downgrade", upload("relay", "0.9.0", V2), 409,
                "version 0.9.0 is lower than the newest release 1.0.0"));
        c.add(new Case("lower security counter without downgrade", upload("relay", new Multipart().field("version", "2.0.0")
                .field("manifest", Signing.manifest("relay", "2.0.0", V2, 1, FUTURE, MANIFEST_KEY)).file("firmware", "fw.bin", V2)), 409,
                "security counter 1 is lower than 2 of release 1.0.0"));
        c.add(new Case("duplicate version", upload("relay", "1.0.0", V2), 409, "product 'relay' already has release 1.0.0"));
        c.add(new Case("malformed version", upload("relay", "2.0\u0001", V2), 400, "contains the control character U+0001"));
        // Multipart and content types.
        c.add(new Case("multipart file name ../../x.bin", upload("relay", new Multipart().field("version", "2.0.0")
                .file("firmware", "../../x.bin", V2)), 400, "file name '../../x.bin' of part 'firmware' is a path"));
        c.add(new Case("multipart file name ..\\..\\x.bin", upload("relay", new Multipart().field("version", "2.0.0")
                .file("firmware", "..\\..\\x.bin", V2)), 400, "is a path"));
        c.add(new Case("upload as application/octet-stream", http("POST", "/api/v1/products/relay/releases", "application/octet-stream", V2),
                415, "expected Content-Type: multipart/form-data"));
        c.add(new Case("multipart body with another boundary", http("POST", "/api/v1/products/relay/releases",
                "multipart/form-data; boundary=nothere", new Multipart().field("version", "2").body()), 400, "malformed multipart body"));
        c.add(new Case("unknown form field", upload("relay", new Multipart().field("version", "2.0.0").file("firmwear", "f.bin", V2)),
                400, "unexpected form field 'firmwear'"));
        // Management JSON.
        c.add(new Case("bad JSON", json("POST", "/api/v1/products", "{\"name\": \"x\","), 400, "malformed JSON"));
        c.add(new Case("JSON with an unknown field", json("POST", "/api/v1/products", "{\"name\":\"x\",\"layout\":\"arduino-4m\",\"admin\":true}"),
                400, "unknown field 'admin'"));
        c.add(new Case("JSON field of the wrong type (no Java type named)", json("POST", "/api/v1/products",
                "{\"name\":\"x\",\"layout\":\"arduino-4m\",\"slotSize\":\"big\"}"), 400,
                "{\"error\":\"field 'slotSize' must be a whole number, got the string \\\"big\\\"\""));
        c.add(new Case("JSON array instead of an object", json("POST", "/api/v1/products", "[1]"), 400,
                "{\"error\":\"expected a JSON object with fields name, chip, kind, layout, slotSize, updatePath, healthWindowSeconds, got an array\""));
        c.add(new Case("malformed MAC at /version", device("/u/relay/version?mac=hello"), 400, "'hello' is not a MAC address"));
        c.add(new Case("product as text/plain", http("POST", "/api/v1/products", "text/plain", text("name=x")), 415,
                "expected Content-Type: application/json"));
        c.add(new Case("product name ../../etc", json("POST", "/api/v1/products", "{\"name\":\"../../etc\",\"layout\":\"arduino-4m\"}"),
                400, "product name '../../etc' is not valid"));
        c.add(new Case("update path with ..", json("POST", "/api/v1/products", "{\"name\":\"x\",\"layout\":\"arduino-4m\",\"updatePath\":\"/fw/../api/v1\"}"),
                400, "without . or .. segments"));
        c.add(new Case("encoded slash in a product name", http("GET", "/api/v1/products/..%2F..%2Fetc%2Fpasswd/releases", null, null), 400,
                "malformed HTTP request"));
        c.add(new Case("path escaping the root", device("/u/../../etc/passwd"), 400, "path traversal is refused"));
        c.add(new Case("private key as a trusted key", http("POST", "/api/v1/products/relay/keys", "application/x-pem-file",
                text(OTHER_RSA.pem())), 422, "upload only the public half"));
        c.add(new Case("garbage as a trusted key", http("POST", "/api/v1/products/relay/keys", "application/x-pem-file",
                text("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")), 422, "key rejected: PEM block 1"));
        c.add(new Case("malformed MAC in an allowlist", json("PUT", "/api/v1/products/relay/allowlist", "{\"macs\":[\"12:34\"]}"), 400,
                "macs[0]: '12:34' is not a MAC address"));
        c.add(new Case("malformed MAC in a token request", json("POST", "/api/v1/devices/zz:zz/token", "{\"product\":\"relay\"}"), 400,
                "'zz:zz' is not a MAC address"));
        c.add(new Case("unknown signing policy", json("PUT", "/api/v1/products/relay/policy", "{\"signing\":\"maybe\"}"), 400,
                "signing must be unsigned-allowed or required, got 'maybe'"));
        // Device endpoints.
        c.add(new Case("malformed MAC header", device("/u/relay", "x-ESP8266-STA-MAC: DE:BA:7A:B1:E0"), 400,
                "bad-request: bad x-ESP8266-STA-MAC header"));
        c.add(new Case("malformed ?mac=", device("/u/relay?mac=hello"), 400, "'hello' is not a MAC address"));
        c.add(new Case("malformed query string", device("/u/relay/version?mac=%C3%28"), 400, "bad-request: malformed query string"));
        c.add(new Case("malformed sketch-md5", device("/u/relay", "x-ESP8266-STA-MAC: " + MAC, "x-ESP8266-sketch-md5: xyz"), 400,
                "bad x-ESP8266-sketch-md5 header: 'xyz' is not 32 hex digits (MD5)"));
        c.add(new Case("non-numeric free-space", device("/u/relay", "x-ESP8266-STA-MAC: " + MAC, "x-ESP8266-free-space: lots"), 400,
                "bad x-ESP8266-free-space header"));
        c.add(new Case("overlong version header", device("/u/relay", "x-ESP8266-STA-MAC: " + MAC, "x-ESP8266-version: " + "9".repeat(65)),
                400, "bad version: 65 characters, at most 64 expected"));
        c.add(new Case("oversized header block", device("/u/relay", "x-ESP8266-STA-MAC: " + MAC, "X-Padding: " + "a".repeat(9000)), 431,
                "request header fields too large: the request line and headers may take at most 8192 bytes (limit max-header-bytes)"));
        c.add(new Case("overlong URI", device("/u/relay?mac=" + MAC + "&pad=" + "b".repeat(3000)), 414,
                "URI too long: path and query are"));
        // Device identity across products, and reports (docs/device-identity.md).
        c.add(new Case("report for an enrolled device through an open product", json("POST", "/u/relay/report",
                "{\"mac\":\"" + SECURE_MAC + "\",\"status\":\"rolled_back\"}"), 403,
                "not-enrolled: device " + SECURE_MAC + " is registered to another product"));
        c.add(new Case("report ok for an enrolled device through an open product", json("POST", "/u/relay/report",
                "{\"mac\":\"" + SECURE_MAC + "\",\"status\":\"ok\",\"version\":\"1.0.0\"}"), 403, "is registered to another product"));
        c.add(new Case("report without the device's token", json("POST", "/u/secure/report",
                "{\"mac\":\"" + SECURE_MAC + "\",\"status\":\"ok\"}"), 401, "requires the device's token"));
        c.add(new Case("report for a device that never checked in", json("POST", "/u/relay/report",
                "{\"mac\":\"DE:BA:7A:B1:E0:99\",\"status\":\"ok\"}"), 404, "has never checked in at product 'relay'"));
        c.add(new Case("report with an unknown status", json("POST", "/u/relay/report",
                "{\"mac\":\"" + MAC + "\",\"status\":\"fine\"}"), 400, "status must be ok, error or rolled_back, got 'fine'"));
        c.add(new Case("open check-in with an enrolled device's MAC", device("/u/relay", "x-ESP8266-STA-MAC: " + SECURE_MAC,
                "x-ESP8266-version: 0.1.0"), 403, "not-enrolled: device " + SECURE_MAC + " is registered to another product"));
        c.add(new Case("open /version with an enrolled device's MAC", device("/u/relay/version?mac=" + SECURE_MAC), 403,
                "is registered to another product"));
        c.add(new Case("token for another product's device", json("POST", "/api/v1/devices/" + SECURE_MAC + "/token",
                "{\"product\":\"relay\"}"), 409, "belongs to product 'secure'; move it first"));
        c.add(new Case("device move without a product", json("PUT", "/api/v1/devices/" + SECURE_MAC + "/product", "{}"), 400,
                "the product the device moves to"));
        c.add(new Case("device move to an unknown product", json("PUT", "/api/v1/devices/" + SECURE_MAC + "/product",
                "{\"product\":\"nope\"}"), 404, "nope"));
        c.add(new Case("not HTTP at all", new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00, 0x00, (byte) 0xa1, 0x03, 0x03,
                '\r', '\n', '\r', '\n'}, 400, "malformed HTTP request"));
        // JSON bodies that are not objects, and numbers that are not whole.
        c.add(new Case("null as a JSON body", json("POST", "/api/v1/products", "null"), 400,
                "expected a JSON object with fields name, chip, kind, layout, slotSize, updatePath, healthWindowSeconds, got null"));
        c.add(new Case("an array as a JSON body", json("PUT", "/api/v1/products/relay/policy", "[]"), 400,
                "expected a JSON object with fields signing, enrollment, got an array"));
        c.add(new Case("null to the open device report", http("POST", "/u/relay/report", "application/json", text("null")), 400,
                "expected a JSON object with fields mac, status, version, detail, got null"));
        c.add(new Case("a number as the device report", http("POST", "/u/relay/report", "application/json", text("42")), 400,
                "expected a JSON object with fields mac, status, version, detail, got the number 42"));
        c.add(new Case("slotSize 1.5", json("POST", "/api/v1/products", "{\"name\":\"half\",\"layout\":\"arduino-4m\",\"slotSize\":1.5}"),
                400, "field 'slotSize' must be a whole number, got the number 1.5"));
        c.add(new Case("a string for a list", json("PUT", "/api/v1/products/relay/allowlist", "{\"macs\":\"" + MAC + "\"}"), 400,
                "field 'macs' must be an array"));
        c.add(new Case("1 KB detail in a device report", http("POST", "/u/relay/report", "application/json",
                text("{\"mac\":\"" + MAC + "\",\"status\":\"error\",\"detail\":\"" + "d".repeat(1_000) + "\"}")), 400,
                "bad detail: 1000 characters, at most 200 expected"));
        c.add(new Case("markup in a device report's detail", http("POST", "/u/relay/report", "application/json",
                text("{\"mac\":\"" + MAC + "\",\"status\":\"error\",\"detail\":\"<img src=x>\"}")), 400,
                "bad detail: contains '<' at position 0"));
        // MACs that are no device's.
        c.add(new Case("all-zero MAC in a check-in", device("/u/relay?mac=00:00:00:00:00:00"), 400,
                "'00:00:00:00:00:00' is the all-zero (unset) address, not a device's MAC"));
        c.add(new Case("broadcast MAC header", device("/u/relay", "x-ESP8266-STA-MAC: FF:FF:FF:FF:FF:FF"), 400,
                "'FF:FF:FF:FF:FF:FF' is the broadcast address"));
        c.add(new Case("multicast MAC in an allowlist", json("PUT", "/api/v1/products/relay/allowlist", "{\"macs\":[\"01:00:5e:00:00:fb\"]}"),
                400, "macs[0]: '01:00:5E:00:00:FB' is a multicast address"));
        c.add(new Case("all-zero MAC in a token request", json("POST", "/api/v1/devices/000000000000/token", "{\"product\":\"relay\"}"),
                400, "all-zero"));
        // Device-reported text: markup, control characters, length — never echoed whole.
        c.add(new Case("markup in a reported version", device("/u/relay", "x-ESP8266-STA-MAC: " + MAC, "x-ESP8266-version: 1<script>"), 400,
                "bad version: contains '<' at position 1; expected printable text without any of <>\"'&, like 1.0.0-dev+abc"));
        c.add(new Case("quote in a version query", device("/u/relay?mac=" + MAC + "&version=1%22onload%3D"), 400,
                "bad version: contains '\"' at position 1"));
        c.add(new Case("control character in a version query", device("/u/relay?mac=" + MAC + "&version=1%01"), 400,
                "bad version: contains the control character U+0001 at position 1"));
        c.add(new Case("markup in the SDK version", device("/u/relay", "x-ESP8266-STA-MAC: " + MAC, "x-ESP8266-sdk-version: <b>2</b>"), 400,
                "bad x-ESP8266-sdk-version: contains '<' at position 0"));
        c.add(new Case("10 KB version in an upload (echo bounded)", upload("relay", "v".repeat(10_000), V2), 400,
                "version '" + "v".repeat(64) + "... (10000 characters)' is not valid"));
        c.add(new Case("10 KB bad MAC (echo bounded)", device("/u/relay?mac=" + "z".repeat(1_500)), 400,
                "'" + "z".repeat(64) + "... (1500 characters)' is not a MAC address"));
        // Update paths that collide with the server's own routes, in any case.
        for (String path : List.of("/api", "/u", "/API/v1/tokens", "/U/relay", "/Health", "/Ready", "/metrics/x", "/ui")) {
            c.add(new Case("updatePath " + path, json("POST", "/api/v1/products", "{\"name\":\"p\",\"layout\":\"arduino-4m\",\"updatePath\":\""
                    + path + "\"}"), 400, "which the server's own routes use (in any letter case, paths under /api, /u, /ui, /health, "
                    + "/ready, /metrics are reserved)"));
        }
        // Token names: unique, ignoring case.
        c.add(new Case("duplicate token name (other case)", json("POST", "/api/v1/tokens", "{\"name\":\"CI-Deploy\",\"role\":\"viewer\"}"),
                409, "token name 'CI-Deploy' is taken by token #"));
        // 405 names every method, HEAD included.
        c.add(new Case("POST to a GET route", json("POST", "/api/v1/devices", "{}"), 405, "allowed: GET, HEAD"));
        return c.stream().map(Arguments::of);
    }

    @Test
    void theCatalogueHasAtLeastThirtyKinds() {
        assertThat(catalogue().count()).isGreaterThanOrEqualTo(30);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void isRefusedWithAMessageNamingTheProblemAndChangesNothing(Case c) throws Exception {
        Snapshot before = snapshot();
        RawHttp.Response r = RawHttp.exchange(server.port(), c.request());
        String said = new String(r.body(), StandardCharsets.UTF_8) + " | " + r.header("X-Updraft-Reason");
        assertThat(r.status()).as(said).isEqualTo(c.status());
        assertThat(said).contains(c.message());
        assertThat(snapshot()).isEqualTo(before);
    }

    /** The reserved updatePath roots cover every route the server registers, so no product path can shadow one. */
    @Test
    void everyRouteLiesUnderAReservedRoot() {
        for (var route : server.server().api().routes()) {
            String root = "/" + route.template().split("/", 3)[1];
            assertThat(org.updraft.server.catalog.Catalog.RESERVED_ROOTS).as(route.template()).contains(root);
        }
    }

    @Test
    void nonosRefusalsOfBadInputCloseTheConnection() throws Exception {
        Snapshot before = snapshot();
        RawHttp.Response r = RawHttp.exchange(server.port(), device("/u/wifi/user2.bin?mac=nonsense&version=1"));
        assertThat(r.raw()).isEmpty();
        RawHttp.Response longUri = RawHttp.exchange(server.port(), device("/u/wifi/user2.bin?mac=" + MAC + "&x=" + "c".repeat(3000)));
        assertThat(longUri.raw()).isEmpty();
        // Refused by the HTTP parser, before any route (NonosRefusalTest has every form).
        for (String target : List.of("/u/wifi/user1.bin?mac=" + MAC + "&x=" + "c".repeat(10_000), "/u/wifi/user2.bin?mac=%ZZ",
                "/u/wifi//user2.bin", "/u/wifi%2Fuser1.bin", "/u/wifi/user2.bin#x")) {
            assertThat(RawHttp.exchange(server.port(), device(target)).raw()).as(target.substring(0, Math.min(40, target.length()))).isEmpty();
        }
        assertThat(RawHttp.exchange(server.port(), "GET /u/wifi/user2.bin HTTP/1.1\r\nConnection: close\r\n\r\n").raw())
                .as("no Host").isEmpty();
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void everyMalformedCheckInCountsAsBadRequestWhateverTheEndpoint() throws Exception {
        double before = badRequests();
        RawHttp.exchange(server.port(), device("/u/relay?mac=hello"));
        RawHttp.exchange(server.port(), device("/u/relay/version?mac=hello"));
        RawHttp.exchange(server.port(), device("/u/wifi/user1.bin?mac=hello"));
        assertThat(badRequests() - before).isEqualTo(3.0);
    }

    @Test
    void aMalformedQueryStringIsAMalformedCheckIn() throws Exception {
        double before = badRequests();
        for (String path : List.of("/u/relay?mac=%FF", "/u/relay/version?x=%ZZ")) {
            RawHttp.Response r = RawHttp.exchange(server.port(), device(path));
            assertThat(r.status()).as(path).isEqualTo(400);
            assertThat(r.header("X-Updraft-Reason")).as(path).startsWith("bad-request: malformed query string");
            assertThat(r.body()).as("no body a firmware could take for a version").isEmpty();
        }
        assertThat(RawHttp.exchange(server.port(), device("/u/wifi/user1.bin?mac=%E2%82")).raw()).as("NONOS: closed").isEmpty();
        assertThat(badRequests() - before).isEqualTo(3.0);
    }

    static double badRequests() {
        String line = server.get("/metrics").body().lines().filter(l -> l.startsWith("updraft_checkins_total{outcome=\"bad-request\"}"))
                .findFirst().orElseThrow();
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }

    /** Everything a refused request could have touched. */
    record Snapshot(long blobs, long tmpFiles, long spooled, List<Long> rows, List<String> products, List<String> devices) {
    }

    static Snapshot snapshot() throws Exception {
        server.server().devices().flush();
        server.server().updates().flush();
        Path data = server.dataDir();
        long blobs;
        try (Stream<Path> walk = Files.walk(data.resolve("artifacts"))) {
            blobs = walk.filter(p -> p.toString().endsWith(".bin")).count();
        }
        long tmp;
        try (Stream<Path> walk = Files.list(data.resolve("artifacts").resolve("tmp"))) {
            tmp = walk.count();
        }
        long spooled = 0;
        if (Files.isDirectory(data.resolve("uploads"))) {
            try (Stream<Path> walk = Files.list(data.resolve("uploads"))) {
                spooled = walk.count();
            }
        }
        var jdbi = server.server().database().jdbi();
        List<Long> rows = new ArrayList<>();
        for (String table : List.of("product", "product_key", "product_allowlist", "firmware_release", "artifact", "release_artifact",
                "device", "check_in", "device_token", "device_update", "device_tag", "rollout")) {
            rows.add(jdbi.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM " + table).mapTo(Long.class).one()));
        }
        List<String> products = jdbi.withHandle(h -> h.createQuery(
                "SELECT name || ' ' || signing || ' ' || enrollment FROM product ORDER BY name").mapTo(String.class).list());
        // Which product each device belongs to and where its updates stand: a refused request moves neither.
        List<String> devices = jdbi.withHandle(h -> h.createQuery("""
                SELECT d.mac || ' ' || p.name || ' ' || COALESCE(d.running_version, '-') || ' ' || d.check_ins FROM device d
                JOIN product p ON p.id = d.product_id ORDER BY d.mac""").mapTo(String.class).list());
        devices.addAll(jdbi.withHandle(h -> h.createQuery("SELECT mac || ' ' || release_id || ' ' || state FROM device_update "
                + "ORDER BY mac, release_id").mapTo(String.class).list()));
        return new Snapshot(blobs, tmp, spooled, rows, products, devices);
    }
}
