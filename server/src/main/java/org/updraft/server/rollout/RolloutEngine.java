package org.updraft.server.rollout;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.catalog.Catalog;
import org.updraft.server.catalog.Product;
import org.updraft.server.catalog.Release;
import org.updraft.server.config.DeviceUrl;
import org.updraft.server.problem.Rejection;

/**
 * Staged rollouts: which device may get which release now, and when a rollout advances, halts or
 * completes. The one entry other packages call; it wires four parts and owns none of their rules:
 *
 * <ul>
 *   <li>{@link RolloutMachine} — the state machine: rollouts in memory, wave membership, downloads
 *       in flight, and every transition (operator actions, halt, advance, complete). No database,
 *       no clock.</li>
 *   <li>{@link RolloutStore} — the {@code rollout} table.</li>
 *   <li>{@link RolloutSchedule} — the ticker thread and the coalescing of evaluations.</li>
 *   <li>{@link Notices} — update-available and rollout-event payloads.</li>
 * </ul>
 *
 * <p>Invariants: a transition is decided by the machine, written to the database, then made
 * current in memory, then announced — all under this object's lock, so two transitions of the
 * same rollout never interleave and memory never runs ahead of the database. The check-in path
 * ({@link #offer}, {@link #peek}, {@link #downloadStarted}, {@link #downloadEnded}) takes no lock.
 * Device progress lives in {@link UpdateTracker}; each final transition of a member
 * re-evaluates its rollout through the schedule.
 *
 * <p>One class because every transition — an operator's, the rules', and one another instance
 * stored ({@link #reload}, {@link #takeOver}) — must pass the same lock in the same order (decide,
 * write, make current, announce); the parts with rules or state of their own are already classes
 * of their own (the four above).
 */
public final class RolloutEngine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RolloutEngine.class);

    /**
     * What a new rollout says; null fields take the defaults of {@link Rollout.Policy#DEFAULT}, the
     * install deadline {@link Rollout.Policy#defaultDeadline} of the product's poll interval, no
     * windows (offers at any time) and no rate cap. {@code windows} and {@code timeZone} as in
     * {@link OfferWindows#parse}; {@code offersPerMinute}, {@code rampStartPerMinute} and
     * {@code rampDoublingMinutes} as in {@link RateCap}.
     */
    public record Spec(String version, String waves, List<String> targetTags, String fromVersions, Double successThreshold,
                       Double failureThreshold, Long soakSeconds, Integer maxConcurrent, Integer maxAttempts, Long backoffSeconds,
                       Long installDeadlineSeconds, String windows, String timeZone, Integer offersPerMinute,
                       Integer rampStartPerMinute, Long rampDoublingMinutes) {

        /** A spec without install deadline, windows or rate cap (their defaults). */
        public Spec(String version, String waves, List<String> targetTags, String fromVersions, Double successThreshold,
                    Double failureThreshold, Long soakSeconds, Integer maxConcurrent, Integer maxAttempts, Long backoffSeconds) {
            this(version, waves, targetTags, fromVersions, successThreshold, failureThreshold, soakSeconds, maxConcurrent,
                    maxAttempts, backoffSeconds, null, null, null, null, null, null);
        }
    }

    /** Which devices each wave of a rollout gets ({@link #preview}). */
    public record Preview(long rollout, String state, int devices, List<WavePreview> waves, List<String> inNoWave) {
    }

    /** The known devices a wave gets (MACs in the order of the product's device list). */
    public record WavePreview(int wave, String label, int devices, List<String> macs) {
    }

    /** A release offered to a device by a rollout. */
    public record Offer(Rollout rollout, Release release) {
    }

    private final Catalog catalog;
    private final Audience devices;
    private final Clock clock;
    private final RolloutMachine machine;
    private final RolloutStore store;
    private final Notices notices;
    private final RolloutSchedule schedule;
    private final UpdateTracker tracker;
    /** Whether this instance makes the rules' transitions (docs/cluster.md, "The coordinator"); always, alone. */
    private volatile java.util.function.BooleanSupplier coordinating = () -> true;
    private final Jdbi jdbi;
    private volatile InFlightRows inFlightRows;
    private volatile java.util.function.LongConsumer watcher = id -> { };

    /** Device URLs in update-available notices are the server's own check-in route ({@link DeviceUrl#CHECK_IN}). */
    public RolloutEngine(Jdbi jdbi, Catalog catalog, Audience devices, UpdateTracker tracker, Clock clock, Duration tick) {
        this(jdbi, catalog, devices, tracker, clock, tick, DeviceUrl.CHECK_IN);
    }

    /**
     * Loads every rollout, fixes the membership of the known devices of the active ones, connects
     * to the tracker's transitions and starts ticking every {@code tick}.
     */
    public RolloutEngine(Jdbi jdbi, Catalog catalog, Audience devices, UpdateTracker tracker, Clock clock, Duration tick,
                         DeviceUrl deviceUrl) {
        this.catalog = catalog;
        this.devices = devices;
        this.clock = clock;
        this.tracker = tracker;
        this.jdbi = jdbi;
        this.store = new RolloutStore(jdbi);
        this.machine = new RolloutMachine(devices, tracker::get, catalog::release);
        this.notices = new Notices(catalog, deviceUrl);
        this.schedule = new RolloutSchedule(this::evaluate);
        store.loadAll().forEach(machine::commit);
        tracker.connect(id -> machine.get(id).map(r -> new UpdateTracker.RetryPolicy(r.policy().maxAttempts(), r.policy().backoff()))
                .orElse(UpdateTracker.RetryPolicy.DEFAULT), this::onTransition);
        for (Rollout r : machine.all()) {
            if (r.state().isActive()) {
                populate(r);
            }
        }
        schedule.start(tick, this::tick);
    }

    public void notifier(Notifier n) {
        notices.notifier(n);
    }

    /**
     * Among several instances on one database, only the one {@code coordinating} answers true for
     * evaluates the rules (wave advance, halt, completion) and the install deadline; the others
     * serve check-ins and operator actions and follow the table ({@link #reload}).
     */
    public void coordinatedBy(java.util.function.BooleanSupplier coordinating) {
        this.coordinating = coordinating;
    }

    /**
     * Several instances as {@code instance} share the database: downloads in flight are counted
     * as rows all of them see ({@link InFlightRows}), and the coordinator sweeps the rows of
     * instances that died.
     */
    public void share(String instance) {
        InFlightRows rows = new InFlightRows(jdbi, instance);
        machine.share(rows);
        this.inFlightRows = rows;
    }

    // ---- several instances --------------------------------------------------------------------

    /**
     * Reads every rollout again and makes the table's values current: another instance created,
     * started, paused, advanced or finished one. A rollout that became active gets its members.
     */
    public synchronized void reload() {
        java.util.Set<Long> stored = new java.util.HashSet<>();
        for (Rollout r : store.loadAll()) {
            stored.add(r.id());
            Optional<Rollout> before = machine.get(r.id());
            machine.commit(r);
            if (r.state().isActive() && (before.isEmpty() || !before.get().state().isActive())) {
                populate(r);
            }
        }
        machine.all().stream().filter(r -> !stored.contains(r.id())).forEach(r -> machine.forget(r.id()));
    }

    /**
     * This instance became the coordinator: it reads the rollouts again, fixes the membership of
     * every known device of the active ones (some were first seen by other instances), sends the
     * update-available notices of the waves no coordinator announced yet, and evaluates.
     */
    public synchronized void takeOver() {
        reload();
        Map<Long, Integer> announced = store.announcedWaves();
        for (Rollout r : machine.all()) {
            if (r.state().isActive()) {
                populate(r);
            }
            if (r.state() == RolloutState.RUNNING) {
                for (int wave = announced.getOrDefault(r.id(), -1) + 1; wave <= r.currentWave(); wave++) {
                    announce(r, wave);
                }
            }
        }
        tick();
    }

    /**
     * Who hears that a rollout may look different (a state change, any update transition of a member),
     * on the thread that made it: must be cheap (docs/dashboard.md, "Live events": the feed marks the id).
     */
    public void watch(java.util.function.LongConsumer changed) {
        this.watcher = changed;
    }

    // ---- queries ------------------------------------------------------------------------------

    /** The rollouts of a product (all when null), by id. */
    public List<Rollout> list(Product product) {
        return machine.list(product == null ? null : product.id());
    }

    /**
     * The product's fleet rollbacks that have started (rollouts marked as a downgrade, past draft),
     * in no particular order. Read on every check-in that reaches the baseline, so it neither copies
     * nor sorts the whole rollout history as {@link #list} does.
     */
    public List<Rollout> rollbacks(Product product) {
        return machine.rollbacks(product.id());
    }

    /** The rollout, if it exists (a deleted draft does not). */
    public Optional<Rollout> find(long id) {
        return machine.get(id);
    }

    public Rollout require(long id) {
        return machine.require(id);
    }

    /** True when a release may only reach devices through a rollout (held, or its rollout has not completed). */
    public boolean holds(Release release) {
        return machine.holds(release.id(), release.held());
    }

    /** Every wave's members and how many of them are in each update state. */
    public List<WaveStats> stats(Rollout r) {
        return machine.stats(r);
    }

    /** Per wave, the failed and rolled-back members counted by reason (the update's last error). */
    public List<Map<String, Integer>> failureReasons(Rollout r) {
        return machine.failureReasons(r);
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
        return machine.offer(product.id(), mac, runningVersion, now, resuming, true);
    }

    /**
     * What {@link #offer} would answer, with no side effect: a device's wave membership, fixed at
     * first sight, is computed here but not remembered (for a request that may yet be refused).
     */
    public Optional<Offer> peek(Product product, String mac, String runningVersion, Instant now, boolean resuming) {
        return machine.offer(product.id(), mac, runningVersion, now, resuming, false);
    }

    /** A transfer of a rollout's image began. */
    public void downloadStarted(long rolloutId) {
        machine.downloadStarted(rolloutId);
    }

    /**
     * A transfer of a rollout's image began at {@code now}; unless it {@code resumes} a broken one
     * it is a new offer, counted toward the rollout's rate cap.
     */
    public void downloadStarted(long rolloutId, boolean resumes, Instant now) {
        machine.downloadStarted(rolloutId, resumes, now);
    }

    /** A transfer of a rollout's image ended, complete or not. */
    public void downloadEnded(long rolloutId) {
        machine.downloadEnded(rolloutId);
    }

    /** A transfer of a rollout's image to {@code mac} began at {@code now} (a new offer unless it {@code resumes}). */
    public void downloadStarted(long rolloutId, String mac, boolean resumes, Instant now) {
        machine.downloadStarted(rolloutId, mac, resumes, now);
    }

    /** A transfer of a rollout's image to {@code mac} ended, complete or not. */
    public void downloadEnded(long rolloutId, String mac) {
        machine.downloadEnded(rolloutId, mac);
    }

    private void populate(Rollout r) {
        Product p = catalog.product(r.productId()).orElseThrow();
        machine.populate(r, devices.known(p.name()));
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    /** Stores a draft of a release of the product; refused 400 (bad spec) or 404 (no such release). */
    public synchronized Rollout create(Product product, Spec spec) {
        return changed(machine.commit(store.insert(draft(product, spec))));
    }

    /** The validated draft of a spec: 400 (bad spec) or 404 (no such release). */
    private Draft draft(Product product, Spec spec) {
        if (spec.version() == null || spec.version().isBlank()) {
            throw Rejection.badRequest("version is required: the release to roll out");
        }
        Release release = catalog.releases(product).stream().filter(x -> x.version().toString().equals(spec.version().strip()))
                .findFirst().orElseThrow(() -> Rejection.notFound("product '" + product.name() + "' has no release " + spec.version()));
        return Draft.of(product.id(), release.id(), spec, now(), devices.pollInterval(product.name()));
    }

    /**
     * Creates a rollout and starts it in one step: both or neither. Every check a start makes runs
     * before anything is written, and the row is inserted already running — a refused start leaves
     * no draft behind.
     */
    public synchronized Rollout createAndStart(Product product, Spec spec) {
        return createAndStart(draft(product, spec));
    }

    /**
     * A fleet rollback: a rollout of an older release marked as a downgrade — its release may be
     * offered to members running a newer version; waves, thresholds, the in-flight limit and the
     * security-counter rule apply as to any rollout. The caller chose the release and the devices
     * ({@code spec.fromVersions}); {@code start}: created and started in one step, both or neither.
     */
    public synchronized Rollout createDowngrade(Product product, Spec spec, boolean start) {
        Draft draft = draft(product, spec).asDowngrade();
        return start ? createAndStart(draft) : changed(machine.commit(store.insert(draft)));
    }

    private Rollout createAndStart(Draft draft) {
        Instant now = now();
        machine.start(draft.rollout(RolloutMachine.UNSTORED), now);   // refuses before anything is written
        // The same pure check under the same lock once more, now with the stored id: it answers as above.
        Rollout running = changed(machine.commit(machine.start(store.insertStarted(draft, now), now)));
        return started(running);
    }

    /**
     * Deletes a draft: it never offered anything, so nothing refers to it. A rollout that started
     * stays (abort stops it); its row is the history of what devices were offered.
     */
    public synchronized Rollout deleteDraft(long id) {
        Rollout draft = machine.deletable(id);
        store.delete(id);
        machine.forget(id);
        watcher.accept(id);
        return draft;
    }

    /** A draft starts: its devices' membership is fixed, the first wave is told and evaluated at once. */
    public synchronized Rollout start(long id) {
        return started(save(machine.start(id, now())));
    }

    /** After a start is stored and current: membership, the "started" event, the first wave told and evaluated. */
    private Rollout started(Rollout running) {
        long id = running.id();
        populate(running);
        notices.event(running, "started", Map.of("wave", running.waves().get(0).label()));
        announce(running, 0);
        evaluate(id);
        return machine.require(id);
    }

    public synchronized Rollout pause(long id) {
        Rollout p = save(machine.pause(id));
        notices.event(p, "paused", Map.of());
        return p;
    }

    public synchronized Rollout resume(long id) {
        Rollout running = save(machine.resume(id));
        notices.event(running, "resumed", Map.of());
        announce(running, running.currentWave());
        evaluate(id);
        return machine.require(id);
    }

    public synchronized Rollout abort(long id, String reason) {
        Rollout a = save(machine.abort(id, reason, now()));
        notices.event(a, "aborted", Map.of("reason", a.reason()));
        return a;
    }

    // ---- evaluation ---------------------------------------------------------------------------

    /** Called for every update-state transition: a final one (confirmed, failed, rolled back) re-evaluates its running rollout. */
    private void onTransition(DeviceUpdate u) {
        if (u.rolloutId() != null) {
            watcher.accept(u.rolloutId());
        }
        if (u.rolloutId() == null) {
            return;
        }
        Rollout r = machine.get(u.rolloutId()).orElse(null);
        if (r != null && r.state().isActive()) {
            machine.membership(r, u.mac(), null); // a member first seen by another instance: already one of ours
        }
        if (r == null || r.state() != RolloutState.RUNNING || !u.state().isFinal()) {
            return;
        }
        schedule.transition(r.id(), machine.memberCount(r.id()));
    }

    /**
     * Advances time-based rules for every active rollout: members silent past the install deadline
     * are failed (each a final transition, which re-evaluates its rollout), then the soak.
     */
    public void tick() {
        if (!coordinating.getAsBoolean()) {
            return;
        }
        InFlightRows rows = inFlightRows;
        if (rows != null) {
            int swept = rows.sweep(now());
            if (swept > 0) {
                LOG.info("{} download(s) in flight of instances that stopped (or older than {}) no longer counted", swept,
                        InFlightRows.STALE);
            }
        }
        for (Rollout r : machine.all()) {
            if (r.state().isActive()) {
                failSilent(r);
            }
            if (r.state() == RolloutState.RUNNING) {
                evaluate(r.id());
            }
        }
    }

    /** Members that completed a download and were not seen running the release within the deadline: failed. */
    private void failSilent(Rollout r) {
        Instant now = now();
        for (String mac : machine.silent(r.id(), now)) {
            if (tracker.silent(mac, r.releaseId(), now)) {
                LOG.info("rollout {}: {} {} (install deadline {})", r.id(), mac, DeviceUpdate.SILENT, r.policy().installDeadline());
            }
        }
    }

    /**
     * Which known devices of its product each wave of a rollout gets, by the rule start uses; for a
     * draft, what starting it would do. Nothing is remembered.
     */
    public Preview preview(long id) {
        Rollout r = machine.require(id);
        Product p = catalog.product(r.productId()).orElseThrow();
        return machine.preview(r, devices.known(p.name()));
    }

    private synchronized void evaluate(long id) {
        if (!coordinating.getAsBoolean()) {
            return;
        }
        Optional<RolloutMachine.Step> next = machine.evaluate(id, now());
        if (next.isEmpty()) {
            return;
        }
        Rollout saved;
        try {
            saved = save(next.get().rollout());
        } catch (Rejection changedElsewhere) {
            LOG.info("rollout {}: not evaluated: {}", id, changedElsewhere.getMessage());
            return;
        }
        next.ifPresent(step -> {
            Rollout r = saved;
            switch (step) {
                case RolloutMachine.Step.Halted h -> {
                    LOG.warn("rollout {} halted: {}", r.id(), h.reason());
                    notices.event(r, "halted", Map.of("reason", h.reason(), "wave", h.wave().label()));
                }
                case RolloutMachine.Step.Completed c -> notices.event(r, "completed", Map.of("wave", c.wave().label()));
                case RolloutMachine.Step.Advanced a -> {
                    notices.event(r, "wave-advanced", Map.of("from", a.from().label(), "to", r.waves().get(r.currentWave()).label(),
                            "confirmed", a.from().confirmed(), "members", a.from().members()));
                    announce(r, r.currentWave());
                }
            }
        });
    }

    /** Tells the members of a wave that an update is waiting, and records that it did (a new coordinator does not tell them again). */
    private void announce(Rollout r, int wave) {
        notices.announce(r, machine.membersOf(r.id(), wave));
        store.announced(r.id(), wave);
    }

    /**
     * Writes a transition's result, then makes it current. The write names the value the
     * transition started from; when another instance changed the rollout meanwhile, nothing is
     * written, the stored value becomes current and the transition is refused (409).
     */
    private Rollout save(Rollout r) {
        Rollout from = machine.require(r.id());
        if (!store.save(r, from)) {
            reload();
            Rollout now = machine.require(r.id());
            throw Rejection.conflict("rollout " + r.id() + " was changed by another instance meanwhile (it is " + now.state().id()
                    + ", wave " + (now.currentWave() + 1) + " now); look at it again and retry");
        }
        return changed(machine.commit(r));
    }

    /** Tells the watcher ({@link #watch}) that the rollout changed; returns it. */
    private Rollout changed(Rollout r) {
        watcher.accept(r.id());
        return r;
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    @Override
    public void close() {
        schedule.close();
    }
}
