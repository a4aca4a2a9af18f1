package org.updraft.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.testsupport.Multipart;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.server.catalog.Product;

/**
 * The batched device writer on both databases: many check-ins, few rows, nothing lost; the device
 * row counts every check-in, the timeline keeps the changes.
 */
class DeviceRegistryTest {

    private static final Instant T0 = Instant.parse("2026-11-27T00:00:00Z");

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aThousandCheckInsOfTwoHundredDevicesBecomeTwoHundredDevicesAndATimelineRowPerChange(TestDatabase db) throws Exception {
        try (TestServer server = new TestServer(db)) {
            Optional<Product> product = relayWithRelease200(server);
            DeviceRegistry devices = server.server().devices();
            UpdatePolicy policy = policy(server);
            for (int i = 0; i < 1000; i++) {
                String mac = String.format("AA:BB:CC:00:%02X:%02X", (i % 200) / 256, (i % 200) % 256);
                String version = i < 800 ? "1.0.0" : "2.0.0";
                devices.record(policy.decide(checkIn(Endpoint.HTTP_UPDATE, mac, version, "10.0.0." + (i % 200), i), product));
            }
            devices.flush();

            var all = devices.list("relay");
            assertThat(all).hasSize(200);
            assertThat(all).allSatisfy(d -> assertThat(d.runningVersion()).isEqualTo("2.0.0"));
            assertThat(all).allSatisfy(d -> assertThat(d.lastOutcome()).isEqualTo("up-to-date"));
            assertThat(all).allSatisfy(d -> assertThat(d.checkIns()).isEqualTo(5));
            Device first = devices.find("AA:BB:CC:00:00:00").orElseThrow();
            assertThat(first.firstSeen()).isEqualTo(T0);
            assertThat(first.lastSeen()).isEqualTo(T0.plusSeconds(800));
            // Four identical "update" decisions are one row; the move to 2.0.0 is the second.
            assertThat(first.timeline()).extracting(e -> e.at() + " " + e.outcome() + " " + e.reason())
                    .containsExactly(T0.plusSeconds(800) + " up-to-date reports version 2.0.0", T0 + " update 1.0.0 -> 2.0.0");
            long rows = server.server().database().jdbi()
                    .withHandle(h -> h.createQuery("SELECT COUNT(*) FROM check_in").mapTo(Long.class).one());
            assertThat(rows).isEqualTo(400);

            String metrics = server.get("/metrics").body();
            assertThat(metrics).contains("updraft_checkin_writer_pending{rows=\"device\"} 0.0",
                    "updraft_checkin_writer_pending{rows=\"timeline\"} 0.0", "updraft_checkin_writer_shed_total 0.0",
                    "updraft_checkin_writer_waited_total 0.0", "updraft_checkin_writer_lost_total{rows=\"device\"} 0.0",
                    "updraft_checkin_writer_lost_total{rows=\"timeline\"} 0.0", "updraft_checkin_writer_coalesced_total ");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void theTimelineKeepsADecisionWhenEndpointOutcomeReasonVersionsOrAddressChange(TestDatabase db) throws Exception {
        try (TestServer server = new TestServer(db)) {
            Optional<Product> product = relayWithRelease200(server);
            DeviceRegistry devices = server.server().devices();
            UpdatePolicy policy = policy(server);
            String mac = "AA:BB:CC:00:00:01";
            int second = 0;
            for (var c : new String[][] {
                    {"1.0.0", "10.0.0.1"}, {"1.0.0", "10.0.0.1"}, // update, then the same: one row
                    {"1.0.0", "10.0.0.2"},                        // another address: a row
                    {"2.0.0", "10.0.0.2"}, {"2.0.0", "10.0.0.2"}, // up to date: a row, then none
                    {"1.0.0", "10.0.0.2"}}) {                     // back on 1.0.0: a row
                devices.record(policy.decide(checkIn(Endpoint.HTTP_UPDATE, mac, c[0], c[1], second++), product));
            }
            devices.record(policy.decide(checkIn(Endpoint.VERSION, mac, "1.0.0", "10.0.0.2", second++), product));
            devices.record(policy.decide(checkIn(Endpoint.VERSION, mac, "1.0.0", "10.0.0.2", second++), product));

            Device d = devices.find(mac).orElseThrow();
            assertThat(d.checkIns()).isEqualTo(8);
            assertThat(d.lastSeen()).isEqualTo(T0.plusSeconds(7));
            assertThat(d.timeline()).extracting(e -> e.at().getEpochSecond() - T0.getEpochSecond() + " " + e.endpoint() + " "
                            + e.outcome() + " " + e.runningVersion() + " " + e.address())
                    .containsExactly(
                            "6 version version 1.0.0 10.0.0.2",
                            "5 http-update update 1.0.0 10.0.0.2",
                            "3 http-update up-to-date 2.0.0 10.0.0.2",
                            "2 http-update update 1.0.0 10.0.0.2",
                            "0 http-update update 1.0.0 10.0.0.1");
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aChangeOnlyTheDeviceRowShowsUpdatesTheRowAndAddsNoTimelineRow(TestDatabase db) throws Exception {
        try (TestServer server = new TestServer(db)) {
            server.product("relay", "arduino-4m");
            DeviceRegistry devices = server.server().devices();
            UpdatePolicy policy = policy(server);
            Optional<Product> product = server.server().catalog().product("relay");
            String mac = "18:FE:34:00:00:01";
            long[] freeSpace = {2_093_056, 2_093_056, 1_000_000, 1_000_000};
            for (int i = 0; i < freeSpace.length; i++) {
                Map<String, String> headers = Map.of("x-ESP8266-STA-MAC", mac, "x-ESP8266-free-space", "" + freeSpace[i],
                        "x-ESP8266-version", "1.0.0");
                devices.record(policy.decide(CheckIn.parse(Endpoint.HTTP_UPDATE, "/u/relay", 0, headers::get, q -> null,
                        "10.0.0.1", T0.plusSeconds(i)), product));
                devices.flush(); // one batch per check-in: the second and fourth only move last_seen and the count
            }
            Device d = devices.find(mac).orElseThrow();
            assertThat(d.freeSpace()).isEqualTo(1_000_000);
            assertThat(d.checkIns()).isEqualTo(4);
            assertThat(d.firstSeen()).isEqualTo(T0);
            assertThat(d.lastSeen()).isEqualTo(T0.plusSeconds(3));
            assertThat(d.timeline()).extracting(e -> e.outcome()).containsExactly("no-release");
        }
    }

    /** Product "relay" (arduino-4m) with release 2.0.0. */
    /**
     * A check-in decided at the device's old product (it passed belongsTo) and recorded only after
     * an operator moved the device: the row keeps the new product, in memory and in the database.
     */
    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aCheckInDecidedBeforeAMoveAndWrittenAfterItKeepsTheNewProduct(TestDatabase db) throws Exception {
        try (TestServer server = new TestServer(db)) {
            Optional<Product> relay = relayWithRelease200(server);
            server.product("lamp", "arduino-4m");
            Product lamp = server.server().catalog().product("lamp").orElseThrow();
            DeviceRegistry devices = server.server().devices();
            UpdatePolicy policy = policy(server);
            String mac = "AA:BB:CC:00:00:02";
            devices.claim(mac, relay.get().id());
            devices.record(policy.decide(checkIn(Endpoint.HTTP_UPDATE, mac, "1.0.0", "10.0.0.1", 0), relay));
            devices.flush();
            Decision late = policy.decide(checkIn(Endpoint.HTTP_UPDATE, mac, "1.0.0", "10.0.0.2", 1), relay);
            devices.move(mac, lamp);
            devices.record(late);
            devices.flush();
            assertThat(devices.owner(mac)).isEqualTo(lamp.id());
            assertThat(devices.find(mac).orElseThrow().product()).isEqualTo("lamp");
            assertThat(devices.find(mac).orElseThrow().address()).as("the late check-in was written").isEqualTo("10.0.0.2");
        }
    }

    private static Optional<Product> relayWithRelease200(TestServer server) {
        server.product("relay", "arduino-4m");
        server.uploadOk("relay", "2.0.0", Multipart.file("firmware", ImageBuilder.arduino().payload(61, 5_000).build()));
        return server.server().catalog().product("relay");
    }

    private static UpdatePolicy policy(TestServer server) {
        return new UpdatePolicy(server.server().catalog(), server.server().devices(), server.server().rollouts(),
                server.server().updates());
    }

    private static CheckIn checkIn(Endpoint endpoint, String mac, String version, String address, int second) {
        return CheckIn.parse(endpoint, "/u/relay", 0, h -> null, Map.of("mac", mac, "version", version)::get, address,
                T0.plusSeconds(second));
    }
}
