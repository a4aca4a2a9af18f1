package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.updraft.core.layout.FlashLayout;
import org.updraft.server.TestServer;

/** {@code GET /api/v1/layouts}: every layout, with its regions in flash order, as the dashboard draws them. */
class LayoutApiTest {

    @Test
    void listsEveryLayoutWithItsRegionsInFlashOrder() throws Exception {
        try (TestServer server = new TestServer()) {
            JsonNode all = Json.MAPPER.readTree(server.expect(200, server.get("/api/v1/layouts")));
            List<String> ids = new ArrayList<>();
            all.forEach(l -> ids.add(l.get("id").asText()));
            assertThat(ids).containsExactly("nonos-512k", "nonos-1m", "nonos-4m-map4", "nonos-4m-map6", "arduino-4m", "arduino-1m",
                    "esp32-4m");
            JsonNode esp32 = all.get(ids.indexOf("esp32-4m"));
            assertThat(esp32.get("chip").asText()).isEqualTo("esp32");
            assertThat(esp32.get("flashSize").asLong()).isEqualTo(0x400000);
            assertThat(esp32.get("slotSize").asLong()).isEqualTo(0x140000);
            assertThat(esp32.get("slotOffsets").toString()).isEqualTo("[65536,1376256]");
            assertThat(esp32.get("regions").toString()).isEqualTo("[{\"name\":\"nvs\",\"offset\":36864,\"size\":20480},"
                    + "{\"name\":\"otadata\",\"offset\":57344,\"size\":8192},{\"name\":\"app0\",\"offset\":65536,\"size\":1310720},"
                    + "{\"name\":\"app1\",\"offset\":1376256,\"size\":1310720},{\"name\":\"spiffs\",\"offset\":2686976,\"size\":1441792},"
                    + "{\"name\":\"coredump\",\"offset\":4128768,\"size\":65536}]");
            JsonNode nonos = all.get(ids.indexOf("nonos-1m"));
            assertThat(nonos.get("regions")).hasSize(FlashLayout.NONOS_1M.partitions().size());
            assertThat(nonos.get("regions").get(1).get("name").asText()).isEqualTo("user1");
        }
    }
}
