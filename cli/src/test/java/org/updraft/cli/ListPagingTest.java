package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;

/**
 * The list commands read every page of a paged list (docs/api.md, "Paging"), following each
 * page's next link, and stop early only when --limit says so.
 */
class ListPagingTest {

    private static final String TOKEN = org.updraft.server.auth.ApiTokens.newSecret();

    @TempDir
    Path dir;

    @Test
    void deviceListPrintsEveryDeviceOfAFleetLargerThanOnePage() throws Exception {
        try (UpdraftServer server = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir.resolve("data"), null).withAdminToken(TOKEN))) {
            String url = server.baseUri().toString();
            assertThat(Run.of("product", "create", "relay", "--chip", "esp8266", "--layout", "arduino-4m", "--server", url,
                    "--token", TOKEN).exit()).isZero();
            List<String> macs = new ArrayList<>();
            for (int i = 0; i < 1_203; i++) {
                String mac = String.format("5C:CF:7F:00:%02X:%02X", i / 256, i % 256);
                macs.add(mac);
                checkIn(server.port(), mac);
            }

            Run json = Run.of("device", "list", "--server", url, "--token", TOKEN, "--json");
            assertThat(json.exit()).as(json.err()).isZero();
            JsonNode all = ApiClient.JSON.readTree(json.out());
            List<String> listed = new ArrayList<>();
            all.forEach(d -> listed.add(d.get("mac").asText()));
            assertThat(listed).as("two pages of 1000, in MAC order, each device once").containsExactlyElementsOf(macs);

            Run table = Run.of("device", "list", "--product", "relay", "--server", url, "--token", TOKEN);
            assertThat(table.exit()).as(table.err()).isZero();
            String[] lines = table.out().split("\n");
            assertThat(lines).hasSize(1 + 1_203);
            assertThat(lines[1]).startsWith("5C:CF:7F:00:00:00  relay");
            assertThat(lines[1_203]).startsWith("5C:CF:7F:00:04:B2  relay");

            Run some = Run.of("device", "list", "--limit", "1001", "--server", url, "--token", TOKEN, "--json");
            assertThat(some.exit()).as(some.err()).isZero();
            JsonNode first = ApiClient.JSON.readTree(some.out());
            assertThat(first).hasSize(1_001);
            assertThat(first.get(1_000).get("mac").asText()).isEqualTo(macs.get(1_000));
        }
    }

    /** A check-in by query string, as the bare HTTP/1.0 request a test device sends. */
    private static void checkIn(int port, String mac) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(("GET /u/relay?mac=" + mac + "&version=1.0.0 HTTP/1.0\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            String status = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1).split("\r\n", 2)[0];
            assertThat(status).as(mac).endsWith(" 304 Not Modified");
        }
    }

    @Test
    void aListFollowsNextUntilNullAndLimitStopsItEarly() throws IOException {
        String p1 = "{\"items\":[{\"id\":1,\"name\":\"a\",\"role\":\"admin\"},{\"id\":2,\"name\":\"b\",\"role\":\"viewer\"}],"
                + "\"next\":\"/api/v1/tokens?limit=1000&cursor=Mg\",\"total\":3}";
        String p2 = "{\"items\":[{\"id\":3,\"name\":\"c\",\"role\":\"operator\"}],\"next\":null,\"total\":3}";
        try (StubServer stub = new StubServer()
                .answer("GET /api/v1/tokens?limit=1000", 200, p1)
                .answer("GET /api/v1/tokens?limit=1000&cursor=Mg", 200, p2)
                .answer("GET /api/v1/tokens?limit=2", 200, p1.replace("limit=1000", "limit=2"))) {
            Run all = Run.of("token", "list", "--server", stub.url(), "--json");
            assertThat(all.exit()).as(all.err()).isZero();
            assertThat(all.out()).isEqualTo("[{\"id\":1,\"name\":\"a\",\"role\":\"admin\"},{\"id\":2,\"name\":\"b\",\"role\":\"viewer\"},"
                    + "{\"id\":3,\"name\":\"c\",\"role\":\"operator\"}]\n");

            Run two = Run.of("token", "list", "--limit", "2", "--server", stub.url(), "--json");
            assertThat(two.exit()).as(two.err()).isZero();
            assertThat(two.out()).isEqualTo("[{\"id\":1,\"name\":\"a\",\"role\":\"admin\"},{\"id\":2,\"name\":\"b\",\"role\":\"viewer\"}]\n");
            assertThat(stub.requests.stream().map(StubServer.Request::uri).filter(r -> r.contains("limit=2")))
                    .as("the second page is not asked for").hasSize(1);
        }
    }
}
