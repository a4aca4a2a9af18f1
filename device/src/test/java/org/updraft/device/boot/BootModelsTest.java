package org.updraft.device.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.updraft.device.flash.NorFlash;
import org.updraft.device.powercut.SampleFirmware;

class BootModelsTest {

    private static byte[] nonos(int slot, int version) {
        return SampleFirmware.nonosUser(slot, 0, version, 10 * 1024);
    }

    private static byte[] esp32(String version) {
        return SampleFirmware.esp32(version, 12 * 1024);
    }

    private static String slotName(BootResult result) {
        return ((BootResult.Booted) result).slot().name();
    }

    private static byte[] image(BootResult result) {
        return ((BootResult.Booted) result).image();
    }

    private static void update(Board board, byte[] image) throws UpdateException {
        Updater updater = board.updater();
        updater.activate(updater.stage(image));
    }

    @Test
    void sampleImagesPassTheStructuralCheck() {
        assertThat(ImageWalk.check(nonos(1, 1), ImageKind.NONOS_V2)).isNull();
        assertThat(ImageWalk.check(SampleFirmware.arduino(4, 1, 14 * 1024), ImageKind.ARDUINO)).isNull();
        assertThat(ImageWalk.check(esp32("1.0.0"), ImageKind.ESP32)).isNull();
        byte[] broken = esp32("1.0.0");
        broken[100] ^= 1;
        assertThat(ImageWalk.check(broken, ImageKind.ESP32)).startsWith("checksum mismatch");
    }

    @Test
    void nonosBootsUser2AfterTheFlagFlipsAndFallsBackToUser1WhenUser2IsInvalid() throws Exception {
        NonosBoot boot = new NonosBoot(FlashMap.NONOS_512K, TrialBoot.OFF);
        Board board = Board.provisioned(boot, nonos(1, 1));
        assertThat(slotName(board.state())).isEqualTo("user1");

        update(board, nonos(2, 2));
        assertThat(slotName(board.reset())).isEqualTo("user2");
        assertThat(image(board.state())).isEqualTo(nonos(2, 2));

        board.flash().eraseSector(0x41000); // user2's header gone
        assertThat(slotName(board.powerOn())).as("fallback to the other slot").isEqualTo("user1");
        assertThat(image(board.state())).isEqualTo(nonos(1, 1));
    }

    @Test
    void chipsRunningTheSameImageShareOneCopyOfItAndADifferentImageGetsItsOwn() throws Exception {
        NonosBoot boot = new NonosBoot(FlashMap.NONOS_512K, TrialBoot.OFF);
        Board first = Board.provisioned(boot, nonos(1, 7));
        Board second = Board.provisioned(boot, nonos(1, 7));
        assertThat(image(second.state())).isSameAs(image(first.state())).isEqualTo(nonos(1, 7));

        update(second, nonos(2, 8));
        second.reset();
        assertThat(image(second.state())).isEqualTo(nonos(2, 8)).isNotSameAs(image(first.state()));
        assertThat(image(first.state())).as("the first chip still runs its own image").isEqualTo(nonos(1, 7));
        assertThat(BootedImages.intern(((BootResult.Booted) second.state()).sha256(), nonos(2, 8)))
                .isSameAs(image(second.state()));
    }

    @Test
    void nonosParametersSurviveATornFlagBecauseTheNewerCopyWins() {
        NorFlash flash = NorFlash.erased(0x80000);
        int base = FlashMap.NONOS_512K.systemParameters();
        SystemParameters.save(flash, base, SystemParameters.Params.FACTORY.next(1, 1, false, 0));
        SystemParameters.save(flash, base, SystemParameters.Params.FACTORY.next(2, 1, false, 0).next(2, 1, false, 0));
        assertThat(SystemParameters.read(flash, base).params().slot()).isEqualTo(2);
        flash.eraseSector(base + 0x2000); // the flag sector erased, as by a cut between erase and program
        assertThat(SystemParameters.read(flash, base).params().slot()).as("highest sequence").isEqualTo(2);
        flash.eraseSector(base + 0x1000); // copy B (seq 2) gone as well
        assertThat(SystemParameters.read(flash, base).params().slot()).isEqualTo(1);
    }

    @Test
    void aTrialImageThatNeverConfirmsIsRevertedAfterItsBoots() throws Exception {
        NonosBoot boot = new NonosBoot(FlashMap.NONOS_1M, TrialBoot.of(2));
        Board board = Board.provisioned(boot, SampleFirmware.nonosUser(1, 2, 1, 10 * 1024));
        update(board, SampleFirmware.nonosUser(2, 2, 2, 10 * 1024));

        assertThat(slotName(board.reset())).isEqualTo("user2");
        assertThat(board.updater().pendingConfirm()).isTrue();
        assertThat(slotName(board.reset())).as("second trial boot").isEqualTo("user2");
        assertThat(slotName(board.reset())).as("two boots unconfirmed: revert").isEqualTo("user1");
        assertThat(board.updater().pendingConfirm()).isFalse();
        assertThat(slotName(board.powerOn())).isEqualTo("user1");
    }

    @Test
    void aConfirmedTrialImageStays() throws Exception {
        NonosBoot boot = new NonosBoot(FlashMap.NONOS_4M_MAP6, TrialBoot.of(1));
        Board board = Board.provisioned(boot, SampleFirmware.nonosUser(1, 6, 1, 10 * 1024));
        update(board, SampleFirmware.nonosUser(2, 6, 2, 10 * 1024));
        assertThat(slotName(board.reset())).isEqualTo("user2");
        board.updater().confirm();
        for (int i = 0; i < 3; i++) {
            assertThat(slotName(board.powerOn())).isEqualTo("user2");
        }
    }

    @Test
    void theSlotWriterRefusesWhatIsNotAnImageAndTheOldImageKeepsBooting() throws Exception {
        NonosBoot boot = new NonosBoot(FlashMap.NONOS_512K, TrialBoot.OFF);
        Board board = Board.provisioned(boot, nonos(1, 1));
        byte[] html = "<html><body>Index of /firmware</body></html>".repeat(200).getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> board.updater().stage(html))
                .isInstanceOf(UpdateException.class)
                .hasMessageStartingWith("not a valid image for user2: no v2 image: expected EA 04 at offset 0, found 3C 68");
        assertThatThrownBy(() -> board.updater().begin(0x3A001))
                .hasMessageContaining("does not fit user2@0x041000+0x3A000");
        assertThat(slotName(board.powerOn())).isEqualTo("user1");
        assertThatThrownBy(() -> board.updater().stage(SampleFirmware.nonosUser(2, 4, 2, 10 * 1024)))
                .hasMessageEndingWith("header says a 4096 KiB flash (size code 4) but the chip has 512 KiB");
    }

    @Test
    void otadataCrcIsTheRomCrc32OfTheSequenceNumber() {
        // otadata of a device that ran one OTA to app0: 01 00 00 00, label FF.., state, crc 9A 98 43 47
        assertThat(IdfOtaData.crc(1)).isEqualTo(0x4743989A);
    }

    @Test
    void otadataSelectsTheValidEntryWithTheHighestSequence() {
        IdfOtaData idf = new IdfOtaData(FlashMap.ESP32_4M, false);
        NorFlash flash = NorFlash.erased(0x400000);
        idf.provision(flash, esp32("1.0.0"));
        NonosBoot.write(flash, FlashMap.ESP32_4M.app(1), esp32("2.0.0"));
        RtcMemory rtc = new RtcMemory();
        assertThat(slotName(idf.boot(flash, rtc))).as("blank otadata: app0").isEqualTo("app0");

        idf.writeEntry(flash, 0, IdfOtaData.Entry.of(1, IdfOtaData.UNDEFINED));
        idf.writeEntry(flash, 1, IdfOtaData.Entry.of(2, IdfOtaData.UNDEFINED));
        assertThat(slotName(idf.boot(flash, rtc))).as("seq 2 → app[(2-1)%2]").isEqualTo("app1");

        idf.writeEntry(flash, 1, new IdfOtaData.Entry(2, IdfOtaData.UNDEFINED, 0x12345678));
        assertThat(slotName(idf.boot(flash, rtc))).as("seq 2 has a bad CRC: seq 1 wins").isEqualTo("app0");

        idf.writeEntry(flash, 0, IdfOtaData.Entry.of(3, IdfOtaData.UNDEFINED));
        assertThat(slotName(idf.boot(flash, rtc))).isEqualTo("app0");
    }

    @Test
    void anUnconfirmedIdfImageIsAbortedAtTheNextResetAndThePreviousAppBoots() throws Exception {
        IdfOtaData idf = new IdfOtaData(FlashMap.ESP32_4M, true);
        Board board = Board.provisioned(idf, esp32("1.0.0"));
        update(board, esp32("2.0.0"));
        assertThat(idf.readEntries(board.flash())[0]).isEqualTo(IdfOtaData.Entry.of(2, IdfOtaData.NEW));

        assertThat(slotName(board.reset())).isEqualTo("app1");
        assertThat(idf.readEntries(board.flash())[0].state()).isEqualTo(IdfOtaData.PENDING_VERIFY);
        assertThat(board.updater().pendingConfirm()).isTrue();

        assertThat(slotName(board.reset())).as("rolled back").isEqualTo("app0");
        assertThat(idf.readEntries(board.flash())[0].state()).isEqualTo(IdfOtaData.ABORTED);
        assertThat(image(board.state())).isEqualTo(esp32("1.0.0"));
    }

    @Test
    void aConfirmedIdfImageBecomesValid() throws Exception {
        IdfOtaData idf = new IdfOtaData(FlashMap.ESP32_4M, true);
        Board board = Board.provisioned(idf, esp32("1.0.0"));
        update(board, esp32("2.0.0"));
        board.reset();
        board.updater().confirm();
        assertThat(idf.readEntries(board.flash())[0].state()).isEqualTo(IdfOtaData.VALID);
        assertThat(slotName(board.powerOn())).isEqualTo("app1");

        update(board, esp32("3.0.0"));
        assertThat(idf.readEntries(board.flash())[1]).as("written into the sector not holding the max")
                .isEqualTo(IdfOtaData.Entry.of(3, IdfOtaData.NEW));
        assertThat(slotName(board.reset())).isEqualTo("app0");
    }

    @Test
    void theEbootCommandSurvivesASoftResetButNotAPowerCut() throws Exception {
        EbootCopy eboot = new EbootCopy(FlashMap.ARDUINO_4M);
        byte[] v1 = SampleFirmware.arduino(4, 1, 14 * 1024);
        byte[] v2 = SampleFirmware.arduino(4, 2, 16 * 1024);

        Board board = Board.provisioned(eboot, v1);
        update(board, v2);
        assertThat(EbootCopy.readCommand(board.rtc())).isNotNull();
        assertThat(image(board.powerOn())).as("power lost: RTC forgot the command").isEqualTo(v1);

        update(board, v2);
        assertThat(image(board.reset())).as("ESP.restart(): eboot copies").isEqualTo(v2);
        assertThat(EbootCopy.readCommand(board.rtc())).as("cleared after the copy").isNull();
    }

    @Test
    void arduinoStagesTheImageRightBelowTheFileSystem() throws Exception {
        EbootCopy eboot = new EbootCopy(FlashMap.ARDUINO_1M);
        Board board = Board.provisioned(eboot, SampleFirmware.arduino(2, 1, 14 * 1024));
        StagedImage staged = board.updater().stage(SampleFirmware.arduino(2, 2, 16 * 1024));
        // updateStartAddress = FS_start - roundup4K(size) = 0xEB000 - 0x4000
        assertThat(staged.region().offset()).isEqualTo(0xEB000 - 0x4000);
    }
}
