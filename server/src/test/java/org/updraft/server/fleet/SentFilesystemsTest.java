package org.updraft.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.server.TestDatabase;
import org.updraft.server.store.Database;
import org.updraft.server.store.EmbeddedDatabase;

/** The record of file system images sent and confirmed, on both databases, across a reload (docs/device-contract.md). */
class SentFilesystemsTest {

    static final String MAC = "DE:BA:7A:F5:10:01";
    static final String FS1 = "1".repeat(64);
    static final String FS2 = "2".repeat(64);
    static final Instant AT = Instant.parse("2026-01-02T03:04:05.123456Z");

    @TempDir
    Path dir;

    Database open(TestDatabase.Instance db) {
        return Database.open(db.jdbcUrl() == null ? EmbeddedDatabase.url(dir) : db.jdbcUrl());
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void sentThenConfirmedBySketchCheckInAndKeptAcrossARestart(TestDatabase kind) {
        try (TestDatabase.Instance db = kind.create(dir); Database database = open(db)) {
            SentFilesystems sent = new SentFilesystems(database.jdbi());
            sent.sketchCheckIn(MAC, AT);
            assertThat(sent.pending(MAC, FS1)).isFalse();

            assertThat(sent.sending(MAC, FS1, AT)).isNull();
            assertThat(sent.pending(MAC, FS1)).isTrue();
            assertThat(sent.confirmed(MAC, FS1)).isFalse();

            sent.sketchCheckIn(MAC, AT.plusSeconds(5));
            assertThat(sent.confirmed(MAC, FS1)).isTrue();
            assertThat(sent.confirmed(MAC, FS2)).isFalse();

            SentFilesystems reloaded = new SentFilesystems(database.jdbi());
            assertThat(reloaded.confirmed(MAC, FS1)).isTrue();
            assertThat(reloaded.pending(MAC, FS1)).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aBrokenTransferPutsBackWhatTheDeviceHadBefore(TestDatabase kind) {
        try (TestDatabase.Instance db = kind.create(dir); Database database = open(db)) {
            SentFilesystems sent = new SentFilesystems(database.jdbi());
            sent.sending(MAC, FS1, AT);
            sent.sketchCheckIn(MAC, AT);

            SentFilesystems.Sent before = sent.sending(MAC, FS2, AT.plusSeconds(60));
            assertThat(before).isEqualTo(new SentFilesystems.Sent(FS1, true));
            assertThat(sent.pending(MAC, FS2)).isTrue();
            sent.broken(MAC, FS2, before, AT.plusSeconds(61));

            assertThat(sent.confirmed(MAC, FS1)).isTrue();
            assertThat(new SentFilesystems(database.jdbi()).confirmed(MAC, FS1)).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aBrokenFirstTransferLeavesNoRecordAndAResentConfirmedImageStaysConfirmed(TestDatabase kind) {
        try (TestDatabase.Instance db = kind.create(dir); Database database = open(db)) {
            SentFilesystems sent = new SentFilesystems(database.jdbi());
            sent.broken(MAC, FS1, sent.sending(MAC, FS1, AT), AT);
            assertThat(sent.pending(MAC, FS1)).isFalse();
            assertThat(new SentFilesystems(database.jdbi()).pending(MAC, FS1)).isFalse();

            sent.sending(MAC, FS1, AT);
            sent.sketchCheckIn(MAC, AT);
            // a second transfer decided before the confirmation was heard ends after it
            sent.sending(MAC, FS1, AT.plusSeconds(1));
            assertThat(sent.confirmed(MAC, FS1)).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void anotherInstancesWritesAreTakenOnReloadOfTheDeviceOrOfEverything(TestDatabase kind) {
        try (TestDatabase.Instance db = kind.create(dir); Database database = open(db)) {
            SentFilesystems a = new SentFilesystems(database.jdbi());
            SentFilesystems b = new SentFilesystems(database.jdbi());
            String other = "DE:BA:7A:F5:10:02";

            SentFilesystems.Sent before = a.sending(MAC, FS1, AT);
            a.sending(other, FS2, AT);
            assertThat(b.pending(MAC, FS1)).as("not read yet").isFalse();
            b.reload(MAC);
            assertThat(b.pending(MAC, FS1)).isTrue();
            assertThat(b.pending(other, FS2)).as("only the device named is read").isFalse();

            b.sketchCheckIn(MAC, AT.plusSeconds(5));
            a.reload(MAC);
            assertThat(a.confirmed(MAC, FS1)).as("confirmed by the check-in B answered").isTrue();

            b.reloadAll();
            assertThat(b.pending(other, FS2)).isTrue();
            a.broken(other, FS2, null, AT.plusSeconds(6));
            b.sending(MAC, FS2, AT.plusSeconds(7));
            a.reloadAll();
            assertThat(a.pending(MAC, FS2)).isTrue();
            b.reloadAll();
            assertThat(b.pending(other, FS2)).as("the row A deleted is gone after a full reload").isFalse();
            assertThat(before).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aReloadOfADeviceWhoseRowWasDeletedForgetsIt(TestDatabase kind) {
        try (TestDatabase.Instance db = kind.create(dir); Database database = open(db)) {
            SentFilesystems a = new SentFilesystems(database.jdbi());
            SentFilesystems b = new SentFilesystems(database.jdbi());
            a.sending(MAC, FS1, AT);
            b.reload(MAC);
            assertThat(b.pending(MAC, FS1)).isTrue();

            a.broken(MAC, FS1, null, AT.plusSeconds(1));
            b.reload(MAC);

            assertThat(b.pending(MAC, FS1)).isFalse();
        }
    }
}
