package org.updraft.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.updraft.server.security.Signing.MANIFEST_KEY;
import static org.updraft.server.security.Signing.OTHER_ED;
import static org.updraft.server.security.Signing.OTHER_RSA;
import static org.updraft.server.security.Signing.TRUSTED_RSA;
import static org.updraft.server.security.Signing.pem;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;
import org.updraft.server.artifact.Digests;
import org.updraft.server.http.Json;

/**
 * Per-product signing policy, trusted keys and release manifests, through the management API:
 * what the upload accepts and refuses (with the reason named), and that a signed image is served
 * byte for byte as uploaded.
 */
class SigningPolicyTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(21, 9_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(22, 9_500).build();
    static final byte[] V3 = ImageBuilder.arduino().version("3.0.0").payload(23, 9_700).build();
    static final String PEM = "application/x-pem-file";

    TestServer server;

    @BeforeEach
    void start() {
        server = new TestServer();
        server.product("relay", "arduino-4m");
        server.product("meter", "esp32-4m");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    HttpResponse<String> addKey(String product, byte[] pem) {
        return server.send("POST", "/api/v1/products/" + product + "/keys", PEM, pem);
    }

    HttpResponse<String> policy(String product, String json) {
        return server.send("PUT", "/api/v1/products/" + product + "/policy", json);
    }

    static String error(HttpResponse<String> r) throws Exception {
        return Json.MAPPER.readTree(r.body()).get("error").asText();
    }

    HttpResponse<String> upload(String product, String version, byte[] firmware, String manifest, boolean downgrade) {
        Multipart m = new Multipart().field("version", version);
        if (downgrade) {
            m.field("downgrade", "true");
        }
        if (manifest != null) {
            m.field("manifest", manifest);
        }
        return server.upload(product, m.file("firmware", "firmware.bin", firmware));
    }

    void sign(String product) {
        server.expect(201, addKey(product, pem(TRUSTED_RSA)));
        server.expect(200, policy(product, "{\"signing\":\"required\"}"));
    }

    @Test
    void keysAreStoredWithTheirFingerprintListedAndRemovable() throws Exception {
        HttpResponse<String> r = addKey("relay", pem(TRUSTED_RSA));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode keys = Json.MAPPER.readTree(r.body());
        assertThat(keys).hasSize(1);
        assertThat(keys.get(0).get("fingerprint").asText()).isEqualTo(TRUSTED_RSA.fingerprint());
        assertThat(keys.get(0).get("algorithm").asText()).isEqualTo("rsa-2048");
        assertThat(keys.get(0).get("use").asText()).isEqualTo("image");
        String keyId = keys.get(0).get("keyId").asText();
        assertThat(keyId).isEqualTo(Digests.sha256Hex(TRUSTED_RSA.verifyingKey().publicKey().getEncoded()));

        assertThat(addKey("relay", pem(TRUSTED_RSA)).statusCode()).as("adding a trusted key again").isEqualTo(200);
        server.expect(201, addKey("relay", pem(MANIFEST_KEY)));
        var listed = Json.MAPPER.readTree(server.get("/api/v1/products/relay/keys").body());
        assertThat(listed).hasSize(2);
        assertThat(listed.get(1).get("use").asText()).isEqualTo("manifest");

        server.restart();
        assertThat(Json.MAPPER.readTree(server.get("/api/v1/products/relay/keys").body())).hasSize(2);
        server.expect(200, server.send("DELETE", "/api/v1/products/relay/keys/" + keyId, null));
        assertThat(Json.MAPPER.readTree(server.get("/api/v1/products/relay/keys").body())).hasSize(1);
        HttpResponse<String> gone = server.send("DELETE", "/api/v1/products/relay/keys/" + keyId, null);
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(error(gone)).contains("trusts no key " + keyId);
    }

    @Test
    void requiringSignaturesNeedsAnImageKeyAndTheLastOneCannotBeRemoved() throws Exception {
        HttpResponse<String> r = policy("relay", "{\"signing\":\"required\"}");
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(error(r)).contains("has no trusted image key");
        server.expect(201, addKey("relay", pem(MANIFEST_KEY)));
        assertThat(policy("relay", "{\"signing\":\"required\"}").statusCode()).as("an Ed25519 key checks manifests only").isEqualTo(409);

        sign("relay");
        assertThat(Json.MAPPER.readTree(server.get("/api/v1/products/relay").body()).get("signing").asText()).isEqualTo("required");
        String keyId = Digests.sha256Hex(TRUSTED_RSA.verifyingKey().publicKey().getEncoded());
        HttpResponse<String> last = server.send("DELETE", "/api/v1/products/relay/keys/" + keyId, null);
        assertThat(last.statusCode()).isEqualTo(409);
        assertThat(error(last)).contains("requires signed images: it must keep at least one image key");
    }

    @Test
    void refusedKeysNameTheProblem() throws Exception {
        HttpResponse<String> ec = addKey("relay", pem(Signing.ECDSA));
        assertThat(ec.statusCode()).isEqualTo(422);
        assertThat(error(ec)).contains("is ECDSA P-256, but product 'relay' is ESP8266");
        server.expect(201, addKey("meter", pem(Signing.ECDSA)));

        HttpResponse<String> priv = addKey("relay", TRUSTED_RSA.pem().getBytes());
        assertThat(priv.statusCode()).isEqualTo(422);
        assertThat(error(priv)).contains("is a PRIVATE KEY; upload only the public half");

        HttpResponse<String> none = addKey("relay", "hello".getBytes());
        assertThat(none.statusCode()).isEqualTo(400);
        assertThat(error(none)).contains("found none");

        HttpResponse<String> json = server.send("POST", "/api/v1/products/relay/keys", "{\"pem\":\"x\"}");
        assertThat(json.statusCode()).isEqualTo(415);
        assertThat(server.get("/api/v1/products/relay/keys").body()).isEqualTo("[]");
    }

    @Test
    void requiredSigningRefusesUnsignedUntrustedAndBadSignaturesAndServesSignedImagesVerbatim() throws Exception {
        sign("relay");
        HttpResponse<String> unsigned = upload("relay", "1.0.0", V1, null, false);
        assertThat(unsigned.statusCode()).isEqualTo(422);
        assertThat(error(unsigned)).startsWith("firmware image rejected: no signature trailer: product 'relay' requires images "
                + "signed with one of its trusted keys (RSA-2048 " + TRUSTED_RSA.fingerprint() + ")");

        HttpResponse<String> untrusted = upload("relay", "1.0.0", Signing.sign(V1, OTHER_RSA), null, false);
        assertThat(untrusted.statusCode()).isEqualTo(422);
        assertThat(error(untrusted)).startsWith("firmware image rejected: untrusted key: the image is signed, but not by a key "
                + "product 'relay' trusts (RSA-2048 " + TRUSTED_RSA.fingerprint() + ")");

        byte[] edSigned = Signing.sign(V1, OTHER_ED);
        assertThat(error(upload("relay", "1.0.0", edSigned, null, false))).contains("untrusted key")
                .contains("signature length 64 does not match the 2048-bit key (256)");

        byte[] tampered = Signing.transplant(Signing.sign(V1, TRUSTED_RSA), V1, V2);
        HttpResponse<String> bad = upload("relay", "1.0.0", tampered, null, false);
        assertThat(bad.statusCode()).isEqualTo(422);
        assertThat(error(bad)).isEqualTo("firmware image rejected: bad signature: trusted key " + TRUSTED_RSA.fingerprint()
                + " made the signature, but it does not verify: the image bytes changed after signing (the SHA-256 inside "
                + "the signature is not the image's)");

        HttpResponse<String> legacy = upload("relay", "1.0.0", Signing.legacySign(V1, TRUSTED_RSA), null, false);
        assertThat(legacy.statusCode()).isEqualTo(422);
        assertThat(error(legacy)).contains("bad signature").contains("legacy raw-digest signature");

        byte[] signed = Signing.sign(V1, TRUSTED_RSA);
        HttpResponse<String> ok = upload("relay", "1.0.0", signed, null, false);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
        assertThat(Json.MAPPER.readTree(ok.body()).get("signer").asText()).isEqualTo(TRUSTED_RSA.fingerprint());

        RawHttp.Response served = RawHttp.exchange(server.port(), "GET /u/relay?mac=DE:BA:7A:B1:E0:42&version=0.1 HTTP/1.0\r\n\r\n");
        assertThat(served.status()).isEqualTo(200);
        assertThat(served.body()).isEqualTo(signed);
        assertThat(served.header("x-MD5")).isEqualTo(Digests.md5Hex(signed));
    }

    @Test
    void keyRotationReplacesTheTrustedSetInOneStep() throws Exception {
        sign("relay");
        String both = new String(pem(TRUSTED_RSA)) + new String(pem(OTHER_RSA));
        var r = server.send("PUT", "/api/v1/products/relay/keys", PEM, both.getBytes());
        assertThat(Json.MAPPER.readTree(server.expect(200, r))).hasSize(2);
        server.expect(201, upload("relay", "1.0.0", Signing.sign(V1, OTHER_RSA), null, false));
        server.expect(200, server.send("PUT", "/api/v1/products/relay/keys", PEM, pem(OTHER_RSA)));
        assertThat(error(upload("relay", "2.0.0", Signing.sign(V2, TRUSTED_RSA), null, false))).contains("untrusted key");
        var empty = server.send("PUT", "/api/v1/products/relay/keys", PEM, pem(MANIFEST_KEY));
        assertThat(empty.statusCode()).as("required signing keeps an image key").isEqualTo(409);
    }

    @Test
    void unsignedAllowedAcceptsUnsignedAndRecordsATrustedSignerButRefusesATamperedSignature() throws Exception {
        server.expect(201, addKey("relay", pem(TRUSTED_RSA)));
        assertThat(Json.MAPPER.readTree(server.expect(201, upload("relay", "1.0.0", V1, null, false))).get("signer").isNull()).isTrue();
        assertThat(Json.MAPPER.readTree(server.expect(201, upload("relay", "2.0.0", Signing.sign(V2, OTHER_RSA), null, false)))
                .get("signer").isNull()).isTrue();
        assertThat(Json.MAPPER.readTree(server.expect(201, upload("relay", "3.0.0", Signing.sign(V3, TRUSTED_RSA), null, false)))
                .get("signer").asText()).isEqualTo(TRUSTED_RSA.fingerprint());
        byte[] v4 = ImageBuilder.arduino().version("4.0.0").payload(24, 9_000).build();
        assertThat(error(upload("relay", "4.0.0", Signing.transplant(Signing.sign(V1, TRUSTED_RSA), V1, v4), null, false)))
                .contains("bad signature");
    }

    @Test
    void esp32ProductsVerifyEcdsaTrailers() throws Exception {
        server.expect(201, addKey("meter", pem(Signing.ECDSA)));
        server.expect(200, policy("meter", "{\"signing\":\"required\"}"));
        byte[] app = ImageBuilder.esp32().build();
        byte[] signed = Signing.sign(app, Signing.ECDSA);
        var r = upload("meter", "1.0.0", signed, null, false);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(error(upload("meter", "1.0.1", app, null, false))).contains("no signature trailer");
    }

    @Test
    void aManifestIsVerifiedMatchedAndItsCounterStored() throws Exception {
        server.expect(201, addKey("relay", pem(MANIFEST_KEY)));
        Instant future = Instant.now().plus(Duration.ofDays(30));
        String m = Signing.manifest("relay", "1.0.0", V1, 5, future, MANIFEST_KEY);
        var ok = upload("relay", "1.0.0", V1, m, false);
        JsonNode release = Json.MAPPER.readTree(server.expect(201, ok));
        assertThat(release.get("securityCounter").asLong()).isEqualTo(5);
        assertThat(release.get("manifest").asText()).isEqualTo(m);

        assertThat(error(upload("relay", "2.0.0", V2, Signing.manifest("relay", "2.0.0", V2, 6, Instant.now().minusSeconds(60),
                MANIFEST_KEY), false))).startsWith("manifest rejected: expired at ");
        assertThat(error(upload("relay", "2.0.0", V2, Signing.manifest("relay", "2.0.0", V2, 6, future, OTHER_ED), false)))
                .startsWith("manifest rejected: untrusted key " + OTHER_ED.fingerprint());
        assertThat(error(upload("relay", "2.0.0", V2, Signing.manifest("relay", "2.0.0", V1, 6, future, MANIFEST_KEY), false)))
                .startsWith("manifest rejected: artifact firmware: the manifest says sha256 " + Digests.sha256Hex(V1));
        assertThat(error(upload("relay", "2.0.0", V2, Signing.manifest("meter", "2.0.0", V2, 6, future, MANIFEST_KEY), false)))
                .isEqualTo("manifest rejected: it is for product 'meter', but this upload is for 'relay'");
        assertThat(error(upload("relay", "2.0.0", V2, Signing.manifest("relay", "2.0.1", V2, 6, future, MANIFEST_KEY), false)))
                .isEqualTo("manifest rejected: it is for version 2.0.1, but this upload is version 2.0.0");
        String forged = Signing.manifest("relay", "2.0.0", V2, 6, future, MANIFEST_KEY).replace("security-counter=6", "security-counter=9");
        assertThat(error(upload("relay", "2.0.0", V2, forged, false))).startsWith("manifest rejected: bad signature");
        assertThat(error(upload("relay", "2.0.0", V2, "hello", false))).startsWith("manifest rejected: line 1: expected key=value");

        HttpResponse<String> lower = upload("relay", "2.0.0", V2, Signing.manifest("relay", "2.0.0", V2, 4, future, MANIFEST_KEY), false);
        assertThat(lower.statusCode()).isEqualTo(409);
        assertThat(error(lower)).startsWith("security counter 4 is lower than 5 of release 1.0.0");
        HttpResponse<String> none = upload("relay", "2.0.0", V2, null, false);
        assertThat(none.statusCode()).isEqualTo(409);
        assertThat(error(none)).startsWith("security counter 0 (a release without a manifest) is lower than 5 of release 1.0.0");
        server.expect(201, upload("relay", "0.9.0", V2, Signing.manifest("relay", "0.9.0", V2, 4, future, MANIFEST_KEY), true));
        server.expect(201, upload("relay", "2.0.0", V3, Signing.manifest("relay", "2.0.0", V3, 5, future, MANIFEST_KEY), false));

        server.restart();
        JsonNode kept = Json.MAPPER.readTree(server.get("/api/v1/products/relay/releases/1.0.0").body());
        assertThat(kept.get("securityCounter").asLong()).isEqualTo(5);
        assertThat(kept.get("manifest").asText()).isEqualTo(m);
    }

    @Test
    void aManifestNeedsAnEd25519KeyOfTheProduct() throws Exception {
        String m = Signing.manifest("relay", "1.0.0", V1, 1, Instant.now().plusSeconds(3600), MANIFEST_KEY);
        assertThat(error(upload("relay", "1.0.0", V1, m, false)))
                .startsWith("manifest rejected: product 'relay' has no Ed25519 manifest key to check it with");
    }
}
