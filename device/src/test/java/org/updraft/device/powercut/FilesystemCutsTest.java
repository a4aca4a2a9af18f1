package org.updraft.device.powercut;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which power cuts lose the file system (docs/power-cut.md, "Filesystem updates"): written in
 * place, every cut between the first erase and the last page program does; with ATOMIC_FS_UPDATE
 * none during the download, every one during eboot's copy. The sketch boots after every cut.
 */
class FilesystemCutsTest {

    static final List<FilesystemCuts.FsRow> ROWS = new FilesystemCuts(1).run();

    @Test
    void inPlaceEveryCutButBeforeTheFirstEraseAndAfterTheLastProgramLosesTheFileSystem() {
        for (FilesystemCuts.FsRow row : List.of(ROWS.get(0), ROWS.get(2))) {
            assertThat(row.scenario()).isEqualTo("fs-in-place");
            assertThat(row.cuts()).isEqualTo(3 * row.operations());
            assertThat(row.old()).as(row.profile()).isEqualTo(1);
            assertThat(row.updated()).as(row.profile()).isEqualTo(1);
            assertThat(row.lost()).as(row.profile()).isEqualTo(3 * row.operations() - 2);
            assertThat(row.lostPoints()).startsWith("TORN@1", "AFTER@1").doesNotContain("BEFORE@1", "AFTER@" + row.operations());
            assertThat(row.failedRetries()).isEmpty();
        }
        assertThat(ROWS.get(0).profile()).isEqualTo("eboot-copy/arduino-1m");
        assertThat(ROWS.get(2).profile()).isEqualTo("idf-otadata/esp32-4m");
    }

    @Test
    void atomicLosesNothingWhileTheImageIsStagedAndTheFileSystemOnEveryCutOfEbootsCopy() {
        FilesystemCuts.FsRow row = ROWS.get(1);
        assertThat(row.scenario()).isEqualTo("fs-atomic");
        int staging = row.operations() / 2;
        // staging and copy write the same 16 sectors: half the operations each
        assertThat(row.operations()).isEqualTo(2 * staging);
        assertThat(row.old()).isEqualTo(3 * staging + 1);
        assertThat(row.updated()).isEqualTo(1);
        assertThat(row.lost()).isEqualTo(3 * staging - 2);
        assertThat(row.lostPoints().get(0)).isEqualTo("TORN@" + (staging + 1));
        assertThat(row.failedRetries()).isEmpty();
    }

    @Test
    void theTableNamesTheCutPointsThatLoseTheFileSystem() {
        String table = FilesystemCuts.table(ROWS);
        int n = ROWS.get(0).operations();
        assertThat(table.lines().toList().get(1)).startsWith("eboot-copy/arduino-1m            fs-in-place")
                .endsWith("BEFORE 2-" + n + "; TORN 1-" + n + "; AFTER 1-" + (n - 1));
    }
}
