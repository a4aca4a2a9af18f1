package org.updraft.device.powercut;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every boot model × every layout it supports, every flash operation, every cut mode, one cut per
 * run, small images ({@link PowerCutEnumeration.Depth#SINGLE}). One run (seed 1) feeds all
 * assertions; it takes a few seconds. Second cuts and real-size images: {@link DeepPowerCutTest}.
 */
class PowerCutEnumerationTest {
    private static Report report;

    @BeforeAll
    static void enumerate() {
        report = new PowerCutEnumeration(1).run(Profile.all());
        System.out.print(report.table());
    }

    @Test
    void nonosAndIdfNeverBrick() {
        for (Row row : report.rows()) {
            if (!row.profile().startsWith("eboot")) {
                assertThat(row.bricks()).as(row.profile() + " " + row.scenario()).isZero();
                assertThat(row.old() + row.updated()).isEqualTo(row.cuts());
            }
        }
    }

    @Test
    void everyCutThatDoesNotBrickIsFollowedByAnUpdateThatCompletes() {
        for (Row row : report.rows()) {
            assertThat(row.failedFollowUps()).as(row.profile() + " " + row.scenario()).isEmpty();
        }
    }

    @Test
    void everyModelAndLayoutIsEnumeratedWithTheExpectedScenarios() {
        assertThat(report.rows()).hasSize(8 * 2 + 4 * 1 + 2 * 2 + 2 * 2 + 1);
        assertThat(report.row("nonos/nonos-512k", "update").operations())
                .as("3 sector erases + 48 page programs of a 12 KiB image, 4 for the parameters").isEqualTo(55);
        assertThat(report.row("idf-otadata+rollback/esp32-4m", "revert").operations())
                .as("NEW→PENDING_VERIFY, then PENDING_VERIFY→ABORTED: erase + program each").isEqualTo(4);
    }

    @Test
    void trialBootAndRollbackAlwaysEndOnTheOldImage() {
        for (String profile : new String[] {"nonos+trial2/nonos-512k", "nonos+trial2/nonos-1m",
                "nonos+trial2/nonos-4m-map4", "nonos+trial2/nonos-4m-map6", "idf-otadata+rollback/esp32-4m"}) {
            Row revert = report.row(profile, "revert");
            assertThat(revert.old()).as(profile).isEqualTo(revert.cuts());
        }
    }

    /**
     * EbootCopy is not power-safe while eboot copies the staged image over 0x0, and it cannot
     * resume: the copy command lived in RTC memory. The update v1 (14 KiB) → v2 (16 KiB): ops
     * 1–68 stage v2 (4 sectors × (1 erase + 16 page programs)); the RTC command costs none; ops
     * 69–136 are eboot's copy, sector k's erase at 69+17k. A cut anywhere in it bricks, except
     * where the flash happens to hold an intact image: after sector 0 (eboot, identical in both
     * versions) is rewritten and before sector 1 is erased (AFTER 85 = BEFORE 86 = old), and at the
     * very end (BEFORE 69 = nothing copied yet = old; TORN 136 with seed 1 lands the last 33 bytes
     * of the last page; AFTER 136 = new).
     */
    @Test
    void ebootCopyBricksExactlyWhileCopyingTheSketch() {
        for (String profile : new String[] {"eboot-copy/arduino-1m", "eboot-copy/arduino-4m"}) {
            Row update = report.row(profile, "update");
            assertThat(update.operations()).isEqualTo(136);
            assertThat(Report.compress(update.brickPoints()))
                    .isEqualTo("BEFORE 70-85,87-136; TORN 69-135; AFTER 69-84,86-135");
            assertThat(update.bricks()).isEqualTo(199);

            // v2 → v3 (18 KiB): staging 4 full sectors + 1 sector with 8 pages = ops 1–77, copy 78–162
            // (5 sectors); pages 155–162 of the last sector lie past the image and hold only 0xFF.
            Row second = report.row(profile, "second-update");
            assertThat(second.operations()).isEqualTo(162);
            assertThat(Report.compress(second.brickPoints()))
                    .isEqualTo("BEFORE 79-94,96-154; TORN 78-154; AFTER 78-93,95-153");
            assertThat(second.bricks()).isEqualTo(227);
        }
    }

    @Test
    void theTableNamesEveryProfile() {
        assertThat(report.table().lines().findFirst().orElseThrow())
                .startsWith("profile").contains("ops", "cuts", "old", "new", "brick");
        assertThat(report.table()).contains("eboot-copy/arduino-4m            update           136    408    207      2    199"
                + "       0       0  BEFORE 70-85,87-136");
    }

    @Test
    void cutPointsAreCompressedIntoRanges() {
        assertThat(Report.compress(java.util.List.of("BEFORE@5", "BEFORE@6", "BEFORE@8", "TORN@4")))
                .isEqualTo("BEFORE 5-6,8; TORN 4");
        assertThat(Report.compress(java.util.List.of("TORN@4", "TORN@4#1", "TORN@5#1", "AFTER@9")))
                .as("torn variants of one operation count once").isEqualTo("TORN 4-5; AFTER 9");
    }
}
