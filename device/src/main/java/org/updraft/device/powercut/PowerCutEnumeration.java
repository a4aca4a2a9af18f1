package org.updraft.device.powercut;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.StagedImage;
import org.updraft.device.boot.UpdateException;
import org.updraft.device.boot.Updater;
import org.updraft.device.flash.CutMode;
import org.updraft.device.flash.FaultPlan;
import org.updraft.device.flash.NorFlash;
import org.updraft.device.flash.PowerCut;

/**
 * MCUboot's power-loss method ({@code sim/tests/core.rs} {@code perm_with_fails}), extended with
 * torn operations, cuts after an operation, and second cuts. For each profile and scenario: run the
 * scenario once on a copy of the pristine flash and count its N flash operations; then for every
 * i in 1..N and every {@link CutMode}, start again from the pristine flash, cut the power at
 * operation i, power on without faults and let the device live as it would (a healthy image
 * confirms itself; a bad image crashes and is reset by the watchdog), power on once more, and
 * classify what boots: the old image byte for byte, the new one byte for byte, or a brick.
 * Unless bricked, a following clean update (the retry) must then complete.
 *
 * <p>Second cuts ({@link Depth}): after each first cut,
 * <ul>
 *   <li><b>recovery</b>: the recovery boots (the two power-ons above, with the trial counters,
 *       reverts and otadata state changes they write) are run once cleanly to count their R flash
 *       operations, then again from the flash the first cut left, cut at every j in 1..R in every
 *       mode; what boots afterwards must be the old or the new image, and the retry must
 *       complete. R is small (0 for models whose boot writes nothing, at most a few parameter
 *       saves), so this is exhaustive;</li>
 *   <li><b>retry</b>: the retried update has as many operations as the first (hundreds to thousands
 *       for real-size images), so the product with the first cuts is too large to enumerate: for
 *       each first cut, {@link Depth#retrySamples()} (operation, mode) pairs of the retry are drawn
 *       with the seed, cut, and the device must then boot the image it ran before the retry or
 *       the retry's image.</li>
 * </ul>
 * {@link Depth#firstCutSamples()} &gt; 0 cuts the first and last {@link Depth#edge()}
 * operations of each scenario in every mode and draws that many more first cuts from the operations
 * between (the bulk of the slot writes) with the seed, instead of cutting all of them: real-size
 * images have thousands of operations, each cut costs a few image validations, and the full product
 * takes hours. A TORN cut is tried
 * {@link Depth#tornVariants()} times, each with its own torn pattern derived from the seed and the
 * variant (see {@link FaultPlan}): another seed explores other torn bytes, the same seed the same.
 *
 * <p>Scenarios: {@code update} (v1→v2 from factory state), {@code second-update} (v2→v3, after
 * a clean v1→v2), and for models with a trial or rollback {@code revert} (v2 never confirms; the
 * bootloader must go back to v1, with the cuts landing in the trial boots and the revert).
 *
 * <p>Usage: {@code new PowerCutEnumeration(seed, Depth.DEEP).run(Profile.all(Images.REAL)).table()}.
 * All in memory; no clocks, no sleeping.
 *
 * <p>One class because it is one enumeration: the first cuts, the recovery cuts, the retry cuts and
 * the follow-up update share the seed, the depth and the tally of one scenario, and each needs the
 * pristine flash, the old, new and bad images and the version in hand. Split apart, those would
 * travel as long parameter lists between classes that are never used alone; the flash model, boot
 * models and fault plans it drives are already classes of their own.
 */
public final class PowerCutEnumeration {
    /** A device rebooting in a loop gives up being counted after this many boots. */
    static final int MAX_BOOTS = 8;

    /**
     * How deep the enumeration goes.
     *
     * @param firstCutSamples 0: every operation × every mode; n &gt; 0: the first and last {@code edge}
     *     operations in every mode, plus n seeded draws from the operations between
     * @param edge with sampling, how many operations at each end are always cut
     * @param recoveryCuts cut again at every operation of the recovery boots after each first cut
     * @param retrySamples second cuts drawn per first cut in the retried update
     * @param tornVariants torn patterns tried per TORN cut (at least 1)
     */
    public record Depth(int firstCutSamples, int edge, boolean recoveryCuts, int retrySamples, int tornVariants) {
        /** One cut per run, at every operation, one torn pattern: the original enumeration. */
        public static final Depth SINGLE = new Depth(0, 0, false, 0, 1);
        /**
         * {@code simulate powercut}: the first and last 8 operations in every mode + 12 cuts drawn
         * between, every recovery cut, 1 retry cut each, 2 torn patterns.
         */
        public static final Depth DEEP = new Depth(12, 8, true, 1, 2);

        public Depth {
            if (firstCutSamples < 0 || edge < 0 || retrySamples < 0 || tornVariants < 1) {
                throw new IllegalArgumentException("firstCutSamples and retrySamples must be >= 0 and tornVariants"
                        + " >= 1, got " + firstCutSamples + ", " + retrySamples + ", " + tornVariants);
            }
        }
    }

    private final long seed;
    private final Depth depth;

    public PowerCutEnumeration(long seed) {
        this(seed, Depth.SINGLE);
    }

    public PowerCutEnumeration(long seed, Depth depth) {
        this.seed = seed;
        this.depth = depth;
    }

    /** Profiles run in parallel on the common pool (each on its own boards); rows come back in profile order. */
    public Report run(List<Profile> profiles) {
        List<Row> rows = new ArrayList<>();
        profiles.parallelStream().map(this::run).toList().forEach(rows::addAll);
        return new Report(rows);
    }

    public List<Row> run(Profile profile) {
        List<Row> rows = new ArrayList<>();
        Board factory = Board.provisioned(profile.bootloader(),
                profile.firmware().build(1, firstSlot(profile)));
        rows.add(update(profile, "update", factory, 2));

        Board afterFirst = fresh(profile, factory.flash());
        install(afterFirst, profile.firmware().build(2, afterFirst.updater().target()), null);
        rows.add(update(profile, "second-update", afterFirst, 3));

        Row revert = revert(profile, factory);
        if (revert != null) {
            rows.add(revert);
        }
        return rows;
    }

    private static org.updraft.device.boot.Region firstSlot(Profile profile) {
        // The factory image goes where provision() puts it: user1 / app0 / the sketch at 0x0.
        return profile.bootloader().map().regions().stream()
                .filter(r -> r.name().equals("user1") || r.name().equals("app0") || r.name().equals("sketch"))
                .findFirst().orElseThrow();
    }

    /** What one scenario does to a board from its starting flash; a {@link PowerCut} may stop it. */
    private interface Scenario {
        void run(Board board);
    }

    /** One healthy update from {@code template}'s running image to {@code version}. */
    private Row update(Profile profile, String name, Board template, int version) {
        byte[] old = running(template);
        byte[] next = profile.firmware().build(version, template.updater().target());
        Board clean = fresh(profile, template.flash());
        clean.flash().arm(FaultPlan.NONE);
        install(clean, next, null);
        if (!Arrays.equals(running(clean), next)) {
            throw new IllegalStateException(profile.name() + " " + name + ": the clean run does not boot the update");
        }
        int n = (int) clean.flash().operations();
        NorFlash start = template.flash().copy();
        return enumerate(profile, name, n, old, next, null, version, start, true, board -> install(board, next, null));
    }

    /** A trial/rollback revert: v2 is activated but crashes before confirming, every time. */
    private Row revert(Profile profile, Board factory) {
        byte[] old = running(factory);
        Board template = fresh(profile, factory.flash());
        byte[] bad = profile.firmware().build(2, template.updater().target());
        activate(template, bad);
        Board clean = new Board(profile.bootloader(), template.flash().copy());
        clean.reset();
        settle(clean, bad);
        int n = (int) clean.flash().operations();
        if (n == 0 || !Arrays.equals(running(clean), old)) {
            return null; // no trial boot in this model (or the command lived in RTC memory): nothing reverts
        }
        return enumerate(profile, "revert", n, old, bad, bad, 2, template.flash().copy(), false, board -> {
            board.reset();
            settle(board, bad);
        });
    }

    /**
     * The cuts of one scenario of {@code n} operations, each from a copy of {@code start} ({@code
     * booted}: the board is running, as after {@link #fresh}; else it is about to be reset).
     * {@code version} is the image the retry installs after an OLD outcome (the next one after NEW).
     */
    private Row enumerate(Profile profile, String name, int n, byte[] old, byte[] next, byte[] bad, int version,
                          NorFlash start, boolean booted, Scenario scenario) {
        Tally tally = new Tally();
        for (Cut cut : firstCuts(n, name)) {
            Board board = new Board(profile.bootloader(), start.copy());
            if (booted) {
                board.powerOn();
            }
            board.flash().arm(cut.plan(seed));
            try {
                scenario.run(board);
            } catch (PowerCut expected) {
                // the power is gone; only the flash is left
            }
            NorFlash afterCut = board.flash().copy();
            recover(board, bad, FaultPlan.NONE);
            Outcome outcome = classify(board, old, next);
            tally.add(outcome, cut.point());
            if (outcome == Outcome.BRICK) {
                continue;
            }
            int retry = outcome == Outcome.OLD ? version : version + 1;
            NorFlash beforeRetry = board.flash().copy();
            followUp(profile, board, retry, tally::followUpFailed, cut.point());
            if (depth.recoveryCuts()) {
                recoveryCuts(profile, afterCut, old, next, bad, version, cut, tally);
            }
            if (depth.retrySamples() > 0) {
                retryCuts(profile, beforeRetry, retry, cut, tally);
            }
        }
        return tally.row(profile.name(), name, n);
    }

    /**
     * The recovery: two power-ons, each followed by the device's life ({@link #settle}), with
     * {@code plan} armed over both; if it cuts, two more clean power-ons follow. Returns the flash
     * operations of the two power-ons when {@code plan} did not cut.
     */
    private static long recover(Board board, byte[] bad, FaultPlan plan) {
        board.flash().arm(plan);
        try {
            board.powerOn();
            settle(board, bad);
            board.powerOn();
            settle(board, bad);
            return board.flash().operations();
        } catch (PowerCut again) {
            board.flash().arm(FaultPlan.NONE);
            board.powerOn();
            settle(board, bad);
            board.powerOn();
            settle(board, bad);
            return -1;
        }
    }

    /** Every operation of the recovery boots after {@code first}, cut in every mode. */
    private void recoveryCuts(Profile profile, NorFlash afterCut, byte[] old, byte[] next, byte[] bad, int version,
                              Cut first, Tally tally) {
        Board clean = new Board(profile.bootloader(), afterCut.copy());
        int r = (int) recover(clean, bad, FaultPlan.NONE);
        for (Cut second : everyCut(r)) {
            Board board = new Board(profile.bootloader(), afterCut.copy());
            recover(board, bad, second.plan(seed ^ first.mix()));
            Outcome outcome = classify(board, old, next);
            String point = first.point() + ">recovery:" + second.point();
            tally.second(outcome, point);
            if (outcome != Outcome.BRICK) {
                followUp(profile, board, outcome == Outcome.OLD ? version : version + 1, tally::followUpFailed, point);
            }
        }
    }

    /** {@link Depth#retrySamples()} seeded cuts in the retried update that follows {@code first}. */
    private void retryCuts(Profile profile, NorFlash beforeRetry, int version, Cut first, Tally tally) {
        Board clean = fresh(profile, beforeRetry);
        byte[] old = running(clean);
        byte[] image = profile.firmware().build(version, clean.updater().target());
        clean.flash().arm(FaultPlan.NONE);
        try {
            install(clean, image, null);
        } catch (IllegalStateException refused) {
            return; // already counted as a failed follow-up
        }
        int u = (int) clean.flash().operations();
        SplittableRandom random = new SplittableRandom(seed ^ first.mix() ^ 0x5EC0_4DL);
        for (int s = 0; s < depth.retrySamples(); s++) {
            Cut second = new Cut(1 + random.nextInt(u), CutMode.values()[random.nextInt(3)],
                    random.nextInt(depth.tornVariants()));
            Board board = fresh(profile, beforeRetry);
            board.flash().arm(second.plan(seed ^ first.mix()));
            try {
                install(board, image, null);
            } catch (PowerCut expected) {
                // cut during the retry
            }
            recover(board, null, FaultPlan.NONE);
            tally.second(classify(board, old, image), first.point() + ">retry:" + second.point());
        }
    }

    /** One cut point: operation, mode, and for TORN which of the seeded patterns. */
    private record Cut(int operation, CutMode mode, int variant) {
        FaultPlan plan(long seed) {
            return FaultPlan.cutAt(operation, mode, variant == 0 ? seed : seed * 31 + variant);
        }

        String point() {
            return mode + "@" + operation + (variant == 0 ? "" : "#" + variant);
        }

        long mix() {
            return (operation * 0x9E3779B97F4A7C15L) ^ (mode.ordinal() * 0xBF58476D1CE4E5B9L) ^ variant;
        }
    }

    private List<Cut> everyCut(int n) {
        List<Cut> cuts = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            for (CutMode mode : CutMode.values()) {
                int variants = mode == CutMode.TORN ? depth.tornVariants() : 1;
                for (int v = 0; v < variants; v++) {
                    cuts.add(new Cut(i, mode, v));
                }
            }
        }
        return cuts;
    }

    /**
     * Every cut; or, sampled: every cut at the first and the last {@link Depth#edge()}
     * operations (where the selector, trial and otadata writes and the first and last sectors of
     * the slot are), plus {@link Depth#firstCutSamples()} drawn with the seed from the operations
     * between (the bulk of the slot writes); in operation order.
     */
    private List<Cut> firstCuts(int n, String scenario) {
        List<Cut> all = everyCut(n);
        int edge = depth.edge();
        if (depth.firstCutSamples() == 0 || n <= 2 * edge + depth.firstCutSamples()) {
            return all;
        }
        List<Cut> drawn = new ArrayList<>();
        List<Cut> middle = new ArrayList<>();
        for (Cut cut : all) {
            (cut.operation() <= edge || cut.operation() > n - edge ? drawn : middle).add(cut);
        }
        SplittableRandom random = new SplittableRandom(seed ^ scenario.hashCode());
        for (int i = 0; i < depth.firstCutSamples() && !middle.isEmpty(); i++) {
            drawn.add(middle.remove(random.nextInt(middle.size())));
        }
        drawn.sort(java.util.Comparator.comparingInt(Cut::operation).thenComparing(Cut::mode).thenComparingInt(Cut::variant));
        return drawn;
    }

    private void followUp(Profile profile, Board board, int version, java.util.function.Consumer<String> failed,
                          String point) {
        try {
            byte[] image = profile.firmware().build(version, board.updater().target());
            install(board, image, null);
            board.powerOn();
            settle(board, null);
            if (!Arrays.equals(running(board), image)) {
                failed.accept(point);
            }
        } catch (IllegalStateException e) {
            failed.accept(point);
        }
    }

    private static Board fresh(Profile profile, NorFlash flash) {
        Board board = new Board(profile.bootloader(), flash.copy());
        board.powerOn();
        return board;
    }

    /** The device's update: stage, activate, soft reset ({@code ESP.restart()}), and confirm. */
    static void install(Board board, byte[] image, byte[] bad) {
        activate(board, image);
        board.reset();
        settle(board, bad);
    }

    private static void activate(Board board, byte[] image) {
        Updater updater = board.updater();
        try {
            StagedImage staged = updater.stage(image);
            updater.activate(staged);
        } catch (UpdateException e) {
            throw new IllegalStateException("update refused: " + e.getMessage(), e);
        }
    }

    /**
     * Life after a boot: a healthy image on probation confirms itself; {@code bad} crashes before
     * it can, and the watchdog resets the chip (RTC memory kept) — up to {@link #MAX_BOOTS}.
     */
    static void settle(Board board, byte[] bad) {
        for (int boots = 0; boots < MAX_BOOTS; boots++) {
            if (!(board.state() instanceof BootResult.Booted booted)) {
                return;
            }
            Updater updater = board.updater();
            if (!updater.pendingConfirm()) {
                return;
            }
            if (bad != null && Arrays.equals(booted.image(), bad)) {
                board.reset();
            } else {
                updater.confirm();
                return;
            }
        }
    }

    static Outcome classify(Board board, byte[] old, byte[] next) {
        if (board.state() instanceof BootResult.Booted booted) {
            if (Arrays.equals(booted.image(), old)) {
                return Outcome.OLD;
            }
            if (Arrays.equals(booted.image(), next)) {
                return Outcome.NEW;
            }
        }
        return Outcome.BRICK;
    }

    private static byte[] running(Board board) {
        return board.state() instanceof BootResult.Booted booted ? booted.image() : new byte[0];
    }

    private static final class Tally {
        int cuts;
        int old;
        int updated;
        final List<String> bricks = new ArrayList<>();
        final List<String> failedFollowUps = new ArrayList<>();
        int secondCuts;
        final List<String> secondBricks = new ArrayList<>();

        void add(Outcome outcome, String point) {
            cuts++;
            switch (outcome) {
                case OLD -> old++;
                case NEW -> updated++;
                case BRICK -> bricks.add(point);
            }
        }

        void second(Outcome outcome, String point) {
            secondCuts++;
            if (outcome == Outcome.BRICK) {
                secondBricks.add(point);
            }
        }

        void followUpFailed(String point) {
            failedFollowUps.add(point);
        }

        Row row(String profile, String scenario, int n) {
            return new Row(profile, scenario, n, cuts, old, updated, bricks.size(), bricks, failedFollowUps,
                    secondCuts, secondBricks);
        }
    }

    /** Prints the table for every profile: what {@code updraft simulate powercut} shows. */
    public static void main(String[] args) {
        System.out.print(new PowerCutEnumeration(args.length > 0 ? Long.parseLong(args[0]) : 1, Depth.DEEP)
                .run(Profile.all(Profile.Images.REAL)).table());
    }
}
