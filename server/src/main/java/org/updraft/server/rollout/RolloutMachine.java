package org.updraft.server.rollout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.updraft.server.artifact.Digests;
import org.updraft.server.catalog.Release;
import org.updraft.server.problem.Rejection;

/**
 * The rollouts' state machine: every rollout's current value, which device is a member of which
 * wave, how many downloads each has in flight, and the rules that move a rollout along
 * ({@link RolloutState}: draft → running ⇄ paused → completed | halted | aborted).
 *
 * <p>Membership is deterministic: a device in a tag wave's group belongs to the first such wave;
 * every other device of the target gets a bucket in [0, 100) from SHA-256(rollout id, MAC)
 * ({@link #bucket}) and belongs to the first percentage wave above its bucket. A pinned device, a
 * device without one of the target tags, or one running a version outside the rollout's
 * from-versions (unless the rollout already started its update) is in no wave. So membership
 * survives restarts and is the same on every server instance; it is fixed at a device's first
 * sight ({@link #membership}) and never recomputed.
 *
 * <p>Rules ({@link #evaluate}): a wave offered so far whose failure rate (failed + rolled back over
 * members) is above the failure threshold halts the rollout; otherwise the current wave, once its
 * soak time has passed and its success rate (confirmed over members) reaches the success
 * threshold, advances to the next wave, or completes the rollout after the last. Pause stops new
 * offers; transfers in flight finish. A running or paused rollout holds its devices: another
 * rollout that could reach the same device cannot start.
 *
 * <p>Delivery limits (docs/rollouts.md): a member still downloaded past the install deadline is
 * {@link #silent} (its recorder fails it, which counts toward the failure threshold); a new offer
 * — not a resumed transfer — is made only inside the rollout's {@link OfferWindows} and under its
 * {@link RateCap}, counted when the transfer starts ({@link #downloadStarted(long, boolean, Instant)}),
 * so racing check-ins may overshoot the cap by a few, as they may {@code maxConcurrent}.
 * {@link #preview} places devices by the membership rule without remembering them.
 *
 * <p>Invariants: it reads no clock and no database — time is passed in, devices come through
 * {@link Audience}, device progress through {@link Progress}. A transition ({@link #start},
 * {@link #pause}, {@link #resume}, {@link #abort}, {@link #evaluate}) only returns the next
 * value; {@link #commit} makes it current. Whoever persists rollouts writes the value between the
 * two, so memory never runs ahead of the database. Thread safety: the maps are concurrent; offers,
 * membership and in-flight counts run on check-in threads without a lock; transitions must be
 * decided and committed under one lock (the {@link RolloutEngine}'s).
 *
 * <p>One class because every rule here reads and changes the same two things, a rollout's value
 * and its members' progress, under the engine's one lock: the transitions, the thresholds, the
 * offers with their windows, rate and in-flight limits, and the install deadline. Splitting them
 * would pass that state around; the delivery limits that stand alone are their own classes
 * ({@link OfferWindows}, {@link RateCap}), and {@code RolloutMachineTest} checks every transition.
 */
final class RolloutMachine {

    /** Where one device stands with one release (the {@link UpdateTracker}). */
    @FunctionalInterface
    interface Progress {
        Optional<DeviceUpdate> get(String mac, long releaseId);
    }

    /** Releases by id (the catalog). */
    @FunctionalInterface
    interface Releases {
        Optional<Release> release(long id);
    }

    /** What {@link #evaluate} decided: the rollout's next value and why. */
    sealed interface Step {
        Rollout rollout();

        /** A wave's failure rate went above the threshold: no new offers. */
        record Halted(Rollout rollout, WaveStats wave, String reason) implements Step {
        }

        /** The current wave ({@code from}) succeeded and soaked: the next wave is offered. */
        record Advanced(Rollout rollout, WaveStats from) implements Step {
        }

        /** The last wave succeeded and soaked. */
        record Completed(Rollout rollout, WaveStats wave) implements Step {
        }
    }

    private final Audience audience;
    private final Progress progress;
    private final Releases releases;
    private final Map<Long, Rollout> rollouts = new ConcurrentHashMap<>();
    /** rollout id → (mac → wave index, or -1 when not a member). */
    private final Map<Long, Map<String, Integer>> members = new ConcurrentHashMap<>();
    /** rollout id → downloads in flight. */
    private final Map<Long, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    /** rollout id → when its new offers of the last minute began, oldest first (for {@link RateCap}); guarded by itself. */
    private final Map<Long, java.util.ArrayDeque<Instant>> recentOffers = new ConcurrentHashMap<>();

    /** Set when several instances share the database: their rows, not this process's count, are what maxConcurrent limits. */
    private volatile InFlightRows shared;

    /** Counts downloads in flight as rows all instances share (docs/cluster.md). */
    void share(InFlightRows rows) {
        this.shared = rows;
    }

    RolloutMachine(Audience audience, Progress progress, Releases releases) {
        this.audience = audience;
        this.progress = progress;
        this.releases = releases;
    }

    // ---- rollouts -----------------------------------------------------------------------------

    /** Makes a value current: one loaded at start, a new draft, or the result of a transition. */
    Rollout commit(Rollout r) {
        rollouts.put(r.id(), r);
        return r;
    }

    Optional<Rollout> get(long id) {
        return Optional.ofNullable(rollouts.get(id));
    }

    Rollout require(long id) {
        Rollout r = rollouts.get(id);
        if (r == null) {
            throw Rejection.notFound("no rollout " + id);
        }
        return r;
    }

    Collection<Rollout> all() {
        return List.copyOf(rollouts.values());
    }

    /** The rollouts of a product (all when null), by id. */
    List<Rollout> list(Long productId) {
        return rollouts.values().stream().filter(r -> productId == null || r.productId() == productId)
                .sorted(Comparator.comparingLong(Rollout::id)).toList();
    }

    /** The product's started downgrade rollouts (fleet rollbacks), unsorted. */
    List<Rollout> rollbacks(long productId) {
        List<Rollout> found = new ArrayList<>(0);
        for (Rollout r : rollouts.values()) {
            if (r.productId() == productId && r.downgrade() && r.state() != RolloutState.DRAFT) {
                found.add(r);
            }
        }
        return found;
    }

    /** True when a release may only reach devices through a rollout (held, or its rollout has not completed). */
    boolean holds(long releaseId, boolean held) {
        if (held) {
            return rollouts.values().stream().noneMatch(r -> r.releaseId() == releaseId && r.state() == RolloutState.COMPLETED);
        }
        return rollouts.values().stream().anyMatch(r -> r.releaseId() == releaseId && r.state() != RolloutState.COMPLETED);
    }

    // ---- transitions: each returns the next value and changes nothing -------------------------

    /** A draft starts running at its first wave, unless an active rollout of its product may reach the same devices. */
    /** The id of a draft not stored yet (database ids start at 1). */
    static final long UNSTORED = 0;

    Rollout start(long id, Instant now) {
        return start(require(id), now);
    }

    /**
     * As {@link #start(long, Instant)} for a draft that need not be current yet: a draft about to be
     * stored already running (create and start in one step) is checked before anything is written,
     * with {@link #UNSTORED} as its id.
     */
    Rollout start(Rollout r, Instant now) {
        long id = r.id();
        if (r.state() != RolloutState.DRAFT) {
            throw Rejection.conflict("rollout " + id + " is " + r.state().id() + "; only a draft can be started");
        }
        for (Rollout other : rollouts.values()) {
            if (other.id() != id && other.productId() == r.productId() && other.state().isActive() && overlaps(r, other)) {
                throw Rejection.conflict("rollout " + other.id() + " (" + other.state().id() + ") already targets devices of this "
                        + "product that " + (id > 0 ? "rollout " + id : "the new rollout") + " would reach" + (other.targetTags().isEmpty() ? " (it targets all devices)"
                        : " (tags " + String.join(", ", other.targetTags()) + ")") + "; pause is not enough — complete or abort it first");
            }
        }
        return r.with(RolloutState.RUNNING, null, 0, now, null);
    }

    /** A draft may be deleted (it never offered anything); returns it. Refused for any other state. */
    Rollout deletable(long id) {
        Rollout r = require(id);
        if (r.state() != RolloutState.DRAFT) {
            throw Rejection.conflict("rollout " + id + " is " + r.state().id() + "; only a draft can be deleted (a rollout that "
                    + "started stays as history: abort it to stop it)");
        }
        return r;
    }

    /** Forgets a deleted draft (it has no members and nothing in flight). */
    void forget(long id) {
        rollouts.remove(id);
        members.remove(id);
        inFlight.remove(id);
    }

    Rollout pause(long id) {
        Rollout r = require(id);
        if (r.state() != RolloutState.RUNNING) {
            throw Rejection.conflict("rollout " + id + " is " + r.state().id() + "; only a running rollout can be paused");
        }
        return r.with(RolloutState.PAUSED, "paused by operator", r.currentWave(), r.waveStartedAt(), null);
    }

    Rollout resume(long id) {
        Rollout r = require(id);
        if (r.state() != RolloutState.PAUSED) {
            throw Rejection.conflict("rollout " + id + " is " + r.state().id() + "; only a paused rollout can be resumed");
        }
        return r.with(RolloutState.RUNNING, null, r.currentWave(), r.waveStartedAt(), null);
    }

    /** Any rollout not yet finished may be aborted; {@code reason} null or blank: "aborted by operator". */
    Rollout abort(long id, String reason, Instant now) {
        Rollout r = require(id);
        if (r.state().isFinished()) {
            throw Rejection.conflict("rollout " + id + " is already " + r.state().id());
        }
        String why = reason == null || reason.isBlank() ? "aborted by operator" : reason;
        return r.with(RolloutState.ABORTED, why, r.currentWave(), r.waveStartedAt(), now);
    }

    private static boolean overlaps(Rollout a, Rollout b) {
        if (a.targetTags().isEmpty() || b.targetTags().isEmpty()) {
            return true;
        }
        return a.targetTags().stream().anyMatch(b.targetTags()::contains);
    }

    /**
     * The rules at {@code now} for a running rollout: halt, advance, complete, or nothing (empty;
     * also for a rollout that is not running). One pass over its members.
     */
    Optional<Step> evaluate(long id, Instant now) {
        Rollout r = rollouts.get(id);
        if (r == null || r.state() != RolloutState.RUNNING) {
            return Optional.empty();
        }
        List<WaveStats> all = stats(r);
        // Any wave offered so far may halt the rollout (late failures of earlier waves count too).
        for (int i = 0; i <= r.currentWave(); i++) {
            WaveStats s = all.get(i);
            if (s.failureRate() > r.policy().failureThreshold()) {
                String why = String.format(Locale.ROOT, "wave %d (%s): %d of %d devices failed or rolled back (%s%% > %s%%)",
                        i + 1, s.label(), s.failed() + s.rolledBack(), s.members(), percent(s.failureRate()),
                        percent(r.policy().failureThreshold()));
                return Optional.of(new Step.Halted(r.with(RolloutState.HALTED, why, r.currentWave(), r.waveStartedAt(), now), s, why));
            }
        }
        WaveStats current = all.get(r.currentWave());
        boolean soaked = !now.isBefore(r.waveStartedAt().plus(r.policy().soak()));
        if (!soaked || current.successRate() < r.policy().successThreshold()) {
            return Optional.empty();
        }
        if (r.isLastWave()) {
            return Optional.of(new Step.Completed(r.with(RolloutState.COMPLETED, "every wave reached its success threshold",
                    r.currentWave(), r.waveStartedAt(), now), current));
        }
        return Optional.of(new Step.Advanced(r.with(RolloutState.RUNNING, null, r.currentWave() + 1, now, null), current));
    }

    /**
     * The members of a rollout that completed a download of its release and have not checked in
     * running it within the install deadline: still {@link UpdateState#DOWNLOADED} at least
     * {@code installDeadline} after the download ended, at {@code now}. Whoever records progress
     * marks them failed ("silent after download"), which counts toward the failure threshold.
     */
    List<String> silent(long id, Instant now) {
        Rollout r = rollouts.get(id);
        if (r == null || !r.state().isActive()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (var e : members.getOrDefault(id, Map.of()).entrySet()) {
            if (e.getValue() < 0) {
                continue;
            }
            progress.get(e.getKey(), r.releaseId()).filter(u -> u.state() == UpdateState.DOWNLOADED && u.downloadedAt() != null
                    && !now.isBefore(u.downloadedAt().plus(r.policy().installDeadline()))).ifPresent(u -> out.add(e.getKey()));
        }
        out.sort(null);
        return out;
    }

    /**
     * Which of {@code devices} each wave of a rollout gets, by the rule that fixes membership
     * ({@link #peekMembership}: a device already seen keeps its wave, any other is placed as it
     * would be at its first sight), remembering nothing. For a draft this is what start will do;
     * a device that first appears later is placed by the same rule.
     */
    RolloutEngine.Preview preview(Rollout r, List<Audience.Known> devices) {
        List<List<String>> byWave = new ArrayList<>();
        r.waves().forEach(w -> byWave.add(new ArrayList<>()));
        List<String> none = new ArrayList<>();
        for (Audience.Known d : devices) {
            int wave = peekMembership(r, d.mac(), d.runningVersion());
            (wave < 0 ? none : byWave.get(wave)).add(d.mac());
        }
        List<RolloutEngine.WavePreview> waves = new ArrayList<>();
        for (int i = 0; i < byWave.size(); i++) {
            waves.add(new RolloutEngine.WavePreview(i, r.waves().get(i).label(), byWave.get(i).size(), List.copyOf(byWave.get(i))));
        }
        return new RolloutEngine.Preview(r.id(), r.state().id(), devices.size(), List.copyOf(waves), List.copyOf(none));
    }

    /** A share as a percentage with three significant digits and at least one decimal: 50.0, 0.1, 0.05. */
    static String percent(double share) {
        java.math.BigDecimal p = new java.math.BigDecimal(share * 100).round(new java.math.MathContext(3)).stripTrailingZeros();
        return p.scale() < 1 ? p.setScale(1).toPlainString() : p.toPlainString();
    }

    /**
     * Every wave's stats in one pass over the members (evaluated at every final transition of a
     * member, so one pass per evaluation rather than one per wave).
     */
    List<WaveStats> stats(Rollout r) {
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
            Optional<DeviceUpdate> u = progress.get(e.getKey(), r.releaseId());
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

    /**
     * Per wave, how many members' updates ended failed or rolled back, by reason (the update's last
     * error; "failed" or "rolled back" when it has none). The same pass over the members as {@link #stats}.
     */
    List<Map<String, Integer>> failureReasons(Rollout r) {
        List<Map<String, Integer>> out = new ArrayList<>(r.waves().size());
        r.waves().forEach(w -> out.add(new java.util.TreeMap<>()));
        for (var e : members.getOrDefault(r.id(), Map.of()).entrySet()) {
            if (e.getValue() < 0) {
                continue;
            }
            progress.get(e.getKey(), r.releaseId()).filter(u -> u.state().isFailure()).ifPresent(u -> out.get(e.getValue()).merge(
                    u.lastError() != null ? u.lastError() : u.state() == UpdateState.FAILED ? "failed" : "rolled back", 1, Integer::sum));
        }
        return out;
    }

    // ---- offers and in-flight accounting (check-in threads) -----------------------------------

    /**
     * The rollout release this device may download now, if any: a member of the current or an
     * earlier wave of a running rollout, whose update may be (re)tried at {@code now} (or whose
     * broken transfer a {@code resuming} request continues), while the rollout has fewer downloads
     * in flight than its limit. Concurrent check-ins may overshoot the limit by the few that race.
     * {@code remember}: fix the device's membership if this is its first sight.
     */
    Optional<RolloutEngine.Offer> offer(long productId, String mac, String runningVersion, Instant now, boolean resuming,
                                        boolean remember) {
        for (Rollout r : rollouts.values()) {
            if (r.productId() != productId || !r.state().isActive()) {
                continue;
            }
            int wave = remember ? membership(r, mac, runningVersion) : peekMembership(r, mac, runningVersion);
            if (wave < 0 || r.state() != RolloutState.RUNNING || wave > r.currentWave()) {
                continue;
            }
            Release release = releases.release(r.releaseId()).orElse(null);
            if (release == null || release.version().toString().equals(runningVersion)) {
                continue;
            }
            Optional<DeviceUpdate> u = progress.get(mac, r.releaseId());
            if (u.isPresent() && !u.get().mayBeOfferedAt(now) && !(resuming && u.get().mayResume())) {
                continue;
            }
            InFlightRows rows = shared;
            AtomicInteger flight = inFlight.get(r.id());
            int flying = rows != null ? rows.count(r.id(), now) : flight == null ? 0 : flight.get();
            if (flying >= r.policy().maxConcurrent()) {
                continue;
            }
            // A resumed transfer is not a new offer: it finishes outside the windows and past the rate cap.
            boolean resumes = resuming && u.isPresent() && u.get().mayResume();
            if (!resumes && !mayOfferNew(r, now)) {
                continue;
            }
            return Optional.of(new RolloutEngine.Offer(r, release));
        }
        return Optional.empty();
    }

    /** A transfer of a rollout's image began. */
    void downloadStarted(long rolloutId) {
        inFlight.computeIfAbsent(rolloutId, k -> new AtomicInteger()).incrementAndGet();
    }

    /**
     * A transfer of a rollout's image began at {@code now}: one more in flight, and, unless it
     * {@code resumes} a broken one, one more new offer for the rollout's rate cap.
     */
    void downloadStarted(long rolloutId, boolean resumes, Instant now) {
        downloadStarted(rolloutId, null, resumes, now);
    }

    /** As {@link #downloadStarted(long, boolean, Instant)}, of the device {@code mac} (counted across instances when they share). */
    void downloadStarted(long rolloutId, String mac, boolean resumes, Instant now) {
        downloadStarted(rolloutId);
        InFlightRows rows = shared;
        if (rows != null && mac != null) {
            rows.started(rolloutId, mac, now);
        }
        Rollout r = rollouts.get(rolloutId);
        if (!resumes && r != null && r.policy().rate() != null) {
            java.util.ArrayDeque<Instant> recent = recentOffers.computeIfAbsent(rolloutId, k -> new java.util.ArrayDeque<>());
            synchronized (recent) {
                recent.addLast(now);
                prune(recent, now);
            }
        }
    }

    /**
     * Whether a running rollout may make a new offer at {@code now}: inside one of its windows (if
     * it has any) and under its rate cap (if any) — fewer new offers in the last minute than its
     * ramp allows since the current wave opened. Racing check-ins may overshoot the cap by a few,
     * as they may overshoot {@code maxConcurrent}.
     */
    boolean mayOfferNew(Rollout r, Instant now) {
        Rollout.Policy p = r.policy();
        if (p.windows() != null && !p.windows().open(now)) {
            return false;
        }
        if (p.rate() == null) {
            return true;
        }
        int allowed = p.rate().allowed(r.waveStartedAt() == null ? java.time.Duration.ZERO
                : java.time.Duration.between(r.waveStartedAt(), now));
        return offersInLastMinute(r.id(), now) < allowed;
    }

    /** New offers of a rollout that began in the minute up to {@code now}. */
    int offersInLastMinute(long rolloutId, Instant now) {
        java.util.ArrayDeque<Instant> recent = recentOffers.get(rolloutId);
        if (recent == null) {
            return 0;
        }
        synchronized (recent) {
            prune(recent, now);
            return recent.size();
        }
    }

    /** Drops offers older than a minute before {@code now} (offers are appended in about time order). */
    private static void prune(java.util.ArrayDeque<Instant> recent, Instant now) {
        Instant cutoff = now.minusSeconds(60);
        while (!recent.isEmpty() && !recent.peekFirst().isAfter(cutoff)) {
            recent.removeFirst();
        }
    }

    /** A transfer of a rollout's image ended, complete or not. */
    void downloadEnded(long rolloutId, String mac) {
        InFlightRows rows = shared;
        if (rows != null && mac != null) {
            rows.ended(rolloutId, mac);
        }
        downloadEnded(rolloutId);
    }

    void downloadEnded(long rolloutId) {
        AtomicInteger flight = inFlight.get(rolloutId);
        if (flight != null) {
            flight.decrementAndGet();
        }
    }

    /** Downloads of a rollout in flight now. */
    int inFlight(long rolloutId) {
        AtomicInteger flight = inFlight.get(rolloutId);
        return flight == null ? 0 : flight.get();
    }

    // ---- membership ---------------------------------------------------------------------------

    /** The wave index of a device in a rollout (computing and fixing it at first sight), or -1. */
    int membership(Rollout r, String mac, String runningVersion) {
        Map<String, Integer> m = members.computeIfAbsent(r.id(), k -> new ConcurrentHashMap<>());
        Integer known = m.get(mac);
        if (known != null) {
            return known;
        }
        int wave = waveOf(r, mac, runningVersion);
        Integer raced = m.putIfAbsent(mac, wave);
        return raced == null ? wave : raced;
    }

    /** {@link #membership} without remembering it. */
    int peekMembership(Rollout r, String mac, String runningVersion) {
        Map<String, Integer> m = members.get(r.id());
        Integer known = m == null ? null : m.get(mac);
        return known != null ? known : waveOf(r, mac, runningVersion);
    }

    /** Fixes the membership of every device given (all known devices of the product, when a rollout starts or is loaded). */
    void populate(Rollout r, List<Audience.Known> devices) {
        for (Audience.Known d : devices) {
            membership(r, d.mac(), d.runningVersion());
        }
    }

    /** The devices whose membership in a rollout is the given wave. */
    List<String> membersOf(long rolloutId, int wave) {
        List<String> out = new ArrayList<>();
        for (var e : members.getOrDefault(rolloutId, Map.of()).entrySet()) {
            if (e.getValue() == wave) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** Members of a rollout (every wave), the devices an evaluation passes over. */
    int memberCount(long rolloutId) {
        return members.getOrDefault(rolloutId, Map.of()).size();
    }

    private int waveOf(Rollout r, String mac, String runningVersion) {
        if (audience.pinnedRelease(mac) != null) {
            return -1;
        }
        Set<String> tags = audience.tags(mac);
        if (!r.targetTags().isEmpty() && r.targetTags().stream().noneMatch(tags::contains)) {
            return -1;
        }
        boolean alreadyOurs = progress.get(mac, r.releaseId()).map(u -> u.rolloutId() != null && u.rolloutId() == r.id()).orElse(false);
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
}
