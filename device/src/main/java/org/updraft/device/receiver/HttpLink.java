package org.updraft.device.receiver;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP lifecycle the emulated HTTP receivers share ({@link EspLinkReceiver},
 * {@link WebUpdateReceiver}): a listening socket, an accept loop handing each connection to a
 * virtual thread, the request head read as the device's server reads it, the handler's answer
 * written as raw bytes (each receiver frames its own: esp-link's HTTP/1.0 close-delimited bodies,
 * ESP8266WebServer's lengths), and the connection closed afterwards. One request per connection:
 * both originals answer {@code Connection: close} and close.
 *
 * <p>A reboot takes the device off the network: {@link #away()} closes the listening socket (new
 * connections are refused, as a chip in its boot loader refuses them) and {@link #back()} listens
 * again on the same port.
 *
 * <p>Invariant: every accepted socket is closed by {@link Connection#close()} when its handler
 * returns or throws, so no connection outlives its request.
 */
final class HttpLink implements AutoCloseable {
    /** The longest request head read; esphttpd keeps 1024 bytes ({@code MAX_HEAD_LEN}) and drops the rest. */
    static final int MAX_HEAD = 8192;

    /** Serves one request; the connection is closed when it returns. */
    @FunctionalInterface
    interface Handler {
        void serve(Request request, Connection connection) throws IOException;
    }

    private final InetAddress address;
    private final Handler handler;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Object lock = new Object();
    private final int port;
    private ServerSocket server;
    private volatile boolean closed;
    /** Counts reboots: a connection accepted before one belongs to the image that is gone. */
    private final java.util.concurrent.atomic.AtomicInteger epoch = new java.util.concurrent.atomic.AtomicInteger();

    private HttpLink(InetAddress address, int port, Handler handler) throws IOException {
        this.address = address;
        this.handler = handler;
        this.server = listen(port);
        this.port = server.getLocalPort();
        acceptOn(server);
    }

    static HttpLink start(InetAddress address, int port, Handler handler) throws IOException {
        return new HttpLink(address, port, handler);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(address, port);
    }

    /** The device reboots: new connections are refused until {@link #back()}. */
    void away() {
        epoch.incrementAndGet();
        synchronized (lock) {
            if (server != null) {
                closeQuietly(server);
                server = null;
            }
        }
    }

    /** The device is up again: listens on the same port. */
    void back() throws IOException {
        synchronized (lock) {
            if (closed || server != null) {
                return;
            }
            // A closed listener whose accept() was blocked is released asynchronously; until then
            // the port is still taken, so binding again is retried for a bounded time.
            long end = System.nanoTime() + 5_000_000_000L;
            while (true) {
                try {
                    server = listen(port);
                    break;
                } catch (java.net.BindException e) {
                    if (System.nanoTime() > end) {
                        throw e;
                    }
                    try {
                        lock.wait(5);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
            acceptOn(server);
        }
    }

    /**
     * Whether {@code connection} was accepted before the last reboot: its handler must drop it
     * unanswered (a reset chip has no memory of its connections).
     */
    boolean gone(Connection connection) {
        return connection.epoch != epoch.get();
    }

    @Override
    public void close() {
        closed = true;
        away();
        executor.shutdownNow();
    }

    private ServerSocket listen(int at) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(address, at), 16);
        return s;
    }

    /** Accepts on {@code s}; its connections carry the epoch {@code s} was opened in. */
    private void acceptOn(ServerSocket s) {
        int opened = epoch.get();
        Thread.ofVirtual().name("http-accept-" + port).start(() -> {
            while (!s.isClosed()) {
                Socket socket;
                try {
                    socket = s.accept();
                } catch (IOException e) {
                    return; // closed: away() or close()
                }
                try {
                    executor.execute(() -> serve(socket, opened));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    closeQuietly(socket);
                    return;
                }
            }
        });
    }

    private void serve(Socket socket, int opened) {
        Connection connection;
        try {
            socket.setTcpNoDelay(true);
            connection = new Connection(socket, opened);
        } catch (IOException e) {
            closeQuietly(socket);
            return;
        }
        try {
            Optional<Request> request = Request.read(connection.in);
            if (request.isPresent()) {
                handler.serve(request.get(), connection);
            }
        } catch (IOException e) {
            // the peer went away or the request was malformed: the connection is dropped unanswered
        } finally {
            connection.close();
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing a dead socket
        }
    }

    /**
     * One request head: {@code method SP target SP version CRLF}, header lines, an empty line. The
     * target is split at {@code ?} into path and query (both servers do). Header names compare
     * without regard to case.
     */
    record Request(String method, String target, String path, String query, String version, List<String[]> headers) {

        /** Reads a head; empty when the peer closed before sending one. */
        static Optional<Request> read(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (true) {
                int b = in.read();
                if (b < 0) {
                    if (head.size() == 0) {
                        return Optional.empty();
                    }
                    throw new IOException("connection closed inside the request head");
                }
                head.write(b);
                if (head.size() > MAX_HEAD) {
                    throw new IOException("request head longer than " + MAX_HEAD + " bytes");
                }
                // "\r\n\r\n" ends the head; a bare "\n\n" too (lenient, as ESP8266WebServer's readStringUntil is)
                matched = b == '\n' ? matched + 1 : b == '\r' ? matched : 0;
                if (matched == 2) {
                    break;
                }
            }
            String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r?\n");
            String[] first = lines[0].split(" ");
            if (first.length < 3) {
                throw new IOException("not a request line: " + lines[0]);
            }
            List<String[]> headers = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.add(new String[] {lines[i].substring(0, colon).trim(), lines[i].substring(colon + 1).trim()});
                }
            }
            String target = first[1];
            int q = target.indexOf('?');
            return Optional.of(new Request(first[0], target, q < 0 ? target : target.substring(0, q),
                    q < 0 ? null : target.substring(q + 1), first[first.length - 1], List.copyOf(headers)));
        }

        Optional<String> header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return Optional.of(h[1]);
                }
            }
            return Optional.empty();
        }

        /** {@code Content-Length} as a number; -1 when absent or not a number. */
        long contentLength() {
            return header("Content-Length").map(v -> {
                try {
                    return Long.parseLong(v.trim());
                } catch (NumberFormatException e) {
                    return -1L;
                }
            }).orElse(-1L);
        }

        /** The minor version of {@code HTTP/1.x} (0 or 1), as ESP8266WebServer keeps it in {@code _currentVersion}. */
        int minorVersion() {
            return version.toUpperCase(Locale.ROOT).equals("HTTP/1.0") ? 0 : 1;
        }
    }

    /** The accepted socket: the rest of the request from {@link #in}, raw answers through {@link #answer}. */
    static final class Connection {
        private final Socket socket;
        final InputStream in;
        private final OutputStream out;
        private final int epoch;

        Connection(Socket socket, int epoch) throws IOException {
            this.socket = socket;
            this.epoch = epoch;
            this.in = new BufferedInputStream(socket.getInputStream(), 4096);
            this.out = socket.getOutputStream();
        }

        /** Writes answer bytes as they are and flushes them. */
        void answer(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        void answer(String text) throws IOException {
            answer(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        /**
         * Closes the way the devices do: FIN after the answer. Request bytes the device never read
         * make the peer's next send (or read) see a reset, which is what an lwIP peer gets for data
         * arriving at a closed connection.
         */
        void close() {
            try {
                if (!socket.isClosed() && !socket.isOutputShutdown()) {
                    socket.shutdownOutput();
                }
            } catch (SocketException ignored) {
                // already reset by the peer
            } catch (IOException ignored) {
                // nothing more to say
            }
            closeQuietly(socket);
        }
    }
}
