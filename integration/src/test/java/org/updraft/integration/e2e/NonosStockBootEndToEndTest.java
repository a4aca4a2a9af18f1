package org.updraft.integration.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.NonosBoot;
import org.updraft.device.client.Identity;
import org.updraft.device.client.NonosUpgradeClient;
import org.updraft.device.client.UpdateOutcome;

/**
 * A NONOS device on Espressif's own boot loader ({@code NonosBoot.stock}) running the SDK's
 * {@code system_upgrade_start} ({@code NonosUpgradeClient}), which checks nothing but the
 * download's CRC: served the build linked for the other slot by a plain file server it writes it,
 * flips and crash-loops; pulling from Updraft it is safe, because Updraft refuses a swapped pair
 * at upload and serves each device the file for the slot it is not running.
 */
class NonosStockBootEndToEndTest {

    static final byte[] USER1_V1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).version("1").payload(31, 20_000).build();
    static final byte[] USER1_V2 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_512K).version("2").payload(32, 22_000).build();
    static final byte[] USER2_V2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_512K).version("2").payload(33, 22_000).build();

    @TempDir
    static Path dir;
    static LiveServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new LiveServer(dir.resolve("data"));
        server.product("lamp", "nonos-512k");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Board stockBoard() {
        return Board.provisioned(NonosBoot.stock(FlashMap.NONOS_512K), USER1_V1);
    }

    @Test
    void aPlainFileServerThatServesTheUser1BuildAsUser2BinBricksTheDevice() throws Exception {
        Board board = stockBoard();
        UpdateOutcome outcome;
        try (FileServer files = new FileServer(USER1_V2)) {
            outcome = NonosUpgradeClient.updraft(board, files.uri(), "lamp", Identity.of("5C:CF:7F:E2:E1:01", "2.2.1"), "1")
                    .upgrade();
            assertThat(files.request()).startsWith("GET /u/lamp/user2.bin?mac=5C:CF:7F:E2:E1:01&version=1 HTTP/1.0\r\n");
        }
        assertThat(outcome).isInstanceOf(UpdateOutcome.Updated.class);
        assertThat(board.state()).isInstanceOf(BootResult.Bricked.class);
        assertThat(((BootResult.Bricked) board.state()).reason())
                .startsWith("boot.bin jumps into user2: irom0 is linked at 0x40201010 (the user1.bin build)");
        assertThat(board.powerOn()).isInstanceOf(BootResult.Bricked.class);
    }

    @Test
    void updraftRefusesTheSwappedPairAtUploadAndTheDevicePullsTheRightSlotAndBootsIt() throws Exception {
        assertThatThrownBy(() -> server.release("lamp", "3", "user1", USER2_V2, "user2", USER1_V2))
                .hasMessageContaining("422").hasMessageContaining("swapped");
        server.release("lamp", "2", "user1", USER1_V2, "user2", USER2_V2);

        Board board = stockBoard();
        UpdateOutcome outcome = NonosUpgradeClient.updraft(board, server.uri(), "lamp",
                Identity.of("5C:CF:7F:E2:E1:02", "2.2.1"), "1").upgrade();

        assertThat(outcome).isInstanceOf(UpdateOutcome.Updated.class);
        BootResult.Booted booted = (BootResult.Booted) board.state();
        assertThat(booted.slot().name()).isEqualTo("user2");
        assertThat(booted.image()).isEqualTo(USER2_V2);
        assertThat(((BootResult.Booted) board.powerOn()).image()).isEqualTo(USER2_V2);
    }

    /**
     * One connection on 127.0.0.1: reads the request head, answers 200 with the file whatever the
     * path (a static server with the wrong file under the right name), closes.
     */
    static final class FileServer implements AutoCloseable {
        private final ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        private final Thread thread;
        private volatile String request = "";

        FileServer(byte[] file) throws IOException {
            socket.setSoTimeout(10_000);
            thread = Thread.ofVirtual().start(() -> {
                try (Socket s = socket.accept()) {
                    s.setSoTimeout(10_000);
                    InputStream in = s.getInputStream();
                    ByteArrayOutputStream head = new ByteArrayOutputStream();
                    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n") && head.size() < 8192) {
                        int c = in.read();
                        if (c < 0) {
                            break;
                        }
                        head.write(c);
                    }
                    request = head.toString(StandardCharsets.ISO_8859_1);
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + file.length
                            + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(file);
                    out.flush();
                } catch (IOException e) {
                    request = "failed: " + e;
                }
            });
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }

        String request() throws InterruptedException {
            thread.join(10_000);
            return request;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
