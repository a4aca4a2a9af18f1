package org.updraft.device.fleet;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The devices' network: a TCP relay on loopback between the emulated devices and the server.
 * Every image transfer (a 200/206 answer that carries {@code X-SHA256}) is, independently:
 * cut at a random byte of its body with probability {@code drop} (the device sees a reset, as when
 * Wi-Fi goes away mid-download); stopped at a random byte with probability {@code stall} (nothing
 * more arrives until the device's own read timeout gives up); and paced at the link speed, scaled
 * to fleet time. The whole response head always goes out in one write, as Updraft sends it (the
 * NONOS SDK needs it in the first segment).
 *
 * <p>It also counts image transfers per device (the MAC from {@code x-ESP8266-STA-MAC},
 * {@code x-ESP32-STA-MAC} or {@code ?mac=}): those are the download attempts of the report.
 */
public final class FaultyLink implements AutoCloseable {
    private static final Pattern MAC_HEADER = Pattern.compile("(?im)^x-ESP(?:8266|32)-STA-MAC:\\s*([0-9A-Fa-f:]{17})\\s*$");
    private static final Pattern MAC_QUERY = Pattern.compile("[?&]mac=([0-9A-Fa-f:%A]{12,40})");
    private static final int MAX_HEAD = 16 * 1024;
    private static final int CHUNK = 1460;
    private static final int TCP_WINDOW = 4 * CHUNK;

    private final ServerSocket listener;
    private final InetSocketAddress upstream;
    private final Scenario.Faults faults;
    private final FleetClock clock;
    private final SplittableRandom random;
    private final Map<String, AtomicInteger> transfers = new ConcurrentHashMap<>();
    private final AtomicLong transfersTotal = new AtomicLong();
    private final AtomicLong drops = new AtomicLong();
    private final AtomicLong stalls = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean acceptFailureReported = new AtomicBoolean();
    private final Thread acceptor;
    private final ExecutorService relays = FleetThreads.cached("fleet-link-");
    private volatile boolean closed;

    private FaultyLink(ServerSocket listener, InetSocketAddress upstream, Scenario.Faults faults, FleetClock clock, long seed) {
        this.listener = listener;
        this.upstream = upstream;
        this.faults = faults;
        this.clock = clock;
        this.random = new SplittableRandom(seed);
        this.acceptor = FleetThreads.start("fleet-link", this::accept);
    }

    /** A relay to {@code server}'s host and port, listening on a free loopback port. */
    public static FaultyLink open(URI server, Scenario.Faults faults, FleetClock clock, long seed) throws IOException {
        int port = server.getPort() < 0 ? 80 : server.getPort();
        ServerSocket s = new ServerSocket(0, 4096, InetAddress.getLoopbackAddress());
        return new FaultyLink(s, new InetSocketAddress(server.getHost(), port), faults, clock, seed);
    }

    /** Where devices connect instead of the server. */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + listener.getLocalPort());
    }

    /** Image transfers to {@code mac} so far. */
    public int transfers(String mac) {
        AtomicInteger n = transfers.get(mac);
        return n == null ? 0 : n.get();
    }

    public long transfers() {
        return transfersTotal.get();
    }

    public long drops() {
        return drops.get();
    }

    public long stalls() {
        return stalls.get();
    }

    /** Image transfers on their way to a device right now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Body bytes delivered to devices. */
    public long bytes() {
        return bytes.get();
    }

    /**
     * Accepts until closed. A failed accept or hand-over is not the end of the link: with 10,000
     * devices an accept can fail for a moment (descriptors or threads short while thousands of
     * connections turn over); the acceptor used to return on the first such error, and the whole
     * fleet then hung in a full accept queue (seen in the 10,000-device benchmark: Recv-Q 4080 of
     * 4096 on the link, devices waiting out their timeouts poll after poll).
     */
    private void accept() {
        while (!closed) {
            Socket device;
            try {
                device = listener.accept();
            } catch (IOException e) {
                if (closed || listener.isClosed()) {
                    return;
                }
                acceptFailed(e);
                continue;
            }
            try {
                relays.execute(() -> relay(device));
            } catch (RejectedExecutionException e) {
                closeQuietly(device); // the link is closing
                return;
            } catch (OutOfMemoryError e) { // "unable to create native thread": drop this connection, keep accepting
                closeQuietly(device);
                acceptFailed(e);
            }
        }
    }

    /** Says so on stderr the first time, and backs off a little so a persistent cause does not spin. */
    private void acceptFailed(Throwable e) {
        if (acceptFailureReported.compareAndSet(false, true)) {
            System.err.println("fleet link: accept failed, retrying (further failures not printed): " + e);
        }
        try {
            Thread.sleep(10);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    private sealed interface Fate {
        record Deliver() implements Fate {
        }

        record Drop(long atBodyByte) implements Fate {
        }

        record Stall(long atBodyByte) implements Fate {
        }
    }

    private void relay(Socket device) {
        try (device; Socket server = new Socket()) {
            device.setTcpNoDelay(true);
            device.setSoTimeout((int) Duration.ofMinutes(2).toMillis());
            InputStream fromDevice = new BufferedInputStream(device.getInputStream(), 4096);
            byte[] requestHead = readHead(fromDevice);
            if (requestHead.length == 0) {
                return;
            }
            // lwIP on an ESP8266 advertises TCP_WND = 4 × MSS = 5840 bytes: the server's writes
            // block at the device's pace instead of vanishing into loopback buffers.
            server.setReceiveBufferSize(TCP_WINDOW);
            server.connect(upstream, 5_000);
            server.setTcpNoDelay(true);
            server.setSoTimeout((int) Duration.ofMinutes(2).toMillis());
            server.getOutputStream().write(requestHead);
            server.getOutputStream().flush();
            String mac = macOf(new String(requestHead, StandardCharsets.ISO_8859_1));
            // Whatever else the device sends (a POST body) goes up as it comes.
            CountDownLatch deviceGone = new CountDownLatch(1);
            try {
                relays.execute(() -> {
                    try {
                        fromDevice.transferTo(server.getOutputStream());
                    } catch (IOException e) {
                        // the device closed or reset: nothing more to send up
                    } finally {
                        deviceGone.countDown();
                    }
                });
            } catch (RejectedExecutionException e) {
                return; // the link is closing: both sockets close with this relay
            }
            InputStream fromServer = new BufferedInputStream(server.getInputStream(), 16 * 1024);
            byte[] responseHead = readHead(fromServer);
            if (responseHead.length == 0) {
                return; // the server closed without a byte (NONOS refusal): so does the link
            }
            String head = new String(responseHead, StandardCharsets.ISO_8859_1);
            long length = contentLength(head);
            boolean image = (head.startsWith("HTTP/1.1 200") || head.startsWith("HTTP/1.1 206")
                    || head.startsWith("HTTP/1.0 200") || head.startsWith("HTTP/1.0 206"))
                    && head.toLowerCase(Locale.ROOT).contains("\r\nx-sha256:") && length > 0;
            Fate fate = new Fate.Deliver();
            if (image) {
                transfersTotal.incrementAndGet();
                if (mac != null) {
                    transfers.computeIfAbsent(mac, k -> new AtomicInteger()).incrementAndGet();
                }
                fate = fate(length);
            }
            if (image) {
                inFlight.incrementAndGet();
            }
            try {
                OutputStream toDevice = device.getOutputStream();
                toDevice.write(responseHead); // the whole head in one segment
                toDevice.flush();
                pace(fromServer, toDevice, fate, device, deviceGone);
            } finally {
                if (image) {
                    inFlight.decrementAndGet();
                }
            }
        } catch (IOException e) {
            // a side went away: the other one sees the close
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Fate fate(long length) {
        double r;
        long at;
        synchronized (random) {
            r = random.nextDouble();
            at = random.nextLong(length);
        }
        if (r < faults.drop()) {
            drops.incrementAndGet();
            return new Fate.Drop(at);
        }
        if (r < faults.drop() + faults.stall()) {
            stalls.incrementAndGet();
            return new Fate.Stall(at);
        }
        return new Fate.Deliver();
    }

    /** Copies the rest of the answer at the link speed until the fate strikes. */
    private void pace(InputStream from, OutputStream to, Fate fate, Socket device, CountDownLatch deviceGone)
            throws IOException, InterruptedException {
        long limit = switch (fate) {
            case Fate.Drop d -> d.atBodyByte();
            case Fate.Stall s -> s.atBodyByte();
            case Fate.Deliver d -> Long.MAX_VALUE;
        };
        double realBytesPerNano = faults.linkBytesPerSecond() <= 0 ? 0 : faults.linkBytesPerSecond() * clock.speed() / 1e9;
        long start = System.nanoTime();
        long sent = 0;
        byte[] buf = new byte[CHUNK];
        while (sent < limit) {
            int n = from.read(buf, 0, (int) Math.min(buf.length, limit - sent));
            if (n < 0) {
                return;
            }
            to.write(buf, 0, n);
            to.flush();
            sent += n;
            bytes.addAndGet(n);
            if (realBytesPerNano > 0) {
                long due = start + (long) (sent / realBytesPerNano);
                long ahead = due - System.nanoTime();
                if (ahead > 1_000_000) {
                    Thread.sleep(Duration.ofNanos(ahead));
                }
            }
        }
        switch (fate) {
            case Fate.Drop d -> {
                device.setSoLinger(true, 0); // RST, as when the access point vanishes
            }
            case Fate.Stall s -> {
                // Silence until the device's read timeout closes its side (bounded).
                deviceGone.await(2, TimeUnit.MINUTES);
            }
            case Fate.Deliver d -> { }
        }
    }

    static String macOf(String requestHead) {
        Matcher h = MAC_HEADER.matcher(requestHead);
        if (h.find()) {
            return h.group(1).toUpperCase(Locale.ROOT);
        }
        int eol = requestHead.indexOf("\r\n");
        Matcher q = MAC_QUERY.matcher(eol < 0 ? requestHead : requestHead.substring(0, eol));
        if (q.find()) {
            return q.group(1).replace("%3A", ":").replace("%3a", ":").toUpperCase(Locale.ROOT);
        }
        return null;
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                try {
                    return Long.parseLong(line.substring(colon + 1).trim());
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    /** Bytes up to and including the first blank line; empty when the peer closed first. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream(512);
        int last4 = 0;
        while (head.size() < MAX_HEAD) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            head.write(c);
            last4 = last4 << 8 | c;
            if (last4 == 0x0D0A0D0A) {
                break;
            }
        }
        return head.toByteArray();
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // closing anyway
        }
        acceptor.interrupt();
        relays.shutdown(); // relays under way finish or time out; their threads then end
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // gone already
        }
    }
}
