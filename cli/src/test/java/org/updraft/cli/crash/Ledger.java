package org.updraft.cli.crash;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the harness's clients were told, and what must therefore be there after a crash.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Every piece of state the load changes is a <em>register</em> (a product with its policy, a
 *       release, a token, a device's tags, a device's pin, a rollout's state, a device's update
 *       after a report) written by one client thread only, so its writes are in a known order. A
 *       write is {@link Answer#ACKED} (a 2xx reached the client), {@link Answer#REFUSED} (an error
 *       answer reached it: nothing changed) or {@link Answer#NO_ANSWER} (the kill came first).</li>
 *   <li>After a restart a register must hold the value of its last acknowledged write (or its
 *       baseline, the value seen at the previous check, when nothing was acknowledged since), or
 *       the value of a write after that which got no answer — all-or-nothing, never a third
 *       value — or a value the server itself moves it to ({@link Kind#drift}). The value seen
 *       becomes the next baseline, so a loss is counted once, where it happens.</li>
 *   <li>Check-ins are counted, not registered: the server batches them (a 2 ms group commit on a
 *       writer thread; the answer may leave before the commit), so what it promises is that a
 *       check-in answered {@link #checkInGraceNanos} or more before the kill is stored. The device's
 *       stored check-in count must lie between the baseline plus those, and the baseline plus
 *       every check-in sent. A device's report is batched the same way (UpdateTracker's writer), so
 *       a report answered less than that before the kill counts as unanswered.</li>
 *   <li>Every acknowledged management write names the audit entry it must have left (action,
 *       target, status); the entry must be in the log after the restart.</li>
 * </ul>
 * Thread-safe: the client threads write concurrently; checks run while no client runs.
 */
final class Ledger {

    /** The kinds of acknowledged writes counted in the summary. */
    enum Kind {
        PRODUCT, POLICY, RELEASE, TOKEN, TAGS, PIN, ROLLOUT, REPORT, CHECKIN, AUDIT;

        /** Values the server may move a register of this kind to on its own, from {@code value}. */
        Set<String> drift(String value) {
            return switch (this) {
                // The engine completes a running rollout (last wave confirmed) or halts it (failure threshold).
                case ROLLOUT -> value.equals("running") ? Set.of("running", "completed", "halted") : Set.of(value);
                // Check-ins move a device's update forward until it is final (confirmed, failed, rolled_back).
                case REPORT -> isFinalUpdate(value) ? Set.of(value) : ANY;
                default -> Set.of(value);
            };
        }

        private static boolean isFinalUpdate(String state) {
            return state.equals("confirmed") || state.equals("failed") || state.equals("rolled_back");
        }

        /**
         * Written by a background batch writer after the answer, like check-ins: the device's
         * update state a report or a check-in moves (UpdateTracker's BatchWriter). Such a write
         * answered less than the grace before the kill may go either way.
         */
        boolean batched() {
            return this == REPORT;
        }

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    enum Answer { ACKED, REFUSED, NO_ANSWER }

    /** The value of a register that does not exist (a product never created). */
    static final String ABSENT = "(absent)";
    /** Drift marker: any value is allowed. */
    private static final Set<String> ANY = Set.of("(any)");

    /** One management write the audit log must show: the route template, the target string and the status. */
    record AuditKey(String action, String target, int status) {
    }

    /** How long before the kill a batched write (check-in, report) must have been answered to be promised. */
    private final long checkInGraceNanos;
    private final Map<String, Register> registers = new ConcurrentHashMap<>();
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final List<AuditKey> audit = new ArrayList<>();
    private final List<AuditKey> auditThisCycle = new ArrayList<>();
    private final Map<Kind, Long> ackedThisCycle = new EnumMap<>(Kind.class);

    Ledger(long checkInGraceNanos) {
        this.checkInGraceNanos = checkInGraceNanos;
    }

    /**
     * Records one write of {@code key} by the thread that owns it. {@code initial} is the register's
     * value before its first write ({@link #ABSENT} for a creation, "" for an empty set, null when
     * unknown to the harness: then anything is accepted until the first check has seen it).
     */
    void write(Kind kind, String key, String initial, String value, Answer answer, AuditKey auditKey) {
        Register r = registers.computeIfAbsent(key, k -> new Register(kind, initial));
        long now = System.nanoTime();
        synchronized (this) {
            r.writes.add(new Write(kind, value, answer, now));
            if (answer == Answer.ACKED) {
                ackedThisCycle.merge(kind, 1L, Long::sum);
                if (auditKey != null) {
                    auditThisCycle.add(auditKey);
                    ackedThisCycle.merge(Kind.AUDIT, 1L, Long::sum);
                }
            }
        }
    }

    /**
     * Forgets what {@code key} must hold: the server moved it on its own, to a state the harness
     * cannot know (a device offered a release again starts a new update of it). Until the next
     * check sees it, any value is accepted.
     */
    synchronized void forget(String key) {
        Register r = registers.get(key);
        if (r != null) {
            r.baseline = null;
            r.writes.clear();
        }
    }

    /** {@link #forget} for every register whose key starts with {@code prefix}. */
    synchronized void forgetAll(String prefix) {
        registers.keySet().stream().filter(k -> k.startsWith(prefix)).toList().forEach(this::forget);
    }

    /** One check-in of {@code mac}: answered at {@code answeredNanos} (System.nanoTime), or never (NO_ANSWER). */
    void checkIn(String mac, Answer answer, long answeredNanos) {
        Counter c = counters.computeIfAbsent(mac, k -> new Counter());
        synchronized (this) {
            c.sent++;
            if (answer == Answer.ACKED) {
                c.answeredAt.add(answeredNanos);
                ackedThisCycle.merge(Kind.CHECKIN, 1L, Long::sum);
            }
        }
    }

    /** The last acknowledged value of a register (its baseline when none this cycle), or null when never written. */
    synchronized String acknowledged(String key) {
        Register r = registers.get(key);
        if (r == null) {
            return null;
        }
        String v = r.baseline;
        for (Write w : r.writes) {
            if (w.answer == Answer.ACKED) {
                v = w.value;
            }
        }
        return v;
    }

    /** Every register key, for the checks. */
    Set<String> keys() {
        return new LinkedHashSet<>(registers.keySet());
    }

    Set<String> devices() {
        return new LinkedHashSet<>(counters.keySet());
    }

    /** A loss the harness found outside the registers (a release row without its file, a broken audit chain). */
    record Problem(Kind kind, String text) {
    }

    /** What was found after one restart: acknowledged writes and losses per kind, and a line per problem. */
    record Verdict(Map<Kind, Long> acked, Map<Kind, Long> lost, List<String> problems) {
        long lostTotal() {
            return lost.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * Checks every register against the state read after the restart, every check-in count, and
     * the audit log's entries; then makes what was seen the baseline of the next cycle.
     *
     * @param observed       register key → value read back ({@link #ABSENT} when it is not there)
     * @param checkIns       MAC → stored check-in count (0 when the device is not there)
     * @param auditEntries   every entry of the audit log
     * @param killNanos      System.nanoTime() of the kill
     * @param found          losses found by other checks, counted with the rest
     */
    synchronized Verdict check(Map<String, String> observed, Map<String, Long> checkIns, List<AuditKey> auditEntries,
                               long killNanos, List<Problem> found) {
        Map<Kind, Long> lost = new EnumMap<>(Kind.class);
        List<String> problems = new ArrayList<>();
        for (Problem p : found) {
            lost.merge(p.kind(), 1L, Long::sum);
            problems.add(p.kind().label() + ": " + p.text());
        }
        for (var e : registers.entrySet()) {
            Register r = e.getValue();
            String seen = observed.getOrDefault(e.getKey(), ABSENT);
            Set<String> allowed = r.allowed(killNanos - checkInGraceNanos);
            if (!allowed.contains(ANY.iterator().next()) && !allowed.contains(seen)) {
                Kind kind = r.lastAckedKind();
                lost.merge(kind, 1L, Long::sum);
                Write promised = r.lastPromised(killNanos - checkInGraceNanos);
                problems.add(kind.label() + " " + e.getKey() + ": expected " + String.join(" or ", allowed) + ", found " + seen
                        + (promised == null ? " (as seen at the previous check)"
                        : " (acknowledged " + (killNanos - promised.answeredNanos) / 1_000_000 + " ms before the kill)"));
            }
            r.baseline = seen;
            r.writes.clear();
        }
        for (var e : counters.entrySet()) {
            Counter c = e.getValue();
            long seen = checkIns.getOrDefault(e.getKey(), 0L);
            long base = c.baseline;
            long promised = c.answeredAt.stream().filter(t -> killNanos - t >= checkInGraceNanos).count();
            if (seen < base + promised) {
                lost.merge(Kind.CHECKIN, base + promised - seen, Long::sum);
                problems.add("checkin " + e.getKey() + ": " + (base + promised) + " check-ins answered at least "
                        + checkInGraceNanos / 1_000_000 + " ms before the kill (" + base + " before this cycle), found " + seen);
            } else if (seen > base + c.sent) {
                lost.merge(Kind.CHECKIN, seen - base - c.sent, Long::sum);
                problems.add("checkin " + e.getKey() + ": only " + (base + c.sent) + " check-ins were ever sent, found " + seen);
            }
            c.baseline = seen;
            c.sent = 0;
            c.answeredAt.clear();
        }
        audit.addAll(auditThisCycle);
        auditThisCycle.clear();
        Map<AuditKey, Integer> present = new HashMap<>();
        for (AuditKey k : auditEntries) {
            present.merge(k, 1, Integer::sum);
        }
        List<AuditKey> kept = new ArrayList<>();
        for (AuditKey k : audit) {
            Integer n = present.get(k);
            if (n == null || n == 0) {
                lost.merge(Kind.AUDIT, 1L, Long::sum);
                problems.add("audit: no entry " + k.action() + " [" + k.target() + "] " + k.status());
            } else {
                present.put(k, n - 1);
                kept.add(k); // a lost one is counted once, not again at every later check
            }
        }
        audit.clear();
        audit.addAll(kept);
        Map<Kind, Long> acked = new EnumMap<>(ackedThisCycle);
        ackedThisCycle.clear();
        return new Verdict(acked, lost, problems);
    }

    private record Write(Kind kind, String value, Answer answer, long answeredNanos) {
        /** Acknowledged, and (batched kinds) early enough before the kill to be promised. */
        boolean promised(long promisedBefore) {
            return answer == Answer.ACKED && (!kind.batched() || answeredNanos <= promisedBefore);
        }

        /** May or may not have happened: no answer, or a batched write answered too close to the kill. */
        boolean open(long promisedBefore) {
            return answer == Answer.NO_ANSWER || (answer == Answer.ACKED && !promised(promisedBefore));
        }
    }

    /** Guarded by the ledger's monitor. */
    private static final class Register {
        final Kind kind;
        /** The value seen at the last check (or the initial value); null: not known yet. */
        String baseline;
        final List<Write> writes = new ArrayList<>();

        Register(Kind kind, String initial) {
            this.kind = kind;
            this.baseline = initial;
        }

        /**
         * The last promised value (or the baseline), the values of open writes after it, and their
         * drift. {@code promisedBefore}: batched writes answered later than this are open.
         */
        Set<String> allowed(long promisedBefore) {
            int last = -1;
            for (int i = 0; i < writes.size(); i++) {
                if (writes.get(i).promised(promisedBefore)) {
                    last = i;
                }
            }
            Set<String> values = new LinkedHashSet<>();
            Kind driftKind = last >= 0 ? writes.get(last).kind : kind;
            if (last >= 0) {
                values.addAll(writes.get(last).kind.drift(writes.get(last).value));
            } else if (baseline == null) {
                return ANY;
            } else {
                values.addAll(driftKind.drift(baseline));
            }
            for (int i = last + 1; i < writes.size(); i++) {
                if (writes.get(i).open(promisedBefore)) {
                    values.addAll(writes.get(i).kind.drift(writes.get(i).value));
                }
            }
            return values;
        }

        /** The last write that must have happened, or null when the baseline is what must be there. */
        Write lastPromised(long promisedBefore) {
            Write last = null;
            for (Write w : writes) {
                if (w.promised(promisedBefore)) {
                    last = w;
                }
            }
            return last;
        }

        Kind lastAckedKind() {
            Kind k = kind;
            for (Write w : writes) {
                if (w.answer == Answer.ACKED) {
                    k = w.kind;
                }
            }
            return k;
        }
    }

    /** Guarded by the ledger's monitor. */
    private static final class Counter {
        long baseline;
        long sent;
        final List<Long> answeredAt = new ArrayList<>();
    }
}
