package org.updraft.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.Multipart;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.server.catalog.Product;

/** The batched device writer on both databases: many check-ins, few rows, nothing lost. */
class DeviceRegistryTest {

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aThousandCheckInsOfTwoHundredDevicesBecomeTwoHundredDevicesAndAThousandTimelineRows(TestDatabase db) {
        try (TestServer server = new TestServer(db)) {
            server.product("relay", "arduino-4m");
            server.uploadOk("relay", "2.0.0", Multipart.file("firmware", ImageBuilder.arduino().payload(61, 5_000).build()));
            DeviceRegistry devices = server.server().devices();
            UpdatePolicy policy = new UpdatePolicy(server.server().catalog(), devices, server.server().rollouts(),
                    server.server().updates());
            Optional<Product> product = server.server().catalog().product("relay");
            Instant t0 = Instant.parse("2026-11-27T00:00:00Z");
            for (int i = 0; i < 1000; i++) {
                String mac = String.format("AA:BB:CC:00:%02X:%02X", (i % 200) / 256, (i % 200) % 256);
                String version = i < 800 ? "1.0.0" : "2.0.0";
                CheckIn in = CheckIn.parse(Endpoint.HTTP_UPDATE, "/u/relay", 0, h -> null,
                        Map.of("mac", mac, "version", version)::get, "10.0.0." + (i % 200), t0.plusSeconds(i));
                devices.record(policy.decide(in, product));
            }
            devices.flush();

            var all = devices.list("relay", null, null);
            assertThat(all).hasSize(200);
            assertThat(all).allSatisfy(d -> assertThat(d.runningVersion()).isEqualTo("2.0.0"));
            assertThat(all).allSatisfy(d -> assertThat(d.lastOutcome()).isEqualTo("up-to-date"));
            Device first = devices.find("AA:BB:CC:00:00:00").orElseThrow();
            assertThat(first.timeline()).hasSize(5);
            assertThat(first.firstSeen()).isEqualTo(t0);
            assertThat(first.lastSeen()).isEqualTo(t0.plusSeconds(800));
            assertThat(first.timeline().get(0).outcome()).isEqualTo("up-to-date");
            assertThat(first.timeline().get(4).outcome()).isEqualTo("update");
            long rows = server.server().database().jdbi()
                    .withHandle(h -> h.createQuery("SELECT COUNT(*) FROM check_in").mapTo(Long.class).one());
            assertThat(rows).isEqualTo(1000);
        }
    }
}
