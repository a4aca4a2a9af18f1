package org.updraft.server.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.MutableClock;
import org.updraft.server.TestDatabase;
import org.updraft.server.artifact.ArtifactStore;
import org.updraft.server.artifact.Digests;
import org.updraft.server.catalog.ArtifactRole;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;
import org.updraft.server.config.DeviceUrl;
import org.updraft.server.problem.Rejection;
import org.updraft.server.store.Database;
import org.updraft.server.store.EmbeddedDatabase;

/**
 * {@link RolloutEngine} as the other packages call it, on a real database, with a hand-moved
 * clock, a recording notifier, a plain-map {@link Audience} and the real {@link UpdateTracker}
 * driven by hand (no HTTP): what is written, in which order things are announced, what survives a
 * restart. The rules themselves are {@link RolloutMachineTest}'s.
 */
class RolloutEngineTest {

    static final Instant T0 = Instant.parse("2026-11-27T00:00:00Z");
    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(71, 6_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(72, 6_000).build();
    static final Duration HEALTH = Duration.ofSeconds(60);
    static final DeviceUrl URL = new DeviceUrl("https://fw.example.com/u/" + DeviceUrl.PRODUCT);
    static final String A = "AA:00:00:00:00:01";
    static final String B = "AA:00:00:00:00:02";
    static final String C = "AA:00:00:00:00:03";
    static final String D = "AA:00:00:00:00:04";

    final MutableClock clock = new MutableClock(T0);
    final Map<String, Set<String>> tags = new ConcurrentHashMap<>();
    final Map<String, Long> pins = new ConcurrentHashMap<>();
    final Map<String, String> known = new LinkedHashMap<>();
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
            return known.entrySet().stream().map(e -> new Known(e.getKey(), e.getValue())).toList();
        }

        @Override
        public java.util.Optional<Duration> pollInterval(String product) {
            return java.util.Optional.ofNullable(poll);
        }
    };
    /** The poll interval the audience reports; null = not known. */
    volatile Duration poll;
    /** One notice: "update PRODUCT MAC" or "event PRODUCT ID NAME", and its payload (compared as a map: detail order is not part of it). */
    record Heard(String what, Map<String, Object> body) {
    }

    /** What the notifier heard, in order. */
    final List<Heard> heard = new CopyOnWriteArrayList<>();
    final Notifier recording = new Notifier() {
        @Override
        public void updateAvailable(String product, String mac, Map<String, Object> offer) {
            heard.add(new Heard("update " + product + " " + mac, offer));
        }

        @Override
        public void rolloutEvent(String product, long rolloutId, String event, Map<String, Object> detail) {
            heard.add(new Heard("event " + product + " " + rolloutId + " " + event, detail));
        }
    };

    static Heard event(long id, String name, Object... detail) {
        Map<String, Object> d = new LinkedHashMap<>();
        for (int i = 0; i < detail.length; i += 2) {
            d.put((String) detail[i], detail[i + 1]);
        }
        return new Heard("event relay " + id + " " + name, d);
    }

    /** The update-available notice of the held release 2.0.0. */
    Heard offer(String mac, long id) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("version", "2.0.0");
        d.put("url", "https://fw.example.com/u/relay");
        d.put("sha256", Digests.sha256Hex(V2));
        d.put("size", (long) V2.length);
        d.put("rollout", id);
        return new Heard("update relay " + mac, d);
    }

    /** Heard exactly this event, then update-available notices to exactly these devices (in any order: a wave is a set). */
    void assertHeard(Heard first, Heard... updates) {
        assertThat(heard).isNotEmpty();
        assertThat(heard.get(0)).isEqualTo(first);
        assertThat(heard.subList(1, heard.size())).containsExactlyInAnyOrder(updates);
    }

    Path dir;
    TestDatabase.Instance instance;
    Database db;
    Catalog catalog;
    UpdateTracker tracker;
    RolloutEngine engine;
    Product relay;
    Release v2;

    void open(TestDatabase kind) throws IOException {
        dir = Files.createTempDirectory("updraft-rollout");
        instance = kind.create(dir);
        db = Database.open(instance.jdbcUrl() != null ? instance.jdbcUrl() : EmbeddedDatabase.url(dir));
        catalog = new Catalog(db.jdbi(), new ArtifactStore(dir.resolve("artifacts")), clock);
        relay = catalog.createProduct(new Catalog.ProductSpec("relay", "esp8266", "arduino", "arduino-4m", null, null, 60L));
        catalog.addRelease(relay, "1.0.0", null, false, false, Map.of(ArtifactRole.FIRMWARE, V1));
        v2 = catalog.addRelease(relay, "2.0.0", null, false, true, Map.of(ArtifactRole.FIRMWARE, V2));
        for (String mac : List.of(A, B, C, D)) {
            known.put(mac, "1.0.0");
        }
        tags.put(A, Set.of("canary"));
        tags.put(B, Set.of("canary"));
        tracker = new UpdateTracker(db.jdbi(), catalog);
        engine = engine();
    }

    /** No tick during a test (one an hour): only transitions and {@link RolloutEngine#tick()} evaluate. */
    RolloutEngine engine() {
        RolloutEngine e = new RolloutEngine(db.jdbi(), catalog, audience, tracker, clock, Duration.ofHours(1), URL);
        e.notifier(recording);
        return e;
    }

    void restart() {
        engine.close();
        tracker.close();
        tracker = new UpdateTracker(db.jdbi(), catalog);
        engine = engine();
    }

    @AfterEach
    void close() throws IOException {
        if (engine != null) {
            engine.close();
            tracker.close();
            db.close();
            instance.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    Instant now() {
        return clock.instant();
    }

    /** The device is offered the release, downloads it completely, boots it and checks in on it: installed. */
    void install(String mac) {
        RolloutEngine.Offer offer = engine.offer(relay, mac, "1.0.0", now(), false).orElseThrow();
        long rollout = offer.rollout().id();
        engine.downloadStarted(rollout);
        tracker.downloading(mac, offer.release().id(), rollout, false, now());
        tracker.transferEnded(mac, offer.release().id(), true, null, now());
        engine.downloadEnded(rollout);
        tracker.observe(mac, "2.0.0", HEALTH, now());
        assertThat(tracker.get(mac, v2.id()).orElseThrow().state()).isEqualTo(UpdateState.INSTALLED);
    }

    /** A check-in on the release after the health window: confirmed (a final transition the engine hears). */
    void confirm(String mac) {
        tracker.observe(mac, "2.0.0", HEALTH, now());
        assertThat(tracker.get(mac, v2.id()).orElseThrow().state()).isEqualTo(UpdateState.CONFIRMED);
    }

    /** The rollout's row as stored: state, reason, current wave. */
    String row(long id) {
        return db.jdbi().withHandle(h -> h.createQuery("SELECT state, reason, current_wave FROM rollout WHERE id = :id").bind("id", id)
                .map((rs, ctx) -> rs.getString("state") + " | " + rs.getString("reason") + " | " + rs.getInt("current_wave")).one());
    }

    static RolloutEngine.Spec spec(String waves, Double success, Double failure, Long soak, Integer maxConcurrent) {
        return new RolloutEngine.Spec("2.0.0", waves, null, null, success, failure, soak, maxConcurrent, null, 30L);
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void wavesAdvanceOnTheTickAfterTheirSoakAndARestartInTheMiddleLosesNothing(TestDatabase kind) throws Exception {
        open(kind);
        long id = engine.create(relay, spec("canary,100", 1.0, 0.5, 300L, null)).id();
        assertThat(engine.holds(v2)).isTrue();
        Rollout started = engine.start(id);
        assertThat(started.state()).isEqualTo(RolloutState.RUNNING);
        assertThat(row(id)).isEqualTo("running | null | 0");
        assertHeard(event(id, "started", "wave", "canary", "state", "running", "release", "2.0.0"), offer(A, id), offer(B, id));
        assertThat(engine.offer(relay, C, "1.0.0", now(), false)).as("not in the canary wave").isEmpty();

        install(A);
        install(B);
        clock.advance(HEALTH);
        confirm(A);
        confirm(B);
        assertThat(engine.require(id).currentWave()).as("every canary confirmed, but the soak has not passed").isZero();
        clock.advance(Duration.ofSeconds(239));
        engine.tick();
        assertThat(engine.require(id).currentWave()).isZero();
        heard.clear();
        clock.advance(Duration.ofSeconds(1));
        engine.tick();
        Rollout advanced = engine.require(id);
        assertThat(advanced.currentWave()).isEqualTo(1);
        assertThat(advanced.waveStartedAt()).isEqualTo(T0.plusSeconds(300));
        assertThat(row(id)).isEqualTo("running | null | 1");
        assertHeard(event(id, "wave-advanced", "from", "canary", "to", "100%", "confirmed", 2, "members", 2, "state", "running",
                "release", "2.0.0"), offer(C, id), offer(D, id));

        List<WaveStats> stats = engine.stats(advanced);
        restart();
        assertThat(engine.require(id)).isEqualTo(advanced);
        assertThat(engine.stats(engine.require(id))).isEqualTo(stats);
        assertThat(engine.list(relay)).containsExactly(advanced);
        assertThat(engine.offer(relay, A, "2.0.0", now(), false)).as("confirmed: nothing again").isEmpty();

        install(C);
        install(D);
        clock.advance(Duration.ofSeconds(300));
        heard.clear();
        confirm(C);
        assertThat(heard).isEmpty();
        confirm(D);
        assertThat(engine.require(id).state()).as("the last confirmation completes it, without a tick").isEqualTo(RolloutState.COMPLETED);
        assertHeard(event(id, "completed", "wave", "100%", "state", "completed", "release", "2.0.0"));
        assertThat(row(id)).isEqualTo("completed | every wave reached its success threshold | 1");
        assertThat(engine.holds(v2)).as("a completed rollout's release is the baseline").isFalse();
    }

    @Test
    void aRollbackOverTheFailureThresholdHaltsAtTheVeryTransition() throws Exception {
        open(TestDatabase.EMBEDDED);
        long id = engine.create(relay, spec("canary,100", 1.0, 0.25, 0L, null)).id();
        engine.start(id);
        install(A);
        heard.clear();
        tracker.observe(A, "1.0.0", HEALTH, now()); // back on the old image after running the new one
        Rollout halted = engine.require(id);
        String why = "wave 1 (canary): 1 of 2 devices failed or rolled back (50.0% > 25.0%)";
        assertThat(halted.state()).isEqualTo(RolloutState.HALTED);
        assertThat(halted.reason()).isEqualTo(why);
        assertThat(halted.finishedAt()).isEqualTo(T0);
        assertThat(row(id)).isEqualTo("halted | " + why + " | 0");
        assertHeard(event(id, "halted", "reason", why, "wave", "canary", "state", "halted", "release", "2.0.0"));
        assertThat(engine.offer(relay, B, "1.0.0", now(), false)).as("no new offers").isEmpty();
        restart();
        assertThat(engine.require(id)).isEqualTo(halted);
    }

    @Test
    void operatorActionsAreWrittenThenAnnouncedAndARefusedOneChangesNothing() throws Exception {
        open(TestDatabase.EMBEDDED);
        long id = engine.create(relay, spec("100", null, null, null, null)).id();
        assertThat(row(id)).isEqualTo("draft | null | 0");
        assertThat(heard).isEmpty();
        engine.start(id);
        assertThat(engine.pause(id).state()).isEqualTo(RolloutState.PAUSED);
        assertThat(row(id)).isEqualTo("paused | paused by operator | 0");
        assertThat(engine.offer(relay, A, "1.0.0", now(), false)).as("paused").isEmpty();
        assertThatThrownBy(() -> engine.pause(id)).isInstanceOfSatisfying(Rejection.class, r -> assertThat(r.status()).isEqualTo(409))
                .hasMessage("rollout " + id + " is paused; only a running rollout can be paused");
        assertThat(row(id)).isEqualTo("paused | paused by operator | 0");
        assertThat(engine.resume(id).state()).isEqualTo(RolloutState.RUNNING);
        assertThat(row(id)).isEqualTo("running | null | 0");
        assertThat(engine.abort(id, "bad batch").state()).isEqualTo(RolloutState.ABORTED);
        assertThat(row(id)).isEqualTo("aborted | bad batch | 0");
        assertThatThrownBy(() -> engine.abort(id, null)).isInstanceOf(Rejection.class).hasMessage("rollout " + id + " is already aborted");

        assertThat(heard.stream().filter(h -> h.what().startsWith("event"))).containsExactly(
                event(id, "started", "wave", "100%", "state", "running", "release", "2.0.0"),
                event(id, "paused", "state", "paused", "release", "2.0.0"),
                event(id, "resumed", "state", "running", "release", "2.0.0"),
                event(id, "aborted", "reason", "bad batch", "state", "aborted", "release", "2.0.0"));
        // Start and resume each tell the four devices of the (only) wave, after their event.
        assertThat(heard.stream().map(Heard::what).map(w -> w.startsWith("update") ? "update" : w.substring(w.lastIndexOf(' ') + 1)))
                .containsExactly("started", "update", "update", "update", "update", "paused", "resumed", "update", "update", "update",
                        "update", "aborted");
        assertThat(heard.stream().filter(h -> h.what().startsWith("update"))).containsOnly(offer(A, id), offer(B, id), offer(C, id), offer(D, id));
        restart();
        assertThat(engine.require(id).state()).isEqualTo(RolloutState.ABORTED);
    }

    @Test
    void aDraftIsStoredAsSpecifiedAndABadSpecIsRefusedWithTheReason() throws Exception {
        open(TestDatabase.EMBEDDED);
        Rollout draft = engine.create(relay, new RolloutEngine.Spec(" 2.0.0 ", "canary,10,100", List.of("field", "canary"), ">=1.0.0",
                0.8, 0.2, 60L, 3, 2, 15L));
        assertThat(draft.state()).isEqualTo(RolloutState.DRAFT);
        assertThat(draft.createdAt()).isEqualTo(T0);
        assertThat(draft.policy()).isEqualTo(new Rollout.Policy(0.8, 0.2, Duration.ofMinutes(1), 3, 2, Duration.ofSeconds(15)));
        String stored = db.jdbi().withHandle(h -> h.createQuery(
                        "SELECT target_tags, from_versions, waves, max_concurrent FROM rollout WHERE id = :id").bind("id", draft.id())
                .map((rs, ctx) -> rs.getString(1) + " | " + rs.getString(2) + " | " + rs.getString(3) + " | " + rs.getInt(4)).one());
        assertThat(stored).isEqualTo("field,canary | >=1.0.0 | canary,10,100 | 3");
        restart();
        assertThat(engine.require(draft.id())).isEqualTo(draft);

        for (Object[] c : List.of(
                new Object[] {new RolloutEngine.Spec(null, null, null, null, null, null, null, null, null, null), 400,
                        "version is required: the release to roll out"},
                new Object[] {new RolloutEngine.Spec("9.9", null, null, null, null, null, null, null, null, null), 404, "product 'relay' has no release 9.9"},
                new Object[] {spec("10,5", null, null, null, null), 400, "wave percentages are cumulative and must rise: 5% after 10%"},
                new Object[] {spec("100", null, null, null, 0), 400, "maxConcurrent must be within 1..100000, was 0"},
                new Object[] {new RolloutEngine.Spec("2.0.0", null, List.of("no spaces"), null, null, null, null, null, null, null), 400,
                        "target tag 'no spaces' is not valid: 1-64 characters A-Z a-z 0-9 . _ -"})) {
            assertThatThrownBy(() -> engine.create(relay, (RolloutEngine.Spec) c[0])).isInstanceOfSatisfying(Rejection.class,
                    r -> assertThat(r.status()).isEqualTo(c[1])).hasMessage((String) c[2]);
        }
        assertThat(engine.list(relay)).containsExactly(draft);
        assertThatThrownBy(() -> engine.require(99)).isInstanceOf(Rejection.class).hasMessage("no rollout 99");
    }

    @Test
    void downloadsInFlightCapOffersAndABrokenOneWaitsForTheRolloutsBackoff() throws Exception {
        open(TestDatabase.EMBEDDED);
        long id = engine.create(relay, spec("100", null, null, null, 1)).id();
        engine.start(id);
        assertThat(engine.offer(relay, A, "1.0.0", now(), false)).isPresent();
        engine.downloadStarted(id);
        tracker.downloading(A, v2.id(), id, false, now());
        assertThat(engine.offer(relay, B, "1.0.0", now(), false)).as("one in flight of at most one").isEmpty();
        assertThat(engine.peek(relay, B, "1.0.0", now(), false)).isEmpty();
        tracker.transferEnded(A, v2.id(), false, "connection reset", now());
        engine.downloadEnded(id);
        assertThat(engine.offer(relay, B, "1.0.0", now(), false)).isPresent();
        DeviceUpdate broken = tracker.get(A, v2.id()).orElseThrow();
        assertThat(broken.state()).isEqualTo(UpdateState.OFFERED);
        assertThat(broken.nextAttemptAt()).as("the rollout's 30 s backoff").isEqualTo(T0.plusSeconds(30));
        assertThat(engine.offer(relay, A, "1.0.0", now(), false)).isEmpty();
        assertThat(engine.offer(relay, A, "1.0.0", now(), true)).as("a Range request resumes the attempt").isPresent();
        clock.advance(Duration.ofSeconds(30));
        assertThat(engine.offer(relay, A, "1.0.0", now(), false)).isPresent();
    }

    @Test
    void aPinnedDeviceIsInNoWaveAndThePeekOfAnUnknownDeviceRemembersNothing() throws Exception {
        open(TestDatabase.EMBEDDED);
        pins.put(C, 1L);
        long id = engine.create(relay, spec("100", null, null, null, null)).id();
        Rollout r = engine.start(id);
        assertThat(engine.stats(r).get(0).members()).isEqualTo(3);
        assertThat(engine.offer(relay, C, "1.0.0", now(), false)).isEmpty();
        assertThat(engine.peek(relay, "AA:00:00:00:00:09", "1.0.0", now(), false)).isPresent();
        assertThat(engine.stats(r).get(0).members()).isEqualTo(3);
        assertThat(engine.offer(relay, "AA:00:00:00:00:09", "1.0.0", now(), false)).isPresent();
        assertThat(engine.stats(r).get(0).members()).isEqualTo(4);
    }

    @Test
    void theRolloutPackageDependsOnNoDevicePackage() throws IOException {
        List<String> offending = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of("src/main/java/org/updraft/server/rollout"))) {
            for (Path f : files.toList()) {
                for (String line : Files.readAllLines(f)) {
                    if (line.matches("\\s*import\\s+(static\\s+)?org\\.updraft\\.server\\.(fleet|http)\\..*")) {
                        offending.add(f.getFileName() + ": " + line.strip());
                    }
                }
            }
        }
        assertThat(offending).as("rollout reads devices through Audience; fleet and http depend on rollout, never back").isEmpty();
    }

    // ---- delivery limits ----------------------------------------------------------------------

    static RolloutEngine.Spec limited(Long deadline, String windows, String zone, Integer rate, Integer rampStart, Long rampEvery) {
        return new RolloutEngine.Spec("2.0.0", "canary,100", null, null, 1.0, 0.5, 0L, null, null, 30L, deadline, windows, zone, rate,
                rampStart, rampEvery);
    }

    /** The device is offered the release and downloads it completely, then is never heard of again. */
    void downloadAndVanish(String mac) {
        RolloutEngine.Offer offer = engine.offer(relay, mac, "1.0.0", now(), false).orElseThrow();
        engine.downloadStarted(offer.rollout().id(), false, now());
        tracker.downloading(mac, offer.release().id(), offer.rollout().id(), false, now());
        tracker.transferEnded(mac, offer.release().id(), true, null, now());
        engine.downloadEnded(offer.rollout().id());
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void limitsAreStoredAndReadBackAndCanariesSilentPastTheDeadlineHaltTheRolloutOnTheTick(TestDatabase kind) throws Exception {
        open(kind);
        long id = engine.create(relay, limited(600L, "daily 00:00-24:00", "Europe/Berlin", 20, 5, 10L)).id();
        Rollout.Policy policy = engine.require(id).policy();
        assertThat(policy.installDeadline()).isEqualTo(Duration.ofMinutes(10));
        assertThat(policy.windows()).isEqualTo(OfferWindows.parse("daily 00:00-24:00", "Europe/Berlin"));
        assertThat(policy.rate()).isEqualTo(new RateCap(20, 5, Duration.ofMinutes(10)));
        restart();
        assertThat(engine.require(id).policy()).as("read back after a restart").isEqualTo(policy);

        engine.start(id);
        downloadAndVanish(A);
        clock.advance(Duration.ofMinutes(1));
        downloadAndVanish(B);
        heard.clear();
        clock.advance(Duration.ofMinutes(9));
        engine.tick();
        DeviceUpdate a = tracker.get(A, v2.id()).orElseThrow();
        assertThat(a.state()).isEqualTo(UpdateState.FAILED);
        assertThat(a.lastError()).isEqualTo("silent after download");
        assertThat(tracker.get(B, v2.id()).orElseThrow().state()).as("one minute to go").isEqualTo(UpdateState.DOWNLOADED);
        assertThat(engine.require(id).state()).as("1 of 2 is not above 50%").isEqualTo(RolloutState.RUNNING);
        clock.advance(Duration.ofMinutes(1));
        engine.tick();
        tracker.flush();
        Rollout halted = engine.require(id);
        String why = "wave 1 (canary): 2 of 2 devices failed or rolled back (100.0% > 50.0%)";
        assertThat(halted.state()).isEqualTo(RolloutState.HALTED);
        assertThat(halted.reason()).isEqualTo(why);
        assertThat(row(id)).isEqualTo("halted | " + why + " | 0");
        assertThat(heard).containsExactly(event(id, "halted", "reason", why, "wave", "canary", "state", "halted", "release", "2.0.0"));
        String stored = db.jdbi().withHandle(h -> h.createQuery("SELECT state || ' | ' || last_error FROM device_update WHERE mac = :m")
                .bind("m", B).mapTo(String.class).one());
        assertThat(stored).isEqualTo("failed | silent after download");
    }

    @Test
    void aDeviceFailedAsSilentThatComesBackOnTheReleaseIsInstalledAndThenConfirmedAfterAll() throws Exception {
        open(TestDatabase.EMBEDDED);
        long id = engine.create(relay, limited(600L, null, null, null, null, null)).id();
        engine.start(id);
        downloadAndVanish(A);
        clock.advance(Duration.ofMinutes(10));
        engine.tick();
        assertThat(tracker.get(A, v2.id()).orElseThrow().failedSilent()).isTrue();

        tracker.observe(A, "1.0.0", Duration.ofMinutes(5), now());
        assertThat(tracker.get(A, v2.id()).orElseThrow().state()).as("back, but on the old release: the verdict stands")
                .isEqualTo(UpdateState.FAILED);

        clock.advance(Duration.ofMinutes(20));
        tracker.observe(A, "2.0.0", Duration.ofMinutes(5), now());
        DeviceUpdate late = tracker.get(A, v2.id()).orElseThrow();
        assertThat(late.state()).as("it installed after all").isEqualTo(UpdateState.INSTALLED);
        assertThat(late.installedAt()).isEqualTo(now());
        clock.advance(Duration.ofMinutes(5));
        tracker.observe(A, "2.0.0", Duration.ofMinutes(5), now());
        assertThat(tracker.get(A, v2.id()).orElseThrow().state()).isEqualTo(UpdateState.CONFIRMED);
        tracker.flush();
        String stored = db.jdbi().withHandle(h -> h.createQuery("SELECT state FROM device_update WHERE mac = :m").bind("m", A)
                .mapTo(String.class).one());
        assertThat(stored).isEqualTo("confirmed");
    }

    @Test
    void theDefaultInstallDeadlineIsTakenFromTheProductsPollIntervalWhenTheRolloutIsCreated() throws Exception {
        open(TestDatabase.EMBEDDED);
        assertThat(engine.create(relay, limited(null, null, null, null, null, null)).policy().installDeadline())
                .as("not known").isEqualTo(Duration.ofHours(1));
        poll = Duration.ofMinutes(15);
        Rollout r = engine.create(relay, limited(null, null, null, null, null, null));
        assertThat(r.policy().installDeadline()).isEqualTo(Duration.ofMinutes(45));
        poll = Duration.ofMinutes(1);
        restart();
        assertThat(engine.require(r.id()).policy().installDeadline()).as("fixed when created").isEqualTo(Duration.ofMinutes(45));
    }

    @Test
    void aPreviewShowsWhichKnownDevicesEachWaveWouldGetAndStartGivesThemExactlyThat() throws Exception {
        open(TestDatabase.EMBEDDED);
        long id = engine.create(relay, spec("canary,100", 1.0, 0.5, 0L, null)).id();
        pins.put(D, v2.id());
        RolloutEngine.Preview preview = engine.preview(id);
        assertThat(preview).isEqualTo(new RolloutEngine.Preview(id, "draft", 4, List.of(
                new RolloutEngine.WavePreview(0, "canary", 2, List.of(A, B)),
                new RolloutEngine.WavePreview(1, "100%", 1, List.of(C))), List.of(D)));
        assertThat(engine.stats(engine.require(id))).extracting(WaveStats::members).as("a preview fixes nothing").containsExactly(0, 0);
        engine.start(id);
        assertThat(engine.stats(engine.require(id))).extracting(WaveStats::members).containsExactly(2, 1);
        assertThat(engine.preview(id)).isEqualTo(new RolloutEngine.Preview(id, "running", 4, preview.waves(), preview.inNoWave()));
        assertThatThrownBy(() -> engine.preview(999)).isInstanceOf(Rejection.class).hasMessage("no rollout 999");
    }
}
