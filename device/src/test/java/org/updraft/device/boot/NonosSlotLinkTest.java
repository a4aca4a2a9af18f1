package org.updraft.device.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.device.boot.SystemParameters.Params;
import org.updraft.device.powercut.SampleFirmware;

/**
 * A NONOS user image runs only from the slot its irom0 was linked for (NonosBoot's class comment):
 * the updater refuses a build for the other slot before the flag can move, and the verifying boot
 * treats one that got there anyway as invalid and falls back.
 */
class NonosSlotLinkTest {
    static final byte[] USER1_V1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).version("1").payload(1, 12_000).build();
    static final byte[] USER1_V2 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).version("2").payload(2, 12_000).build();
    static final byte[] USER2_V2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).version("2").payload(3, 12_000).build();

    private static Board board() {
        return Board.provisioned(new NonosBoot(FlashMap.NONOS_512K, TrialBoot.OFF), USER1_V1);
    }

    private static BootResult.Booted booted(Board board) {
        return (BootResult.Booted) board.state();
    }

    @Test
    void theUpdaterRefusesTheBuildForTheOtherSlot() {
        Board board = board();
        assertThatThrownBy(() -> board.updater().stage(USER1_V2))
                .isInstanceOf(UpdateException.class)
                .hasMessage("not a valid image for user2: irom0 is linked at 0x40201010 (the user1.bin build) but user2 runs"
                        + " it from 0x40241010: it would crash on its first irom0 call");
        // A user2 build for another flash map (1 MB: user2 linked at 0x40281010) is refused the same way.
        byte[] otherMap = ImageBuilder.nonosUser(2, FlashLayout.NONOS_1M).flashSizeCode(0).payload(4, 12_000).build();
        assertThatThrownBy(() -> board.updater().stage(otherMap))
                .hasMessageContaining("irom0 is linked at 0x40281010 (another flash map) but user2 runs it from 0x40241010");
        assertThat(board.powerOn()).isInstanceOf(BootResult.Booted.class);
        assertThat(booted(board).image()).isEqualTo(USER1_V1);
    }

    @Test
    void theRightBuildIsStagedAndBoots() throws UpdateException {
        Board board = board();
        Updater updater = board.updater();
        updater.activate(updater.stage(USER2_V2));
        board.reset();
        assertThat(booted(board).slot().name()).isEqualTo("user2");
        assertThat(booted(board).image()).isEqualTo(USER2_V2);
    }

    @Test
    void aWrongSlotImageWrittenBehindTheModelsBackIsInvalidAndBootFallsBack() {
        NonosBoot boot = new NonosBoot(FlashMap.NONOS_512K, TrialBoot.OFF);
        Board board = Board.provisioned(boot, USER1_V1);
        // As a serial flash (or a client that does not check) would leave it: user1.bin in user2, flag on user2.
        NonosBoot.write(board.flash(), FlashMap.NONOS_512K.user2(), USER1_V2);
        SystemParameters.save(board.flash(), FlashMap.NONOS_512K.systemParameters(), Params.FACTORY.next(2, 1, false, 0));
        board.powerOn();
        assertThat(booted(board).slot().name()).isEqualTo("user1");
        assertThat(booted(board).image()).isEqualTo(USER1_V1);
        assertThat(boot.linkProblem(USER1_V2, 2)).startsWith("irom0 is linked at 0x40201010 (the user1.bin build)");
        assertThat(boot.linkProblem(USER1_V2, 1)).isNull();
    }

    @Test
    void anImageWhoseLinkAddressCannotBeInferredIsNotJudged() {
        // SampleFirmware's irom0 is noise: no literal-pool pointers, so core cannot tell the slot.
        NonosBoot boot = new NonosBoot(FlashMap.NONOS_512K, TrialBoot.OFF);
        assertThat(boot.linkProblem(SampleFirmware.nonosUser(1, 0, 1, 10 * 1024), 2)).isNull();
    }
}
