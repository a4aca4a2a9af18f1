package org.updraft.server.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.updraft.server.problem.Rejection;

/**
 * The live feed's rules, without a clock: many changes within one window make one event with the
 * final numbers; nothing unchanged is sent again; at most {@code maxSubscribers} listen; a
 * subscriber that stops reading is dropped rather than buffered for. The window here is an hour,
 * so the feed's own ticker never flushes during a test: every flush is the test's.
 */
class LiveFeedTest {

    /** Rollout payloads from counters the test moves; counts how often the feed asked. */
    static final class Counters implements LiveFeed.Source {
        final Map<Long, Integer> confirmed = new ConcurrentHashMap<>();
        final AtomicInteger checkIns = new AtomicInteger();
        final AtomicInteger asked = new AtomicInteger();

        @Override
        public byte[] rollout(long id) {
            asked.incrementAndGet();
            Integer n = confirmed.get(id);
            return n == null ? null : ("{\"id\":" + id + ",\"confirmed\":" + n + "}").getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public byte[] fleet() {
            asked.incrementAndGet();
            return ("{\"checkIns\":" + checkIns.get() + "}").getBytes(StandardCharsets.UTF_8);
        }
    }

    static final Duration HOUR = Duration.ofHours(1);

    static List<String> drain(Subscriber s) throws InterruptedException {
        List<String> out = new ArrayList<>();
        while (s.waiting() > 0) {
            out.add(new String(s.next(Duration.ZERO), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void manyChangesWithinAWindowAreOneEventWithTheFinalNumbersForEverySubscriber() throws Exception {
        Counters c = new Counters();
        try (LiveFeed feed = new LiveFeed(c, 64, 16, HOUR, HOUR); Subscriber a = feed.subscribe(); Subscriber b = feed.subscribe()) {
            for (int i = 1; i <= 50; i++) {
                c.confirmed.put(7L, i);
                c.checkIns.incrementAndGet();
                feed.changed(7);
            }
            assertThat(feed.flush()).isEqualTo(2);
            List<String> expected = List.of("id: 1\nevent: rollout\ndata: {\"id\":7,\"confirmed\":50}\n\n",
                    "id: 2\nevent: fleet\ndata: {\"checkIns\":50}\n\n");
            assertThat(drain(a)).isEqualTo(expected);
            assertThat(drain(b)).isEqualTo(expected);

            assertThat(feed.flush()).isZero();                         // nothing marked, fleet unchanged
            feed.changed(7);
            assertThat(feed.flush()).isZero();                         // marked, but its payload is the one sent last
            assertThat(drain(a)).isEmpty();

            c.confirmed.put(7L, 51);
            c.confirmed.put(3L, 1);
            feed.changed(7);
            feed.changed(3);
            assertThat(feed.flush()).isEqualTo(2);                     // two rollouts, by id; fleet unchanged
            assertThat(drain(b)).isEqualTo(List.of("id: 3\nevent: rollout\ndata: {\"id\":3,\"confirmed\":1}\n\n",
                    "id: 4\nevent: rollout\ndata: {\"id\":7,\"confirmed\":51}\n\n"));
        }
    }

    @Test
    void aRolloutThatNoLongerExistsSendsNothing() throws Exception {
        Counters c = new Counters();
        try (LiveFeed feed = new LiveFeed(c, 64, 16, HOUR, HOUR); Subscriber a = feed.subscribe()) {
            feed.changed(9);                                           // a deleted draft: the source knows no rollout 9
            assertThat(feed.flush()).isEqualTo(1);                     // the fleet counters only (first flush)
            assertThat(drain(a)).isEqualTo(List.of("id: 1\nevent: fleet\ndata: {\"checkIns\":0}\n\n"));
        }
    }

    @Test
    void nothingIsMarkedOrComputedWhileNoOneListens() {
        Counters c = new Counters();
        try (LiveFeed feed = new LiveFeed(c, 64, 16, HOUR, HOUR)) {
            c.confirmed.put(7L, 1);
            feed.changed(7);
            assertThat(feed.flush()).isZero();
            assertThat(c.asked.get()).isZero();
        }
    }

    @Test
    void theSubscriberAfterTheLimitIsRefused503UntilOneLeaves() {
        try (LiveFeed feed = new LiveFeed(new Counters(), 2, 16, HOUR, HOUR)) {
            Subscriber a = feed.subscribe();
            Subscriber b = feed.subscribe();
            assertThatThrownBy(feed::subscribe).isInstanceOfSatisfying(Rejection.class, r -> {
                assertThat(r.status()).isEqualTo(503);
                assertThat(r.getMessage()).isEqualTo("too many live event subscribers: 2 are connected, the limit; "
                        + "close a dashboard or try again later");
            });
            assertThat(feed.subscribers()).isEqualTo(2);
            a.close();
            assertThat(feed.subscribers()).isEqualTo(1);
            Subscriber c = feed.subscribe();
            assertThat(feed.subscribers()).isEqualTo(2);
            b.close();
            c.close();
            assertThat(feed.subscribers()).isZero();
        }
    }

    @Test
    void aSubscriberThatStopsReadingIsDroppedOnceItsQueueIsFullAndTheOthersGoOn() throws Exception {
        Counters c = new Counters();
        try (LiveFeed feed = new LiveFeed(c, 64, 2, HOUR, HOUR); Subscriber slow = feed.subscribe(); Subscriber reader = feed.subscribe()) {
            AtomicInteger closed = new AtomicInteger();
            slow.onDrop(closed::incrementAndGet);
            List<String> read = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                c.confirmed.put(1L, i);
                feed.changed(1);
                c.checkIns.set(0);                                     // the fleet counters stay as first sent
                feed.flush();
                read.addAll(drain(reader));
            }
            assertThat(read).containsExactly("id: 1\nevent: rollout\ndata: {\"id\":1,\"confirmed\":1}\n\n",
                    "id: 2\nevent: fleet\ndata: {\"checkIns\":0}\n\n",
                    "id: 3\nevent: rollout\ndata: {\"id\":1,\"confirmed\":2}\n\n",
                    "id: 4\nevent: rollout\ndata: {\"id\":1,\"confirmed\":3}\n\n");
            // Two frames (ids 1 and 2) fill its queue; the third did not fit: dropped, its connection closed once.
            assertThat(closed.get()).isEqualTo(1);
            assertThat(slow.ended()).isTrue();
            assertThat(slow.next(Duration.ZERO)).isSameAs(Subscriber.END);
            assertThat(feed.subscribers()).isEqualTo(1);
            feed.heartbeat();
            assertThat(drain(reader)).containsExactly(": keep-alive\n\n");
            assertThat(closed.get()).isEqualTo(1);
        }
    }

    @Test
    void closingTheFeedEndsEveryStreamAndRefusesNewOnes() throws Exception {
        LiveFeed feed = new LiveFeed(new Counters(), 64, 16, HOUR, HOUR);
        Subscriber a = feed.subscribe();
        AtomicInteger closed = new AtomicInteger();
        a.onDrop(closed::incrementAndGet);
        feed.close();
        assertThat(a.next(Duration.ofSeconds(5))).isSameAs(Subscriber.END);
        assertThat(closed.get()).isEqualTo(1);
        assertThatThrownBy(feed::subscribe).isInstanceOfSatisfying(Rejection.class, r -> assertThat(r.status()).isEqualTo(503));
    }

    @Test
    void aWindowOrLimitsThatCannotWorkAreRefusedNamingWhatIsExpected() {
        assertThatThrownBy(() -> new LiveFeed(new Counters(), 0, 16, HOUR, HOUR)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxSubscribers and queueFrames must be at least 1, got 0 and 16");
        assertThatThrownBy(() -> new LiveFeed(new Counters(), 1, 16, HOUR, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("window must be positive and heartbeat at least the window, got PT1H and PT1S");
    }
}
