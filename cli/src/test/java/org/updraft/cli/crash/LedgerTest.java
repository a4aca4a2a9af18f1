package org.updraft.cli.crash;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.updraft.cli.crash.Ledger.Answer;
import org.updraft.cli.crash.Ledger.AuditKey;
import org.updraft.cli.crash.Ledger.Kind;
import org.updraft.cli.crash.Ledger.Problem;

/** The ledger's rules, fed the answers a crashed server leaves behind. */
class LedgerTest {

    static final long GRACE = TimeUnit.SECONDS.toNanos(1);
    static final AuditKey CREATE_RELAY = new AuditKey("POST /api/v1/products", "name=relay", 201);

    final Ledger ledger = new Ledger(GRACE);

    private Ledger.Verdict check(Map<String, String> registers) {
        return ledger.check(registers, Map.of(), List.of(), System.nanoTime(), List.of());
    }

    @Test
    void anAcknowledgedCreationMustBeThere() {
        ledger.write(Kind.PRODUCT, "product:relay", Ledger.ABSENT, "unsigned-allowed open", Answer.ACKED, null);

        Ledger.Verdict lost = check(Map.of());

        assertThat(lost.lost()).isEqualTo(Map.of(Kind.PRODUCT, 1L));
        assertThat(lost.acked()).isEqualTo(Map.of(Kind.PRODUCT, 1L));
        assertThat(lost.problems()).singleElement().asString()
                .matches("product product:relay: expected unsigned-allowed open, found \\(absent\\) \\(acknowledged \\d+ ms before the kill\\)");
    }

    @Test
    void aLossIsCountedOnceThenTheSeenStateIsTheBaseline() {
        ledger.write(Kind.PRODUCT, "product:relay", Ledger.ABSENT, "unsigned-allowed open", Answer.ACKED, null);
        assertThat(check(Map.of()).lostTotal()).isEqualTo(1);

        assertThat(check(Map.of()).lostTotal()).isZero();
        // ...and a value that appears later without a write is a change nobody acknowledged.
        assertThat(check(Map.of("product:relay", "unsigned-allowed open")).problems())
                .containsExactly("product product:relay: expected (absent), found unsigned-allowed open (as seen at the previous check)");
    }

    @Test
    void anUnansweredWriteMayGoEitherWayButNotElsewhere() {
        ledger.write(Kind.PRODUCT, "product:relay", Ledger.ABSENT, "unsigned-allowed open", Answer.ACKED, null);
        ledger.write(Kind.POLICY, "product:relay", Ledger.ABSENT, "required open", Answer.NO_ANSWER, null);

        assertThat(check(Map.of("product:relay", "required open")).lostTotal()).isZero();
        ledger.write(Kind.POLICY, "product:relay", Ledger.ABSENT, "required token", Answer.NO_ANSWER, null);
        assertThat(check(Map.of("product:relay", "required open")).lostTotal()).isZero();
        ledger.write(Kind.POLICY, "product:relay", Ledger.ABSENT, "required token", Answer.NO_ANSWER, null);
        Ledger.Verdict v = check(Map.of("product:relay", "unsigned-allowed token"));
        assertThat(v.lost()).isEqualTo(Map.of(Kind.PRODUCT, 1L));
        assertThat(v.problems()).containsExactly(
                "product product:relay: expected required open or required token, found unsigned-allowed token "
                        + "(as seen at the previous check)");
    }

    @Test
    void aRefusedWriteChangesNothing() {
        ledger.write(Kind.TOKEN, "token:ci", Ledger.ABSENT, "active viewer", Answer.REFUSED, null);

        assertThat(check(Map.of()).lostTotal()).isZero();
        ledger.write(Kind.TOKEN, "token:ci", Ledger.ABSENT, "active viewer", Answer.REFUSED, null);
        assertThat(check(Map.of("token:ci", "active viewer")).lost()).isEqualTo(Map.of(Kind.TOKEN, 1L));
    }

    @Test
    void theLastAcknowledgedValueWinsAndOlderOnesAreLosses() {
        ledger.write(Kind.TAGS, "tags:18:FE:34:00:00:01", "", "canary", Answer.ACKED, null);
        ledger.write(Kind.TAGS, "tags:18:FE:34:00:00:01", "", "canary,lab", Answer.ACKED, null);

        assertThat(check(Map.of("tags:18:FE:34:00:00:01", "canary")).lost()).isEqualTo(Map.of(Kind.TAGS, 1L));
        ledger.write(Kind.TAGS, "tags:18:FE:34:00:00:01", "", "lab", Answer.ACKED, null);
        assertThat(check(Map.of("tags:18:FE:34:00:00:01", "lab")).lostTotal()).isZero();
    }

    @Test
    void aRunningRolloutMayBeCompletedOrHaltedByTheEngineButNotPaused() {
        ledger.write(Kind.ROLLOUT, "rollout:1", Ledger.ABSENT, "draft", Answer.ACKED, null);
        ledger.write(Kind.ROLLOUT, "rollout:1", Ledger.ABSENT, "running", Answer.ACKED, null);
        assertThat(check(Map.of("rollout:1", "completed")).lostTotal()).isZero();

        ledger.write(Kind.ROLLOUT, "rollout:2", Ledger.ABSENT, "running", Answer.ACKED, null);
        ledger.write(Kind.ROLLOUT, "rollout:2", Ledger.ABSENT, "paused", Answer.ACKED, null);
        assertThat(check(Map.of("rollout:1", "completed", "rollout:2", "running")).problems())
                .singleElement().asString().startsWith("rollout rollout:2: expected paused, found running (acknowledged ");
    }

    @Test
    void anUnknownInitialValueAcceptsWhatIsSeenFirst() {
        ledger.write(Kind.REPORT, "report:18:FE:34:00:00:01/2.0.0", null, "confirmed", Answer.REFUSED, null);

        assertThat(check(Map.of("report:18:FE:34:00:00:01/2.0.0", "downloaded")).lostTotal()).isZero();
    }

    @Test
    void aReportAnsweredJustBeforeTheKillIsNotYetPromisedOneAnsweredEarlierIs() throws Exception {
        ledger.write(Kind.REPORT, "report:A/2.0.0", null, "confirmed", Answer.ACKED, null);
        Thread.sleep(TimeUnit.NANOSECONDS.toMillis(GRACE) + 50);
        ledger.write(Kind.REPORT, "report:B/2.0.0", null, "confirmed", Answer.ACKED, null);

        Ledger.Verdict v = ledger.check(Map.of("report:A/2.0.0", "downloaded", "report:B/2.0.0", "downloaded"), Map.of(),
                List.of(), System.nanoTime(), List.of());

        assertThat(v.problems()).singleElement().asString()
                .matches("report report:A/2\\.0\\.0: expected confirmed, found downloaded \\(acknowledged \\d{4,} ms before the kill\\)");
    }

    @Test
    void aForgottenRegisterAcceptsWhatIsSeenThenHoldsItAgain() {
        ledger.write(Kind.REPORT, "report:A/0.0.1", null, "confirmed", Answer.ACKED, null);
        assertThat(check(Map.of("report:A/0.0.1", "confirmed")).lostTotal()).isZero();

        ledger.forget("report:A/0.0.1"); // the device downloaded 0.0.1 again
        assertThat(check(Map.of("report:A/0.0.1", "downloaded")).lostTotal()).isZero();
        assertThat(check(Map.of("report:A/0.0.1", "offered")).lostTotal()).isZero(); // not final: check-ins move it
        assertThat(check(Map.of("report:A/0.0.1", "confirmed")).lostTotal()).isZero();
        assertThat(check(Map.of("report:A/0.0.1", "downloaded")).lost()).isEqualTo(Map.of(Kind.REPORT, 1L));
    }

    @Test
    void checkInsAnsweredBeforeTheGraceMustBeCountedAndNoneInvented() {
        long kill = System.nanoTime();
        ledger.checkIn("A", Answer.ACKED, kill - 2 * GRACE);
        ledger.checkIn("A", Answer.ACKED, kill - GRACE);
        ledger.checkIn("A", Answer.ACKED, kill - GRACE / 2); // may still be waiting for its group commit
        ledger.checkIn("A", Answer.NO_ANSWER, 0);
        ledger.checkIn("B", Answer.ACKED, kill - 2 * GRACE);

        Ledger.Verdict v = ledger.check(Map.of(), Map.of("A", 1L, "B", 2L), List.of(), kill, List.of());

        assertThat(v.lost()).isEqualTo(Map.of(Kind.CHECKIN, 2L));
        assertThat(v.acked()).isEqualTo(Map.of(Kind.CHECKIN, 4L));
        assertThat(v.problems()).containsExactlyInAnyOrder(
                "checkin A: 2 check-ins answered at least 1000 ms before the kill (0 before this cycle), found 1",
                "checkin B: only 1 check-ins were ever sent, found 2");
        // The next cycle starts from what was seen.
        ledger.checkIn("A", Answer.ACKED, kill);
        assertThat(ledger.check(Map.of(), Map.of("A", 2L, "B", 2L), List.of(), kill + 2 * GRACE, List.of()).lostTotal()).isZero();
    }

    @Test
    void everyAcknowledgedWriteNeedsItsAuditEntryOnceEach() {
        ledger.write(Kind.PRODUCT, "product:relay", Ledger.ABSENT, "unsigned-allowed open", Answer.ACKED, CREATE_RELAY);
        ledger.write(Kind.POLICY, "product:relay", Ledger.ABSENT, "required open", Answer.ACKED,
                new AuditKey("PUT /api/v1/products/{product}/policy", "product=relay signing=required enrollment=open", 200));
        ledger.write(Kind.POLICY, "product:relay", Ledger.ABSENT, "required open", Answer.ACKED,
                new AuditKey("PUT /api/v1/products/{product}/policy", "product=relay signing=required enrollment=open", 200));
        ledger.write(Kind.POLICY, "product:x", Ledger.ABSENT, "required open", Answer.NO_ANSWER,
                new AuditKey("PUT /api/v1/products/{product}/policy", "product=x signing=required enrollment=open", 200));

        Ledger.Verdict v = ledger.check(Map.of("product:relay", "required open"), Map.of(),
                List.of(CREATE_RELAY, new AuditKey("PUT /api/v1/products/{product}/policy",
                        "product=relay signing=required enrollment=open", 200)), System.nanoTime(), List.of());

        assertThat(v.lost()).isEqualTo(Map.of(Kind.AUDIT, 1L));
        assertThat(v.acked()).isEqualTo(Map.of(Kind.PRODUCT, 1L, Kind.POLICY, 2L, Kind.AUDIT, 3L));
        assertThat(v.problems()).containsExactly("audit: no entry PUT /api/v1/products/{product}/policy "
                + "[product=relay signing=required enrollment=open] 200");
        // Entries found once must stay: a later check without them counts them lost then.
        assertThat(ledger.check(Map.of("product:relay", "required open"), Map.of(), List.of(), System.nanoTime(), List.of()).lost())
                .isEqualTo(Map.of(Kind.AUDIT, 2L));
    }

    @Test
    void problemsFoundElsewhereAreCountedWithTheRest() {
        Ledger.Verdict v = check(Map.of());
        assertThat(v.lostTotal()).isZero();

        v = ledger.check(Map.of(), Map.of(), List.of(), System.nanoTime(),
                List.of(new Problem(Kind.RELEASE, "release:fw/1.0.0: the release row is there but its artifact file is not")));
        assertThat(v.lost()).isEqualTo(Map.of(Kind.RELEASE, 1L));
        assertThat(v.problems()).containsExactly("release: release:fw/1.0.0: the release row is there but its artifact file is not");
    }
}
