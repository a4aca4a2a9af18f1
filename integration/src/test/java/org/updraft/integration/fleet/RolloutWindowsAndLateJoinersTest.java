package org.updraft.integration.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.cli.ScaledServer;
import org.updraft.core.image.ImageBuilder;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.EbootCopy;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.client.FirmwareVersion;
import org.updraft.device.fleet.FleetClock;
import org.updraft.device.fleet.RolloutStatus;
import org.updraft.device.fleet.ServerApi;
import org.updraft.server.UpdraftServer;

/**
 * Maintenance windows, the rate cap, the preview and devices that first appear during a rollout
 * (docs/rollouts.md), with emulated {@code arduino-4m} boards on the stock ESP8266 client and the
 * server on a scaled clock (40× real time): no device is offered the release before the window
 * opens, new offers keep to the rate, the preview placed every known device where start put it,
 * and devices first seen while the rollout runs join the wave the documented rule (SHA-256 of
 * "rollout id/MAC", computed here independently) gives them — and are updated like the rest.
 */
class RolloutWindowsAndLateJoinersTest {

    static final Duration POLL = Duration.ofSeconds(60);
    static final int KNOWN = 12;
    static final int LATE = 4;
    static final int RATE = 2;

    @TempDir
    Path dir;

    /** The documented wave rule for percentage waves: bucket = SHA-256("id/MAC") first 8 bytes, top 53 bits, in [0, 100). */
    static double bucket(long rolloutId, String mac) throws Exception {
        byte[] h = MessageDigest.getInstance("SHA-256").digest((rolloutId + "/" + mac).getBytes(StandardCharsets.US_ASCII));
        return (ByteBuffer.wrap(h, 0, 8).getLong() >>> 11) * 100.0 / (1L << 53);
    }

    static int waveIn(JsonNode preview, String mac) {
        for (JsonNode w : preview.path("waves")) {
            for (JsonNode m : w.path("macs")) {
                if (m.asText().equals(mac)) {
                    return w.path("wave").asInt();
                }
            }
        }
        return -1;
    }

    @Test
    @Timeout(180)
    void offersWaitForTheWindowKeepToTheRateAndLateDevicesJoinByThePreviewsRule() throws Exception {
        ScaledServer.quiet();
        FleetClock clock = FleetClock.scaled(40);
        byte[] v1 = ImageBuilder.arduino().version("1.0.0").payload(1, 30_000).build();
        byte[] v2 = ImageBuilder.arduino().version("1.1.0").payload(2, 30_000).build();
        try (UpdraftServer server = ScaledServer.start("127.0.0.1", 0, dir, clock, null)) {
            ServerApi api = new ServerApi(server.baseUri(), ScaledServer.token());
            api.createProduct("windowed", "arduino-4m", 60);
            api.uploadRelease("windowed", "1.0.0", false, Map.of("firmware", v1));
            api.uploadRelease("windowed", "1.1.0", true, Map.of("firmware", v2));
            URI url = URI.create(server.baseUri().toString().replaceAll("/+$", "") + "/u/windowed");

            List<SilentAfterDownloadTest.Device> devices = new ArrayList<>();
            for (int i = 0; i < KNOWN + LATE; i++) {
                devices.add(new SilentAfterDownloadTest.Device(String.format("5C:CF:7F:3B:00:%02X", i),
                        Board.provisioned(new EbootCopy(FlashMap.ARDUINO_4M), v1), false));
            }
            List<SilentAfterDownloadTest.Device> known = devices.subList(0, KNOWN);
            List<SilentAfterDownloadTest.Device> late = devices.subList(KNOWN, KNOWN + LATE);
            SilentAfterDownloadTest.pollAll(known, url, clock);

            // A daily window in UTC that opens about five fleet minutes from now and lasts three hours.
            ZonedDateTime opens = clock.instant().plus(Duration.ofMinutes(5)).atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES)
                    .plusMinutes(1);
            ZonedDateTime closes = opens.plusHours(3);
            String window = String.format("daily %02d:%02d-%02d:%02d", opens.getHour(), opens.getMinute(), closes.getHour(),
                    closes.getMinute());
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("version", "1.1.0");
            spec.put("waves", "30,100");
            spec.put("successThreshold", 1.0);
            spec.put("failureThreshold", 0.5);
            spec.put("soakSeconds", 0);
            spec.put("windows", window);
            spec.put("timeZone", "UTC");
            spec.put("offersPerMinute", RATE);
            long id = api.createRollout("windowed", spec).id();

            JsonNode preview = SilentAfterDownloadTest.rolloutJson(server, id + "/preview");
            assertThat(preview.path("state").asText()).isEqualTo("draft");
            assertThat(preview.path("devices").asInt()).isEqualTo(KNOWN);
            for (SilentAfterDownloadTest.Device d : known) {
                assertThat(waveIn(preview, d.mac)).as(d.mac).isEqualTo(bucket(id, d.mac) < 30 ? 0 : 1);
            }
            api.rollout(id, "start");

            // Known devices poll from now on; the late ones power up two fleet minutes later, first seen while it runs.
            Instant limit = clock.instant().plus(Duration.ofMinutes(60));
            ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
            SplittableRandom random = new SplittableRandom(11);
            for (SilentAfterDownloadTest.Device d : devices) {
                SplittableRandom own = random.split();
                boolean isLate = late.contains(d);
                threads.submit(() -> {
                    if (isLate) {
                        clock.sleep(Duration.ofMinutes(2));
                    }
                    while (clock.instant().isBefore(limit) && !Thread.currentThread().isInterrupted()) {
                        d.poll(url, clock);
                        clock.sleep(Duration.ofMillis((long) (POLL.toMillis() * (0.8 + 0.4 * own.nextDouble()))));
                    }
                    return null;
                });
            }
            RolloutStatus status = api.rollout(id);
            while (!status.finished() && clock.instant().isBefore(limit)) {
                clock.sleep(Duration.ofSeconds(10));
                status = api.rollout(id);
            }
            threads.shutdownNow();
            assertThat(threads.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
            assertThat(status.state()).as(status.toString()).isEqualTo("completed");

            // Every device, late ones too, runs 1.1.0; none was offered it before the window opened.
            List<Instant> offers = new ArrayList<>();
            for (SilentAfterDownloadTest.Device d : devices) {
                assertThat(FirmwareVersion.of(((BootResult.Booted) d.board.state()).image())).as(d.mac).contains("1.1.0");
                JsonNode update = api.device(d.mac).path("updates").get(0);
                assertThat(update.path("state").asText()).as(d.mac).isEqualTo("confirmed");
                assertThat(update.path("attempts").asInt()).as(d.mac).isEqualTo(1);
                Instant offered = Instant.parse(update.path("offeredAt").asText());
                assertThat(offered).as(d.mac + " offered inside the window").isAfterOrEqualTo(opens.toInstant());
                offers.add(offered);
            }
            // The rate: at most RATE new offers in any minute, give or take one check-in that races another (the cap is
            // checked at the check-in and counted when the transfer starts, as maxConcurrent is), so sixteen offers are
            // spread over at least five minutes; without the cap they would all fall in the window's first poll interval.
            offers.sort(null);
            for (int i = 0; i + RATE + 1 < offers.size(); i++) {
                assertThat(Duration.between(offers.get(i), offers.get(i + RATE + 1))).as("offers " + i + ".." + (i + RATE + 1))
                        .isGreaterThanOrEqualTo(Duration.ofSeconds(60));
            }
            assertThat(Duration.between(offers.get(0), offers.get(offers.size() - 1))).isGreaterThanOrEqualTo(Duration.ofMinutes(5));

            // The late devices joined the wave the rule gives them, and the known ones stayed where the preview put them.
            JsonNode after = SilentAfterDownloadTest.rolloutJson(server, id + "/preview");
            assertThat(after.path("devices").asInt()).isEqualTo(KNOWN + LATE);
            for (SilentAfterDownloadTest.Device d : devices) {
                int expected = bucket(id, d.mac) < 30 ? 0 : 1;
                assertThat(waveIn(after, d.mac)).as(d.mac).isEqualTo(expected);
                if (known.contains(d)) {
                    assertThat(waveIn(preview, d.mac)).as(d.mac).isEqualTo(expected);
                }
            }
        }
    }
}
