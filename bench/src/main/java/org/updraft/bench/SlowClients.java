package org.updraft.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * N slow downloaders held open at once, each reading at most RATE bytes/s (an ESP8266 on a weak
 * link), from one NIO thread. Bounded: runs SECONDS then closes everything. While it runs it
 * samples the server's RSS (VmRSS of PID) and the machine's TCP buffer memory (the {@code mem}
 * pages of {@code /proc/net/sockstat}: what the kernel holds in socket buffers, which no RSS shows)
 * and prints one summary line:
 * {@code connected=… bytes=… perClientKBs=… completed=… errors=… serverRssPeakKB=… tcpKernelPeakKB=…}.
 *
 * <p>{@code SlowClients HOST PORT PATH N RATE SECONDS SERVER_PID}
 */
public final class SlowClients {

    private static final class Conn {
        final SocketChannel ch;
        long read;
        boolean headerSeen;
        boolean done;

        Conn(SocketChannel ch) {
            this.ch = ch;
        }
    }

    public static void main(String[] a) throws Exception {
        String host = a[0];
        int port = Integer.parseInt(a[1]);
        String path = a[2];
        int n = Integer.parseInt(a[3]);
        long rate = Long.parseLong(a[4]);
        int seconds = Integer.parseInt(a[5]);
        String pid = a.length > 6 ? a[6] : null;
        byte[] req = ("GET " + path + " HTTP/1.0\r\nHost: " + host + ":" + port
                + "\r\nUser-Agent: ESP8266-http-Update\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

        long startRss = pid == null ? 0 : rssKb(pid);
        long startTcp = tcpKernelKb();
        Selector sel = Selector.open();
        List<Conn> conns = new ArrayList<>(n);
        int errors = 0;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try {
                SocketChannel ch = SocketChannel.open();
                // A small receive window, as on an ESP8266 (lwIP: 2-5 KB): the server must hold the rest.
                ch.setOption(StandardSocketOptions.SO_RCVBUF, 8 * 1024);
                ch.connect(new InetSocketAddress(host, port));
                ch.write(ByteBuffer.wrap(req));
                ch.configureBlocking(false);
                conns.add(new Conn(ch));
            } catch (IOException e) {
                errors++;
            }
        }
        long connectedAt = System.nanoTime();
        ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
        long deadline = connectedAt + seconds * 1_000_000_000L;
        long peakRss = 0;
        long peakTcp = 0;
        int completed = 0;
        long tick = 20; // ms
        while (System.nanoTime() < deadline) {
            double elapsed = (System.nanoTime() - connectedAt) / 1e9;
            long allowed = (long) (rate * elapsed);
            for (Conn c : conns) {
                if (c.done) {
                    continue;
                }
                long budget = Math.min(allowed - c.read, buf.capacity());
                if (budget <= 0) {
                    continue;
                }
                buf.clear().limit((int) budget);
                try {
                    int r = c.ch.read(buf);
                    if (r < 0) {
                        c.done = true;
                        completed++;
                        c.ch.close();
                    } else {
                        c.read += r;
                    }
                } catch (IOException e) {
                    c.done = true;
                    errors++;
                }
            }
            if (pid != null) {
                peakRss = Math.max(peakRss, rssKb(pid));
            }
            peakTcp = Math.max(peakTcp, tcpKernelKb());
            Thread.sleep(tick);
        }
        double secs = (System.nanoTime() - connectedAt) / 1e9;
        long total = 0;
        for (Conn c : conns) {
            total += c.read;
            try {
                c.ch.close();
            } catch (IOException ignored) {
            }
        }
        sel.close();
        System.out.printf("connected=%d connectSeconds=%.2f bytes=%d perClientKBs=%.1f completed=%d errors=%d serverRssPeakKB=%d serverRssStartKB=%d tcpKernelPeakKB=%d tcpKernelStartKB=%d%n",
                conns.size(), (connectedAt - start) / 1e9, total, total / 1000.0 / secs / Math.max(1, conns.size()),
                completed, errors, peakRss, startRss, peakTcp, startTcp);
    }

    /**
     * The machine's TCP socket-buffer memory: the {@code mem} field (pages) of the {@code TCP:} line of
     * {@code /proc/net/sockstat}, in KB; 0 where there is none. Every process's sockets, these clients' too.
     */
    static long tcpKernelKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/sockstat"))) {
                if (line.startsWith("TCP:")) {
                    String[] f = line.trim().split("\\s+");
                    for (int i = 1; i + 1 < f.length; i++) {
                        if (f[i].equals("mem")) {
                            return Long.parseLong(f[i + 1]) * 4; // 4 KiB pages (x86-64)
                        }
                    }
                }
            }
        } catch (IOException | NumberFormatException ignored) {
        }
        return 0;
    }

    /** VmRSS of one pid, or the sum over a comma-separated list (nginx master + workers). */
    static long rssKb(String pids) {
        long sum = 0;
        for (String pid : pids.split(",")) {
            sum += rssKbOf(pid.trim());
        }
        return sum;
    }

    private static long rssKbOf(String pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException ignored) {
        }
        return 0;
    }
}
