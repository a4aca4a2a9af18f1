package org.updraft.server.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.updraft.server.fleet.Outcome;

/**
 * What {@code /metrics} exports (Prometheus text format): check-ins by outcome
 * ({@code updraft_checkins_total{outcome=...}}), image bytes delivered
 * ({@code updraft_bytes_served_total}, counted when a response completes), downloads in flight
 * ({@code updraft_downloads_in_flight}), plus JVM memory and threads.
 */
public final class Metrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<Outcome, Counter> checkIns = new EnumMap<>(Outcome.class);
    private final Counter bytesServed;
    private final AtomicInteger inFlight = new AtomicInteger();

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

    public void checkIn(Outcome outcome) {
        checkIns.get(outcome).increment();
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
