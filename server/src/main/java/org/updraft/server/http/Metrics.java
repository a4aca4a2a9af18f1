package org.updraft.server.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.fleet.DeviceRegistry;
import org.updraft.server.fleet.Outcome;
import org.updraft.server.rollout.Rollout;
import org.updraft.server.rollout.RolloutEngine;
import org.updraft.server.rollout.RolloutState;
import org.updraft.server.rollout.WaveStats;

/**
 * What {@code /metrics} exports (Prometheus text format): check-ins by outcome
 * ({@code updraft_checkins_total{outcome=...}}), reports by outcome ({@code updraft_reports_total{outcome=...}}),
 * image bytes delivered
 * ({@code updraft_bytes_served_total}, counted when a response completes), downloads in flight
 * ({@code updraft_downloads_in_flight}), the check-in writer's queue and what it coalesced, shed,
 * waited for and lost ({@code updraft_checkin_writer_*}, see {@link #checkInWriter}), rollouts and
 * their waves and the devices per running version ({@link #fleet}), plus JVM memory and threads.
 */
public final class Metrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<Outcome, Counter> checkIns = new EnumMap<>(Outcome.class);
    private final Counter bytesServed;
    private final AtomicInteger inFlight = new AtomicInteger();
    private Supplier<DeviceRegistry.WriterStats> writerStats;
    // Micrometer holds measured objects weakly; this keeps the integrity suppliers alive.
    private Object[] integrity;
    /** The fleet gauges' sources ({@link #fleet}); null until wired. Read at every scrape. */
    private Catalog catalog;
    private DeviceRegistry devices;
    private RolloutEngine rollouts;
    private MultiGauge rolloutsByState;
    private MultiGauge waveMembers;
    private MultiGauge waveConfirmed;
    private MultiGauge waveFailed;
    private MultiGauge currentWave;
    private MultiGauge devicesRunning;

    public Metrics() {
        for (Outcome o : Outcome.values()) {
            checkIns.put(o, Counter.builder("updraft.checkins").description("Device check-ins by decision outcome")
                    .tag("outcome", o.id()).register(registry));
        }
        bytesServed = Counter.builder("updraft.bytes.served").description("Image bytes delivered to devices")
                .register(registry);
        Gauge.builder("updraft.downloads.in.flight", inFlight, AtomicInteger::get)
                .description("Image responses being written").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
    }

    /**
     * The check-in writer (DeviceRegistry): {@code updraft_checkin_writer_pending{rows}} (device and
     * timeline rows waiting for the database), {@code _coalesced_total} (device-row updates
     * superseded by a later check-in of the same device before they were written),
     * {@code _shed_total} (timeline rows dropped because the queue was full), {@code _waited_total}
     * (check-ins that waited for room for one more device row) and {@code _lost_total{rows}} (rows
     * not written after the writer's retries).
     */
    public void checkInWriter(Supplier<DeviceRegistry.WriterStats> stats) {
        // Micrometer holds the measured object weakly; this field keeps the supplier alive.
        this.writerStats = stats;
        gauge("updraft.checkin.writer.pending", "device", "Check-in rows waiting for the database", stats,
                s -> s.pendingDevices());
        gauge("updraft.checkin.writer.pending", "timeline", "Check-in rows waiting for the database", stats,
                s -> s.pendingTimeline());
        counter("updraft.checkin.writer.coalesced", null, "Device-row updates superseded by a later check-in of the "
                + "same device before they were written", stats, s -> s.coalesced());
        counter("updraft.checkin.writer.shed", null, "Timeline rows dropped because the writer's queue was full",
                stats, s -> s.shed());
        counter("updraft.checkin.writer.waited", null, "Check-ins that waited for room in the writer's device-row queue",
                stats, s -> s.waited());
        counter("updraft.checkin.writer.lost", "device", "Check-in rows not written after the writer's retries", stats,
                s -> s.lostDevices());
        counter("updraft.checkin.writer.lost", "timeline", "Check-in rows not written after the writer's retries", stats,
                s -> s.lostTimeline());
    }

    private void gauge(String name, String rows, String help, Supplier<DeviceRegistry.WriterStats> stats,
                       ToDoubleFunction<DeviceRegistry.WriterStats> value) {
        Gauge.builder(name, stats, s -> value.applyAsDouble(s.get())).description(help).tag("rows", rows).register(registry);
    }

    private void counter(String name, String rows, String help, Supplier<DeviceRegistry.WriterStats> stats,
                         ToDoubleFunction<DeviceRegistry.WriterStats> value) {
        var b = FunctionCounter.builder(name, stats, s -> value.applyAsDouble(s.get())).description(help);
        if (rows != null) {
            b.tag("rows", rows);
        }
        b.register(registry);
    }

    /**
     * {@code updraft_storage_writable} (1 while writes are accepted, 0 while they are refused for
     * lack of space or failing writes), {@code updraft_storage_usable_bytes} (the data directory's
     * file system) and {@code updraft_artifacts_damaged} (stored images that failed their hash and
     * are not served).
     */
    public void integrity(java.util.function.BooleanSupplier writable, java.util.function.LongSupplier usableBytes,
                          java.util.function.IntSupplier damaged) {
        this.integrity = new Object[] {writable, usableBytes, damaged};
        Gauge.builder("updraft.storage.writable", writable, w -> w.getAsBoolean() ? 1 : 0)
                .description("1 while writes are accepted, 0 while the data directory is full or writes fail").register(registry);
        Gauge.builder("updraft.storage.usable.bytes", usableBytes, u -> u.getAsLong())
                .description("Usable bytes on the data directory's file system").register(registry);
        Gauge.builder("updraft.artifacts.damaged", damaged, d -> d.getAsInt())
                .description("Stored images that failed their SHA-256 check and are not served").register(registry);
    }

    /** Versions of a product that get a label of their own in {@code updraft_devices_running}: its newest releases. */
    static final int VERSION_LABELS = 20;

    /**
     * Gauges read at every scrape: {@code updraft_rollouts{state}} (rollouts per state, every state
     * present), per wave of every running or paused rollout {@code updraft_rollout_wave_members},
     * {@code _confirmed} and {@code _failed} (failed or rolled back) with labels
     * {@code product, rollout, wave} (the wave's label: canary tag or percentage), and
     * {@code updraft_rollout_current_wave{product, rollout}} (0-based); and
     * {@code updraft_devices_running{product, version}}, devices per running version. Label
     * cardinality is bounded: wave series exist only while their rollout runs or is paused (two
     * active rollouts never share a device, so there are few), and {@code version} is one of the
     * product's {@value #VERSION_LABELS} newest releases, {@code other} (an older release, or a
     * version no release has) or {@code unknown} (not recognised) — at most
     * {@value #VERSION_LABELS} + 2 series per product, whatever the devices report.
     */
    public void fleet(Catalog catalog, DeviceRegistry devices, RolloutEngine rollouts) {
        this.catalog = catalog;
        this.devices = devices;
        this.rollouts = rollouts;
        rolloutsByState = MultiGauge.builder("updraft.rollouts").description("Rollouts by state").register(registry);
        waveMembers = MultiGauge.builder("updraft.rollout.wave.members")
                .description("Devices in a wave of a running or paused rollout").register(registry);
        waveConfirmed = MultiGauge.builder("updraft.rollout.wave.confirmed")
                .description("Devices of a wave that confirmed the release (healthy through the health window)").register(registry);
        waveFailed = MultiGauge.builder("updraft.rollout.wave.failed")
                .description("Devices of a wave whose update failed or rolled back").register(registry);
        currentWave = MultiGauge.builder("updraft.rollout.current.wave")
                .description("The wave a running or paused rollout is in (0-based)").register(registry);
        devicesRunning = MultiGauge.builder("updraft.devices.running")
                .description("Devices per running version (the product's newest releases; other; unknown)").register(registry);
    }

    /** Re-reads the fleet gauges' values: the rows of every MultiGauge are replaced, so finished rollouts disappear. */
    private synchronized void refreshFleet() {
        if (catalog == null) {
            return;
        }
        try {
            refreshFleetRows();
        } catch (RuntimeException e) {
            // The database is unreachable: the gauges keep their last values, the rest of /metrics
            // still answers (and /health says DOWN).
            org.slf4j.LoggerFactory.getLogger(Metrics.class).warn("fleet gauges not refreshed: {}", e.toString());
        }
    }

    private void refreshFleetRows() {
        Map<RolloutState, Integer> states = new EnumMap<>(RolloutState.class);
        for (RolloutState st : RolloutState.values()) {
            states.put(st, 0);
        }
        List<MultiGauge.Row<?>> members = new ArrayList<>();
        List<MultiGauge.Row<?>> confirmed = new ArrayList<>();
        List<MultiGauge.Row<?>> failed = new ArrayList<>();
        List<MultiGauge.Row<?>> current = new ArrayList<>();
        for (Rollout r : rollouts.list(null)) {
            states.merge(r.state(), 1, Integer::sum);
            if (!r.state().isActive()) {
                continue;
            }
            String product = catalog.product(r.productId()).map(Product::name).orElse("?");
            Tags rollout = Tags.of("product", product, "rollout", String.valueOf(r.id()));
            current.add(MultiGauge.Row.of(rollout, r.currentWave()));
            for (WaveStats w : rollouts.stats(r)) {
                Tags wave = rollout.and("wave", w.label());
                members.add(MultiGauge.Row.of(wave, w.members()));
                confirmed.add(MultiGauge.Row.of(wave, w.confirmed()));
                failed.add(MultiGauge.Row.of(wave, w.failed() + w.rolledBack()));
            }
        }
        List<MultiGauge.Row<?>> byState = new ArrayList<>();
        states.forEach((st, n) -> byState.add(MultiGauge.Row.of(Tags.of("state", st.id()), n)));
        rolloutsByState.register(byState, true);
        waveMembers.register(members, true);
        waveConfirmed.register(confirmed, true);
        waveFailed.register(failed, true);
        currentWave.register(current, true);

        List<MultiGauge.Row<?>> running = new ArrayList<>();
        devices.runningVersions().forEach((productId, counts) -> {
            Product p = catalog.product(productId).orElse(null);
            if (p == null) {
                return;
            }
            Set<String> labelled = new HashSet<>();
            catalog.releases(p).stream().limit(VERSION_LABELS).forEach(r -> labelled.add(r.version().toString()));
            Map<String, Long> byLabel = new java.util.TreeMap<>();
            counts.forEach((version, n) -> byLabel.merge(version == null ? "unknown" : labelled.contains(version) ? version : "other",
                    n, Long::sum));
            byLabel.forEach((version, n) -> running.add(MultiGauge.Row.of(Tags.of("product", p.name(), "version", version), n)));
        });
        devicesRunning.register(running, true);
    }

    public void checkIn(Outcome outcome) {
        checkIns.get(outcome).increment();
    }

    /**
     * One report ({@code POST /u/{product}/report}): {@code updraft_reports_total{outcome}}, the
     * refusal's outcome id or {@code recorded} — kept apart from the check-ins it is not.
     */
    public void report(String outcome) {
        Counter.builder("updraft.reports").description("Device reports by outcome").tag("outcome", outcome)
                .register(registry).increment();
    }

    public double checkIns(Outcome outcome) {
        return checkIns.get(outcome).count();
    }

    void downloadStarted() {
        inFlight.incrementAndGet();
    }

    void downloadEnded(long bytes) {
        inFlight.decrementAndGet();
        if (bytes > 0) {
            bytesServed.increment(bytes);
        }
    }

    public int downloadsInFlight() {
        return inFlight.get();
    }

    public String scrape() {
        refreshFleet();
        return registry.scrape();
    }
}
