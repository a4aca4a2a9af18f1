package org.updraft.cli.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.cli.crash.Ledger.Kind;

/**
 * kill -9 under mixed load loses no acknowledged write: a few cycles on the embedded database and
 * on PostgreSQL in every build; the long form ({@code bin/crash-harness}) runs hundreds.
 */
class CrashHarnessTest {

    /** The machine's PostgreSQL (bin/test starts it); each run gets a fresh database, dropped afterwards. */
    static final String PG_ADMIN_URL = System.getenv().getOrDefault("UPDRAFT_TEST_PG_URL",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    @TempDir
    Path dir;

    @Test
    void embeddedDatabaseLosesNoAcknowledgedWrite() throws Exception {
        assertNothingLost(new CrashHarness.Settings(11, 5, null, dir.resolve("data"), TimeUnit.SECONDS.toMillis(90)), 5);
    }

    @Test
    void postgresLosesNoAcknowledgedWrite() throws Exception {
        String name = "updraft_crash_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        pg("CREATE DATABASE " + name);
        try {
            String url = PG_ADMIN_URL.replaceFirst("/test\\?", "/" + name + "?");
            assertNothingLost(new CrashHarness.Settings(12, 3, url, dir.resolve("data"), TimeUnit.SECONDS.toMillis(60)), 3);
        } finally {
            pg("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    /**
     * The long form, run by bin/crash-harness: -Dcrash.cycles=N, -Dcrash.seed=N,
     * -Dcrash.db=JDBC-URL (default: the embedded database), -Dcrash.minutes=N (default 60).
     */
    @Test
    @EnabledIfSystemProperty(named = "crash.cycles", matches = "\\d+")
    void longForm() throws Exception {
        int cycles = Integer.parseInt(System.getProperty("crash.cycles"));
        String db = System.getProperty("crash.db", "");
        // Kept after the run (target/, not a temporary directory): the server's log and what it left.
        Path data = Path.of("target", "crash-harness", "run-" + System.currentTimeMillis()).toAbsolutePath();
        CrashHarness.Settings s = new CrashHarness.Settings(Long.parseLong(System.getProperty("crash.seed", "1")), cycles,
                db.isBlank() ? null : db, data, TimeUnit.MINUTES.toMillis(Long.getLong("crash.minutes", 60)));
        // The lines also go to target/crash-harness/result.txt as they come (surefire's copy of
        // System.out is written when the test ends), which bin/crash-harness follows.
        Path result = data.getParent().resolve("result.txt");
        java.nio.file.Files.createDirectories(data.getParent());
        try (PrintStream file = new PrintStream(java.nio.file.Files.newOutputStream(result), true, StandardCharsets.UTF_8);
             PrintStream both = new PrintStream(new TeeStream(file, System.out), true, StandardCharsets.UTF_8)) {
            CrashHarness.Summary summary = new CrashHarness(s, both).run();
            both.println("  data directory and server log: " + data);
            assertThat(summary.lostTotal()).as(summary.line(s)).isZero();
        }
    }

    private static void assertNothingLost(CrashHarness.Settings s, int cycles) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(new TeeStream(buf, System.out), true, StandardCharsets.UTF_8);
        CrashHarness.Summary summary = new CrashHarness(s, both).run();
        String report = buf.toString(StandardCharsets.UTF_8);
        assertThat(summary.cycles()).as(report).isEqualTo(cycles);
        // The load did what it is for: every kind of write was acknowledged somewhere in the run.
        for (Kind k : new Kind[] {Kind.PRODUCT, Kind.POLICY, Kind.RELEASE, Kind.TOKEN, Kind.ROLLOUT, Kind.CHECKIN, Kind.AUDIT}) {
            assertThat(summary.acked().getOrDefault(k, 0L)).as(k + " writes acknowledged\n" + report).isPositive();
        }
        assertThat(summary.lostTotal()).as(report).isZero();
    }

    private static void pg(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(PG_ADMIN_URL); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** Writes to two streams: the report kept for the assertion message, and the test's output. */
    private static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream a;
        private final java.io.OutputStream b;

        TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws java.io.IOException {
            a.write(bytes, off, len);
            b.write(bytes, off, len);
        }
    }
}
