package org.updraft.server.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.updraft.core.version.Version;
import org.updraft.server.catalog.Release;
import org.updraft.server.problem.Rejection;

/**
 * The rollout state machine on its own: no database, no clock, no thread. Devices, their progress
 * and the releases are plain maps; time is an argument. The transition tables are walked
 * exhaustively (every state × every operator action; every assignment of update states to small
 * waves against a model of the rules), larger waves by a seeded random sample.
 */
class RolloutMachineTest {

    static final Instant T0 = Instant.parse("2026-11-27T00:00:00Z");
    static final long PRODUCT = 1;
    static final long OLD = 10;
    static final long NEW = 20;

    /** A device's update state in a scenario; null = pending (not offered yet). */
    static final UpdateState[] STATES_AND_PENDING = new UpdateState[UpdateState.values().length + 1];

    static {
        System.arraycopy(UpdateState.values(), 0, STATES_AND_PENDING, 1, UpdateState.values().length);
    }

    /** Devices by MAC: pins, tags, running versions. */
    final Map<String, Long> pins = new HashMap<>();
    final Map<String, Set<String>> tags = new HashMap<>();
    final Map<String, String> running = new java.util.LinkedHashMap<>();
    /** "mac/release" → progress. */
    final Map<String, DeviceUpdate> progress = new HashMap<>();
    final Map<Long, Release> releases = Map.of(OLD, release(OLD, "1.0.0"), NEW, release(NEW, "2.0.0"));

    final Audience audience = new Audience() {
        @Override
        public Long pinnedRelease(String mac) {
            return pins.get(mac);
        }

        @Override
        public Set<String> tags(String mac) {
            return tags.getOrDefault(mac, Set.of());
        }

        @Override
        public List<Known> known(String product) {
            return running.entrySet().stream().map(e -> new Known(e.getKey(), e.getValue())).toList();
        }
    };

    RolloutMachine machine = newMachine();

    RolloutMachine newMachine() {
        return new RolloutMachine(audience, (mac, release) -> Optional.ofNullable(progress.get(mac + "/" + release)),
                id -> Optional.ofNullable(releases.get(id)));
    }

    static Release release(long id, String version) {
        return new Release(id, PRODUCT, Version.parse(version), null, false, true, T0, Map.of(), 0, null, null);
    }

    static Rollout rollout(long id, RolloutState state, String waves, double success, double failure, Duration soak,
                           int maxConcurrent, Set<String> targetTags, VersionRange from, int currentWave) {
        return new Rollout(id, PRODUCT, NEW, state, null, targetTags, from, Wave.parseAll(waves),
                new Rollout.Policy(success, failure, soak, maxConcurrent, 5, Duration.ofMinutes(1)), currentWave,
                state == RolloutState.DRAFT ? null : T0, T0, null);
    }

    static Rollout rollout(long id, RolloutState state, String waves) {
        return rollout(id, state, waves, 1.0, 0.5, Duration.ZERO, 50, Set.of(), null, 0);
    }

    static final String[] MACS = java.util.stream.IntStream.range(0, 4096)
            .mapToObj(i -> String.format("AA:00:00:00:%02X:%02X", i >> 8, i & 0xFF)).toArray(String[]::new);

    static String mac(int i) {
        return MACS[i];
    }

    void device(String mac, String version, String... tagged) {
        running.put(mac, version);
        tags.put(mac, Set.of(tagged));
    }

    /** A device's progress with the new release in a state (after one attempt), or none for null. */
    void progress(String mac, long rolloutId, UpdateState state) {
        if (state == null) {
            progress.remove(mac + "/" + NEW);
        } else {
            progress.put(mac + "/" + NEW, new DeviceUpdate(mac, NEW, rolloutId, state, 1, null, T0, null, null, null, null, T0));
        }
    }

    // ---- operator transitions -----------------------------------------------------------------

    @Test
    void everyOperatorActionFromEveryStateEitherMovesAsTheTableSaysOrIsRefused409AndChangesNothing() {
        Instant later = T0.plusSeconds(90);
        for (RolloutState from : RolloutState.values()) {
            for (String action : List.of("start", "pause", "resume", "abort")) {
                machine = newMachine();
                Rollout before = machine.commit(new Rollout(1, PRODUCT, NEW, from, from == RolloutState.DRAFT ? null : "was",
                        Set.of(), null, Wave.parseAll("canary,10,100"), Rollout.Policy.DEFAULT, from == RolloutState.DRAFT ? 0 : 1,
                        from == RolloutState.DRAFT ? null : T0, T0, null));
                RolloutState expected = switch (action) {
                    case "start" -> from == RolloutState.DRAFT ? RolloutState.RUNNING : null;
                    case "pause" -> from == RolloutState.RUNNING ? RolloutState.PAUSED : null;
                    case "resume" -> from == RolloutState.PAUSED ? RolloutState.RUNNING : null;
                    default -> from.isFinished() ? null : RolloutState.ABORTED;
                };
                String what = action + " from " + from;
                if (expected == null) {
                    assertThatThrownBy(() -> act(action, later)).as(what).isInstanceOfSatisfying(Rejection.class,
                            r -> assertThat(r.status()).isEqualTo(409)).hasMessage(switch (action) {
                                case "start" -> "rollout 1 is " + from.id() + "; only a draft can be started";
                                case "pause" -> "rollout 1 is " + from.id() + "; only a running rollout can be paused";
                                case "resume" -> "rollout 1 is " + from.id() + "; only a paused rollout can be resumed";
                                default -> "rollout 1 is already " + from.id();
                            });
                    assertThat(machine.require(1)).as(what).isEqualTo(before);
                    continue;
                }
                Rollout next = act(action, later);
                assertThat(machine.require(1)).as(what + ": decided, not yet committed").isEqualTo(before);
                assertThat(next.state()).as(what).isEqualTo(expected);
                assertThat(next.currentWave()).as(what).isEqualTo(action.equals("start") ? 0 : before.currentWave());
                assertThat(next.waveStartedAt()).as(what).isEqualTo(action.equals("start") ? later : before.waveStartedAt());
                assertThat(next.finishedAt()).as(what).isEqualTo(action.equals("abort") ? later : null);
                assertThat(next.reason()).as(what).isEqualTo(switch (action) {
                    case "pause" -> "paused by operator";
                    case "abort" -> "aborted by operator";
                    default -> null;
                });
                assertThat(next.state().isActive() || next.state().isFinished()).as(what).isTrue();
                assertThat(machine.commit(next)).isEqualTo(machine.require(1));
            }
        }
    }

    Rollout act(String action, Instant now) {
        return switch (action) {
            case "start" -> machine.start(1, now);
            case "pause" -> machine.pause(1);
            case "resume" -> machine.resume(1);
            case "abort" -> machine.abort(1, " ", now);
            default -> throw new IllegalArgumentException(action);
        };
    }

    @Test
    void anAbortKeepsTheOperatorsReason() {
        machine.commit(rollout(1, RolloutState.PAUSED, "100"));
        assertThat(machine.abort(1, "bad batch", T0).reason()).isEqualTo("bad batch");
    }

    @Test
    void aRolloutCannotStartWhileAnActiveOneOfTheSameProductMayReachTheSameDevices() {
        // other rollout's state × its tags × the new one's tags → may start?
        for (RolloutState otherState : RolloutState.values()) {
            for (Set<String> otherTags : List.of(Set.<String>of(), Set.of("canary"), Set.of("lab"))) {
                for (Set<String> ownTags : List.of(Set.<String>of(), Set.of("canary", "field"))) {
                    machine = newMachine();
                    machine.commit(rollout(1, otherState, "100", 1.0, 0.5, Duration.ZERO, 50, otherTags, null, 0));
                    machine.commit(rollout(2, RolloutState.DRAFT, "100", 1.0, 0.5, Duration.ZERO, 50, ownTags, null, 0));
                    Rollout otherProduct = new Rollout(3, PRODUCT + 1, NEW, RolloutState.RUNNING, null, Set.of(), null,
                            Wave.parseAll("100"), Rollout.Policy.DEFAULT, 0, T0, T0, null);
                    machine.commit(otherProduct);
                    boolean overlap = otherTags.isEmpty() || ownTags.isEmpty() || ownTags.stream().anyMatch(otherTags::contains);
                    boolean refused = otherState.isActive() && overlap;
                    String what = otherState + " " + otherTags + " vs " + ownTags;
                    if (refused) {
                        assertThatThrownBy(() -> machine.start(2, T0)).as(what).isInstanceOf(Rejection.class)
                                .hasMessage("rollout 1 (" + otherState.id() + ") already targets devices of this product that rollout 2"
                                        + " would reach" + (otherTags.isEmpty() ? " (it targets all devices)" : " (tags " + String.join(", ", otherTags) + ")")
                                        + "; pause is not enough — complete or abort it first");
                    } else {
                        assertThat(machine.start(2, T0).state()).as(what).isEqualTo(RolloutState.RUNNING);
                    }
                }
            }
        }
    }

    @Test
    void anUnknownRolloutIsRefused404() {
        assertThatThrownBy(() -> machine.pause(9)).isInstanceOfSatisfying(Rejection.class, r -> assertThat(r.status()).isEqualTo(404))
                .hasMessage("no rollout 9");
        assertThat(machine.evaluate(9, T0)).isEmpty();
    }

    // ---- the rules: halt, advance, complete ---------------------------------------------------

    /**
     * The rules as the documentation states them, written independently of the machine: the first
     * wave up to the current one whose failure share is above the threshold halts; else a soaked
     * current wave whose confirmed share reaches the threshold advances, or completes the last.
     */
    static String model(Rollout r, List<List<UpdateState>> waves, Instant now) {
        if (r.state() != RolloutState.RUNNING) {
            return "none";
        }
        for (int w = 0; w <= r.currentWave(); w++) {
            List<UpdateState> m = waves.get(w);
            long failed = m.stream().filter(s -> s == UpdateState.FAILED || s == UpdateState.ROLLED_BACK).count();
            if (!m.isEmpty() && (double) failed / m.size() > r.policy().failureThreshold()) {
                return "halted " + w;
            }
        }
        List<UpdateState> current = waves.get(r.currentWave());
        long confirmed = current.stream().filter(s -> s == UpdateState.CONFIRMED).count();
        double success = current.isEmpty() ? 1.0 : (double) confirmed / current.size();
        boolean soaked = !now.isBefore(r.waveStartedAt().plus(r.policy().soak()));
        if (!soaked || success < r.policy().successThreshold()) {
            return "none";
        }
        return r.isLastWave() ? "completed" : "advanced";
    }

    /** Runs one scenario on a fresh machine; returns what it decided, after checking the step's value. */
    String decide(Rollout r, List<List<UpdateState>> waves, Instant now) {
        machine = newMachine();
        running.clear();
        tags.clear();
        progress.clear();
        int n = 0;
        for (int w = 0; w < waves.size(); w++) {
            for (UpdateState s : waves.get(w)) {
                String mac = mac(n++);
                // Tag waves: wave w's devices carry tag "w<w>", so membership is exact.
                device(mac, "1.0.0", "w" + w);
                progress(mac, r.id(), s);
            }
        }
        machine.commit(r);
        machine.populate(r, audience.known("relay"));
        List<WaveStats> stats = machine.stats(r);
        for (int w = 0; w < waves.size(); w++) {
            assertThat(stats.get(w).members()).isEqualTo(waves.get(w).size());
            assertThat(stats.get(w).pending()).isEqualTo((int) waves.get(w).stream().filter(s -> s == null).count());
        }
        Optional<RolloutMachine.Step> step = machine.evaluate(r.id(), now);
        assertThat(machine.require(r.id())).as("evaluate decides, commits nothing").isEqualTo(r);
        if (step.isEmpty()) {
            return "none";
        }
        Rollout next = step.get().rollout();
        assertThat(next.id()).isEqualTo(r.id());
        return switch (step.get()) {
            case RolloutMachine.Step.Halted h -> {
                assertThat(next.state()).isEqualTo(RolloutState.HALTED);
                assertThat(next.finishedAt()).isEqualTo(now);
                assertThat(next.currentWave()).isEqualTo(r.currentWave());
                assertThat(h.reason()).isEqualTo(next.reason()).startsWith("wave " + (h.wave().index() + 1) + " (");
                yield "halted " + h.wave().index();
            }
            case RolloutMachine.Step.Advanced a -> {
                assertThat(next.state()).isEqualTo(RolloutState.RUNNING);
                assertThat(next.currentWave()).isEqualTo(r.currentWave() + 1);
                assertThat(next.waveStartedAt()).isEqualTo(now);
                assertThat(next.reason()).isNull();
                assertThat(a.from().index()).isEqualTo(r.currentWave());
                yield "advanced";
            }
            case RolloutMachine.Step.Completed c -> {
                assertThat(next.state()).isEqualTo(RolloutState.COMPLETED);
                assertThat(next.finishedAt()).isEqualTo(now);
                assertThat(next.reason()).isEqualTo("every wave reached its success threshold");
                assertThat(c.wave().index()).isEqualTo(r.waves().size() - 1);
                yield "completed";
            }
        };
    }

    @Test
    void everyAssignmentOfUpdateStatesToTwoSmallWavesIsDecidedAsTheRulesSay() {
        // Wave 1: none, one or two devices in any state (73 lists); wave 2: none or one (9).
        List<List<UpdateState>> two = new ArrayList<>();
        List<List<UpdateState>> one = new ArrayList<>();
        two.add(List.of());
        one.add(List.of());
        for (UpdateState a : STATES_AND_PENDING) {
            one.add(java.util.Arrays.asList(a));
            two.add(java.util.Arrays.asList(a));
            for (UpdateState b : STATES_AND_PENDING) {
                two.add(java.util.Arrays.asList(a, b));
            }
        }
        double[] thresholds = {0.0, 0.5, 1.0};
        int scenarios = 0;
        Map<String, Integer> seen = new HashMap<>();
        for (List<UpdateState> first : two) {
            for (List<UpdateState> second : one) {
                for (double success : thresholds) {
                    for (double failure : thresholds) {
                        for (int current = 0; current < 2; current++) {
                            Rollout r = rollout(1, RolloutState.RUNNING, "w0,w1", success, failure, Duration.ofMinutes(10), 50, Set.of(),
                                    null, current);
                            for (Instant now : List.of(T0.plus(Duration.ofMinutes(10)).minusNanos(1000), T0.plus(Duration.ofMinutes(10)))) {
                                String expected = model(r, List.of(first, second), now);
                                assertThat(decide(r, List.of(first, second), now))
                                        .as("wave %d, st %s ft %s, %s %s at %s", current, success, failure, first, second, now)
                                        .isEqualTo(expected);
                                seen.merge(expected, 1, Integer::sum);
                                scenarios++;
                            }
                        }
                    }
                }
            }
        }
        assertThat(scenarios).isEqualTo(73 * 9 * 3 * 3 * 2 * 2);
        assertThat(seen).containsOnlyKeys("none", "halted 0", "halted 1", "advanced", "completed");
    }

    @Test
    void aRolloutThatIsNotRunningIsNeverMovedByTheRules() {
        List<UpdateState> failing = List.of(UpdateState.FAILED, UpdateState.ROLLED_BACK);
        List<UpdateState> confirmed = List.of(UpdateState.CONFIRMED, UpdateState.CONFIRMED);
        for (RolloutState state : RolloutState.values()) {
            for (List<UpdateState> wave : List.of(failing, confirmed)) {
                Rollout r = rollout(1, state, "w0,w1", 0.5, 0.5, Duration.ZERO, 50, Set.of(), null, 0);
                assertThat(decide(r, List.of(wave, List.of()), T0)).as(state + " " + wave)
                        .isEqualTo(state != RolloutState.RUNNING ? "none" : wave == failing ? "halted 0" : "advanced");
            }
        }
    }

    @Test
    void aSeededSampleOfLargerWavesAndThresholdsIsDecidedAsTheRulesSay() {
        Random random = new Random(13);
        for (int i = 0; i < 500; i++) {
            int waveCount = 1 + random.nextInt(4);
            List<List<UpdateState>> waves = new ArrayList<>();
            for (int w = 0; w < waveCount; w++) {
                List<UpdateState> m = new ArrayList<>();
                int size = random.nextInt(12);
                for (int d = 0; d < size; d++) {
                    m.add(STATES_AND_PENDING[random.nextInt(STATES_AND_PENDING.length)]);
                }
                waves.add(m);
            }
            String spec = String.join(",", java.util.stream.IntStream.range(0, waveCount).mapToObj(w -> "w" + w).toList());
            Rollout r = rollout(1, RolloutState.RUNNING, spec, random.nextInt(11) / 10.0, random.nextInt(11) / 10.0,
                    Duration.ofSeconds(random.nextInt(3)), 50, Set.of(), null, random.nextInt(waveCount));
            Instant now = T0.plusSeconds(random.nextInt(3));
            assertThat(decide(r, waves, now)).as("%s %s at %s", r, waves, now).isEqualTo(model(r, waves, now));
        }
    }

    @Test
    void aHaltNamesTheWaveAndTheSharesWithThreeSignificantDigits() {
        List<UpdateState> ok = java.util.Collections.nCopies(1997, UpdateState.CONFIRMED);
        List<UpdateState> wave = new ArrayList<>(ok);
        wave.addAll(List.of(UpdateState.FAILED, UpdateState.ROLLED_BACK, UpdateState.OFFERED));
        Rollout r = rollout(1, RolloutState.RUNNING, "w0", 1.0, 0.0005, Duration.ZERO, 50, Set.of(), null, 0);
        assertThat(decide(r, List.of(wave), T0)).isEqualTo("halted 0");
        assertThat(machine.evaluate(1, T0).orElseThrow().rollout().reason())
                .isEqualTo("wave 1 (w0): 2 of 2000 devices failed or rolled back (0.1% > 0.05%)");
    }

    // ---- membership ---------------------------------------------------------------------------

    @Test
    void aDeviceBelongsToTheFirstTagWaveItCarriesElseToTheFirstPercentageWaveAboveItsBucket() {
        Rollout r = machine.commit(rollout(7, RolloutState.RUNNING, "canary,lab,30,100"));
        device("AA:00:00:00:00:01", "1.0.0");
        device("AA:00:00:00:00:02", "1.0.0", "lab", "canary");
        device("AA:00:00:00:00:03", "1.0.0", "lab");
        // The bucket is a pure function of rollout id and MAC: the same on every server, after every restart.
        assertThat(RolloutMachine.bucket(7, "AA:00:00:00:00:01")).isEqualTo(30.221060367374818);
        assertThat(RolloutMachine.bucket(1, "18:FE:34:00:00:2A")).isEqualTo(45.04083936771172);
        assertThat(machine.membership(r, "AA:00:00:00:00:01", "1.0.0")).as("bucket 30.2 is not below 30").isEqualTo(3);
        assertThat(machine.membership(r, "AA:00:00:00:00:02", "1.0.0")).isEqualTo(0);
        assertThat(machine.membership(r, "AA:00:00:00:00:03", "1.0.0")).isEqualTo(1);
        assertThat(machine.membersOf(7, 3)).containsExactly("AA:00:00:00:00:01");
    }

    @Test
    void percentageWavesTakeTheirCumulativeShareOfTheDevices() {
        Rollout r = machine.commit(rollout(3, RolloutState.RUNNING, "1,10,50,100"));
        int[] perWave = new int[4];
        int n = 10_000;
        for (int i = 0; i < n; i++) {
            String mac = String.format("18:FE:34:%02X:%02X:%02X", i >> 16, (i >> 8) & 0xFF, i & 0xFF);
            double bucket = RolloutMachine.bucket(3, mac);
            assertThat(bucket).isGreaterThanOrEqualTo(0).isLessThan(100);
            int wave = machine.membership(r, mac, "1.0.0");
            int expected = bucket < 1 ? 0 : bucket < 10 ? 1 : bucket < 50 ? 2 : 3;
            assertThat(wave).as(mac).isEqualTo(expected);
            perWave[wave]++;
        }
        assertThat(perWave[0] / (double) n).isBetween(0.005, 0.015);
        assertThat((perWave[0] + perWave[1]) / (double) n).isBetween(0.09, 0.11);
        assertThat((perWave[0] + perWave[1] + perWave[2]) / (double) n).isBetween(0.48, 0.52);
        assertThat(machine.memberCount(3)).isEqualTo(n);
    }

    @Test
    void pinnedUntaggedOrOutOfRangeDevicesAreInNoWaveUnlessTheRolloutAlreadyStartedTheirUpdate() {
        Rollout r = machine.commit(rollout(1, RolloutState.RUNNING, "100", 1.0, 0.5, Duration.ZERO, 50, Set.of("field"),
                VersionRange.parse(">=1.0.0 <2.0.0"), 0));
        device("AA:00:00:00:00:01", "1.0.0", "field");
        device("AA:00:00:00:00:02", "1.0.0", "field");
        pins.put("AA:00:00:00:00:02", OLD);
        device("AA:00:00:00:00:03", "1.0.0", "lab");
        device("AA:00:00:00:00:04", "0.9.0", "field");
        device("AA:00:00:00:00:05", "0.9.0", "field");
        progress("AA:00:00:00:00:05", 1, UpdateState.OFFERED);
        device("AA:00:00:00:00:06", "0.9.0", "field");
        progress("AA:00:00:00:00:06", 2, UpdateState.OFFERED); // another rollout's update does not count
        machine.populate(r, audience.known("relay"));
        assertThat(List.of(1, 2, 3, 4, 5, 6).stream().map(i -> machine.membership(r, "AA:00:00:00:00:0" + i, running.get("AA:00:00:00:00:0" + i))))
                .containsExactly(0, -1, -1, -1, 0, -1);
    }

    @Test
    void membershipIsFixedAtFirstSightAndAPeekRemembersNothing() {
        Rollout r = machine.commit(rollout(1, RolloutState.RUNNING, "canary,100"));
        device("AA:00:00:00:00:01", "1.0.0");
        assertThat(machine.peekMembership(r, "AA:00:00:00:00:01", "1.0.0")).isEqualTo(1);
        assertThat(machine.memberCount(1)).isZero();
        assertThat(machine.membership(r, "AA:00:00:00:00:01", "1.0.0")).isEqualTo(1);
        tags.put("AA:00:00:00:00:01", Set.of("canary"));
        pins.put("AA:00:00:00:00:01", OLD);
        assertThat(machine.membership(r, "AA:00:00:00:00:01", "1.0.0")).as("fixed").isEqualTo(1);
        assertThat(machine.peekMembership(r, "AA:00:00:00:00:01", "1.0.0")).isEqualTo(1);
        assertThat(machine.memberCount(1)).isEqualTo(1);
    }

    // ---- offers and in-flight accounting ------------------------------------------------------

    @Test
    void anOfferGoesToMembersOfWavesUpToTheCurrentOneOfARunningRolloutOnly() {
        machine.commit(rollout(1, RolloutState.RUNNING, "canary,100"));
        device("AA:00:00:00:00:01", "1.0.0", "canary");
        device("AA:00:00:00:00:02", "1.0.0");
        RolloutEngine.Offer offer = machine.offer(PRODUCT, "AA:00:00:00:00:01", "1.0.0", T0, false, true).orElseThrow();
        assertThat(offer.rollout().id()).isEqualTo(1);
        assertThat(offer.release().id()).isEqualTo(NEW);
        assertThat(machine.offer(PRODUCT, "AA:00:00:00:00:02", "1.0.0", T0, false, true)).as("wave 2 not yet").isEmpty();
        assertThat(machine.offer(PRODUCT + 1, "AA:00:00:00:00:01", "1.0.0", T0, false, true)).as("another product").isEmpty();
        assertThat(machine.offer(PRODUCT, "AA:00:00:00:00:01", "2.0.0", T0, false, true)).as("runs it already").isEmpty();
        machine.commit(machine.pause(1));
        assertThat(machine.offer(PRODUCT, "AA:00:00:00:00:01", "1.0.0", T0, false, true)).as("paused").isEmpty();
        machine.commit(machine.resume(1));
        assertThat(machine.offer(PRODUCT, "AA:00:00:00:00:01", "1.0.0", T0, false, true)).isPresent();
        machine.commit(machine.abort(1, null, T0));
        assertThat(machine.offer(PRODUCT, "AA:00:00:00:00:01", "1.0.0", T0, false, true)).as("aborted").isEmpty();
    }

    @Test
    void aFailedAttemptWaitsForItsBackoffUnlessTheRequestResumesTheBrokenTransfer() {
        machine.commit(rollout(1, RolloutState.RUNNING, "100"));
        String mac = "AA:00:00:00:00:01";
        device(mac, "1.0.0");
        Instant retry = T0.plusSeconds(60);
        progress.put(mac + "/" + NEW, new DeviceUpdate(mac, NEW, 1L, UpdateState.OFFERED, 1, "download broke", T0, null, null,
                null, retry, T0));
        assertThat(machine.offer(PRODUCT, mac, "1.0.0", retry.minusNanos(1000), false, true)).isEmpty();
        assertThat(machine.offer(PRODUCT, mac, "1.0.0", retry.minusNanos(1000), true, true)).as("resuming").isPresent();
        assertThat(machine.offer(PRODUCT, mac, "1.0.0", retry, false, true)).isPresent();
        progress(mac, 1, UpdateState.DOWNLOADED);
        assertThat(machine.offer(PRODUCT, mac, "1.0.0", retry, true, true)).as("nothing to resume").isEmpty();
    }

    @Test
    void noMoreOffersWhileMaxConcurrentDownloadsAreInFlight() {
        machine.commit(rollout(1, RolloutState.RUNNING, "100", 1.0, 0.5, Duration.ZERO, 2, Set.of(), null, 0));
        for (int i = 0; i < 3; i++) {
            device(mac(i), "1.0.0");
        }
        machine.downloadStarted(1);
        machine.downloadStarted(1);
        assertThat(machine.inFlight(1)).isEqualTo(2);
        assertThat(machine.offer(PRODUCT, mac(2), "1.0.0", T0, false, true)).isEmpty();
        assertThat(machine.offer(PRODUCT, mac(2), "1.0.0", T0, false, false)).isEmpty();
        machine.downloadEnded(1);
        assertThat(machine.inFlight(1)).isEqualTo(1);
        assertThat(machine.offer(PRODUCT, mac(2), "1.0.0", T0, false, true)).isPresent();
        machine.downloadEnded(99); // a rollout with nothing in flight: no count appears
        assertThat(machine.inFlight(99)).isZero();
    }

    @Test
    void aPeekAnswersLikeAnOfferWithoutFixingMembership() {
        machine.commit(rollout(1, RolloutState.RUNNING, "100"));
        device(mac(1), "1.0.0");
        assertThat(machine.offer(PRODUCT, mac(1), "1.0.0", T0, false, false)).isPresent();
        assertThat(machine.memberCount(1)).isZero();
        assertThat(machine.offer(PRODUCT, mac(1), "1.0.0", T0, false, true)).isPresent();
        assertThat(machine.memberCount(1)).isEqualTo(1);
    }

    @Test
    void aReleaseIsHeldUntilARolloutOfItCompletes() {
        assertThat(machine.holds(NEW, true)).as("held, no rollout").isTrue();
        assertThat(machine.holds(NEW, false)).as("not held, no rollout").isFalse();
        for (RolloutState s : RolloutState.values()) {
            machine = newMachine();
            machine.commit(rollout(1, s, "100"));
            assertThat(machine.holds(NEW, true)).as("held, " + s).isEqualTo(s != RolloutState.COMPLETED);
            assertThat(machine.holds(NEW, false)).as("not held, " + s).isEqualTo(s != RolloutState.COMPLETED);
            assertThat(machine.holds(OLD, false)).as("another release, " + s).isFalse();
        }
    }

    @Test
    void listsAreByIdAndByProduct() {
        machine.commit(rollout(5, RolloutState.DRAFT, "100"));
        machine.commit(rollout(2, RolloutState.DRAFT, "100"));
        machine.commit(new Rollout(3, PRODUCT + 1, NEW, RolloutState.DRAFT, null, Set.of(), null, Wave.parseAll("100"),
                Rollout.Policy.DEFAULT, 0, null, T0, null));
        assertThat(machine.list(PRODUCT)).extracting(Rollout::id).containsExactly(2L, 5L);
        assertThat(machine.list(null)).extracting(Rollout::id).containsExactly(2L, 3L, 5L);
    }
}
