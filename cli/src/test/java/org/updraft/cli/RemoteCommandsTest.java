package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** Remote commands against a recording stub server: exact requests, exact output, exact exit codes. */
class RemoteCommandsTest {

    private static final String PRODUCT = """
            {"name":"relay","chip":"esp8266","kind":"arduino","layout":"arduino-4m","flashSize":4194304,\
            "slotSize":1028096,"updatePath":null,"createdAt":"2026-11-27T01:43:12.123Z"}""";

    private static final String DEVICE = """
            {"mac":"5C:CF:7F:01:02:03","product":"relay","runningVersion":"1.0.0","runningSha256":null,\
            "runningMd5":"0123456789abcdef0123456789abcdef","lastSeen":"2026-11-27T01:50:00.987654Z","address":"10.0.0.7",\
            "chipId":"0x1a2b3c","chipSize":4194304,"freeSpace":2801664,"sdkVersion":"2.2.2-dev(38a443e)",\
            "pinnedVersion":null,"lastOutcome":"UP_TO_DATE","lastReason":null}""";

    private static final String HASH_ONLY_DEVICE = """
            {"mac":"5C:CF:7F:0A:0B:0C","product":"relay","runningVersion":null,"runningSha256":null,\
            "runningMd5":"fedcba9876543210fedcba9876543210","lastSeen":1795744200.5,"address":"10.0.0.8",\
            "lastOutcome":"UPDATE_OFFERED","lastReason":null}""";

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Test
    void connectionRefusedSaysWhereAndWhatToDo() throws IOException {
        int port = closedPort();
        Run run = Run.of("product", "list", "--server", "http://127.0.0.1:" + port);
        assertThat(run.exit()).as(run.toString()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("error: cannot reach Updraft at http://127.0.0.1:" + port
                + ": connection refused (is `updraft server` running?)\n");
    }

    @Test
    void productCreateSendsOnlyTheGivenFieldsAndShowsTheProduct() throws IOException {
        try (StubServer stub = new StubServer().answer("POST /api/v1/products", 201, PRODUCT)) {
            Run run = Run.of("product", "create", "relay", "--chip", "esp8266", "--layout", "arduino-4m",
                    "--server", stub.url() + "/");
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("""
                    Created product relay
                      chip           esp8266
                      kind           arduino
                      layout         arduino-4m
                      flash size     4 MiB
                      slot size      1004 KiB
                      update path    -
                      health window  -
                      created        2026-11-27 01:43:12Z
                    """);
            StubServer.Request request = stub.only();
            assertThat(request.header("Content-Type")).isEqualTo("application/json");
            assertThat(request.header("Authorization")).isNull();
            assertThat(request.bodyText()).isEqualTo("{\"name\":\"relay\",\"chip\":\"esp8266\",\"layout\":\"arduino-4m\"}");
        }
    }

    @Test
    void productCreateSendsOptionalFields() throws IOException {
        try (StubServer stub = new StubServer().answer("POST /api/v1/products", 201, PRODUCT)) {
            Run run = Run.of("product", "create", "relay", "--chip", "esp8266", "--layout", "nonos-512k", "--kind", "nonos",
                    "--slot-size", "241664", "--update-path", "/firmware/update.php", "--server", stub.url(), "--json");
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo(PRODUCT + "\n");
            assertThat(stub.only().bodyText()).isEqualTo("{\"name\":\"relay\",\"chip\":\"esp8266\",\"layout\":\"nonos-512k\","
                    + "\"kind\":\"nonos\",\"slotSize\":241664,\"updatePath\":\"/firmware/update.php\"}");
        }
    }

    @Test
    void aRefusalPrintsTheServersErrorAndExitsOne() throws IOException {
        try (StubServer stub = new StubServer().answer("POST /api/v1/products", 409,
                "{\"error\":\"product relay already exists\",\"status\":409}")) {
            Run run = Run.of("product", "create", "relay", "--chip", "esp8266", "--layout", "arduino-4m", "--server", stub.url());
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.out()).isEmpty();
            assertThat(run.err()).isEqualTo("error: product relay already exists\n");
        }
    }

    @Test
    void anAnswerThatIsNotUpdraftsSaysWhatCameBack() throws IOException {
        try (StubServer stub = new StubServer()
                .answer("GET /api/v1/products?limit=1000", 502, "<html><body>Bad   gateway</body></html>")
                .answer("GET /api/v1/devices?limit=1000", 200, "<html>It works!</html>")) {
            Run refused = Run.of("product", "list", "--server", stub.url());
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.err()).isEqualTo("error: GET " + stub.url()
                    + "/api/v1/products?limit=1000 answered HTTP 502: \"<html><body>Bad gateway</body></html>\"\n");

            Run notJson = Run.of("device", "list", "--server", stub.url());
            assertThat(notJson.exit()).isEqualTo(1);
            assertThat(notJson.err()).isEqualTo("error: GET " + stub.url()
                    + "/api/v1/devices?limit=1000 answered with something that is not JSON: \"<html>It works!</html>\""
                    + " (is --server pointing at an Updraft server?)\n");
        }
    }

    @Test
    void unauthorizedWithoutTokenSaysHowToPassOne() throws IOException {
        try (StubServer stub = new StubServer().answer("GET /api/v1/products?limit=1000", 401,
                "{\"error\":\"missing bearer token\",\"status\":401}")) {
            Run run = Run.of("product", "list", "--server", stub.url());
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).isEqualTo("error: missing bearer token (pass --token or set UPDRAFT_TOKEN)\n");
        }
    }

    @Test
    void productListIsATable() throws IOException {
        try (StubServer stub = new StubServer().answer("GET /api/v1/products?limit=1000", 200, page(PRODUCT))) {
            Run run = Run.of("product", "list", "--server", stub.url(), "--token", "s3cret");
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("""
                    NAME   CHIP     KIND     LAYOUT      FLASH  SLOT      UPDATE PATH  CREATED
                    relay  esp8266  arduino  arduino-4m  4 MiB  1004 KiB  -            2026-11-27 01:43:12Z
                    """);
            assertThat(stub.only().header("Authorization")).isEqualTo("Bearer s3cret");
            assertThat(stub.only().header("Accept")).isEqualTo("application/json");
        }
    }

    @Test
    void emptyListsSayWhatToDoNext() throws IOException {
        try (StubServer stub = new StubServer()
                .answer("GET /api/v1/products?limit=1000", 200, page())
                .answer("GET /api/v1/products/relay/releases?limit=1000", 200, page())
                .answer("GET /api/v1/devices?limit=1000", 200, page())
                .answer("GET /api/v1/devices?product=relay&limit=1000", 200, page())) {
            assertThat(Run.of("product", "list", "--server", stub.url()).out())
                    .isEqualTo("No products yet. Create one with: updraft product create NAME --chip esp8266 --layout ID\n");
            assertThat(Run.of("release", "list", "relay", "--server", stub.url()).out())
                    .isEqualTo("No releases of relay yet. Upload one with: updraft release upload relay VERSION --firmware FILE\n");
            assertThat(Run.of("device", "list", "--server", stub.url()).out()).isEqualTo("No devices have checked in yet.\n");
            assertThat(Run.of("device", "list", "--product", "relay", "--server", stub.url()).out()).isEqualTo("No devices match.\n");
        }
    }

    @Test
    void releaseListShowsVersionsWithTheirStateDevicesAndArtifacts() throws IOException {
        String releases = """
                {"items":[{"product":"relay","version":"1.2.0","notes":null,"downgrade":false,"held":true,"baseline":false,"devices":0,\
                "createdAt":"2026-11-27T03:00:00Z","artifacts":[{"role":"firmware","size":412680}]},\
                {"product":"relay","version":"1.1.0","notes":"faster relay switching\\nand more","downgrade":false,"held":false,\
                "baseline":true,"devices":41,"createdAt":"2026-11-27T02:00:00Z","artifacts":[{"role":"firmware","size":412672}]},\
                {"product":"relay","version":"1.0.0","notes":null,"downgrade":true,"held":false,"baseline":false,"devices":3,\
                "createdAt":"2026-11-27T01:00:00Z","artifacts":[{"role":"user1","size":300000},{"role":"user2","size":300004}]}],"next":null,"total":3}""";
        try (StubServer stub = new StubServer().answer("GET /api/v1/products/relay/releases?limit=1000", 200, releases)) {
            Run run = Run.of("release", "list", "relay", "--server", stub.url());
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("""
                    VERSION  CREATED               STATE     DEVICES  DOWNGRADE  ARTIFACTS                       NOTES
                    1.2.0    2026-11-27 03:00:00Z  held      0        no         firmware 412680 B               -
                    1.1.0    2026-11-27 02:00:00Z  baseline  41       no         firmware 412672 B               faster relay switching ...
                    1.0.0    2026-11-27 01:00:00Z  -         3        yes        user1 300000 B, user2 300004 B  -
                    """);
        }
    }

    @Test
    void deviceListFiltersAndShowsTheFleet() throws IOException {
        try (StubServer stub = new StubServer().answer("GET /api/v1/devices?product=relay&version=1.0.0+rc%2F1&limit=1000", 200,
                page(DEVICE, HASH_ONLY_DEVICE))) {
            Run run = Run.of("device", "list", "--product", "relay", "--version", "1.0.0 rc/1", "--server", stub.url());
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("""
                    MAC                PRODUCT  RUNNING           LAST SEEN             ADDRESS   LAST OUTCOME
                    5C:CF:7F:01:02:03  relay    1.0.0             2026-11-27 01:50:00Z  10.0.0.7  UP_TO_DATE
                    5C:CF:7F:0A:0B:0C  relay    md5:fedcba987654  2026-11-27 01:50:00Z  10.0.0.8  UPDATE_OFFERED
                    """);
        }
    }

    @Test
    void deviceShowPrintsDetailsAndTimeline() throws IOException {
        String device = DEVICE.substring(0, DEVICE.length() - 1) + ",\"timeline\":["
                + "{\"at\":\"2026-11-27T01:50:00Z\",\"outcome\":\"UP_TO_DATE\",\"reason\":null,\"runningVersion\":\"1.0.0\",\"targetVersion\":\"1.0.0\"},"
                + "{\"at\":\"2026-11-27T01:45:00Z\",\"outcome\":\"REFUSED\",\"reason\":\"image larger than free space\","
                + "\"runningVersion\":\"0.9.0\",\"targetVersion\":\"1.0.0\"}]}";
        try (StubServer stub = new StubServer().answer("GET /api/v1/devices/5C:CF:7F:01:02:03", 200, device)) {
            Run run = Run.of("device", "show", "5C:CF:7F:01:02:03", "--server", stub.url());
            assertThat(run.exit()).as(run.toString()).isZero();
            assertThat(run.out()).isEqualTo("""
                    Device 5C:CF:7F:01:02:03
                      product          relay
                      running version  1.0.0
                      running sha256   -
                      running md5      0123456789abcdef0123456789abcdef
                      pinned version   -
                      tags             -
                      last seen        2026-11-27 01:50:00Z
                      check-ins        -
                      address          10.0.0.7
                      chip id          0x1a2b3c
                      chip size        4 MiB
                      free space       2736 KiB
                      sdk version      2.2.2-dev(38a443e)
                      last outcome     UP_TO_DATE

                    Timeline:
                    AT                    OUTCOME     REASON                        RUNNING  TARGET
                    2026-11-27 01:50:00Z  UP_TO_DATE  -                             1.0.0    1.0.0
                    2026-11-27 01:45:00Z  REFUSED     image larger than free space  0.9.0    1.0.0
                    """);
        }
    }

    @Test
    void pinAndUnpin() throws IOException {
        try (StubServer stub = new StubServer()
                .answer("PUT /api/v1/devices/5C:CF:7F:01:02:03/pin", 200, DEVICE)
                .answer("DELETE /api/v1/devices/5C:CF:7F:01:02:03/pin", 204, "")) {
            Run pin = Run.of("device", "pin", "5C:CF:7F:01:02:03", "1.0.0", "--server", stub.url(), "--token", "t");
            assertThat(pin.exit()).as(pin.toString()).isZero();
            assertThat(pin.out()).isEqualTo("Pinned 5C:CF:7F:01:02:03 to 1.0.0.\n");
            assertThat(stub.requests.get(0).bodyText()).isEqualTo("{\"version\":\"1.0.0\"}");
            assertThat(stub.requests.get(0).header("Authorization")).isEqualTo("Bearer t");

            Run unpin = Run.of("device", "unpin", "5C:CF:7F:01:02:03", "--server", stub.url());
            assertThat(unpin.exit()).as(unpin.toString()).isZero();
            assertThat(unpin.out()).isEqualTo("Unpinned 5C:CF:7F:01:02:03; it follows its product's newest release again.\n");
            assertThat(stub.requests.get(1).method()).isEqualTo("DELETE");
        }
    }

    @Test
    void moveNamesTheProductInTheBody() throws IOException {
        try (StubServer stub = new StubServer().answer("PUT /api/v1/devices/5C:CF:7F:01:02:03/product", 200, DEVICE)) {
            Run move = Run.of("device", "move", "5C:CF:7F:01:02:03", "lamp", "--server", stub.url(), "--token", "t");
            assertThat(move.exit()).as(move.toString()).isZero();
            assertThat(move.out()).isEqualTo("Moved 5C:CF:7F:01:02:03 to product lamp.\n");
            assertThat(stub.requests.get(0).bodyText()).isEqualTo("{\"product\":\"lamp\"}");
        }
    }

    @Test
    void unknownDeviceIsTheServersMessage() throws IOException {
        try (StubServer stub = new StubServer().answer("GET /api/v1/devices/AA:BB:CC:DD:EE:FF", 404,
                "{\"error\":\"no device AA:BB:CC:DD:EE:FF\",\"status\":404}")) {
            Run run = Run.of("device", "show", "AA:BB:CC:DD:EE:FF", "--server", stub.url());
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.err()).isEqualTo("error: no device AA:BB:CC:DD:EE:FF\n");
        }
    }

    /** A last page of the paged list (docs/api.md, "Paging") holding these items. */
    static String page(String... items) {
        return "{\"items\":[" + String.join(",", items) + "],\"next\":null,\"total\":" + items.length + "}";
    }
}
