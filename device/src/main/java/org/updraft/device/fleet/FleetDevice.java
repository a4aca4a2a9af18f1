package org.updraft.device.fleet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.Updater;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.client.HttpUpdateClient;
import org.updraft.device.client.Identity;
import org.updraft.device.client.NonosUpgradeClient;
import org.updraft.device.client.TransferListener;
import org.updraft.device.client.UpdateOutcome;

/**
 * One emulated device of a fleet: a {@link Board} with a trial-boot capable boot model, the stock
 * pull client of its profile, and the small amount of application behaviour an Updraft-aware
 * firmware has:
 * <ul>
 *   <li>it polls every {@code poll} (±20 % jitter), or at once when its MQTT topic says an update
 *       is available;</li>
 *   <li>after an update it reboots; if the new image faults at start-up the watchdog resets the
 *       chip until the boot model reverts (NONOS trial boot, IDF rollback) — the firmware noted
 *       the version it staged (NVS), sees it is not running it, and reports
 *       {@code {"status":"rolled_back","version":<staged>}} to {@code POST /u/{product}/report}
 *       (stock clients cannot tell a revert from a failed download; only firmware can);</li>
 *   <li>the first check-in of a new image that reaches the server confirms the image locally
 *       ({@link Updater#confirm()}); the server confirms it after the product's health window.</li>
 * </ul>
 * Every loop is bounded: polls by the run's limit, watchdog resets by {@value #MAX_RESETS}.
 */
public final class FleetDevice {
    static final int MAX_RESETS = 8;
    private static final Duration MIN_READ_TIMEOUT = Duration.ofSeconds(3);

    private final int index;
    private final Identity identity;
    private final Board board;
    private final Firmware firmware;
    private final Scenario scenario;
    private final URI server;
    private final Set<String> tags;
    private final SplittableRandom random;
    private final Semaphore wake = new Semaphore(0);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicInteger checkIns = new AtomicInteger();
    private final AtomicInteger updates = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger crashes = new AtomicInteger();
    private final AtomicInteger rollbacks = new AtomicInteger();
    private final AtomicInteger offlineSpells = new AtomicInteger();
    private final AtomicInteger notifications = new AtomicInteger();
    private final AtomicInteger transfers = new AtomicInteger();
    /** Booted the product's stepping stone (a mixed run); written by the device's own thread only. */
    private volatile boolean ranSteppingStone;
    private final AtomicLong imageBytes = new AtomicLong();
    private volatile String pendingVersion;
    private volatile String bricked;
    private volatile long firstWritingNanos = -1;
    private volatile long lastNotifiedNanos = -1;

    /**
     * @param server where the device sends its requests: the {@link FaultyLink} in front of the
     *               server when the run injects link faults, else the server itself
     */
    FleetDevice(int index, Identity identity, Board board, Firmware firmware, Scenario scenario, URI server, Set<String> tags,
                long seed) {
        this.index = index;
        this.identity = identity;
        this.board = board;
        this.firmware = firmware;
        this.scenario = scenario;
        this.server = server;
        this.tags = Set.copyOf(tags);
        this.random = new SplittableRandom(seed);
    }

    /** Whether this device booted the product's stepping stone on its way to the release. */
    public boolean ranSteppingStone() {
        return ranSteppingStone;
    }

    public int index() {
        return index;
    }

    public String mac() {
        return identity.staMac();
    }

    public Set<String> tags() {
        return tags;
    }

    /** The chip; read it only after the run stopped. */
    public Board board() {
        return board;
    }

    /** The version of the image running now, or null. */
    public String version() {
        return board.state() instanceof BootResult.Booted b ? firmware.versionOf(b.image()) : null;
    }

    /** Why the device no longer boots a usable image, or null. */
    public String bricked() {
        return bricked;
    }

    public int checkIns() {
        return checkIns.get();
    }

    public int updates() {
        return updates.get();
    }

    public int failures() {
        return failures.get();
    }

    public int crashes() {
        return crashes.get();
    }

    /** Trial boots that reverted, as the firmware reported them. */
    public int rollbacks() {
        return rollbacks.get();
    }

    public int offlineSpells() {
        return offlineSpells.get();
    }

    public int notifications() {
        return notifications.get();
    }

    /** Image downloads that began to be written to flash, as the device counts them. */
    public int transfers() {
        return transfers.get();
    }

    /** Bytes of the images this device received whole (a download that broke off adds nothing). */
    public long imageBytes() {
        return imageBytes.get();
    }

    /** {@link System#nanoTime()} when the first image download began to be written, or -1. */
    public long firstWritingNanos() {
        return firstWritingNanos;
    }

    /** {@link System#nanoTime()} of the last update-available message, or -1. */
    public long lastNotifiedNanos() {
        return lastNotifiedNanos;
    }

    /** MQTT: an update is available — pull now instead of at the next poll. */
    void notified() {
        lastNotifiedNanos = System.nanoTime();
        notifications.incrementAndGet();
        wake.release();
    }

    void stop() {
        stopped.countDown();
        wake.release(1_000);
    }

    /** The polls of a whole run; returns when stopped or after the run's limit worth of polls. */
    void run() {
        Duration poll = scenario.fleet().poll();
        long maxPolls = scenario.limit().toMillis() / Math.max(1, poll.toMillis() * 4 / 5) + 2;
        try {
            // Devices were powered on at different moments: spread the first poll over one interval.
            if (waitFleet(Duration.ofMillis(random.nextLong(Math.max(1, poll.toMillis()))), true)) {
                return;
            }
            for (long i = 0; i < maxPolls && stopped.getCount() > 0; i++) {
                Scenario.Faults f = scenario.faults();
                if (f.offline() > 0 && random.nextDouble() < f.offline()) {
                    offlineSpells.incrementAndGet();
                    long spell = (long) (f.offlineFor().toMillis() * (0.5 + random.nextDouble()));
                    if (waitFleet(Duration.ofMillis(spell), false)) {
                        return;
                    }
                }
                poll();
                long jittered = (long) (poll.toMillis() * (0.8 + 0.4 * random.nextDouble()));
                if (waitFleet(Duration.ofMillis(jittered), true)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits fleet time; MQTT may cut it short when {@code wakeable}. True when the run stopped. */
    private boolean waitFleet(Duration fleet, boolean wakeable) throws InterruptedException {
        long nanos = scenario.clock().real(fleet).toNanos();
        if (wakeable) {
            wake.tryAcquire(nanos, TimeUnit.NANOSECONDS);
            wake.drainPermits();
        } else {
            stopped.await(nanos, TimeUnit.NANOSECONDS);
        }
        return stopped.getCount() == 0;
    }

    /** One poll: check in; after an update, the new image starts and checks in once more. */
    void poll() {
        for (int i = 0; i < 3; i++) {
            UpdateOutcome outcome = attempt();
            if (!(outcome instanceof UpdateOutcome.Updated updated)) {
                return;
            }
            updates.incrementAndGet();
            byte[] staged = board.flash().read(updated.staged().region().offset(), updated.staged().length());
            pendingVersion = firmware.versionOf(staged);
            if (!start()) {
                return;
            }
        }
    }

    /** The application starts after a reset; a faulting image is reset by the watchdog until something else boots. */
    private boolean start() {
        for (int resets = 0; ; resets++) {
            if (!(board.state() instanceof BootResult.Booted b)) {
                bricked = board.state().toString();
                return false;
            }
            if (!Firmware.crashesOnBoot(b.image())) {
                break;
            }
            if (resets == MAX_RESETS) {
                bricked = "crash loop: " + MAX_RESETS + " watchdog resets and the boot model never reverted";
                return false;
            }
            crashes.incrementAndGet();
            board.reset(); // the exception/watchdog reset: RTC kept, bootloader runs again
        }
        String staged = pendingVersion;
        pendingVersion = null;
        String running = version();
        if (running != null && running.equals(firmware.stoneVersion())) {
            ranSteppingStone = true;
        }
        if (staged != null && !staged.equals(running)) {
            rollbacks.incrementAndGet();
            report("rolled_back", staged, "trial boot of " + staged + " reverted to " + running);
        }
        return true;
    }

    /** One check-in with the profile's stock client. */
    UpdateOutcome attempt() {
        checkIns.incrementAndGet();
        String version = version();
        FleetClock clock = scenario.clock();
        Duration read = max(clock.real(HttpUpdateClient.DEFAULT_TIMEOUT), MIN_READ_TIMEOUT);
        TransferListener listener = (status, length, slot) -> {
            transfers.incrementAndGet();
            if (firstWritingNanos < 0) {
                firstWritingNanos = System.nanoTime();
            }
        };
        UpdateOutcome outcome = switch (scenario.fleet().profile()) {
            case NONOS_512K -> NonosUpgradeClient.updraft(board, server, scenario.product(), identity, version)
                    .timeouts(max(clock.real(Duration.ofSeconds(10)), MIN_READ_TIMEOUT),
                            max(clock.real(Duration.ofSeconds(120)), Duration.ofSeconds(20)))
                    .listener(listener).upgrade();
            case ARDUINO_4M, ARDUINO_1M -> HttpUpdateClient.esp8266(board, identity).version(version).timeout(read).listener(listener)
                    .update(updateUrl());
            case ESP32_4M -> HttpUpdateClient.esp32(board, identity).version(version).timeout(read).listener(listener)
                    .update(updateUrl());
        };
        switch (outcome) {
            case UpdateOutcome.NoUpdate n -> {
                Updater updater = board.updater();
                if (updater.pendingConfirm()) {
                    updater.confirm(); // the server answered: the new image works — keep it
                }
            }
            case UpdateOutcome.Failed f -> failures.incrementAndGet();
            case UpdateOutcome.Updated u -> imageBytes.addAndGet(u.staged().length());
            case UpdateOutcome.FilesystemWritten w -> imageBytes.addAndGet(w.length()); // not asked for by a fleet device
        }
        return outcome;
    }

    private URI updateUrl() {
        return URI.create(server + "/u/" + scenario.product());
    }

    /**
     * {@code POST /u/{product}/report} as firmware sends it (HTTP/1.0, one request per connection),
     * the same way as its check-ins (through the link, if there is one); a few tries, since the link may be flaky.
     */
    private void report(String status, String version, String detail) {
        String body = "{\"mac\":\"" + mac() + "\",\"status\":\"" + status + "\",\"version\":\"" + version
                + "\",\"detail\":\"" + detail.replace("\"", "'") + "\"}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        int port = server.getPort() > 0 ? server.getPort() : 80;
        String head = "POST /u/" + scenario.product() + "/report HTTP/1.0\r\nHost: " + server.getHost() + ":" + port
                + "\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n";
        for (int attempt = 0; attempt < 5; attempt++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(server.getHost(), port), 5_000);
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(head.getBytes(StandardCharsets.ISO_8859_1));
                out.write(bytes);
                out.flush();
                InputStream in = s.getInputStream();
                String answer = new String(in.readNBytes(64), StandardCharsets.ISO_8859_1);
                if (answer.startsWith("HTTP/1.1 200") || answer.startsWith("HTTP/1.0 200")) {
                    return;
                }
            } catch (IOException e) {
                // try again
            }
            try {
                Thread.sleep(max(scenario.clock().real(Duration.ofSeconds(5)), Duration.ofMillis(20)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    DeviceProfile profile() {
        return scenario.fleet().profile();
    }
}
