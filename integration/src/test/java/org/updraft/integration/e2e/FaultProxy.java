package org.updraft.integration.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.function.UnaryOperator;

/**
 * A TCP proxy on loopback between an emulated device and a real server that misbehaves on
 * purpose: it drops or stalls the response after a number of body bytes, or rewrites the whole
 * response (the faults Updraft itself never produces). The device talks to {@link #uri()}; one
 * {@link Fault} applies to every connection until changed.
 */
final class FaultProxy implements AutoCloseable {

    /** What happens to the server's response on its way to the device. */
    sealed interface Fault {
        /** Passed through untouched. */
        record None() implements Fault {
        }

        /** Head and {@code bodyBytes} of the body, then both connections are closed. */
        record DropAfter(int bodyBytes) implements Fault {
        }

        /** Head and {@code bodyBytes} of the body (nothing at all if negative), then silence until the device gives up. */
        record StallAfter(int bodyBytes) implements Fault {
        }

        /** The complete response (head + Content-Length bytes) replaced by another, then closed. */
        record Rewrite(UnaryOperator<Response> change) implements Fault {
        }
    }

    /** A response as the proxy saw it: head text up to and including the blank line, and the body. */
    record Response(String head, byte[] body) {
        Response withHeader(String name, String value) {
            String[] lines = head.split("\r\n");
            StringBuilder out = new StringBuilder();
            boolean replaced = false;
            for (String line : lines) {
                if (line.toLowerCase(Locale.ROOT).startsWith(name.toLowerCase(Locale.ROOT) + ":")) {
                    out.append(name).append(": ").append(value).append("\r\n");
                    replaced = true;
                } else if (!line.isEmpty()) {
                    out.append(line).append("\r\n");
                }
            }
            if (!replaced) {
                out.append(name).append(": ").append(value).append("\r\n");
            }
            return new Response(out.append("\r\n").toString(), body);
        }

        Response withBody(byte[] newBody) {
            return new Response(head, newBody).withHeader("Content-Length", Integer.toString(newBody.length));
        }

        byte[] bytes() {
            byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
            byte[] all = Arrays.copyOf(h, h.length + body.length);
            System.arraycopy(body, 0, all, h.length, body.length);
            return all;
        }
    }

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private volatile Fault fault = new Fault.None();
    private final java.util.Deque<Fault> next = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final java.util.List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closed;

    FaultProxy(int targetPort) throws IOException {
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("fault-proxy").start(this::accept);
    }

    String uri() {
        return "http://127.0.0.1:" + listener.getLocalPort();
    }

    void fault(Fault next) {
        this.fault = next;
    }

    /** The next connections get these faults, one each, in order; later ones the current {@link #fault}. */
    void nextConnections(Fault... faults) {
        next.addAll(java.util.List.of(faults));
    }

    /** The request heads (request line and headers) the device sent, one per connection, in order. */
    java.util.List<String> requests() {
        return java.util.List.copyOf(requests);
    }

    void clearRequests() {
        requests.clear();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket device = listener.accept();
                Fault queued = next.poll();
                Fault f = queued != null ? queued : fault;
                Thread.ofVirtual().start(() -> relay(device, f));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void relay(Socket device, Fault f) {
        CountDownLatch deviceGone = new CountDownLatch(1);
        try (device; Socket server = new Socket()) {
            server.connect(target, 5_000);
            // The request head is read here, before the relay starts, so requests() is complete
            // by the time the device sees any answer.
            InputStream fromDevice = new java.io.BufferedInputStream(device.getInputStream());
            byte[] requestHead = readHead(fromDevice);
            if (requestHead == null) {
                return;
            }
            requests.add(new String(requestHead, StandardCharsets.ISO_8859_1));
            server.getOutputStream().write(requestHead);
            Thread up = Thread.ofVirtual().start(() -> {
                try {
                    fromDevice.transferTo(server.getOutputStream());
                } catch (IOException ignored) {
                    // the device closed: fine
                } finally {
                    deviceGone.countDown();
                    closeQuietly(server); // the device hung up: nothing more to relay either way
                }
            });
            InputStream in = server.getInputStream();
            OutputStream out = device.getOutputStream();
            switch (f) {
                case Fault.None n -> in.transferTo(out);
                case Fault.DropAfter d -> forward(in, out, d.bodyBytes());
                case Fault.StallAfter s -> {
                    if (s.bodyBytes() >= 0) {
                        forward(in, out, s.bodyBytes());
                    }
                    deviceGone.await(); // hold the connection open, silent, until the device hangs up
                }
                case Fault.Rewrite r -> {
                    Response original = readResponse(in);
                    if (original != null) {
                        out.write(r.change().apply(original).bytes());
                    }
                }
            }
            out.flush();
            up.interrupt();
        } catch (IOException | InterruptedException ignored) {
            // a test fault or the device going away
        }
    }

    /** Copies the head and then exactly {@code bodyBytes} of the body (or less, if the server sends less). */
    private static void forward(InputStream in, OutputStream out, int bodyBytes) throws IOException {
        byte[] head = readHead(in);
        if (head == null) {
            return;
        }
        out.write(head);
        out.flush();
        byte[] buf = new byte[1024];
        int left = bodyBytes;
        while (left > 0) {
            int n = in.read(buf, 0, Math.min(buf.length, left));
            if (n < 0) {
                return;
            }
            out.write(buf, 0, n);
            out.flush();
            left -= n;
        }
    }

    private static Response readResponse(InputStream in) throws IOException {
        byte[] head = readHead(in);
        if (head == null) {
            return null;
        }
        String text = new String(head, StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring("content-length:".length()).trim());
            }
        }
        return new Response(text, in.readNBytes(length));
    }

    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int c = in.read();
            if (c < 0) {
                return b.size() == 0 ? null : b.toByteArray();
            }
            b.write(c);
            matched = c == end[matched] ? matched + 1 : c == '\r' ? 1 : 0;
        }
        return b.toByteArray();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
    }
}
