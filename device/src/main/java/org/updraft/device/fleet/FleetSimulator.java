package org.updraft.device.fleet;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.Bootloader;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.EbootCopy;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.IdfOtaData;
import org.updraft.device.boot.NonosBoot;
import org.updraft.device.boot.TrialBoot;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.client.Identity;
import org.updraft.device.client.UpdateOutcome;
import org.updraft.device.flash.NorFlash;

/**
 * Runs a fleet against a real server (docs/rollouts.md, "Fleet simulator"):
 * <ol>
 *   <li>creates the product (with the plan's health window) and uploads the factory release and
 *       the new release, the latter with {@code hold=true} so only the rollout delivers it (a mixed
 *       {@code arduino-1m} run also uploads a large sketch and a stepping stone, held, and designates the stone);</li>
 *   <li>powers on N devices (one thread each, see {@link FleetThreads}; flash shared copy-on-write with the factory
 *       image), lets each check in once so the server knows it, tags the canaries and, with MQTT,
 *       subscribes the listening devices;</li>
 *   <li>starts the devices' poll loops, then creates and starts the rollout; the devices poll
 *       through the {@link FaultyLink} when the scenario drops, stalls or paces transfers, else
 *       straight at the server;</li>
 *   <li>{@link Run#await()} watches the rollout until it has settled — completed and every member
 *       confirmed, failed or rolled back; or halted/aborted with nothing in flight — or until the
 *       limit, then stops the devices and reports.</li>
 * </ol>
 *
 * <p>One class because {@link Run} is the fleet's single owner from set-up to report: the devices,
 * their threads, the subscriptions, the link and the rollout's observed waves are created, watched,
 * stopped and counted together, in that order, and {@link #start} is only its entry point. The
 * parts that stand alone are already separate ({@link FleetDevice}, {@link FaultyLink},
 * {@link FleetThreads}, {@link ServerApi}, {@link FleetReport}).
 */
public final class FleetSimulator {

    /** The install deadline of the simulator's rollouts, in fleet time (why: where the rollout is created). */
    static final java.time.Duration SIMULATED_INSTALL_DEADLINE = java.time.Duration.ofHours(1);

    /** Check-ins at once while the fleet registers. */
    private static final int REGISTER_PARALLELISM = 64;
    private static final Duration WATCH = Duration.ofMillis(200);

    private FleetSimulator() {
    }

    /** Sets the run up and starts the rollout; the devices are polling when this returns. */
    public static Run start(Scenario s) throws IOException, InterruptedException {
        return new Run(s);
    }

    /** {@link #start} and {@link Run#await}. */
    public static FleetReport run(Scenario s, Progress progress) throws IOException, InterruptedException {
        try (Run run = start(s)) {
            return run.await(progress);
        }
    }

    /** The boot model a fleet device has: one that can revert an image that does not confirm itself. */
    static Bootloader bootloader(DeviceProfile profile) {
        return switch (profile) {
            case NONOS_512K -> new NonosBoot(FlashMap.NONOS_512K, TrialBoot.of(1));
            case ARDUINO_4M -> new EbootCopy(FlashMap.ARDUINO_4M);
            case ARDUINO_1M -> new EbootCopy(FlashMap.ARDUINO_1M);
            case ESP32_4M -> new IdfOtaData(FlashMap.ESP32_4M, true);
        };
    }

    /** A running fleet. */
    public static final class Run implements AutoCloseable {
        private final Scenario scenario;
        private final ServerApi api;
        private final Firmware firmware;
        /** Null when the scenario has no link faults ({@link Scenario.Faults#needLink()}): devices connect to the server. */
        private final FaultyLink link;
        private final List<FleetDevice> devices = new ArrayList<>();
        private final List<UpdateSubscription> subscriptions = new ArrayList<>();
        private final List<Thread> threads = new ArrayList<>();
        private final long rolloutId;
        private final long startNanos;
        private final Duration startFleet;
        private final double[] waveStart;
        private final double[] waveEnd;
        private volatile RolloutStatus last;
        private int lastWave;
        private boolean stopped;

        private Run(Scenario s) throws IOException, InterruptedException {
            this.scenario = s;
            this.api = new ServerApi(s.server(), s.token());
            Scenario.Plan plan = s.plan();
            this.firmware = s.fleet().largeShare() > 0 ? Firmware.mixed(s.fleet().profile())
                    : Firmware.samples(s.fleet().profile(), plan.badRelease());
            String layout = s.fleet().profile().id();
            api.createProduct(s.product(), layout, plan.healthWindow().toSeconds());
            // Every release but the factory one is held: only the rollout (and, on the way to it, the
            // stepping stone) reaches devices.
            for (var release : firmware.parts().entrySet()) {
                api.uploadRelease(s.product(), release.getKey(), !release.getKey().equals(firmware.oldVersion()), release.getValue());
            }
            if (firmware.stoneVersion() != null) {
                api.steppingStone(s.product(), firmware.stoneVersion());
            }
            this.link = s.faults().needLink() ? FaultyLink.open(s.server(), s.faults(), s.clock(), s.seed()) : null;
            try {
                boot();
                register();
                tagCanaries();
                subscribe();
                // The devices are out there before the rollout starts: their poll loops run (each waiting a
                // random part of a poll interval first) when it starts, so that starting thousands of threads
                // (seconds, on a busy machine) neither counts as rollout time nor holds back the devices of the
                // first wave that a wake-up reaches while their threads are not started yet.
                for (FleetDevice d : devices) {
                    threads.add(FleetThreads.start("fleet-device-" + d.index(), d::run));
                }
                Map<String, Object> spec = new LinkedHashMap<>();
                spec.put("version", firmware.newVersion());
                spec.put("waves", plan.waves());
                spec.put("successThreshold", plan.successThreshold());
                spec.put("failureThreshold", plan.failureThreshold());
                spec.put("soakSeconds", plan.soak().toSeconds());
                spec.put("maxConcurrent", plan.maxConcurrent());
                spec.put("maxAttempts", plan.maxAttempts());
                spec.put("backoffSeconds", plan.backoff().toSeconds());
                // Every simulated device comes back after its download (the simulator has no silent
                // devices), but its reboot runs on a real thread: at 300x a server default of five
                // fleet minutes is one real second, which a loaded machine may not give it. An hour
                // of fleet time keeps the server's install deadline from failing a device for the
                // simulation's own scheduling delays.
                spec.put("installDeadlineSeconds", SIMULATED_INSTALL_DEADLINE.toSeconds());
                RolloutStatus draft = api.createRollout(s.product(), spec);
                this.rolloutId = draft.id();
                this.waveStart = new double[draft.waves().size()];
                this.waveEnd = new double[draft.waves().size()];
                Arrays.fill(waveEnd, -1);
                this.last = api.rollout(rolloutId, "start");
                this.startNanos = System.nanoTime();
                this.startFleet = s.clock().elapsed();
                this.lastWave = 0;
            } catch (IOException | InterruptedException | RuntimeException e) {
                closeQuietly();
                throw e;
            }
        }

        private void boot() {
            DeviceProfile profile = scenario.fleet().profile();
            Bootloader bootloader = bootloader(profile);
            NorFlash factory = NorFlash.erased(bootloader.map().flashSize());
            bootloader.provision(factory, firmware.factory());
            NorFlash largeFactory = null;
            if (firmware.largeFactory() != null) {
                largeFactory = NorFlash.erased(bootloader.map().flashSize());
                bootloader.provision(largeFactory, firmware.largeFactory());
            }
            SplittableRandom random = new SplittableRandom(scenario.seed());
            int salt = random.nextInt(256);
            String oui = profile == DeviceProfile.ESP32_4M ? "24:0A:C4" : "5C:CF:7F";
            int canaries = scenario.fleet().canaries();
            String canaryTag = firstTagWave(scenario.plan().waves());
            // With no faults to inject, a relay would only double the sockets and the kernel's copies of every check-in.
            URI server = link != null ? link.uri() : URI.create(scenario.server().toString().replaceAll("/+$", ""));
            for (int i = 0; i < scenario.fleet().devices(); i++) {
                String mac = String.format("%s:%02X:%02X:%02X", oui, salt, (i >> 8) & 0xFF, i & 0xFF);
                Board board = new Board(bootloader, (largeFactory != null && scenario.fleet().large(i) ? largeFactory : factory).copy());
                board.powerOn();
                if (!(board.state() instanceof BootResult.Booted)) {
                    throw new IllegalStateException("the factory image does not boot on " + profile.id() + ": " + board.state());
                }
                Set<String> tags = i < canaries && canaryTag != null ? Set.of(canaryTag) : Set.of();
                devices.add(new FleetDevice(i, Identity.of(mac, profile.sdkVersion()), board, firmware, scenario, server, tags,
                        random.nextLong()));
            }
        }

        /** Every device checks in once (the server registers devices at their first check-in). */
        private void register() throws InterruptedException, IOException {
            List<Future<UpdateOutcome>> results = new ArrayList<>();
            try (ExecutorService pool = FleetThreads.fixed("fleet-register-", REGISTER_PARALLELISM)) {
                for (FleetDevice d : devices) {
                    results.add(pool.submit(() -> {
                        UpdateOutcome o = d.attempt();
                        for (int i = 0; i < 3 && o instanceof UpdateOutcome.Failed; i++) {
                            o = d.attempt();
                        }
                        return o;
                    }));
                }
            }
            for (int i = 0; i < results.size(); i++) {
                try {
                    if (results.get(i).get() instanceof UpdateOutcome.Failed f) {
                        throw new IOException("device " + devices.get(i).mac() + " cannot check in: " + f.code() + " " + f.message());
                    }
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IOException("device " + devices.get(i).mac() + " cannot check in: " + e.getCause(), e.getCause());
                }
            }
        }

        private void tagCanaries() throws IOException, InterruptedException {
            for (FleetDevice d : devices) {
                if (!d.tags().isEmpty()) {
                    api.tags(d.mac(), List.copyOf(d.tags()));
                }
            }
        }

        private void subscribe() {
            if (scenario.mqttUrl() == null) {
                return;
            }
            int listening = (int) Math.round(scenario.fleet().mqttShare() * devices.size());
            if (scenario.fleet().mqttShared()) {
                Map<String, Runnable> byMac = new LinkedHashMap<>();
                devices.subList(0, listening).forEach(d -> byMac.put(d.mac(), d::notified));
                subscriptions.add(UpdateSubscription.fleet(scenario.mqttUrl(), scenario.product(), byMac));
                return;
            }
            for (int i = 0; i < listening; i++) {
                FleetDevice d = devices.get(i);
                subscriptions.add(UpdateSubscription.subscribe(scenario.mqttUrl(), scenario.product(), d.mac(), d::notified));
            }
        }

        static String firstTagWave(String waves) {
            for (String w : waves.split(",")) {
                String t = w.strip();
                if (!t.isEmpty() && !Character.isDigit(t.charAt(0)) && t.charAt(0) != '.') {
                    return t;
                }
            }
            return null;
        }

        public long rolloutId() {
            return rolloutId;
        }

        public List<FleetDevice> devices() {
            return List.copyOf(devices);
        }

        public Firmware firmware() {
            return firmware;
        }

        public ServerApi api() {
            return api;
        }

        /** The link in front of the server; only runs with link faults have one ({@link Scenario.Faults#needLink()}). */
        public FaultyLink link() {
            if (link == null) {
                throw new IllegalStateException("this run has no link: without drops, stalls or a link speed the devices connect "
                        + "to the server directly");
            }
            return link;
        }

        /** Image transfers to {@code d}: counted on the link when there is one, else by the device. */
        private int transfers(FleetDevice d) {
            return link != null ? link.transfers(d.mac()) : d.transfers();
        }

        private FleetReport.Network network() {
            if (link != null) {
                return new FleetReport.Network(link.transfers(), link.drops(), link.stalls(), link.bytes());
            }
            return new FleetReport.Network(devices.stream().mapToLong(FleetDevice::transfers).sum(), 0, 0,
                    devices.stream().mapToLong(FleetDevice::imageBytes).sum());
        }

        public Scenario scenario() {
            return scenario;
        }

        /** {@link System#nanoTime()} when the rollout was started. */
        public long startNanos() {
            return startNanos;
        }

        /** The rollout as the server shows it now (the last answer if the server is unreachable). */
        public RolloutStatus status() throws InterruptedException {
            try {
                RolloutStatus s = api.rollout(rolloutId);
                observe(s);
                return s;
            } catch (IOException e) {
                return last;
            }
        }

        private synchronized void observe(RolloutStatus s) {
            double now = fleetSeconds();
            int wave = s.currentWave();
            for (int i = lastWave; i < wave && i < waveEnd.length; i++) {
                waveEnd[i] = now;
                if (i + 1 < waveStart.length) {
                    waveStart[i + 1] = now;
                }
            }
            boolean startedUnseen = wave > lastWave; // advanced and completed between two looks: its time is unknown
            lastWave = Math.max(lastWave, wave);
            if (s.state().equals("completed") && waveEnd[wave] < 0 && !startedUnseen) {
                waveEnd[wave] = now;
            }
            last = s;
        }

        private double fleetSeconds() {
            return (scenario.clock().elapsed().minus(startFleet)).toMillis() / 1000.0;
        }

        /**
         * Waits until the rollout has settled (or the limit), stops the devices and reports.
         * Settled: completed and every member confirmed, failed or rolled back; or halted/aborted
         * with nothing in flight (no download running, no image written and unconfirmed), twice in a row.
         */
        public FleetReport await(Progress progress) throws InterruptedException {
            long deadline = startNanos + scenario.clock().real(scenario.limit()).toNanos();
            boolean settled = false;
            int quiet = 0;
            while (System.nanoTime() < deadline) {
                RolloutStatus s = status();
                progress.show(s, Duration.ofMillis((long) (fleetSeconds() * 1000)));
                if (settled(s)) {
                    if (++quiet >= 2) {
                        settled = true;
                        break;
                    }
                } else {
                    quiet = 0;
                }
                Thread.sleep(WATCH);
            }
            double fleetSeconds = fleetSeconds();
            double realSeconds = (System.nanoTime() - startNanos) / 1e9;
            stop();
            progress.done();
            return report(settled, fleetSeconds, realSeconds);
        }

        public FleetReport await() throws InterruptedException {
            return await(Progress.NONE);
        }

        static boolean settled(RolloutStatus s) {
            return switch (s.state()) {
                case "completed" -> s.progress().stream().allMatch(w -> w.settled() == w.members());
                case "halted", "aborted" -> s.total(RolloutStatus.WaveProgress::inFlight) == 0;
                default -> false;
            };
        }

        /** Stops every device (bounded wait) and the subscriptions; the link closes with {@link #close()}. */
        public synchronized void stop() throws InterruptedException {
            if (stopped) {
                return;
            }
            stopped = true;
            devices.forEach(FleetDevice::stop);
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            for (Thread t : threads) {
                long left = until - System.nanoTime();
                if (left <= 0 || !t.join(Duration.ofNanos(left))) {
                    t.interrupt();
                }
            }
            subscriptions.forEach(UpdateSubscription::close);
        }

        private FleetReport report(boolean settled, double fleetSeconds, double realSeconds) throws InterruptedException {
            RolloutStatus s = last;
            for (int i = 0; i < 5; i++) {
                try {
                    s = api.rollout(rolloutId);
                    observe(s);
                    break;
                } catch (IOException e) {
                    Thread.sleep(200);
                }
            }
            // Attempts per device, grouped by wave when the grouping agrees with the server.
            int waves = s.progress().size();
            int[] members = new int[waves];
            long[] attemptSum = new long[waves];
            int[] attempted = new int[waves];
            int[] attemptMax = new int[waves];
            long allSum = 0;
            int allAttempted = 0;
            int allMax = 0;
            for (FleetDevice d : devices) {
                int a = transfers(d);
                int w = Membership.wave(rolloutId, d.mac(), d.tags(), s.waves());
                if (w >= 0) {
                    members[w]++;
                    if (a > 0) {
                        attemptSum[w] += a;
                        attempted[w]++;
                        attemptMax[w] = Math.max(attemptMax[w], a);
                    }
                }
                if (a > 0) {
                    allSum += a;
                    allAttempted++;
                    allMax = Math.max(allMax, a);
                }
            }
            List<FleetReport.WaveRow> rows = new ArrayList<>();
            for (int i = 0; i < waves; i++) {
                RolloutStatus.WaveProgress p = s.progress().get(i);
                boolean grouped = members[i] == p.members();
                double mean = grouped ? (attempted[i] == 0 ? 0 : (double) attemptSum[i] / attempted[i]) : p.meanAttempts();
                Double time = waveEnd[i] < 0 ? null : Math.round((waveEnd[i] - waveStart[i]) * 10) / 10.0;
                rows.add(new FleetReport.WaveRow(p.label(), p.members(), p.reached(), p.confirmed(), p.failed(), p.rolledBack(),
                        Math.round(mean * 100) / 100.0, grouped ? attemptMax[i] : null, time));
            }
            int onNew = 0;
            int onOld = 0;
            int bricked = 0;
            int invalid = 0;
            for (FleetDevice d : devices) {
                if (d.bricked() != null || !(d.board().state() instanceof BootResult.Booted b)) {
                    bricked++;
                } else if (!firmware.isValid(b.image())) {
                    invalid++;
                } else if (firmware.newVersion().equals(d.version())) {
                    onNew++;
                } else {
                    onOld++;
                }
            }
            FleetReport.Devices fleet = new FleetReport.Devices(onNew, onOld, bricked, invalid,
                    s.total(RolloutStatus.WaveProgress::confirmed), devices.stream().mapToInt(FleetDevice::rollbacks).sum(),
                    devices.stream().mapToInt(FleetDevice::crashes).sum(),
                    allAttempted == 0 ? 0 : Math.round(100.0 * allSum / allAttempted) / 100.0, allMax,
                    devices.stream().mapToInt(FleetDevice::offlineSpells).sum(),
                    devices.stream().mapToInt(FleetDevice::notifications).sum(),
                    (int) devices.stream().filter(FleetDevice::ranSteppingStone).count());
            return new FleetReport(scenario.product(), scenario.fleet().profile().id(), devices.size(), firmware.newVersion(),
                    rolloutId, s.state(), s.reason(), settled, Math.round(fleetSeconds * 10) / 10.0,
                    Math.round(realSeconds * 100) / 100.0, scenario.clock().speed(), List.copyOf(rows), fleet,
                    network());
        }

        private void closeQuietly() {
            devices.forEach(FleetDevice::stop);
            subscriptions.forEach(UpdateSubscription::close);
            if (link != null) {
                link.close();
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop();
            if (link != null) {
                link.close();
            }
        }
    }
}
