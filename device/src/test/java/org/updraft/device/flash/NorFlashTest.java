package org.updraft.device.flash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NorFlashTest {

    private static byte[] bytes(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void aNewChipReadsErased() {
        NorFlash flash = NorFlash.erased(64 * 1024);
        assertThat(flash.read(0x1234, 3)).containsExactly(0xFF, 0xFF, 0xFF);
        assertThat(flash.size()).isEqualTo(65536);
    }

    @Test
    void theSizeMustBeWholeSectors() {
        assertThatThrownBy(() -> NorFlash.erased(4096 + 256))
                .hasMessageContaining("multiple of 4096");
    }

    @Test
    void programmingCanOnlyClearBits() {
        NorFlash flash = NorFlash.erased(8192);
        flash.program(0x10, new byte[] {(byte) 0xF0});
        flash.program(0x10, new byte[] {(byte) 0x30}); // clears more bits: fine
        assertThat(flash.read(0x10, 1)).containsExactly(0x30);

        assertThatThrownBy(() -> flash.program(0x10, new byte[] {(byte) 0x31}))
                .isInstanceOf(FlashException.class)
                .hasMessage("program over unerased data at 0x000010: flash holds 0x30, program wants 0x31"
                        + " (a program can only clear bits; erase the sector first)");
        assertThat(flash.read(0x10, 1)).as("nothing written").containsExactly(0x30);
    }

    @Test
    void eraseSetsTheWholeSectorBackTo0xFF() {
        NorFlash flash = NorFlash.erased(3 * 4096);
        flash.programPages(0x1000 - 8, bytes(16, 0));
        flash.eraseSector(0x1000);
        assertThat(flash.read(0x1000 - 8, 16)).containsExactly(0, 0, 0, 0, 0, 0, 0, 0,
                0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
        assertThatThrownBy(() -> flash.eraseSector(0x1100)).hasMessageContaining("not 4 KiB aligned");
    }

    @Test
    void aProgramMayNotCrossAPageBoundary() {
        NorFlash flash = NorFlash.erased(4096);
        assertThatThrownBy(() -> flash.program(0xF8, bytes(16, 0)))
                .isInstanceOf(FlashException.class)
                .hasMessage("program of 16 bytes at 0x0000F8 crosses the 256-byte page boundary at 0x000100");
        flash.programPages(0xF8, bytes(16, 0));
        assertThat(flash.programs()).as("split into two page programs").isEqualTo(2);
    }

    @Test
    void accessesOutsideTheChipAreReported() {
        NorFlash flash = NorFlash.erased(4096);
        assertThatThrownBy(() -> flash.read(4090, 8)).hasMessageContaining("outside the 4 KiB chip");
    }

    @Test
    void countersCountReadsErasesProgramsAndOperations() {
        NorFlash flash = NorFlash.erased(8192);
        flash.eraseSector(0);
        flash.programPages(0, bytes(600, 0x55)); // 256 + 256 + 88
        flash.read(0, 10);
        assertThat(flash.erases()).isEqualTo(1);
        assertThat(flash.programs()).isEqualTo(3);
        assertThat(flash.reads()).isEqualTo(1);
        assertThat(flash.operations()).isEqualTo(4);
        flash.arm(FaultPlan.NONE);
        assertThat(flash.operations()).as("arming restarts the numbering").isZero();
    }

    @Test
    void aCopyIsIndependent() {
        NorFlash pristine = NorFlash.erased(8192);
        pristine.programPages(0, bytes(4, 0x11));
        NorFlash copy = pristine.copy();
        copy.eraseSector(0);
        copy.programPages(0, bytes(4, 0x22));
        pristine.programPages(4, bytes(4, 0x33));
        assertThat(pristine.read(0, 8)).containsExactly(0x11, 0x11, 0x11, 0x11, 0x33, 0x33, 0x33, 0x33);
        assertThat(copy.read(0, 8)).containsExactly(0x22, 0x22, 0x22, 0x22, 0xFF, 0xFF, 0xFF, 0xFF);
        assertThat(copy.operations()).isEqualTo(2);
    }

    @Test
    void cutBeforeLeavesTheOperationUnapplied() {
        NorFlash flash = NorFlash.erased(8192);
        flash.arm(FaultPlan.cutAt(2, CutMode.BEFORE, 1));
        flash.program(0, bytes(4, 0));
        assertThatThrownBy(() -> flash.program(4, bytes(4, 0)))
                .isInstanceOf(PowerCut.class)
                .hasMessage("power cut BEFORE flash operation 2 (program 4 bytes at 0x000004)");
        assertThat(flash.read(0, 8)).containsExactly(0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF);
        flash.program(4, bytes(4, 0)); // the plan fired once and is spent
    }

    @Test
    void cutAfterLeavesTheOperationApplied() {
        NorFlash flash = NorFlash.erased(8192);
        flash.programPages(0, bytes(8, 0));
        flash.arm(FaultPlan.cutAt(1, CutMode.AFTER, 1));
        assertThatThrownBy(() -> flash.eraseSector(0)).isInstanceOf(PowerCut.class);
        assertThat(flash.read(0, 8)).containsOnly(0xFF);
    }

    @Test
    void aTornProgramLandsPartlyAndTheSameSeedTearsTheSameWay() {
        byte[] page = new byte[256];
        for (int i = 0; i < page.length; i++) {
            page[i] = (byte) (i * 7);
        }
        byte[] first = tornProgram(page, 42);
        assertThat(first).isEqualTo(tornProgram(page, 42));
        assertThat(first).isNotEqualTo(page).isNotEqualTo(bytes(256, 0xFF));
        for (int i = 0; i < page.length; i++) {
            assertThat((first[i] & page[i]) & 0xFF).as("byte %d only lost bits it was meant to lose", i).isEqualTo(page[i] & 0xFF);
        }
        boolean someSeedDiffers = false;
        for (long seed = 1; seed < 20 && !someSeedDiffers; seed++) {
            someSeedDiffers = !Arrays.equals(first, tornProgram(page, 42 + seed));
        }
        assertThat(someSeedDiffers).isTrue();
    }

    /**
     * The third torn-program pattern: 32-bit words land in order and the power goes while one is in
     * flight; the words before it are complete, it has some of its bits, the ones after none.
     */
    @Test
    void someSeedsTearAPageWordByWord() {
        byte[] page = bytes(256, 0x00);
        int wordTorn = 0;
        for (long seed = 1; seed <= 300; seed++) {
            byte[] torn = tornProgram(page, seed);
            int landed = 0;
            while (landed < 256 && torn[landed] == 0) {
                landed++;
            }
            int word = landed / 4 * 4;
            boolean restUntouched = true;
            for (int i = word + 4; i < 256; i++) {
                restUntouched &= torn[i] == (byte) 0xFF;
            }
            boolean partlyInFlight = false;
            for (int i = landed; i < Math.min(256, word + 4); i++) {
                partlyInFlight |= torn[i] != 0 && torn[i] != (byte) 0xFF;
            }
            if (landed < 252 && restUntouched && partlyInFlight) {
                wordTorn++;
            }
        }
        assertThat(wordTorn).as("seeds out of 300 whose tear stops inside one word").isBetween(50, 150);
    }

    @Test
    void aTornEraseLeavesAMixOfErasedAndOldBytesDeterministically() {
        byte[] first = tornErase(7);
        assertThat(first).isEqualTo(tornErase(7));
        int erased = 0;
        int old = 0;
        for (byte b : first) {
            erased += b == (byte) 0xFF ? 1 : 0;
            old += b == 0x00 ? 1 : 0;
        }
        assertThat(erased).isBetween(1000, 4095);
        assertThat(old).isBetween(1000, 4095);
    }

    private static byte[] tornProgram(byte[] page, long seed) {
        NorFlash flash = NorFlash.erased(4096);
        flash.arm(FaultPlan.cutAt(1, CutMode.TORN, seed));
        assertThatThrownBy(() -> flash.program(0, page)).isInstanceOf(PowerCut.class);
        return flash.read(0, 256);
    }

    private static byte[] tornErase(long seed) {
        NorFlash flash = NorFlash.erased(4096);
        flash.programPages(0, bytes(4096, 0));
        flash.arm(FaultPlan.cutAt(1, CutMode.TORN, seed));
        assertThatThrownBy(() -> flash.eraseSector(0)).isInstanceOf(PowerCut.class);
        return flash.read(0, 4096);
    }
}
