package org.updraft.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.server.catalog.Product;

/**
 * The check-in writer against a stalled database: bounded memory, one pending device row per
 * device, timeline rows shed beyond their bound, a new device waiting rather than being dropped,
 * and every counter exact. The rows then land in the real database.
 */
class CheckInWriterTest {

    private static final Instant T0 = Instant.parse("2026-11-27T00:00:00Z");
    private static final String A = "AA:00:00:00:00:0A";
    private static final String B = "AA:00:00:00:00:0B";
    private static final String C = "AA:00:00:00:00:0C";
    private static final String D = "AA:00:00:00:00:0D";

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aStalledDatabaseHoldsOneRowPerDeviceAndShedsTimelineRowsBeyondTheBound(TestDatabase db) throws Exception {
        try (TestServer server = new TestServer(db)) {
            server.product("relay", "arduino-4m");
            Product relay = server.server().catalog().product("relay").orElseThrow();
            Jdbi jdbi = server.server().database().jdbi();
            CountDownLatch stalled = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CheckInWriter.Rows slowDatabase = (h, devices, timeline) -> {
                stalled.countDown();
                await(release);
                DeviceRegistry.write(h, devices, timeline);
            };
            try (CheckInWriter writer = new CheckInWriter(jdbi, slowDatabase, 3, 4)) {
                writer.record(decision(relay, A, 0), true, true);
                assertThat(stalled.await(10, TimeUnit.SECONDS)).isTrue(); // the writer holds A@0 and waits for the database

                writer.record(decision(relay, A, 1), true, true);
                writer.record(decision(relay, A, 2), false, true);  // supersedes A@1's device row
                writer.record(decision(relay, B, 3), true, true);
                writer.record(decision(relay, C, 4), true, true);
                writer.record(decision(relay, B, 5), true, true);   // supersedes B@3's
                writer.record(decision(relay, A, 6), true, true);   // supersedes A@2's; its timeline row is the fifth: shed
                assertThat(writer.stats()).isEqualTo(new DeviceRegistry.WriterStats(3, 4, 3, 1, 0, 0, 0));

                // A fourth device while three wait: its check-in waits for room, it is not dropped.
                Thread fourth = Thread.ofPlatform().start(() -> writer.record(decision(relay, D, 7), true, true));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (writer.stats().waited() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
                assertThat(writer.stats()).isEqualTo(new DeviceRegistry.WriterStats(3, 4, 3, 1, 1, 0, 0));
                assertThat(fourth.isAlive()).isTrue();

                release.countDown();
                fourth.join(10_000);
                assertThat(fourth.isAlive()).isFalse();
                writer.flush();
                assertThat(writer.stats()).isEqualTo(new DeviceRegistry.WriterStats(0, 0, 3, 1, 1, 0, 0));
            }

            // mac, check-ins, first seen, last seen: the latest state of every device, counted once per check-in.
            List<String> deviceRows = jdbi.withHandle(h -> h.createQuery(
                            "SELECT mac, check_ins, first_seen, last_seen FROM device ORDER BY mac")
                    .map((rs, ctx) -> rs.getString(1) + " " + rs.getLong(2) + " " + at(rs, 3) + " " + at(rs, 4)).list());
            assertThat(deviceRows).containsExactly(A + " 4 0 6", B + " 2 3 5", C + " 1 4 4", D + " 1 7 7");
            // The timeline rows that were not shed, in the order recorded.
            List<String> timelineRows = jdbi.withHandle(h -> h.createQuery("SELECT mac, at FROM check_in ORDER BY id")
                    .map((rs, ctx) -> rs.getString(1) + " " + at(rs, 2)).list());
            assertThat(timelineRows).containsExactly(A + " 0", A + " 1", B + " 3", C + " 4", B + " 5", D + " 7");
        }
    }

    @Test
    void aBatchTheDatabaseKeepsRefusingIsCountedAsLostAfterFiveAttempts() throws Exception {
        try (TestServer server = new TestServer(TestDatabase.EMBEDDED)) {
            server.product("relay", "arduino-4m");
            Product relay = server.server().catalog().product("relay").orElseThrow();
            CountDownLatch stalled = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CheckInWriter.Rows refusing = (h, devices, timeline) -> {
                stalled.countDown();
                await(release);
                throw new IllegalStateException("database says no");
            };
            try (CheckInWriter writer = new CheckInWriter(server.server().database().jdbi(), refusing, 10, 10)) {
                writer.record(decision(relay, A, 0), true, true);
                assertThat(stalled.await(10, TimeUnit.SECONDS)).isTrue();
                writer.record(decision(relay, B, 1), true, true);
                writer.record(decision(relay, C, 2), false, true);
                release.countDown();
                writer.flush(); // 2 batches × 4 backoffs of 100-800 ms
                assertThat(writer.stats()).isEqualTo(new DeviceRegistry.WriterStats(0, 0, 0, 0, 0, 3, 2));
            }
        }
    }

    @Test
    void checkInsArrivingWhileTheWriterLingersShareOneTransactionAndFlushOrCloseEndTheLinger() throws Exception {
        try (TestServer server = new TestServer(TestDatabase.EMBEDDED)) {
            server.product("relay", "arduino-4m");
            Product relay = server.server().catalog().product("relay").orElseThrow();
            Jdbi jdbi = server.server().database().jdbi();
            List<Integer> batches = new java.util.concurrent.CopyOnWriteArrayList<>();
            CheckInWriter.Rows counting = (h, devices, timeline) -> {
                batches.add(devices.size());
                DeviceRegistry.write(h, devices, timeline);
            };
            // A linger far longer than flush()'s own 10 s deadline: flush() only returns if it ends the linger.
            try (CheckInWriter writer = new CheckInWriter(jdbi, counting, 10, 10, TimeUnit.SECONDS.toNanos(60))) {
                writer.record(decision(relay, A, 0), true, true);
                writer.record(decision(relay, B, 1), true, true);
                writer.record(decision(relay, C, 2), true, true);
                writer.flush();
                assertThat(batches).containsExactly(3);

                writer.record(decision(relay, D, 3), true, true);
            } // close() writes D without waiting out the linger (it joins the writer for at most 15 s)
            assertThat(batches).containsExactly(3, 1);
            long rows = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM device").mapTo(Long.class).one());
            assertThat(rows).isEqualTo(4L);
        }
    }

    private static Decision decision(Product product, String mac, int second) {
        CheckIn in = CheckIn.parse(Endpoint.HTTP_UPDATE, "/u/relay", 0, h -> null,
                Map.of("mac", mac, "version", "1.0.0")::get, "10.0.0.1", T0.plusSeconds(second));
        return new Decision(in, product, Outcome.NO_RELEASE, "1.0.0", null, null, "no release yet", null);
    }

    private static long at(java.sql.ResultSet rs, int column) throws java.sql.SQLException {
        return org.updraft.server.store.Sql.instant(rs, rs.getMetaData().getColumnLabel(column)).getEpochSecond() - T0.getEpochSecond();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test gate never opened");
            }
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
