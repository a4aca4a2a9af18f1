package org.updraft.integration.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.cli.ScaledServer;
import org.updraft.core.image.ImageBuilder;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.EbootCopy;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.client.FirmwareVersion;
import org.updraft.device.client.HttpUpdateClient;
import org.updraft.device.client.Identity;
import org.updraft.device.client.UpdateOutcome;
import org.updraft.device.fleet.FleetClock;
import org.updraft.device.fleet.Firmware;
import org.updraft.device.fleet.RolloutStatus;
import org.updraft.device.fleet.ServerApi;
import org.updraft.server.UpdraftServer;

/**
 * Devices that never come back (docs/rollouts.md, "Install deadline"): emulated Arduino ESP8266
 * boards ({@code arduino-4m}, eboot copy, no trial boot) polling with the stock
 * {@code ESP8266httpUpdate} client take a release that faults at start-up. eboot has already copied
 * it over the old sketch, so the board crash-loops before Wi-Fi and never checks in again — no
 * rollback, no report, silence. Their downloads completed, so without an install deadline the
 * canary wave would stay "downloaded" forever and the rollout would stall; with the default
 * deadline (three observed poll intervals, at least five minutes) the silent canaries count as
 * failed and the rollout halts at the canary wave within the deadline. Fleet time runs 40× faster
 * (the server's scaled clock), so five minutes of deadline take under eight real seconds.
 */
class SilentAfterDownloadTest {

    static final Duration POLL = Duration.ofSeconds(60);
    static final int DEVICES = 16;
    static final int CANARIES = 4;

    @TempDir
    Path dir;

    /** One emulated board and its stock client; silent from the moment its new image faults at start-up. */
    static final class Device {
        final String mac;
        final Identity identity;
        final Board board;
        final boolean canary;
        final AtomicInteger checkIns = new AtomicInteger();
        volatile Instant updatedAt;
        volatile boolean silent;

        Device(String mac, Board board, boolean canary) {
            this.mac = mac;
            this.identity = Identity.of(mac, DeviceProfile.ARDUINO_4M.sdkVersion());
            this.board = board;
            this.canary = canary;
        }

        /** One poll: {@code ESPhttpUpdate.update(client, url, version)}; after an update the chip has already reset. */
        void poll(URI url, FleetClock clock) {
            if (silent || !(board.state() instanceof BootResult.Booted running)) {
                return;
            }
            checkIns.incrementAndGet();
            String version = FirmwareVersion.of(running.image()).orElse(null);
            UpdateOutcome outcome = HttpUpdateClient.esp8266(board, identity).version(version).timeout(Duration.ofSeconds(5))
                    .update(url);
            if (outcome instanceof UpdateOutcome.Updated) {
                updatedAt = clock.instant();
                // The sketch faults before it reaches Wi-Fi; the watchdog resets it into the same image, over and over.
                if (board.state() instanceof BootResult.Booted b && Firmware.crashesOnBoot(b.image())) {
                    silent = true;
                }
            }
        }
    }

    @Test
    @Timeout(120)
    void canariesThatGoSilentAfterDownloadingABadReleaseHaltTheRolloutAtTheCanaryWaveWithinTheDeadline() throws Exception {
        ScaledServer.quiet();
        FleetClock clock = FleetClock.scaled(40);
        byte[] crash = Arrays.copyOf(Firmware.CRASH_MARKER.getBytes(StandardCharsets.US_ASCII), 24);
        byte[] good = ImageBuilder.arduino().version("1.0.0").payload(1, 40_000).build();
        byte[] bad = badSketch(crash);
        assertThat(Firmware.crashesOnBoot(bad)).isTrue();
        assertThat(Firmware.crashesOnBoot(good)).isFalse();

        try (UpdraftServer server = ScaledServer.start("127.0.0.1", 0, dir, clock, null)) {
            ServerApi api = new ServerApi(server.baseUri(), ScaledServer.token());
            api.createProduct("silent", "arduino-4m", 60);
            api.uploadRelease("silent", "1.0.0", false, Map.of("firmware", good));
            api.uploadRelease("silent", "1.1.0", true, Map.of("firmware", bad));
            URI url = URI.create(server.baseUri().toString().replaceAll("/+$", "") + "/u/silent");

            List<Device> devices = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                Device d = new Device(String.format("5C:CF:7F:5A:00:%02X", i), Board.provisioned(new EbootCopy(FlashMap.ARDUINO_4M),
                        good), i < CANARIES);
                devices.add(d);
            }
            // Two polls a poll interval apart before the rollout: the server sees how often the product's devices check in.
            pollAll(devices, url, clock);
            for (Device d : devices) {
                if (d.canary) {
                    api.tags(d.mac, List.of("canary"));
                }
            }
            clock.sleep(POLL);
            pollAll(devices, url, clock);

            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("version", "1.1.0");
            spec.put("waves", "canary,50,100");
            spec.put("successThreshold", 0.9);
            spec.put("failureThreshold", 0.5);
            spec.put("soakSeconds", 60);
            spec.put("backoffSeconds", 30);
            RolloutStatus draft = api.createRollout("silent", spec);
            long deadlineSeconds = rolloutJson(server, draft.id()).path("policy").path("installDeadlineSeconds").asLong();
            // The rule (Rollout.Policy.defaultDeadline): 3 × the median observed poll interval, at least 5 minutes. The devices
            // polled 60 s of fleet time apart, plus whatever a loaded machine adds between two rounds.
            List<Duration> gaps = new ArrayList<>();
            for (Device d : devices) {
                JsonNode json = api.device(d.mac);
                assertThat(json.path("checkIns").asLong()).isEqualTo(2);
                gaps.add(Duration.between(Instant.parse(json.path("firstSeen").asText()), Instant.parse(json.path("lastSeen").asText())));
            }
            gaps.sort(null);
            Duration observed = gaps.get(gaps.size() / 2);
            assertThat(observed).isBetween(POLL, POLL.multipliedBy(10));
            long expected = Math.max(300, observed.multipliedBy(3).toSeconds());
            assertThat(deadlineSeconds).as("observed poll interval " + observed).isBetween(expected - 1, expected);
            api.rollout(draft.id(), "start");
            Instant started = clock.instant();

            // The fleet polls (±20 % jitter) until the rollout finishes, bounded by 40 fleet minutes.
            ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
            SplittableRandom random = new SplittableRandom(7);
            List<Long> seeds = devices.stream().map(d -> random.nextLong()).toList();
            Instant limit = started.plus(Duration.ofMinutes(40));
            for (int i = 0; i < devices.size(); i++) {
                Device d = devices.get(i);
                SplittableRandom own = new SplittableRandom(seeds.get(i));
                threads.submit(() -> {
                    while (clock.instant().isBefore(limit) && !Thread.currentThread().isInterrupted()) {
                        d.poll(url, clock);
                        clock.sleep(Duration.ofMillis((long) (POLL.toMillis() * (0.8 + 0.4 * own.nextDouble()))));
                    }
                    return null;
                });
            }
            RolloutStatus status = api.rollout(draft.id());
            while (!status.finished() && clock.instant().isBefore(limit)) {
                clock.sleep(Duration.ofSeconds(5));
                status = api.rollout(draft.id());
            }
            threads.shutdownNow();
            assertThat(threads.awaitTermination(20, TimeUnit.SECONDS)).isTrue();

            assertThat(status.state()).as(status.toString()).isEqualTo("halted");
            assertThat(status.currentWave()).isZero();
            assertThat(status.reason()).startsWith("wave 1 (canary): ").contains(" of 4 devices failed or rolled back (")
                    .endsWith("> 50.0%)");
            assertThat(status.progress().subList(1, 3)).allSatisfy(w -> assertThat(w.reached()).as(w.label()).isZero());

            // Halted within the deadline: not before the first canary's deadline, and no later than the deadline after the
            // last download it needed (plus a poll of slack for the ticker and the scaled clock).
            Instant halted = Instant.parse(rolloutJson(server, draft.id()).path("finishedAt").asText());
            List<Instant> downloads = devices.stream().filter(d -> d.canary).map(d -> d.updatedAt).sorted().toList();
            assertThat(downloads).doesNotContainNull();
            Duration deadline = Duration.ofSeconds(deadlineSeconds);
            assertThat(halted).isAfterOrEqualTo(downloads.get(0).plus(deadline).minusSeconds(5));
            assertThat(halted).isBefore(downloads.get(downloads.size() - 1).plus(deadline).plus(POLL));

            for (Device d : devices) {
                JsonNode json = api.device(d.mac);
                if (d.canary) {
                    assertThat(d.silent).as(d.mac + " crash-loops on the new image").isTrue();
                    assertThat(d.board.state()).isInstanceOfSatisfying(BootResult.Booted.class,
                            b -> assertThat(Firmware.crashesOnBoot(b.image())).as("no rollback on eboot").isTrue());
                    JsonNode update = json.path("updates").get(0);
                    assertThat(update.path("release").asText()).isEqualTo("1.1.0");
                    if (update.path("state").asText().equals("failed")) {
                        assertThat(update.path("lastError").asText()).isEqualTo("silent after download");
                    } else {
                        // At most one canary may still be inside its deadline when the other three already halted it.
                        assertThat(update.path("state").asText()).isEqualTo("downloaded");
                    }
                } else {
                    assertThat(d.updatedAt).as(d.mac + " never got the release").isNull();
                    assertThat(json.path("updates")).as(d.mac).isEmpty();
                    assertThat(FirmwareVersion.of(((BootResult.Booted) d.board.state()).image())).contains("1.0.0");
                }
            }
            long failedSilent = devices.stream().filter(d -> d.canary).map(d -> deviceUpdate(api, d.mac))
                    .filter(u -> u.path("lastError").asText().equals("silent after download")).count();
            assertThat(failedSilent).as("3 of 4 are above 50%").isGreaterThanOrEqualTo(3);
        }
    }

    /**
     * An Arduino sketch 1.1.0 whose start-up faults: irom0 (the elf2bin CRC words, the version
     * marker, code), IRAM, and a DRAM segment holding {@link Firmware#CRASH_MARKER}, which the
     * emulated application treats as a fault before Wi-Fi. A valid image in every other respect.
     */
    static byte[] badSketch(byte[] crash) {
        byte[] irom = new byte[8 + 40_000];
        new SplittableRandom(2).nextBytes(irom);
        Arrays.fill(irom, 0, 8, (byte) 0);
        byte[] version = "UPDRAFT-VERSION:1.1.0\0".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(version, 0, irom, 8, version.length);
        byte[] iram = new byte[64];
        new SplittableRandom(3).nextBytes(iram);
        return ImageBuilder.arduino().segment(0x4020_1010L, irom).segment(0x4010_0000L, iram).segment(0x3FFE_8800L, crash).build();
    }

    /** Every device polls once, all at about the same time (as a powered fleet does), each on its own virtual thread. */
    static void pollAll(List<Device> devices, URI url, FleetClock clock) throws InterruptedException {
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            devices.forEach(d -> threads.submit(() -> d.poll(url, clock)));
            threads.shutdown();
            assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    static JsonNode deviceUpdate(ServerApi api, String mac) {
        try {
            return api.device(mac).path("updates").get(0);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The rollout as the API shows it (policy and finish time are not in {@link RolloutStatus}). */
    static JsonNode rolloutJson(UpdraftServer server, long id) throws Exception {
        return rolloutJson(server, String.valueOf(id));
    }

    /** {@code GET /api/v1/rollouts/{path}} (a rollout id, or "id/preview") as JSON. */
    static JsonNode rolloutJson(UpdraftServer server, String path) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var r = http.send(java.net.http.HttpRequest.newBuilder(server.baseUri().resolve("/api/v1/rollouts/" + path))
                .header("Authorization", "Bearer " + ScaledServer.token()).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body());
    }
}
