package org.updraft.device.receiver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.EbootCopy;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.NonosBoot;
import org.updraft.device.boot.TrialBoot;

/** Boards, real images and a raw HTTP/1.1 exchange for the receiver tests. */
final class Fixtures {
    static final byte[] HTML = """
            <!DOCTYPE html>
            <html><head><title>Index of /firmware</title></head>
            <body><h1>Index of /firmware</h1><a href="user1.bin">user1.bin</a></body></html>
            """.getBytes(StandardCharsets.US_ASCII);

    private Fixtures() {
    }

    static byte[] nonos(int slot, long seed, int size) {
        return ImageBuilder.nonosUser(slot, FlashLayout.NONOS_1M).payload(seed, size).build();
    }

    /** A 1 MB NONOS board running {@code user1}. */
    static Board nonosBoard(byte[] user1) {
        return Board.provisioned(new NonosBoot(FlashMap.NONOS_1M, TrialBoot.OFF), user1);
    }

    /** An Arduino sketch for the 1 MB map (flash size code 2). */
    static byte[] sketch(long seed, int size) {
        return ImageBuilder.arduino().flashSizeCode(2).payload(seed, size).build();
    }

    static Board arduinoBoard(byte[] sketch) {
        return Board.provisioned(new EbootCopy(FlashMap.ARDUINO_1M), sketch);
    }

    static BootResult.Booted booted(Board board) {
        assertThat(board.state()).isInstanceOf(BootResult.Booted.class);
        return (BootResult.Booted) board.state();
    }

    /** The board runs exactly {@code image}, and the bytes at its slot are intact. */
    static void runs(Board board, byte[] image) {
        BootResult.Booted booted = booted(board);
        assertThat(booted.image()).isEqualTo(image);
        assertThat(board.flash().read(booted.slot().offset(), image.length)).isEqualTo(image);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Sends {@code request} as is and returns everything the server answered until it closed, the
     * way curl does it: the request is written while the answer is read, so a device that answers
     * early and closes (esp-link after a refused first chunk) is heard, and a reset that follows
     * the answer ends it like a close.
     */
    static String exchange(InetSocketAddress to, byte[] request) throws IOException {
        try (Socket s = new Socket(to.getAddress(), to.getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    for (int at = 0; at < request.length; at += 1460) {
                        out.write(request, at, Math.min(1460, request.length - at));
                    }
                    out.flush();
                } catch (IOException e) {
                    // the device closed before taking everything: its answer tells why
                }
            });
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    answer.write(buf, 0, n);
                }
            } catch (java.net.SocketException e) {
                if (answer.size() == 0) {
                    throw e;
                }
            }
            try {
                writer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** Sends {@code head} and only the first {@code sent} bytes of {@code body}, then drops the connection. */
    static void dropAfter(InetSocketAddress to, byte[] head, byte[] body, int sent) throws IOException {
        try (Socket s = new Socket(to.getAddress(), to.getPort())) {
            s.setSoLinger(true, 0); // RST, like a Wi-Fi link that vanished
            OutputStream out = s.getOutputStream();
            out.write(head);
            out.write(body, 0, sent);
            out.flush();
        }
    }

    /** Waits (polling, at most 10 s) until the receiver has dealt with {@code n} dropped uploads. */
    static void awaitAborted(java.util.concurrent.atomic.AtomicInteger aborted, int n) throws InterruptedException {
        long end = System.nanoTime() + 10_000_000_000L;
        while (aborted.get() < n && System.nanoTime() < end) {
            Thread.sleep(2);
        }
        assertThat(aborted.get()).as("dropped uploads seen by the receiver").isEqualTo(n);
    }

    /** Reads one piece of what the peer sent. */
    static String readSome(InputStream in) throws IOException {
        byte[] buf = new byte[256];
        int n = in.read(buf);
        return n < 0 ? "" : new String(buf, 0, n, StandardCharsets.US_ASCII);
    }
}
