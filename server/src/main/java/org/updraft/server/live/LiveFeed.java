package org.updraft.server.live;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.problem.Rejection;

/**
 * The dashboard's live feed: server-sent events of rollout progress and fleet counters, coalesced
 * (docs/dashboard.md, "Live events"). Whoever changes a rollout only marks its id
 * ({@link #changed}: one set insertion, on the check-in thread); once per window a
 * {@link #flush} builds each marked rollout's payload once, and sends it to every subscriber only
 * when it differs from the one sent last — so a rollout yields at most one event per window
 * whatever the number of check-ins, and none while nothing changed. The fleet counters go the same
 * way. A heartbeat comment every {@code heartbeat} keeps proxies from closing an idle stream.
 *
 * <p>Invariants: at most {@code maxSubscribers} subscribers ({@link #subscribe} refuses the next
 * with 503); each holds at most {@code queueFrames} frames not yet written, and one that falls
 * further behind is dropped (its connection closed), never buffered without bound. Nothing is
 * computed while no one listens: the ticker thread runs only while there are subscribers.
 */
public final class LiveFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LiveFeed.class);
    static final byte[] HEARTBEAT = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

    /** What the feed sends: the payloads, as compact JSON (one line). */
    public interface Source {
        /** The rollout's payload, or null when it no longer exists (a deleted draft). */
        byte[] rollout(long id);

        /** The fleet counters' payload. */
        byte[] fleet();
    }

    private final Source source;
    private final int maxSubscribers;
    private final int queueFrames;
    private final Duration window;
    private final Duration heartbeat;
    private final Set<Long> dirty = ConcurrentHashMap.newKeySet();
    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
    /** Only under this object's lock: what each subscriber was last sent. */
    private final Map<Long, byte[]> lastSent = new HashMap<>();
    private byte[] lastFleet;
    private long sequence;
    private Thread ticker;
    private boolean closed;

    /**
     * @param window       how often marked rollouts are sent (at most one event per rollout per window)
     * @param heartbeat    how often a comment is sent to every subscriber
     * @param queueFrames  frames a subscriber may fall behind before it is dropped
     */
    public LiveFeed(Source source, int maxSubscribers, int queueFrames, Duration window, Duration heartbeat) {
        if (maxSubscribers < 1 || queueFrames < 1) {
            throw new IllegalArgumentException("maxSubscribers and queueFrames must be at least 1, got " + maxSubscribers + " and "
                    + queueFrames);
        }
        if (window.isNegative() || window.isZero() || heartbeat.compareTo(window) < 0) {
            throw new IllegalArgumentException("window must be positive and heartbeat at least the window, got " + window + " and "
                    + heartbeat);
        }
        this.source = source;
        this.maxSubscribers = maxSubscribers;
        this.queueFrames = queueFrames;
        this.window = window;
        this.heartbeat = heartbeat;
    }

    /** The rollout may look different now. Cheap: marks it for the next {@link #flush}. */
    public void changed(long rolloutId) {
        if (!subscribers.isEmpty()) {
            dirty.add(rolloutId);
        }
    }

    /** A new subscriber, or 503 when {@code maxSubscribers} listen already (or the feed is closed). */
    public synchronized Subscriber subscribe() {
        if (closed) {
            throw new Rejection(503, "the server is stopping; connect again later");
        }
        if (subscribers.size() >= maxSubscribers) {
            throw new Rejection(503, "too many live event subscribers: " + maxSubscribers
                    + " are connected, the limit; close a dashboard or try again later");
        }
        Subscriber s = new Subscriber(this, queueFrames);
        subscribers.add(s);
        if (ticker == null) {
            ticker = Thread.ofVirtual().name("updraft-live-feed").start(this::tick);
        }
        return s;
    }

    public int subscribers() {
        return subscribers.size();
    }

    /**
     * One coalescing step: each rollout marked since the last step, and the fleet counters, sent
     * to every subscriber when its payload differs from the one sent last. Returns how many events
     * were sent (each to every subscriber).
     */
    public synchronized int flush() {
        if (subscribers.isEmpty()) {
            dirty.clear();
            lastSent.clear();
            lastFleet = null;
            return 0;
        }
        int sent = 0;
        List<Long> ids = new ArrayList<>(dirty);
        dirty.removeAll(ids);
        ids.sort(null);
        for (long id : ids) {
            byte[] payload = source.rollout(id);
            if (payload == null) {
                lastSent.remove(id);
            } else if (!Arrays.equals(payload, lastSent.get(id))) {
                lastSent.put(id, payload);
                broadcast(frame("rollout", payload));
                sent++;
            }
        }
        byte[] fleet = source.fleet();
        if (!Arrays.equals(fleet, lastFleet)) {
            lastFleet = fleet;
            broadcast(frame("fleet", fleet));
            sent++;
        }
        return sent;
    }

    /** A comment line to every subscriber (proxies close streams that stay silent). */
    public void heartbeat() {
        broadcast(HEARTBEAT);
    }

    private byte[] frame(String event, byte[] json) {
        byte[] head = ("id: " + (++sequence) + "\nevent: " + event + "\ndata: ").getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(head, head.length + json.length + 2);
        System.arraycopy(json, 0, out, head.length, json.length);
        out[out.length - 2] = '\n';
        out[out.length - 1] = '\n';
        return out;
    }

    private void broadcast(byte[] frame) {
        for (Subscriber s : subscribers) {
            if (!s.offer(frame)) {
                LOG.info("dropped a live event subscriber: {} frames were waiting to be written", queueFrames);
                s.drop();
            }
        }
    }

    void remove(Subscriber s) {
        subscribers.remove(s);
    }

    /** The ticker: a flush every window and a heartbeat every heartbeat, while anyone listens. */
    private void tick() {
        long beat = System.nanoTime();
        try {
            while (true) {
                Thread.sleep(window);
                synchronized (this) {
                    if (closed || subscribers.isEmpty()) {
                        ticker = null;
                        flush(); // forgets what was sent: the next subscriber starts afresh
                        return;
                    }
                }
                try {
                    flush();
                } catch (RuntimeException e) {
                    LOG.warn("live feed: could not build an event: {}", e.toString());
                }
                if (System.nanoTime() - beat >= heartbeat.toNanos()) {
                    heartbeat();
                    beat = System.nanoTime();
                }
            }
        } catch (InterruptedException e) {
            synchronized (this) {
                ticker = null;
            }
        }
    }

    /** Ends every subscriber's stream and refuses new ones. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = ticker;
        }
        subscribers.forEach(Subscriber::drop);
        if (t != null) {
            t.interrupt();
        }
    }
}
