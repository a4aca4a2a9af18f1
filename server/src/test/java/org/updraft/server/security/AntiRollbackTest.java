package org.updraft.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.updraft.server.security.Signing.MANIFEST_KEY;

import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.testsupport.Multipart;
import org.updraft.server.RawHttp;
import org.updraft.server.TestServer;
import org.updraft.server.artifact.Digests;

/**
 * Anti-rollback (DESIGN §8): versions — a lower version reaches a device only through a pin or a
 * release marked as a downgrade; security counters — a release below the highest counter a device
 * has run (now, installed or confirmed) is never offered, pinned or not.
 */
class AntiRollbackTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(41, 8_000).build();
    static final byte[] V15 = ImageBuilder.arduino().version("1.5.0").payload(42, 8_200).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(43, 8_400).build();
    static final Instant FUTURE = Instant.now().plusSeconds(30 * 86_400);

    TestServer server;

    @BeforeEach
    void start() {
        server = new TestServer();
        server.expect(201, server.send("POST", "/api/v1/products",
                "{\"name\":\"relay\",\"layout\":\"arduino-4m\",\"healthWindowSeconds\":0}"));
        server.expect(201, server.send("POST", "/api/v1/products/relay/keys", "application/x-pem-file", Signing.pem(MANIFEST_KEY)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    void upload(String product, String version, byte[] fw, Long counter, boolean downgrade) {
        Multipart m = new Multipart().field("version", version);
        if (downgrade) {
            m.field("downgrade", "true");
        }
        if (counter != null) {
            m.field("manifest", Signing.manifest(product, version, fw, counter, FUTURE, MANIFEST_KEY));
        }
        server.expect(201, server.upload(product, m.file("firmware", "fw.bin", fw)));
    }

    RawHttp.Response checkIn(String product, String mac, byte[] running, String version) throws Exception {
        return RawHttp.exchange(server.port(), "GET /u/" + product + " HTTP/1.0\r\n"
                + "User-Agent: ESP8266-http-Update\r\n"
                + "x-ESP8266-STA-MAC: " + mac + "\r\n"
                + "x-ESP8266-free-space: 1000000\r\n"
                + "x-ESP8266-chip-size: 4194304\r\n"
                + (running == null ? "" : "x-ESP8266-sketch-md5: " + Digests.md5Hex(running) + "\r\n")
                + "x-ESP8266-mode: sketch\r\n"
                + (version == null ? "" : "x-ESP8266-version: " + version + "\r\n")
                + "\r\n");
    }

    void pin(String mac, String version) {
        server.expect(200, server.send("PUT", "/api/v1/devices/" + mac + "/pin", "{\"version\":\"" + version + "\"}"));
    }

    @Test
    void aReleaseBelowTheCounterADeviceHasRunIsNeverOfferedEvenWhenPinned() throws Exception {
        upload("relay", "1.0.0", V1, 1L, false);
        upload("relay", "2.0.0", V2, 3L, false);
        upload("relay", "1.5.0", V15, 1L, true);

        String a = "DE:BA:7A:B1:E0:01";
        assertThat(checkIn("relay", a, V1, null).body()).isEqualTo(V2);
        RawHttp.Response confirmed = checkIn("relay", a, V2, null);
        assertThat(confirmed.status()).isEqualTo(304);
        // Reflashed by cable to 1.0.0 and pinned to the counter-1 downgrade: it has confirmed counter 3.
        pin(a, "1.5.0");
        RawHttp.Response refused = checkIn("relay", a, V1, null);
        assertThat(refused.status()).isEqualTo(304);
        assertThat(refused.header("X-Updraft-Reason")).isEqualTo("below-security-counter: release 1.5.0 has security counter 1, "
                + "below 3 of release 2.0.0 which this device has run (pinned)");
        RawHttp.Response version = RawHttp.exchange(server.port(), "GET /u/relay/version?mac=" + a + "&version=1.0.0 HTTP/1.0\r\n\r\n");
        assertThat(version.status()).as("/version does not advertise it either").isEqualTo(404);
        assertThat(version.header("X-Updraft-Reason")).startsWith("below-security-counter");

        // A device that only ever ran counter 1 gets the pinned downgrade.
        String b = "DE:BA:7A:B1:E0:02";
        checkIn("relay", b, V1, null);
        pin(b, "1.5.0");
        assertThat(checkIn("relay", b, V1, null).body()).isEqualTo(V15);

        // Running counter 3 now (recognised by its image hash) is enough.
        String c = "DE:BA:7A:B1:E0:03";
        checkIn("relay", c, V2, null);
        pin(c, "1.5.0");
        assertThat(checkIn("relay", c, V2, null).header("X-Updraft-Reason")).startsWith("below-security-counter");

        server.restart();
        assertThat(checkIn("relay", a, V1, null).header("X-Updraft-Reason")).as("the floor survives a restart")
                .startsWith("below-security-counter");
    }

    @Test
    void aLowerVersionIsOfferedOnlyWhenPinnedOrMarkedAsADowngrade() throws Exception {
        upload("relay", "1.0.0", V1, null, false);
        upload("relay", "2.0.0", V2, null, false);
        upload("relay", "1.5.0", V15, null, true);

        String d = "DE:BA:7A:B1:E0:04";
        RawHttp.Response newer = checkIn("relay", d, null, "3.0.0");
        assertThat(newer.status()).isEqualTo(304);
        assertThat(newer.header("X-Updraft-Reason")).isEqualTo("running-newer: runs 3.0.0, newer than 2.0.0 (not marked as a downgrade)");

        // A pin is an explicit per-device choice: offered even though 1.0.0 is not marked as a downgrade.
        pin(d, "1.0.0");
        assertThat(checkIn("relay", d, V2, null).body()).isEqualTo(V1);
        server.expect(200, server.send("DELETE", "/api/v1/devices/" + d + "/pin", null));

        // Through a rollout: the downgrade-marked 1.5.0 reaches a device on 2.0.0 ...
        var rollout = server.send("POST", "/api/v1/products/relay/rollouts", "{\"version\":\"1.5.0\",\"waves\":\"100\"}");
        long id = org.updraft.server.http.Json.MAPPER.readTree(server.expect(201, rollout)).get("id").asLong();
        server.expect(200, server.send("POST", "/api/v1/rollouts/" + id + "/start", null));
        assertThat(checkIn("relay", d, V2, null).body()).isEqualTo(V15);
        server.expect(200, server.send("POST", "/api/v1/rollouts/" + id + "/abort", "{\"reason\":\"test\"}"));

        // ... and 1.0.0, not marked, does not.
        var second = server.send("POST", "/api/v1/products/relay/rollouts", "{\"version\":\"1.0.0\",\"waves\":\"100\"}");
        long id2 = org.updraft.server.http.Json.MAPPER.readTree(server.expect(201, second)).get("id").asLong();
        server.expect(200, server.send("POST", "/api/v1/rollouts/" + id2 + "/start", null));
        RawHttp.Response notMarked = checkIn("relay", "DE:BA:7A:B1:E0:05", V2, null);
        assertThat(notMarked.status()).isEqualTo(304);
        assertThat(notMarked.header("X-Updraft-Reason")).startsWith("running-newer: runs 2.0.0, newer than 1.0.0");
    }
}
