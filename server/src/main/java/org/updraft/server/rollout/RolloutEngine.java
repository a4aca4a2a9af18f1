package org.updraft.server.rollout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.problem.Rejection;
import org.updraft.server.artifact.Digests;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;
import org.updraft.server.store.Sql;

/**
 * Staged rollouts (DESIGN §6): which device may get which release now, and when a rollout
 * advances, halts or completes.
 *
 * <p>Wave membership is deterministic: a device in a tag wave's group belongs to the first such
 * wave; every other device of the target gets a bucket in [0, 100) from SHA-256(rollout id, MAC)
 * and belongs to the first percentage wave above its bucket. So membership survives restarts and
 * is the same on every server instance. Devices are evaluated when the rollout starts (all known
 * devices of the product) and whenever a device checks in.
 *
 * <p>Rules, evaluated at every final update-state transition of a member and once per tick
 * (an evaluation is one pass over the members; for rollouts of more than
 * {@value #EXACT_MEMBERS} members the evaluations that transitions ask for are coalesced to at most
 * one per {@link #COALESCE}, the last one always run — see {@link #onTransition}):
 * a wave whose failure rate (failed + rolled back over members) is above the failure threshold
 * halts the rollout at once — no new offers; a wave whose success rate (confirmed over members)
 * reaches the success threshold after its soak time advances to the next wave, or completes the
 * rollout after the last. Pause stops new offers; transfers in flight finish. A running or paused
 * rollout holds its devices: another rollout that could reach the same device cannot start.
 *
 * <p>State changes of a rollout are written to the database synchronously (they are rare);
 * device progress lives in {@link UpdateTracker}.
 */
public final class RolloutEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RolloutEngine.class);

    /** What a new rollout says; null fields take the defaults of {@link Rollout.Policy#DEFAULT}. */
    public record Spec(String version, String waves, List<String> targetTags, String fromVersions, Double successThreshold,
                       Double failureThreshold, Long soakSeconds, Integer maxConcurrent, Integer maxAttempts, Long backoffSeconds) {
    }

    /** A release offered to a device by a rollout. */
    public record Offer(Rollout rollout, Release release) {
    }

    private final Jdbi jdbi;
    private final Catalog catalog;
    private final Audience devices;
    private final UpdateTracker tracker;
    private final Clock clock;
    private volatile Notifier notifier = Notifier.NONE;
    private final Map<Long, Rollout> rollouts = new ConcurrentHashMap<>();
    /** rollout id → (mac → wave index, or -1 when not a member). */
    private final Map<Long, Map<String, Integer>> members = new ConcurrentHashMap<>();
    private final Map<Long, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    /** rollout id → when its last transition-triggered evaluation ran ({@link System#nanoTime()}), for coalescing. */
    private final Map<Long, AtomicLong> lastEvaluated = new ConcurrentHashMap<>();
    /** Rollouts with a coalesced evaluation scheduled. */
    private final Set<Long> evaluationScheduled = ConcurrentHashMap.newKeySet();
    private final Thread ticker;
    private volatile boolean closed;

    public RolloutEngine(Jdbi jdbi, Catalog catalog, Audience devices, UpdateTracker tracker, Clock clock, Duration tick) {
        this.jdbi = jdbi;
        this.catalog = catalog;
        this.devices = devices;
        this.tracker = tracker;
        this.clock = clock;
        load();
        tracker.connect(id -> {
            Rollout r = rollouts.get(id);
            return r == null ? UpdateTracker.RetryPolicy.DEFAULT
                    : new UpdateTracker.RetryPolicy(r.policy().maxAttempts(), r.policy().backoff());
        }, this::onTransition);
        for (Rollout r : rollouts.values()) {
            if (r.state().isActive()) {
                populate(r);
            }
        }
        this.ticker = Thread.ofVirtual().name("updraft-rollout-ticker").start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(tick);
                    tick();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.error("rollout tick failed", e);
                }
            }
        });
    }

    public void notifier(Notifier n) {
        this.notifier = n;
    }

    // ---- queries ------------------------------------------------------------------------------

    public List<Rollout> list(Product product) {
        return rollouts.values().stream().filter(r -> product == null || r.productId() == product.id())
                .sorted(Comparator.comparingLong(Rollout::id)).toList();
    }

    public Rollout require(long id) {
        Rollout r = rollouts.get(id);
        if (r == null) {
            throw Rejection.notFound("no rollout " + id);
        }
        return r;
    }

    /** True when a release may only reach devices through a rollout (held, or its rollout has not completed). */
    public boolean holds(Release release) {
        if (release.held()) {
            return rollouts.values().stream().noneMatch(r -> r.releaseId() == release.id() && r.state() == RolloutState.COMPLETED);
        }
        return rollouts.values().stream().anyMatch(r -> r.releaseId() == release.id() && r.state() != RolloutState.COMPLETED);
    }

    /**
     * Every wave's stats in one pass over the members (evaluated at every final transition of a
     * member, so one pass per evaluation rather than one per wave).
     */
    public List<WaveStats> stats(Rollout r) {
        int waves = r.waves().size();
        int[] total = new int[waves];
        int[] pending = new int[waves];
        long[] attempts = new long[waves];
        int[][] counts = new int[waves][UpdateState.values().length];
        for (var e : members.getOrDefault(r.id(), Map.of()).entrySet()) {
            int wave = e.getValue();
            if (wave < 0) {
                continue;
            }
            total[wave]++;
            Optional<DeviceUpdate> u = tracker.get(e.getKey(), r.releaseId());
            if (u.isEmpty()) {
                pending[wave]++;
            } else {
                counts[wave][u.get().state().ordinal()]++;
                attempts[wave] += u.get().attempts();
            }
        }
        List<WaveStats> out = new ArrayList<>(waves);
        for (int w = 0; w < waves; w++) {
            int[] c = counts[w];
            int started = total[w] - pending[w];
            out.add(new WaveStats(w, r.waves().get(w).label(), total[w], pending[w], c[UpdateState.OFFERED.ordinal()],
                    c[UpdateState.DOWNLOADING.ordinal()], c[UpdateState.DOWNLOADED.ordinal()],
                    c[UpdateState.INSTALLED.ordinal()], c[UpdateState.CONFIRMED.ordinal()],
                    c[UpdateState.FAILED.ordinal()], c[UpdateState.ROLLED_BACK.ordinal()],
                    started == 0 ? 0 : (double) attempts[w] / started));
        }
        return out;
    }

    // ---- the check-in path --------------------------------------------------------------------

    /**
     * The rollout release this device may download now, if any. Members of the current or an
     * earlier wave of a running rollout, whose update may be (re)tried now, while the rollout has
     * fewer downloads in flight than its limit ({@link #downloadStarted}/{@link #downloadEnded}
     * count them; concurrent check-ins may overshoot the limit by the few that race). A request
     * resuming a broken transfer ({@code resuming}: Range from an offset) continues the same
     * attempt, so the retry backoff does not apply to it.
     */
    public Optional<Offer> offer(Product product, String mac, String runningVersion, Instant now, boolean resuming) {
        return offer(product, mac, runningVersion, now, resuming, true);
    }

    /**
     * What {@link #offer} would answer, with no side effect: a device's wave membership, fixed at
     * first sight, is computed here but not remembered (for a request that may yet be refused).
     */
    public Optional<Offer> peek(Product product, String mac, String runningVersion, Instant now, boolean resuming) {
        return offer(product, mac, runningVersion, now, resuming, false);
    }

    private Optional<Offer> offer(Product product, String mac, String runningVersion, Instant now, boolean resuming,
                                  boolean remember) {
        for (Rollout r : rollouts.values()) {
            if (r.productId() != product.id() || !r.state().isActive()) {
                continue;
            }
            int wave = remember ? membership(r, mac, runningVersion) : peekMembership(r, mac, runningVersion);
            if (wave < 0 || r.state() != RolloutState.RUNNING || wave > r.currentWave()) {
                continue;
            }
            Release release = catalog.release(r.releaseId()).orElse(null);
            if (release == null || release.version().toString().equals(runningVersion)) {
                continue;
            }
            Optional<DeviceUpdate> u = tracker.get(mac, r.releaseId());
            if (u.isPresent() && !u.get().mayBeOfferedAt(now) && !(resuming && u.get().mayResume())) {
                continue;
            }
            AtomicInteger flight = inFlight.get(r.id());
            if (flight != null && flight.get() >= r.policy().maxConcurrent()) {
                continue;
            }
            return Optional.of(new Offer(r, release));
        }
        return Optional.empty();
    }

    /** A transfer of a rollout's image began. */
    public void downloadStarted(long rolloutId) {
        inFlight.computeIfAbsent(rolloutId, k -> new AtomicInteger()).incrementAndGet();
    }

    /** A transfer of a rollout's image ended, complete or not. */
    public void downloadEnded(long rolloutId) {
        AtomicInteger flight = inFlight.get(rolloutId);
        if (flight != null) {
            flight.decrementAndGet();
        }
    }

    /** The wave index of a device in a rollout (computing it at first sight), or -1. */
    int membership(Rollout r, String mac, String runningVersion) {
        Map<String, Integer> m = members.computeIfAbsent(r.id(), k -> new ConcurrentHashMap<>());
        Integer known = m.get(mac);
        if (known != null) {
            return known;
        }
        int wave = evaluate(r, mac, runningVersion);
        Integer raced = m.putIfAbsent(mac, wave);
        return raced == null ? wave : raced;
    }

    /** {@link #membership} without remembering it. */
    private int peekMembership(Rollout r, String mac, String runningVersion) {
        Map<String, Integer> m = members.get(r.id());
        Integer known = m == null ? null : m.get(mac);
        return known != null ? known : evaluate(r, mac, runningVersion);
    }

    private int evaluate(Rollout r, String mac, String runningVersion) {
        if (devices.pinnedRelease(mac) != null) {
            return -1;
        }
        Set<String> tags = devices.tags(mac);
        if (!r.targetTags().isEmpty() && r.targetTags().stream().noneMatch(tags::contains)) {
            return -1;
        }
        boolean alreadyOurs = tracker.get(mac, r.releaseId()).map(u -> u.rolloutId() != null && u.rolloutId() == r.id()).orElse(false);
        if (!alreadyOurs && r.fromVersions() != null && !r.fromVersions().contains(runningVersion)) {
            return -1;
        }
        for (int i = 0; i < r.waves().size(); i++) {
            Wave w = r.waves().get(i);
            if (w.tag() != null && tags.contains(w.tag())) {
                return i;
            }
        }
        double bucket = bucket(r.id(), mac);
        for (int i = 0; i < r.waves().size(); i++) {
            Wave w = r.waves().get(i);
            if (w.tag() == null && bucket < w.percent()) {
                return i;
            }
        }
        return -1;
    }

    /** A device's place in [0, 100) for a rollout: SHA-256 of "rollout id/MAC", first 8 bytes. */
    static double bucket(long rolloutId, String mac) {
        byte[] h = Digests.sha256((rolloutId + "/" + mac).getBytes(StandardCharsets.US_ASCII));
        long v = ByteBuffer.wrap(h, 0, 8).getLong() >>> 11; // 53 random bits
        return v * 100.0 / (1L << 53);
    }

    private void populate(Rollout r) {
        Product p = catalog.product(r.productId()).orElseThrow();
        for (var d : devices.known(p.name())) {
            membership(r, d.mac(), d.runningVersion());
        }
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    public synchronized Rollout create(Product product, Spec spec) {
        if (spec.version() == null || spec.version().isBlank()) {
            throw Rejection.badRequest("version is required: the release to roll out");
        }
        Release release = catalog.releases(product).stream().filter(x -> x.version().toString().equals(spec.version().strip()))
                .findFirst().orElseThrow(() -> Rejection.notFound("product '" + product.name() + "' has no release " + spec.version()));
        List<Wave> waves;
        VersionRange from = null;
        Rollout.Policy policy;
        try {
            waves = Wave.parseAll(spec.waves() == null ? "1,10,50,100" : spec.waves());
            if (spec.fromVersions() != null && !spec.fromVersions().isBlank()) {
                from = VersionRange.parse(spec.fromVersions());
            }
            Rollout.Policy d = Rollout.Policy.DEFAULT;
            policy = new Rollout.Policy(
                    spec.successThreshold() == null ? d.successThreshold() : spec.successThreshold(),
                    spec.failureThreshold() == null ? d.failureThreshold() : spec.failureThreshold(),
                    spec.soakSeconds() == null ? d.soak() : Duration.ofSeconds(spec.soakSeconds()),
                    spec.maxConcurrent() == null ? d.maxConcurrent() : spec.maxConcurrent(),
                    spec.maxAttempts() == null ? d.maxAttempts() : spec.maxAttempts(),
                    spec.backoffSeconds() == null ? d.backoff() : Duration.ofSeconds(spec.backoffSeconds()));
        } catch (IllegalArgumentException e) {
            throw Rejection.badRequest(e.getMessage());
        }
        Set<String> tags = new LinkedHashSet<>();
        if (spec.targetTags() != null) {
            for (String t : spec.targetTags()) {
                if (t == null || !t.matches("[A-Za-z0-9._-]{1,64}")) {
                    throw Rejection.badRequest("target tag '" + t + "' is not valid: 1-64 characters A-Z a-z 0-9 . _ -");
                }
                tags.add(t);
            }
        }
        Instant now = now();
        String fromText = from == null ? null : from.text();
        long id = jdbi.withHandle(h -> h.createUpdate("""
                        INSERT INTO rollout (product_id, release_id, state, target_tags, from_versions, waves, success_threshold,
                            failure_threshold, soak_seconds, max_concurrent, max_attempts, backoff_seconds, current_wave, created_at)
                        VALUES (:p, :r, :state, :tags, :from, :waves, :st, :ft, :soak, :conc, :att, :back, 0, :at)""")
                .bind("p", product.id()).bind("r", release.id()).bind("state", RolloutState.DRAFT.id())
                .bind("tags", String.join(",", tags)).bind("from", fromText)
                .bind("waves", Wave.format(waves)).bind("st", policy.successThreshold()).bind("ft", policy.failureThreshold())
                .bind("soak", policy.soak().toSeconds()).bind("conc", policy.maxConcurrent()).bind("att", policy.maxAttempts())
                .bind("back", policy.backoff().toSeconds()).bind("at", Sql.utc(now))
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
        Rollout r = new Rollout(id, product.id(), release.id(), RolloutState.DRAFT, null, Set.copyOf(tags), from, waves,
                policy, 0, null, now, null);
        rollouts.put(id, r);
        return r;
    }

    public synchronized Rollout start(long id) {
        Rollout r = require(id);
        if (r.state() != RolloutState.DRAFT) {
            throw Rejection.conflict("rollout " + id + " is " + r.state().id() + "; only a draft can be started");
        }
        for (Rollout other : rollouts.values()) {
            if (other.id() != id && other.productId() == r.productId() && other.state().isActive() && overlaps(r, other)) {
                throw Rejection.conflict("rollout " + other.id() + " (" + other.state().id() + ") already targets devices of this "
                        + "product that rollout " + id + " would reach" + (other.targetTags().isEmpty() ? " (it targets all devices)"
                        : " (tags " + String.join(", ", other.targetTags()) + ")") + "; pause is not enough — complete or abort it first");
            }
        }
        Rollout running = save(r.with(RolloutState.RUNNING, null, 0, now(), null));
        populate(running);
        event(running, "started", Map.of("wave", running.waves().get(0).label()));
        announce(running, 0);
        evaluate(running);
        return rollouts.get(id);
    }

    public synchronized Rollout pause(long id) {
        Rollout r = require(id);
        if (r.state() != RolloutState.RUNNING) {
            throw Rejection.conflict("rollout " + id + " is " + r.state().id() + "; only a running rollout can be paused");
        }
        Rollout p = save(r.with(RolloutState.PAUSED, "paused by operator", r.currentWave(), r.waveStartedAt(), null));
        event(p, "paused", Map.of());
        return p;
    }

    public synchronized Rollout resume(long id) {
        Rollout r = require(id);
        if (r.state() != RolloutState.PAUSED) {
            throw Rejection.conflict("rollout " + id + " is " + r.state().id() + "; only a paused rollout can be resumed");
        }
        Rollout running = save(r.with(RolloutState.RUNNING, null, r.currentWave(), r.waveStartedAt(), null));
        event(running, "resumed", Map.of());
        announce(running, running.currentWave());
        evaluate(running);
        return rollouts.get(id);
    }

    public synchronized Rollout abort(long id, String reason) {
        Rollout r = require(id);
        if (r.state().isFinished()) {
            throw Rejection.conflict("rollout " + id + " is already " + r.state().id());
        }
        String why = reason == null || reason.isBlank() ? "aborted by operator" : reason;
        Rollout a = save(r.with(RolloutState.ABORTED, why, r.currentWave(), r.waveStartedAt(), now()));
        event(a, "aborted", Map.of("reason", why));
        return a;
    }

    private static boolean overlaps(Rollout a, Rollout b) {
        if (a.targetTags().isEmpty() || b.targetTags().isEmpty()) {
            return true;
        }
        return a.targetTags().stream().anyMatch(b.targetTags()::contains);
    }

    /** Up to this many members, every final transition is evaluated at once (one pass costs well under 0.1 ms). */
    static final int EXACT_MEMBERS = 2_000;
    /** Above {@link #EXACT_MEMBERS}, transition-triggered evaluations of a rollout run at most once per this. */
    static final Duration COALESCE = Duration.ofMillis(100);

    /**
     * Called for every update-state transition; re-evaluates the rollout it belongs to when the
     * transition was final (confirmed, failed, rolled back).
     *
     * <p>Performance: an evaluation is one pass over all members under the engine's lock, and
     * every member ends with a final transition, so evaluating each one is quadratic: measured on
     * a 10,000-device rollout, {@code stats()} was the server's hottest frame, on the check-in
     * threads. Small rollouts keep the exact rule (a threshold edge acts on the very check-in that
     * crosses it); large ones coalesce to at most one evaluation per {@link #COALESCE}: the first
     * transition of a window evaluates at once, later ones schedule a single evaluation at the end
     * of the window, so no transition waits more than {@link #COALESCE} to be counted.
     */
    private void onTransition(DeviceUpdate u) {
        if (u.rolloutId() == null || !u.state().isFinal()) {
            return;
        }
        Rollout r = rollouts.get(u.rolloutId());
        if (r == null || r.state() != RolloutState.RUNNING) {
            return;
        }
        if (members.getOrDefault(r.id(), Map.of()).size() <= EXACT_MEMBERS) {
            evaluate(r);
            return;
        }
        AtomicLong last = lastEvaluated.computeIfAbsent(r.id(), k -> new AtomicLong(System.nanoTime() - COALESCE.toNanos()));
        long now = System.nanoTime();
        long seen = last.get();
        long wait = seen + COALESCE.toNanos() - now;
        if (wait <= 0 && last.compareAndSet(seen, now)) {
            evaluate(r);
        } else if (evaluationScheduled.add(r.id())) {
            CompletableFuture.delayedExecutor(Math.max(wait, 0), TimeUnit.NANOSECONDS).execute(() -> {
                evaluationScheduled.remove(r.id());
                last.set(System.nanoTime());
                try {
                    if (!closed) {
                        evaluate(r);
                    }
                } catch (RuntimeException e) {
                    LOG.error("rollout {} evaluation failed", r.id(), e);
                }
            });
        }
    }

    /** Advances time-based rules (soak) for every running rollout. */
    public void tick() {
        for (Rollout r : List.copyOf(rollouts.values())) {
            if (r.state() == RolloutState.RUNNING) {
                evaluate(r);
            }
        }
    }

    private synchronized void evaluate(Rollout stale) {
        Rollout r = rollouts.get(stale.id());
        if (r.state() != RolloutState.RUNNING) {
            return;
        }
        List<WaveStats> all = stats(r);
        // Any wave offered so far may halt the rollout (late failures of earlier waves count too).
        for (int i = 0; i <= r.currentWave(); i++) {
            WaveStats s = all.get(i);
            if (s.failureRate() > r.policy().failureThreshold()) {
                String why = String.format(java.util.Locale.ROOT, "wave %d (%s): %d of %d devices failed or rolled back (%s%% > %s%%)",
                        i + 1, s.label(), s.failed() + s.rolledBack(), s.members(), percent(s.failureRate()),
                        percent(r.policy().failureThreshold()));
                Rollout halted = save(r.with(RolloutState.HALTED, why, r.currentWave(), r.waveStartedAt(), now()));
                LOG.warn("rollout {} halted: {}", r.id(), why);
                event(halted, "halted", Map.of("reason", why, "wave", s.label()));
                return;
            }
        }
        WaveStats current = all.get(r.currentWave());
        Instant now = now();
        boolean soaked = !now.isBefore(r.waveStartedAt().plus(r.policy().soak()));
        if (soaked && current.successRate() >= r.policy().successThreshold()) {
            if (r.isLastWave()) {
                Rollout done = save(r.with(RolloutState.COMPLETED, "every wave reached its success threshold", r.currentWave(),
                        r.waveStartedAt(), now));
                event(done, "completed", Map.of("wave", current.label()));
            } else {
                int next = r.currentWave() + 1;
                Rollout advanced = save(r.with(RolloutState.RUNNING, null, next, now, null));
                event(advanced, "wave-advanced", Map.of("from", current.label(), "to", r.waves().get(next).label(),
                        "confirmed", current.confirmed(), "members", current.members()));
                announce(advanced, next);
            }
        }
    }

    /** A share as a percentage with three significant digits and at least one decimal: 50.0, 0.1, 0.05. */
    static String percent(double share) {
        java.math.BigDecimal p = new java.math.BigDecimal(share * 100).round(new java.math.MathContext(3)).stripTrailingZeros();
        return p.scale() < 1 ? p.setScale(1).toPlainString() : p.toPlainString();
    }

    /** Tells the members of a wave that an update is waiting (MQTT update-available). */
    private void announce(Rollout r, int wave) {
        Product p = catalog.product(r.productId()).orElseThrow();
        Release release = catalog.release(r.releaseId()).orElseThrow();
        Map<String, Integer> m = members.getOrDefault(r.id(), Map.of());
        var artifact = release.artifacts().values().iterator().next();
        for (var e : m.entrySet()) {
            if (e.getValue() == wave) {
                Map<String, Object> offer = new LinkedHashMap<>();
                offer.put("version", release.version().toString());
                offer.put("url", "/u/" + p.name());
                offer.put("sha256", artifact.sha256());
                offer.put("size", artifact.size());
                offer.put("rollout", r.id());
                notifier.updateAvailable(p.name(), e.getKey(), offer);
            }
        }
    }

    private void event(Rollout r, String event, Map<String, Object> detail) {
        Product p = catalog.product(r.productId()).orElseThrow();
        Map<String, Object> d = new LinkedHashMap<>(detail);
        d.put("state", r.state().id());
        d.put("release", catalog.release(r.releaseId()).map(x -> x.version().toString()).orElse(null));
        notifier.rolloutEvent(p.name(), r.id(), event, d);
    }

    private Rollout save(Rollout r) {
        jdbi.useHandle(h -> h.createUpdate("""
                        UPDATE rollout SET state = :state, reason = :reason, current_wave = :wave, wave_started_at = :ws,
                            finished_at = :fin WHERE id = :id""")
                .bind("state", r.state().id()).bind("reason", r.reason()).bind("wave", r.currentWave())
                .bind("ws", Sql.utc(r.waveStartedAt())).bind("fin", Sql.utc(r.finishedAt())).bind("id", r.id()).execute());
        rollouts.put(r.id(), r);
        return r;
    }

    private void load() {
        jdbi.useHandle(h -> h.createQuery("SELECT * FROM rollout").map((rs, ctx) -> {
            String tags = rs.getString("target_tags");
            String from = rs.getString("from_versions");
            return new Rollout(rs.getLong("id"), rs.getLong("product_id"), rs.getLong("release_id"),
                    RolloutState.parse(rs.getString("state")), rs.getString("reason"),
                    tags == null || tags.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(tags.split(","))),
                    from == null ? null : VersionRange.parse(from), Wave.parseAll(rs.getString("waves")),
                    new Rollout.Policy(rs.getDouble("success_threshold"), rs.getDouble("failure_threshold"),
                            Duration.ofSeconds(rs.getLong("soak_seconds")), rs.getInt("max_concurrent"), rs.getInt("max_attempts"),
                            Duration.ofSeconds(rs.getLong("backoff_seconds"))),
                    rs.getInt("current_wave"), Sql.instant(rs, "wave_started_at"), Sql.instant(rs, "created_at"),
                    Sql.instant(rs, "finished_at"));
        }).forEach(r -> rollouts.put(r.id(), r)));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    @Override
    public void close() {
        closed = true;
        ticker.interrupt();
    }
}
