package org.updraft.server.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.auth.Role;
import org.updraft.server.fleet.DeviceRegistry;
import org.updraft.server.fleet.FleetOverview;
import org.updraft.server.fleet.Outcome;
import org.updraft.server.live.LiveFeed;
import org.updraft.server.live.Subscriber;
import org.updraft.server.rollout.Rollout;
import org.updraft.server.rollout.RolloutEngine;
import org.updraft.server.rollout.UpdateTracker;

/**
 * What the dashboard reads besides the management API: {@code GET /api/v1/overview} (the fleet's
 * aggregates, {@link FleetOverview}) and {@code GET /api/v1/events}, the live event stream
 * (docs/dashboard.md, "Live events"): {@code rollout} events carry a rollout exactly as
 * {@code GET /api/v1/rollouts/{id}} shows it, {@code fleet} events the check-in counters; both
 * coalesced by the {@link LiveFeed}.
 */
final class DashboardApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DashboardApi.class);
    /** Open event streams at most; the next is refused 503. */
    static final int MAX_SUBSCRIBERS = 64;
    /** Frames a subscriber may fall behind before it is dropped. */
    static final int QUEUE_FRAMES = 256;
    /** At most one event per rollout per window. */
    static final Duration WINDOW = Duration.ofSeconds(1);

    private final FleetOverview overview;
    private final DeviceRegistry devices;
    private final UpdateTracker updates;
    private final RolloutEngine rollouts;
    private final RolloutApi views;
    private final Metrics metrics;
    private final Clock clock;
    private final LiveFeed feed;

    DashboardApi(FleetOverview overview, DeviceRegistry devices, UpdateTracker updates, RolloutEngine rollouts, RolloutApi views,
                 Metrics metrics, Duration idleTimeout, Clock clock) {
        this.overview = overview;
        this.devices = devices;
        this.updates = updates;
        this.rollouts = rollouts;
        this.views = views;
        this.metrics = metrics;
        this.clock = clock;
        // A comment well within the idle timeout keeps the connection (and proxies) open.
        Duration beat = idleTimeout.dividedBy(3).compareTo(Duration.ofSeconds(15)) < 0 ? idleTimeout.dividedBy(3) : Duration.ofSeconds(15);
        this.feed = new LiveFeed(new LiveFeed.Source() {
            @Override
            public byte[] rollout(long id) {
                return rollouts.find(id).map(r -> Json.write(views.view(r))).orElse(null);
            }

            @Override
            public byte[] fleet() {
                return Json.write(fleetCounters());
            }
        }, MAX_SUBSCRIBERS, QUEUE_FRAMES, WINDOW, beat.compareTo(WINDOW) < 0 ? WINDOW : beat);
        rollouts.watch(feed::changed);
    }

    LiveFeed feed() {
        return feed;
    }

    void register(Router router) {
        router.get("/api/v1/overview", Role.VIEWER, ex -> {
            devices.flush();
            updates.flush();
            ex.json(200, overview.at(clock.instant().truncatedTo(ChronoUnit.MICROS)));
        });
        router.get("/api/v1/events", Role.VIEWER, this::events);
    }

    /** The fleet event: check-ins by outcome since the server started (non-zero only), downloads in flight, rollouts by state. */
    Map<String, Object> fleetCounters() {
        Map<String, Object> checkIns = new TreeMap<>();
        for (Outcome o : Outcome.values()) {
            long n = (long) metrics.checkIns(o);
            if (n > 0) {
                checkIns.put(o.id(), n);
            }
        }
        Map<String, Long> states = new TreeMap<>();
        for (Rollout r : rollouts.list(null)) {
            states.merge(r.state().id(), 1L, Long::sum);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("checkIns", checkIns);
        body.put("downloadsInFlight", metrics.downloadsInFlight());
        body.put("rollouts", states);
        return body;
    }

    /**
     * One subscriber's stream, on its request's virtual thread: waits for frames and writes them
     * until the client goes away or the feed drops it (then the connection is closed).
     */
    private void events(Exchange ex) throws InterruptedException {
        if (ex.isHead()) {
            ex.empty(200);
            return;
        }
        Subscriber s = feed.subscribe();
        Exchange.Stream out = ex.stream(200, "text/event-stream; charset=utf-8");
        s.onDrop(() -> out.abort("the subscriber fell too far behind or the server is stopping"));
        try (s) {
            // retry: how long a browser's EventSource waits before it reconnects (SSE, "retry" field).
            out.write("retry: 3000\n: connected\n\n".getBytes(StandardCharsets.US_ASCII));
            while (true) {
                byte[] frame = s.next(Duration.ofSeconds(30));
                if (frame == Subscriber.END) {
                    break;
                }
                if (frame != null) {
                    out.write(frame);
                }
            }
        } catch (IOException gone) {
            LOG.debug("event stream ended: {}", gone.toString());
        } finally {
            out.close();
        }
    }

    @Override
    public void close() {
        feed.close();
    }
}
