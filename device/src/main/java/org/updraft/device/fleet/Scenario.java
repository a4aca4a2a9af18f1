package org.updraft.device.fleet;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import org.updraft.device.client.DeviceProfile;

/**
 * One fleet run: which server, which devices, which faults, which rollout.
 *
 * @param server   the Updraft server (management API and device endpoints)
 * @param mqttUrl  broker the devices subscribe to ({@code tcp://127.0.0.1:1883}), or null: poll only
 * @param product  product name to create (must not exist yet)
 * @param clock    fleet time; give the same clock to an in-process server
 * @param limit    fleet time after which the run stops, settled or not
 * @param seed     seeds faults, poll jitter and MAC addresses
 * @param token    bearer token for the management API (an operator or admin token; product creation needs admin), or null
 */
public record Scenario(URI server, String mqttUrl, String product, Fleet fleet, Faults faults, Plan plan, FleetClock clock,
                       Duration limit, long seed, String token) {

    public static final int MAX_DEVICES = 20_000;

    public Scenario {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(product, "product");
        Objects.requireNonNull(fleet, "fleet");
        Objects.requireNonNull(faults, "faults");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(clock, "clock");
        if (limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("limit must be positive");
        }
        if (plan.badRelease() && (fleet.profile() == DeviceProfile.ARDUINO_4M || fleet.profile() == DeviceProfile.ARDUINO_1M)) {
            throw new IllegalArgumentException("--bad-release needs a boot model that can revert: " + fleet.profile().id()
                    + " (eboot copy) has no trial boot, so a release that crashes on boot would crash-loop every device it reaches; "
                    + "use nonos-512k (trial boot) or esp32-4m (IDF rollback)");
        }
    }

    /**
     * @param devices    how many emulated devices (1..20000)
     * @param poll       fleet time between check-ins (each device adds up to ±20 % jitter)
     * @param mqttShare  share of devices that subscribe to their update topic (with {@code mqttUrl})
     * @param canaries   devices tagged with the first tag wave (e.g. "canary") before the rollout starts
     * @param mqttShared the listening devices share one broker connection (a wildcard subscription whose messages
     *                   go to the device the topic names) instead of one connection each: for fleets of thousands
     * @param largeShare share of devices (spread evenly over the fleet, canaries included) that leave the factory with
     *                   a large sketch, too large to leave room for the new release: a mixed fleet that needs the
     *                   product's stepping stone ({@link Firmware#mixed}); {@code arduino-1m} only, 0 for none
     */
    public record Fleet(int devices, DeviceProfile profile, Duration poll, double mqttShare, int canaries, boolean mqttShared,
                        double largeShare) {
        public Fleet {
            if (devices < 1 || devices > MAX_DEVICES) {
                throw new IllegalArgumentException("devices must be within 1.." + MAX_DEVICES + ", was " + devices);
            }
            Objects.requireNonNull(profile, "profile");
            if (poll.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("poll must be at least 1s of fleet time, was " + poll);
            }
            if (!(mqttShare >= 0 && mqttShare <= 1)) {
                throw new IllegalArgumentException("mqttShare must be within 0..1, was " + mqttShare);
            }
            if (canaries < 0 || canaries > devices) {
                throw new IllegalArgumentException("canaries must be within 0.." + devices + ", was " + canaries);
            }
            if (!(largeShare >= 0 && largeShare <= 1)) {
                throw new IllegalArgumentException("largeShare must be within 0..1, was " + largeShare);
            }
            if (largeShare > 0 && profile != DeviceProfile.ARDUINO_1M) {
                throw new IllegalArgumentException("a share of large sketches needs the arduino-1m profile: only there does a large "
                        + "sketch leave too little free space for the next one (stepping stones), was " + profile.id());
            }
        }

        /** A fleet whose devices all leave the factory with the same (small) sketch. */
        public Fleet(int devices, DeviceProfile profile, Duration poll, double mqttShare, int canaries, boolean mqttShared) {
            this(devices, profile, poll, mqttShare, canaries, mqttShared, 0);
        }

        /** Whether device {@code index} leaves the factory with the large sketch: {@code largeShare} of them, spread evenly. */
        public boolean large(int index) {
            return Math.floor((index + 1) * largeShare) > Math.floor(index * largeShare);
        }

        /** A fleet whose listening devices connect to the broker each. */
        public Fleet(int devices, DeviceProfile profile, Duration poll, double mqttShare, int canaries) {
            this(devices, profile, poll, mqttShare, canaries, false);
        }
    }

    /**
     * What the network and the devices do wrong.
     *
     * @param drop        probability that an image transfer is cut at a random byte of its body
     * @param stall       probability that an image transfer stops sending at a random byte until the device gives up
     * @param linkBytesPerSecond  device link speed in fleet time (~60 KB/s for an ESP8266 on busy Wi-Fi); 0 = unlimited
     * @param offline     probability, per poll, that a device goes offline
     * @param offlineFor  how long an offline spell lasts on average (fleet time; each spell 0.5..1.5 of it)
     */
    public record Faults(double drop, double stall, long linkBytesPerSecond, double offline, Duration offlineFor) {
        public static final long TYPICAL_ESP_LINK = 60_000;

        public Faults {
            if (!(drop >= 0 && drop < 1) || !(stall >= 0 && stall < 1) || !(drop + stall < 1)) {
                throw new IllegalArgumentException("drop and stall are probabilities in [0, 1) with drop + stall < 1, were "
                        + drop + " and " + stall);
            }
            if (linkBytesPerSecond < 0) {
                throw new IllegalArgumentException("link speed must not be negative");
            }
            if (!(offline >= 0 && offline < 1)) {
                throw new IllegalArgumentException("offline must be within [0, 1), was " + offline);
            }
            Objects.requireNonNull(offlineFor, "offlineFor");
        }

        public static Faults none() {
            return new Faults(0, 0, 0, 0, Duration.ZERO);
        }

        /**
         * True when transfers are dropped, stalled or paced: only then do the devices need the
         * {@link FaultyLink} between them and the server. Without, they connect to the server
         * itself (offline spells are the devices' own doing and need no link).
         */
        public boolean needLink() {
            return drop > 0 || stall > 0 || linkBytesPerSecond > 0;
        }
    }

    /**
     * The rollout the run creates and starts (fields as in {@code POST /api/v1/products/{p}/rollouts}).
     *
     * @param healthWindow the product's health window: installed devices are confirmed at their first check-in after it
     * @param badRelease   the new release crashes on boot: trial boot / IDF rollback reverts it, the device reports rolled_back
     */
    public record Plan(String waves, double successThreshold, double failureThreshold, Duration soak, int maxConcurrent,
                       int maxAttempts, Duration backoff, Duration healthWindow, boolean badRelease) {
        public Plan {
            Objects.requireNonNull(waves, "waves");
            Objects.requireNonNull(soak, "soak");
            Objects.requireNonNull(backoff, "backoff");
            Objects.requireNonNull(healthWindow, "healthWindow");
        }

        public Plan withBadRelease(boolean bad) {
            return new Plan(waves, successThreshold, failureThreshold, soak, maxConcurrent, maxAttempts, backoff, healthWindow, bad);
        }
    }

    /** A scenario without a management token (set one with {@link #withToken}). */
    public Scenario(URI server, String mqttUrl, String product, Fleet fleet, Faults faults, Plan plan, FleetClock clock,
                    Duration limit, long seed) {
        this(server, mqttUrl, product, fleet, faults, plan, clock, limit, seed, null);
    }

    /** Never prints the token. */
    @Override
    public String toString() {
        return "Scenario[server=" + server + ", mqttUrl=" + mqttUrl + ", product=" + product + ", fleet=" + fleet + ", faults=" + faults
                + ", plan=" + plan + ", clock=" + clock + ", limit=" + limit + ", seed=" + seed + ", token=" + (token == null ? null : "***") + "]";
    }

    public Scenario withToken(String t) {
        return new Scenario(server, mqttUrl, product, fleet, faults, plan, clock, limit, seed, t);
    }

    public Scenario withServer(URI s) {
        return new Scenario(s, mqttUrl, product, fleet, faults, plan, clock, limit, seed, token);
    }

    public Scenario withFleet(Fleet f) {
        return new Scenario(server, mqttUrl, product, f, faults, plan, clock, limit, seed, token);
    }

    public Scenario withFaults(Faults f) {
        return new Scenario(server, mqttUrl, product, fleet, f, plan, clock, limit, seed, token);
    }

    public Scenario withPlan(Plan p) {
        return new Scenario(server, mqttUrl, product, fleet, faults, p, clock, limit, seed, token);
    }

    public Scenario withMqtt(String url) {
        return new Scenario(server, url, product, fleet, faults, plan, clock, limit, seed, token);
    }
}
