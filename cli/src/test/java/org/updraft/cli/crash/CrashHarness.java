package org.updraft.cli.crash;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.updraft.cli.crash.Ledger.Kind;
import org.updraft.cli.crash.Ledger.Problem;

/**
 * kill -9 under mixed load, then a restart on the same data directory and database, and a check
 * that every acknowledged write is there with its exact state (docs/crash-harness.md).
 *
 * <p>One cycle: mixed load ({@link Load}) against the running server; SIGKILL at a random moment
 * (seeded: {@link #MIN_KILL_MILLIS} to {@link #MAX_KILL_MILLIS} after the load began); wait for the
 * load threads; restart; read the state back ({@link Snapshot}); check it against the
 * {@link Ledger}. The data directory and database live across all cycles, as a deployed server's do.
 *
 * <pre>
 * CrashHarness --seed 7 --cycles 300 [--db jdbc:postgresql://127.0.0.1:5432/crash?user=postgres]
 *              [--data-dir DIR] [--max-minutes 60]
 * </pre>
 */
final class CrashHarness {

    static final int MIN_KILL_MILLIS = 300;
    static final int MAX_KILL_MILLIS = 3_000;
    /** What a check-in's answer promises: the check-in is stored at most this long after it (group commit, 2 ms). */
    static final long CHECK_IN_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final int DEVICES = 16;

    /** One run's settings. jdbcUrl null: the embedded default database in the data directory. */
    record Settings(long seed, int cycles, String jdbcUrl, Path dataDir, long maxMillis) {
        String engine() {
            return jdbcUrl == null ? "embedded" : jdbcUrl.replaceAll("(?i)(password=)[^&;]*", "$1***");
        }
    }

    /** The whole run: cycles done, acknowledged and lost writes per kind. */
    record Summary(int cycles, Map<Kind, Long> acked, Map<Kind, Long> lost) {
        long lostTotal() {
            return lost.values().stream().mapToLong(Long::longValue).sum();
        }

        String line(Settings s) {
            return "summary: " + cycles + " cycles, seed " + s.seed() + ", engine " + s.engine() + ": acknowledged "
                    + counts(acked) + "; lost " + (lostTotal() == 0 ? "none" : counts(lost));
        }
    }

    private final Settings settings;
    private final PrintStream out;

    CrashHarness(Settings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
    }

    Summary run() throws IOException, InterruptedException {
        Files.createDirectories(settings.dataDir());
        Path log = settings.dataDir().resolve("server.log");
        Ledger ledger = new Ledger(CHECK_IN_GRACE_NANOS);
        World world = new World(DEVICES);
        Random rnd = new Random(settings.seed());
        Map<Kind, Long> acked = new EnumMap<>(Kind.class);
        Map<Kind, Long> lost = new EnumMap<>(Kind.class);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.maxMillis());
        ServerProcess server = ServerProcess.start(settings.dataDir(), settings.jdbcUrl(), log, 120);
        int done = 0;
        try {
            String token = server.bootstrapToken();
            if (token == null) {
                throw new IllegalStateException("the server printed no bootstrap admin token: the data directory "
                        + settings.dataDir() + " or the database is not empty");
            }
            Load.setUp(new Api(server.uri(), token), ledger, world);
            String anchor = null;
            for (int cycle = 1; cycle <= settings.cycles() && System.nanoTime() < deadline; cycle++) {
                Load load = new Load(new Api(server.uri(), token), ledger, world, cycle, settings.seed());
                int killAfter = MIN_KILL_MILLIS + rnd.nextInt(MAX_KILL_MILLIS - MIN_KILL_MILLIS + 1);
                load.start();
                Thread.sleep(killAfter);
                long killNanos = System.nanoTime();
                long pid = server.pid();
                server.kill();
                load.stop();
                long restart = System.nanoTime();
                server = ServerProcess.start(settings.dataDir(), settings.jdbcUrl(), log, 120);
                long restarted = System.nanoTime();
                java.util.List<Problem> problems = new java.util.ArrayList<>();
                if (server.bootstrapToken() != null) {
                    problems.add(new Problem(Kind.TOKEN, "the restarted server found no token and printed a new bootstrap token: "
                            + "every token, the bootstrap admin token too, was lost"));
                    token = server.bootstrapToken();
                }
                Api api = new Api(server.uri(), token);
                Snapshot s = Snapshot.read(api, settings.dataDir(), world, anchor);
                problems.addAll(s.problems());
                anchor = s.anchor();
                Ledger.Verdict v = ledger.check(s.registers(), s.checkIns(), s.audit(), killNanos, problems);
                v.acked().forEach((k, n) -> acked.merge(k, n, Long::sum));
                v.lost().forEach((k, n) -> lost.merge(k, n, Long::sum));
                done = cycle;
                out.println("cycle " + cycle + "/" + settings.cycles() + ": kill -9 pid " + pid + " after " + killAfter + " ms; acknowledged "
                        + counts(v.acked()) + "; lost " + (v.lostTotal() == 0 ? "none" : counts(v.lost())) + " (restart "
                        + TimeUnit.NANOSECONDS.toMillis(restarted - restart) + " ms, check "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted) + " ms)");
                v.problems().forEach(p -> out.println("  " + p));
                out.flush();
            }
        } finally {
            server.close();
        }
        Summary summary = new Summary(done, acked, lost);
        out.println(summary.line(settings));
        out.flush();
        return summary;
    }

    static String counts(Map<Kind, Long> m) {
        return m.isEmpty() ? "nothing" : m.entrySet().stream().map(e -> e.getKey().label() + "=" + e.getValue())
                .collect(Collectors.joining(" "));
    }

    public static void main(String[] args) throws Exception {
        long seed = 1;
        int cycles = 10;
        String db = null;
        Path dir = null;
        long maxMinutes = 60;
        for (int i = 0; i < args.length; i++) {
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--seed" -> seed = Long.parseLong(require(args[i], v));
                case "--cycles" -> cycles = Integer.parseInt(require(args[i], v));
                case "--db" -> db = require(args[i], v);
                case "--data-dir" -> dir = Path.of(require(args[i], v));
                case "--max-minutes" -> maxMinutes = Long.parseLong(require(args[i], v));
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; expected --seed N, --cycles N, --db JDBC-URL, --data-dir DIR, --max-minutes N");
            }
            i++;
        }
        if (dir == null) {
            dir = Files.createTempDirectory("updraft-crash-");
        }
        Summary s = new CrashHarness(new Settings(seed, cycles, db, dir, TimeUnit.MINUTES.toMillis(maxMinutes)), System.out).run();
        System.exit(s.lostTotal() == 0 ? 0 : 1);
    }

    private static String require(String option, String value) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return value;
    }
}
