package org.updraft.device.powercut;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.updraft.device.powercut.PowerCutEnumeration.Depth;

/**
 * The deep enumeration's bounded form: real-size images (NONOS ~300 KiB, ESP32 ~1 MiB), second cuts
 * during the recovery boots (every one) and the retried update (one drawn per first cut), two torn
 * patterns per TORN cut; the first cuts are the first and last operation of each scenario in every
 * mode plus 1 drawn between. One model of each kind; the full form is {@code updraft simulate
 * powercut} (docs/power-cut.md).
 */
class DeepPowerCutTest {
    static final Depth BOUNDED = new Depth(1, 1, true, 1, 2);
    private static Report report;

    @BeforeAll
    static void enumerate() {
        report = new PowerCutEnumeration(1, BOUNDED).run(profiles(Profile.Images.REAL));
        System.out.print(report.table());
    }

    private static List<Profile> profiles(Profile.Images images) {
        return Profile.all(images).stream().filter(p -> List.of("nonos+trial2/nonos-1m", "idf-otadata+rollback/esp32-4m",
                "eboot-copy/arduino-1m").contains(p.name())).toList();
    }

    @Test
    void theImagesAreRealSize() {
        // 300 KiB + 8 KiB: 77 sectors, each 1 erase + 16 page programs, then 4 parameter operations,
        // 4 more for the trial boot and 4 for the confirmation.
        assertThat(report.row("nonos+trial2/nonos-1m", "update").operations()).isEqualTo(1321);
        // 1024 KiB + 8 KiB: 258 sectors × 17, the otadata entry (erase + program), PENDING_VERIFY, VALID.
        assertThat(report.row("idf-otadata+rollback/esp32-4m", "update").operations()).isEqualTo(4391);
        // stage 77 sectors and copy them over the sketch: 2 × 77 × 17
        assertThat(report.row("eboot-copy/arduino-1m", "update").operations()).isEqualTo(2618);
    }

    @Test
    void theTwoSlotModelsNeverBrickEvenWhenCutTwice() {
        for (Row row : report.rows()) {
            if (!row.profile().startsWith("eboot")) {
                assertThat(row.bricks()).as(row.profile() + " " + row.scenario()).isZero();
                assertThat(row.secondBricks()).as(row.profile() + " " + row.scenario() + " " + row.secondBrickPoints())
                        .isZero();
                assertThat(row.old() + row.updated()).isEqualTo(row.cuts());
                assertThat(row.failedFollowUps()).as(row.profile() + " " + row.scenario()).isEmpty();
            }
        }
    }

    @Test
    void secondCutsLandInTheRecoveryBootsAndInTheRetry() {
        Row trial = report.row("nonos+trial2/nonos-1m", "update");
        // first cuts: operations 1 and 1321 in BEFORE, TORN ×2, AFTER, and 1 drawn: 9
        assertThat(trial.cuts()).isEqualTo(9);
        // none of them leaves anything for the recovery boots to write (a cut in the confirmation
        // leaves the confirmed copy or the trial copy, whose next boot confirms it: see revert), so
        // the second cuts are the one retry cut each
        assertThat(trial.secondCuts()).isEqualTo(9);
        // revert: every cut lands in the trial boots, and so do the recovery boots' own writes
        Row revert = report.row("nonos+trial2/nonos-1m", "revert");
        assertThat(revert.secondCuts()).isGreaterThan(10 * revert.cuts());
        Row idf = report.row("idf-otadata+rollback/esp32-4m", "revert");
        assertThat(idf.secondCuts()).isGreaterThan(idf.cuts());
    }

    @Test
    void theCopySchemeBricksAndTheTableSaysSo() {
        Row update = report.row("eboot-copy/arduino-1m", "update");
        // the last operation is the copy's last page program: cut before it, the sketch is not whole
        assertThat(update.brickPoints()).contains("BEFORE@2618");
        assertThat(update.bricks() + update.secondBricks()).isPositive();
        assertThat(report.table()).contains("eboot-copy/arduino-1m").contains("BEFORE ");
    }

    @Test
    void theSameSeedGivesTheSameTableAndAnotherSeedOtherCutPoints() {
        List<Profile> one = Profile.all(Profile.Images.SMALL).stream()
                .filter(p -> p.name().equals("eboot-copy/arduino-1m")).toList();
        Depth sampled = new Depth(6, 1, true, 1, 2);
        String first = new PowerCutEnumeration(5, sampled).run(one).table();
        assertThat(new PowerCutEnumeration(5, sampled).run(one).table()).isEqualTo(first);
        assertThat(new PowerCutEnumeration(6, sampled).run(one).table()).isNotEqualTo(first);
    }
}
