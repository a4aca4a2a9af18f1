package org.updraft.device.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.NonosBoot;
import org.updraft.device.boot.TrialBoot;
import org.updraft.device.flash.NorFlash;

/** NonosUpgradeClient against a scripted server: the SDK demo request and system_upgrade_start's rules. */
class NonosUpgradeClientTest {
    static final byte[] U1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).version("1").payload(1, 9_000).build();
    static final byte[] U2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).version("2").payload(2, 10_000).build();
    static final Identity ID = Identity.of("5C:CF:7F:00:00:01", "2.2.1");

    static Board board() {
        return Board.provisioned(new NonosBoot(FlashMap.NONOS_512K, TrialBoot.OFF), U1);
    }

    static NonosUpgradeClient client(Board board, ScriptedServer s) {
        return NonosUpgradeClient.updraft(board, URI.create("http://127.0.0.1:" + s.port()), "relay", ID, "1")
                .timeouts(Duration.ofMillis(500), Duration.ofMillis(200));
    }

    @Test
    void sendsTheApplicationsUrlAndTheDemoHeadersIgnoresTheStatusAndBootsUser2() throws Exception {
        Board board = board();
        try (ScriptedServer s = ScriptedServer.answering("HTTP/1.1 500 Whatever\r\nContent-Length: " + U2.length + "\r\n\r\n", U2)) {
            UpdateOutcome o = client(board, s).token("0123456789abcdef").upgrade();
            assertThat(o).isInstanceOf(UpdateOutcome.Updated.class);
            assertThat(s.request()).isEqualTo("GET /u/relay/user2.bin?mac=5C:CF:7F:00:00:01&version=1 HTTP/1.0\r\n"
                    + "Host: 127.0.0.1:" + s.port() + "\r\n"
                    + "Connection: keep-alive\r\n"
                    + "Cache-Control: no-cache\r\n"
                    + "User-Agent: Mozilla/5.0 (Windows NT 5.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/30.0.1599.101 Safari/537.36 \r\n"
                    + "Accept: */*\r\n"
                    + "Authorization: token 0123456789abcdef\r\n"
                    + "Accept-Encoding: gzip,deflate,sdch\r\n"
                    + "Accept-Language: zh-CN,zh;q=0.8\r\n\r\n");
        }
        BootResult.Booted booted = (BootResult.Booted) board.state();
        assertThat(booted.slot().name()).isEqualTo("user2");
        assertThat(booted.image()).isEqualTo(U2);
        assertThat(NonosUpgradeClient.updraft(board, URI.create("http://h:1"), "relay", ID, "2").fileName()).isEqualTo("user1.bin");
    }

    @Test
    void failuresKeepUser1() throws Exception {
        expect("HTTP/1.0 200 OK\r\ncontent-length: " + U2.length + "\r\n\r\n", U2, "first segment lacks");
        expect("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", new byte[0], "Content-Length is missing or 0");
        expect("HTTP/1.0 200 OK\r\nContent-Length: " + U2.length + "\r\n\r\n", java.util.Arrays.copyOf(U2, 4000),
                "connection closed after 4000 of " + U2.length + " bytes");
        byte[] bad = U2.clone();
        bad[5000] ^= 1;
        expect("HTTP/1.0 200 OK\r\nContent-Length: " + U2.length + "\r\n\r\n", bad, "upgrade_crc_check: ");
        Board board = board();
        try (ScriptedServer s = new ScriptedServer("HTTP/1.0 200 OK\r\nContent-Length: 9000\r\n\r\n".getBytes(), true)) {
            assertThat(client(board, s).upgrade()).isEqualTo(new UpdateOutcome.Failed(0, "check_times timer expired after 200 ms"));
        }
        assertThat(((BootResult.Booted) board.powerOn()).image()).isEqualTo(U1);
    }

    @Test
    void aCloseWithoutAByteIsUpdraftsNothingToDo() throws Exception {
        Board board = board();
        try (ScriptedServer s = new ScriptedServer(new byte[0], false)) {
            assertThat(client(board, s).upgrade()).isInstanceOf(UpdateOutcome.NoUpdate.class);
        }
    }

    private static void expect(String head, byte[] body, String message) throws Exception {
        Board board = board();
        try (ScriptedServer s = ScriptedServer.answering(head, body)) {
            UpdateOutcome o = client(board, s).upgrade();
            assertThat(o).isInstanceOf(UpdateOutcome.Failed.class);
            assertThat(((UpdateOutcome.Failed) o).message()).startsWith(message);
        }
        assertThat(((BootResult.Booted) board.powerOn()).image()).isEqualTo(U1);
    }
    /** The user1.bin build of v2: a correct image with a correct CRC, linked for the slot that is running. */
    static final byte[] USER1_V2 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).version("2").payload(3, 10_000).build();
    /** What a misconfigured web server answers for a missing file, with a length, as a 200. */
    static final byte[] HTML = ("<!DOCTYPE html>\n<html><head><title>Not here</title></head>\n<body><p>The firmware moved."
            + " Log in to download it.</p></body></html>\n").repeat(40).getBytes(StandardCharsets.US_ASCII);

    static Board stockBoard() {
        return Board.provisioned(NonosBoot.stock(FlashMap.NONOS_512K), U1);
    }

    static String ok(int length) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n\r\n";
    }

    /**
     * A server (or a proxy) answers user2.bin with the user1.bin build. system_upgrade_start
     * writes it into user2, its CRC is right, so the flag says FINISH and system_upgrade_reboot
     * flips to user2: boot.bin jumps into code linked for user1 and the chip crash-loops.
     */
    @Test
    void theBuildForTheOtherSlotIsWrittenSelectedAndCrashLoopsOnBootBin() throws Exception {
        Board board = stockBoard();
        UpdateOutcome o;
        try (ScriptedServer s = ScriptedServer.answering(ok(USER1_V2.length), USER1_V2)) {
            o = client(board, s).upgrade();
        }
        assertThat(o).isInstanceOf(UpdateOutcome.Updated.class);
        assertThat(((UpdateOutcome.Updated) o).staged().region().name()).isEqualTo("user2");
        assertThat(((NonosBoot) board.bootloader()).selectedSlot(board.flash())).isEqualTo(2);
        assertThat(board.state()).isEqualTo(new BootResult.Bricked("boot.bin jumps into user2: irom0 is linked at"
                + " 0x40201010 (the user1.bin build) but user2 runs it from 0x40241010: it would crash on its first irom0"
                + " call; it crash-loops until reflashed over serial"));
        assertThat(board.powerOn()).isInstanceOf(BootResult.Bricked.class); // every boot, not just the first
    }

    /** The same download on Updraft's verifying boot model: flipped all the same, then the fallback boots user1. */
    @Test
    void onTheVerifyingBootModelTheSameFlipFallsBackToUser1() throws Exception {
        Board board = board();
        try (ScriptedServer s = ScriptedServer.answering(ok(USER1_V2.length), USER1_V2)) {
            assertThat(client(board, s).upgrade()).isInstanceOf(UpdateOutcome.Updated.class);
        }
        assertThat(((NonosBoot) board.bootloader()).selectedSlot(board.flash())).isEqualTo(2);
        BootResult.Booted booted = (BootResult.Booted) board.state();
        assertThat(booted.slot().name()).isEqualTo("user1");
        assertThat(booted.image()).isEqualTo(U1);
    }

    /**
     * An HTML page with a length, answered 200 (or 404: the status is never read): every byte goes
     * into user2, erasing what was there; only the CRC check keeps the flag from moving. user1 runs
     * on, but the other slot no longer holds an image.
     */
    @Test
    void anHtmlPageOverwritesTheOtherSlotAndOnlyTheCrcCheckKeepsUser1() throws Exception {
        Board board = stockBoard();
        int user2 = 0x41000; // nonos-512k: user2 at half + 0x1000
        byte[] backup = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).version("0").payload(4, 9_000).build();
        board.flash().eraseRange(user2, 3 * NorFlash.SECTOR_SIZE);
        board.flash().programPages(user2, backup); // an older build, still in user2
        try (ScriptedServer s = ScriptedServer.answering("HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n"
                + "Content-Length: " + HTML.length + "\r\n\r\n", HTML)) {
            UpdateOutcome o = client(board, s).upgrade();
            assertThat(o).isInstanceOf(UpdateOutcome.Failed.class);
            assertThat(((UpdateOutcome.Failed) o).message()).startsWith("upgrade_crc_check: upgrade crc check failed: img_crc 0x")
                    .endsWith(", flash_crc 0x0A3E6C6D (the last 4 of the " + HTML.length + " bytes written)");
        }
        assertThat(board.flash().read(user2, HTML.length)).isEqualTo(HTML);
        assertThat(((NonosBoot) board.bootloader()).selectedSlot(board.flash())).isEqualTo(1);
        assertThat(((BootResult.Booted) board.powerOn()).image()).isEqualTo(U1);
    }

    /**
     * The CRC is the only look at the content: a page that happens to end in its own CRC (any
     * file gen_appbin-style tooling appended one to) is accepted and selected. boot.bin then
     * finds no EA magic in user2 ("error magic!") and boots the backup, user1.
     */
    @Test
    void anythingEndingInItsOwnCrcIsSelectedAndBootBinFallsBackOnTheMagicByte() throws Exception {
        byte[] page = java.util.Arrays.copyOf(HTML, HTML.length + 4);
        java.util.zip.CRC32 c = new java.util.zip.CRC32();
        c.update(HTML);
        long crc = (c.getValue() & 0x8000_0000L) != 0 ? c.getValue() ^ 0xFFFF_FFFFL : c.getValue() + 1;
        for (int i = 0; i < 4; i++) {
            page[HTML.length + i] = (byte) (crc >>> (8 * i));
        }
        Board board = stockBoard();
        try (ScriptedServer s = ScriptedServer.answering(ok(page.length), page)) {
            assertThat(client(board, s).upgrade()).isInstanceOf(UpdateOutcome.Updated.class);
        }
        assertThat(((NonosBoot) board.bootloader()).selectedSlot(board.flash())).isEqualTo(2);
        BootResult.Booted booted = (BootResult.Booted) board.state();
        assertThat(booted.slot().name()).isEqualTo("user1");
        assertThat(booted.image()).isEqualTo(U1);
    }
}
