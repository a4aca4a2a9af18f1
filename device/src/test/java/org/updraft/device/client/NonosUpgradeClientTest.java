package org.updraft.device.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.NonosBoot;
import org.updraft.device.boot.TrialBoot;

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
    /**
     * The server (or a proxy) answers user2.bin with the user1.bin build. system_upgrade_start
     * would write it, its CRC is fine, and the chip would crash-loop in user2; the emulated
     * updater's slot check refuses it before the flag moves, and user1 keeps running.
     */
    @Test
    void theBuildForTheOtherSlotIsRefusedAndUser1KeepsRunning() throws Exception {
        Board board = board();
        byte[] user1V2 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).version("2").payload(3, 10_000).build();
        try (ScriptedServer s = ScriptedServer.answering("HTTP/1.1 200 OK\r\nContent-Length: " + user1V2.length + "\r\n\r\n", user1V2)) {
            assertThat(client(board, s).upgrade()).isEqualTo(new UpdateOutcome.Failed(0, "upgrade_crc_check: not a valid"
                    + " image for user2: irom0 is linked at 0x40201010 (the user1.bin build) but user2 runs it from"
                    + " 0x40241010: it would crash on its first irom0 call"));
        }
        board.powerOn();
        assertThat(((BootResult.Booted) board.state()).image()).isEqualTo(U1);
    }
}
