package org.updraft.integration.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.device.client.Device;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.client.Identity;
import org.updraft.device.client.UpdateOutcome;

/**
 * Stepping stones for small flash (docs/rollouts.md): an emulated Arduino ESP8266 with 1 MB flash
 * ({@link DeviceProfile#ARDUINO_1M}: FS_start 0xEB000, eboot copy, stock ESP8266httpUpdate sending
 * {@code x-ESP8266-free-space} = FS_start - roundup4K(running sketch)) runs a large sketch and cannot
 * take the next large one: refused as insufficient-space until the product designates a small
 * stepping stone; then it is sent the stone, reboots into it, and from the stone (more free space)
 * takes the target.
 */
class SteppingStoneEndToEndTest {

    /** FS_start of the arduino-1m layout: the end of the space a sketch and its staged update share. */
    private static final int FS_START_1M = 0xEB000;
    private static final ObjectMapper JSON = new ObjectMapper();

    static final byte[] V1 = ImageBuilder.arduino().flashSizeCode(2).version("1.0.0").payload(101, 500_000).build();
    static final byte[] STONE = ImageBuilder.arduino().flashSizeCode(2).version("1.1.0").payload(111, 60_000).build();
    static final byte[] V2 = ImageBuilder.arduino().flashSizeCode(2).version("2.0.0").payload(102, 520_000).build();

    @TempDir
    Path dir;

    private static int freeAbove(byte[] sketch) {
        return FS_START_1M - ((sketch.length + 4095) & -4096);
    }

    @Test
    void aOneMegabyteDeviceTooFullForTheTargetStepsThroughTheSmallReleaseAndEndsOnTheTarget() throws Exception {
        assertThat(V2.length).isGreaterThan(freeAbove(V1));
        assertThat(V2.length).isLessThanOrEqualTo(freeAbove(STONE));
        try (LiveServer server = new LiveServer(dir.resolve("data"))) {
            server.product("tiny", "arduino-1m");
            server.release("tiny", "1.0.0", "firmware", V1);
            upload(server, "1.1.0", STONE, true);
            server.release("tiny", "2.0.0", "firmware", V2);
            List<String> log = new ArrayList<>();
            Device device = Device.boot(DeviceProfile.ARDUINO_1M, V1, Identity.of("5C:CF:7F:1E:00:01", "2.2.2"),
                    server.uri(), "tiny", log::add);

            // Without a stepping stone: 409, which the stock client reports as a wrong HTTP code; nothing written.
            UpdateOutcome refused = device.checkIn();
            assertThat(refused).as(String.join("\n", log)).isInstanceOf(UpdateOutcome.Failed.class);
            assertThat(device.running()).isEqualTo(V1);
            JsonNode before = server.device("5C:CF:7F:1E:00:01");
            assertThat(before.get("lastOutcome").asText()).isEqualTo("insufficient-space");
            assertThat(before.get("freeSpace").asLong()).isEqualTo(freeAbove(V1));
            assertThat(before.get("lastReason").asText())
                    .isEqualTo("image is " + V2.length + " bytes; device has " + freeAbove(V1) + " bytes free");

            HttpResponse<String> set = send(server, "PUT", "{\"version\":\"1.1.0\"}");
            assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
            assertThat(JSON.readTree(set.body()).get("size").asLong()).isEqualTo(STONE.length);

            log.clear();
            UpdateOutcome stepped = device.checkIn();   // the stone, a reboot, and from the stone the target
            assertThat(stepped).as(String.join("\n", log)).isInstanceOf(UpdateOutcome.Updated.class);
            assertThat(log.get(0)).isEqualTo("checked in: 200, writing " + STONE.length + " bytes to staging");
            assertThat(log.get(1)).startsWith("rebooted into ").contains("version 1.1.0");
            assertThat(log.get(2)).isEqualTo("checked in: 200, writing " + V2.length + " bytes to staging");
            assertThat(device.running()).isEqualTo(V2);

            assertThat(device.checkIn()).isInstanceOf(UpdateOutcome.NoUpdate.class);
            JsonNode after = server.device("5C:CF:7F:1E:00:01");
            assertThat(after.get("runningVersion").asText()).isEqualTo("2.0.0");
            assertThat(after.get("lastOutcome").asText()).isEqualTo("up-to-date");
            List<String> releases = new ArrayList<>();
            after.get("updates").forEach(u -> releases.add(u.get("release").asText() + " " + u.get("state").asText()));
            // The stone did its job: confirmed, not counted as rolled back, when the device moved on to the target.
            assertThat(releases).containsExactlyInAnyOrder("1.1.0 confirmed", "2.0.0 installed");
        }
    }

    /** The designation is refused while it could not work, and nothing is stored. */
    @Test
    void aSteppingStoneNotSmallerThanItsTargetIsRefusedAndNoneIsStored() throws Exception {
        try (LiveServer server = new LiveServer(dir.resolve("data"))) {
            server.product("tiny", "arduino-1m");
            server.release("tiny", "1.0.0", "firmware", V1);
            server.release("tiny", "2.0.0", "firmware", V2);

            HttpResponse<String> refused = send(server, "PUT", "{\"version\":\"2.0.0\"}");
            assertThat(refused.statusCode()).isEqualTo(409);
            assertThat(JSON.readTree(refused.body()).get("error").asText()).isEqualTo("release 2.0.0 is " + V2.length
                    + " bytes, not smaller than 1.0.0 (" + V1.length + " bytes) it would step to: a stepping stone must be smaller");
            HttpResponse<String> tooBig = send(server, "PUT", "{\"version\":\"1.0.0\"}");
            assertThat(tooBig.statusCode()).isEqualTo(409);
            assertThat(JSON.readTree(tooBig.body()).get("error").asText()).isEqualTo("release 2.0.0 (" + V2.length
                    + " bytes) does not fit even above 1.0.0: a device running it has " + freeAbove(V1)
                    + " bytes free on layout arduino-1m; build a smaller stepping stone");
            assertThat(send(server, "GET", null).statusCode()).isEqualTo(404);
        }
    }

    private static void upload(LiveServer server, String version, byte[] image, boolean hold) throws Exception {
        org.updraft.testsupport.Multipart form = new org.updraft.testsupport.Multipart().field("version", version)
                .field("hold", String.valueOf(hold));
        form.file("firmware", "firmware.bin", image);
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(server.uri().resolve(
                        "/api/v1/products/tiny/releases")).header("Authorization", "Bearer " + server.token())
                .header("Content-Type", form.contentType()).POST(HttpRequest.BodyPublishers.ofByteArray(form.body())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    private static HttpResponse<String> send(LiveServer server, String method, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.uri().resolve("/api/v1/products/tiny/stepping-stone"))
                .header("Authorization", "Bearer " + server.token());
        b = json == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
                : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
