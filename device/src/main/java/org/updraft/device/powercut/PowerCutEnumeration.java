package org.updraft.device.powercut;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.StagedImage;
import org.updraft.device.boot.UpdateException;
import org.updraft.device.boot.Updater;
import org.updraft.device.flash.CutMode;
import org.updraft.device.flash.FaultPlan;
import org.updraft.device.flash.PowerCut;

/**
 * MCUboot's power-loss method ({@code sim/tests/core.rs} {@code perm_with_fails}), extended with
 * torn operations and cuts after an operation. For each profile and scenario: run the scenario
 * once on a copy of the pristine flash and count its N flash operations; then for every
 * i in 1..N and every {@link CutMode}, start again from the pristine flash, cut the power at
 * operation i, power on without faults and let the device live as it would (a healthy image
 * confirms itself; a bad image crashes and is reset by the watchdog), power on once more, and
 * classify what boots: the old image byte for byte, the new one byte for byte, or a brick.
 * Unless bricked, a following clean update must then complete.
 *
 * <p>Scenarios: {@code update} (v1→v2 from factory state), {@code second-update} (v2→v3, after
 * a clean v1→v2), and for models with a trial or rollback {@code revert} (v2 never confirms; the
 * bootloader must go back to v1, with the cuts landing in the trial boots and the revert).
 *
 * <p>Usage: {@code new PowerCutEnumeration(seed).run(Profile.all()).table()}. All in memory;
 * no clocks, no sleeping.
 */
public final class PowerCutEnumeration {
    /** A device rebooting in a loop gives up being counted after this many boots. */
    static final int MAX_BOOTS = 8;

    private final long seed;

    public PowerCutEnumeration(long seed) {
        this.seed = seed;
    }

    public Report run(List<Profile> profiles) {
        List<Row> rows = new ArrayList<>();
        for (Profile profile : profiles) {
            rows.addAll(run(profile));
        }
        return new Report(rows);
    }

    public List<Row> run(Profile profile) {
        List<Row> rows = new ArrayList<>();
        Board factory = Board.provisioned(profile.bootloader(),
                profile.firmware().build(1, firstSlot(profile)));
        rows.add(update(profile, "update", factory, 2));

        Board afterFirst = fresh(profile, factory);
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

    /** One healthy update from {@code template}'s running image to {@code version}. */
    private Row update(Profile profile, String scenario, Board template, int version) {
        byte[] old = running(template);
        byte[] next = profile.firmware().build(version, template.updater().target());
        Board clean = fresh(profile, template);
        install(clean, next, null);
        if (!Arrays.equals(running(clean), next)) {
            throw new IllegalStateException(profile.name() + " " + scenario + ": the clean run does not boot the update");
        }
        int n = (int) clean.flash().operations();
        Tally tally = new Tally();
        for (int i = 1; i <= n; i++) {
            for (CutMode mode : CutMode.values()) {
                Board board = fresh(profile, template);
                board.flash().arm(FaultPlan.cutAt(i, mode, seed));
                try {
                    install(board, next, null);
                } catch (PowerCut cut) {
                    board.powerOn();
                    settle(board, null);
                }
                board.flash().arm(FaultPlan.NONE);
                board.powerOn();
                settle(board, null);
                Outcome outcome = classify(board, old, next);
                tally.add(outcome, mode + "@" + i);
                if (outcome != Outcome.BRICK) {
                    followUp(profile, board, outcome == Outcome.OLD ? version : version + 1, tally, mode + "@" + i);
                }
            }
        }
        return tally.row(profile.name(), scenario, n);
    }

    /** A trial/rollback revert: v2 is activated but crashes before confirming, every time. */
    private Row revert(Profile profile, Board factory) {
        byte[] old = running(factory);
        Board template = fresh(profile, factory);
        byte[] bad = profile.firmware().build(2, template.updater().target());
        activate(template, bad);
        Board clean = new Board(profile.bootloader(), template.flash().copy());
        clean.reset();
        settle(clean, bad);
        int n = (int) clean.flash().operations();
        if (n == 0 || !Arrays.equals(running(clean), old)) {
            return null; // no trial boot in this model (or the command lived in RTC memory): nothing reverts
        }
        Tally tally = new Tally();
        for (int i = 1; i <= n; i++) {
            for (CutMode mode : CutMode.values()) {
                Board board = new Board(profile.bootloader(), template.flash().copy());
                board.flash().arm(FaultPlan.cutAt(i, mode, seed));
                try {
                    board.reset();
                    settle(board, bad);
                } catch (PowerCut cut) {
                    board.powerOn();
                    settle(board, bad);
                }
                board.flash().arm(FaultPlan.NONE);
                board.powerOn();
                settle(board, bad);
                Outcome outcome = classify(board, old, bad);
                tally.add(outcome, mode + "@" + i);
                if (outcome != Outcome.BRICK) {
                    followUp(profile, board, 3, tally, mode + "@" + i);
                }
            }
        }
        return tally.row(profile.name(), "revert", n);
    }

    private void followUp(Profile profile, Board board, int version, Tally tally, String point) {
        byte[] image = profile.firmware().build(version, board.updater().target());
        try {
            install(board, image, null);
            board.powerOn();
            settle(board, null);
            if (!Arrays.equals(running(board), image)) {
                tally.followUpFailed(point);
            }
        } catch (IllegalStateException e) {
            tally.followUpFailed(point);
        }
    }

    private static Board fresh(Profile profile, Board template) {
        Board board = new Board(profile.bootloader(), template.flash().copy());
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
        int old;
        int updated;
        final List<String> bricks = new ArrayList<>();
        final List<String> failedFollowUps = new ArrayList<>();

        void add(Outcome outcome, String point) {
            switch (outcome) {
                case OLD -> old++;
                case NEW -> updated++;
                case BRICK -> bricks.add(point);
            }
        }

        void followUpFailed(String point) {
            failedFollowUps.add(point);
        }

        Row row(String profile, String scenario, int n) {
            return new Row(profile, scenario, n, 3 * n, old, updated, bricks.size(), bricks, failedFollowUps);
        }
    }

    /** Prints the table for every profile: what {@code updraft simulate powercut} shows. */
    public static void main(String[] args) {
        System.out.print(new PowerCutEnumeration(args.length > 0 ? Long.parseLong(args[0]) : 1).run(Profile.all()).table());
    }

}
