package org.updraft.server.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.updraft.server.fleet.DeviceRegistry;
import org.updraft.server.fleet.Outcome;

/**
 * What {@code /metrics} exports (Prometheus text format): check-ins by outcome
 * ({@code updraft_checkins_total{outcome=...}}), reports by outcome ({@code updraft_reports_total{outcome=...}}),
 * image bytes delivered
 * ({@code updraft_bytes_served_total}, counted when a response completes), downloads in flight
 * ({@code updraft_downloads_in_flight}), the check-in writer's queue and what it coalesced, shed,
 * waited for and lost ({@code updraft_checkin_writer_*}, see {@link #checkInWriter}), plus JVM
 * memory and threads.
 */
public final class Metrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<Outcome, Counter> checkIns = new EnumMap<>(Outcome.class);
    private final Counter bytesServed;
    private final AtomicInteger inFlight = new AtomicInteger();
    private Supplier<DeviceRegistry.WriterStats> writerStats;
    // Micrometer holds measured objects weakly; this keeps the integrity suppliers alive.
    private Object[] integrity;

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
        return registry.scrape();
    }
}
