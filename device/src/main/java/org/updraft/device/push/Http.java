package org.updraft.device.push;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

/**
 * One HTTP request to a device's own server, over a plain socket, read the way curl reads it, so
 * that every answer the real devices give is understood:
 * <ul>
 *   <li>HTTP/1.0 and HTTP/1.1 status lines; bodies delimited by {@code Content-Length}, by
 *       {@code Transfer-Encoding: chunked}, or by the close (esp-link sends no length for its
 *       errors);</li>
 *   <li>an answer that arrives while the body is still being sent (esp-link refuses after the first
 *       1024 bytes and closes): the body stops, the answer is read and returned, and a reset that
 *       follows the answer ends it like a close;</li>
 *   <li>anything without an answer — refused connection, timeout, a close or reset before the status
 *       line — is a transport failure ({@link PushFailure#retryable()}).</li>
 * </ul>
 * Requests say {@code HTTP/1.1} and {@code Connection: close}: one request per connection, as
 * the devices serve them.
 */
final class Http {
    /** How much of an answer body is kept; device answers are a few hundred bytes. */
    static final int MAX_BODY = 64 * 1024;

    private final InetSocketAddress device;
    private final Duration timeout;

    Http(InetSocketAddress device, Duration timeout) {
        this.device = device;
        this.timeout = timeout;
    }

    /** What the device answered. */
    record Answer(String version, int status, List<String[]> headers, String body) {
        Optional<String> header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return Optional.of(h[1]);
                }
            }
            return Optional.empty();
        }

        /** The first line of the body, trimmed, for messages. */
        String reason() {
            return firstLine(body);
        }
    }

    String where() {
        return device.getHostString() + ":" + device.getPort();
    }

    Answer get(String path, String... headers) throws PushFailure {
        return exchange("GET", path, List.of(headers), null, sent -> { });
    }

    Answer post(String path, List<String> headers, byte[] body, LongConsumer progress) throws PushFailure {
        return exchange("POST", path, headers, body, progress);
    }

    private Answer exchange(String method, String path, List<String> headers, byte[] body, LongConsumer progress)
            throws PushFailure {
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try (Socket socket = new Socket()) {
            try {
                socket.connect(device, millis);
            } catch (SocketTimeoutException e) {
                throw new PushFailure("no connection to " + where() + " within " + timeout.toSeconds() + " s", true, e);
            } catch (ConnectException e) {
                throw new PushFailure("cannot connect to " + where() + " (connection refused)", true, e);
            } catch (IOException e) {
                throw new PushFailure("cannot connect to " + where() + ": " + e.getMessage(), true, e);
            }
            socket.setSoTimeout(millis);
            socket.setTcpNoDelay(true);
            StringBuilder head = new StringBuilder();
            head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(hostHeader()).append("\r\n")
                    .append("User-Agent: updraft\r\nAccept: */*\r\nConnection: close\r\n");
            for (String h : headers) {
                head.append(h).append("\r\n");
            }
            if (body != null) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            AtomicLong sent = new AtomicLong();
            AtomicReference<IOException> writeFailure = new AtomicReference<>();
            // The body goes out on its own thread while this one waits for the answer: a device may
            // answer (and close) long before the body is complete.
            Thread writer = Thread.ofVirtual().name("push-body").start(() -> {
                try {
                    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                    if (body != null) {
                        for (int at = 0; at < body.length; at += 4096) {
                            int n = Math.min(4096, body.length - at);
                            out.write(body, at, n);
                            sent.addAndGet(n);
                            progress.accept(sent.get());
                        }
                    }
                    out.flush();
                } catch (IOException e) {
                    writeFailure.set(e);
                }
            });
            try {
                return read(new BufferedInputStream(socket.getInputStream()));
            } catch (SocketTimeoutException e) {
                throw new PushFailure("no answer from " + where() + " within " + timeout.toSeconds() + " s", true, e);
            } catch (IOException e) {
                IOException w = writeFailure.get();
                String during = body == null ? "" : String.format(Locale.ROOT, " after %,d of %,d body bytes",
                        sent.get(), body.length);
                throw new PushFailure("connection to " + where() + " failed" + during + " without an answer: "
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                        + (w != null && w != e ? " (sending: " + w.getMessage() + ")" : ""), true, e);
            } finally {
                socket.close(); // stops a body the device no longer reads
                join(writer);
            }
        } catch (IOException e) {
            throw new PushFailure("connection to " + where() + " failed: " + e.getMessage(), true, e);
        }
    }

    private String hostHeader() {
        String host = device.getHostString();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return host + ":" + device.getPort();
    }

    /** Status line, headers, body; {@code IOException} only when no status line arrived. */
    private static Answer read(InputStream in) throws IOException {
        String status = line(in);
        if (status == null) {
            throw new IOException("the device closed the connection without answering");
        }
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer: " + status);
        }
        int code;
        try {
            code = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status: " + status);
        }
        List<String[]> headers = new ArrayList<>();
        try {
            for (String h; (h = line(in)) != null && !h.isEmpty(); ) {
                int colon = h.indexOf(':');
                if (colon > 0) {
                    headers.add(new String[] {h.substring(0, colon).trim(), h.substring(colon + 1).trim()});
                }
            }
        } catch (SocketException e) {
            // reset right after the status line: an answer without a body
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        long length = -1;
        boolean chunked = false;
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase("Content-Length")) {
                try {
                    length = Long.parseLong(h[1]);
                } catch (NumberFormatException ignored) {
                    length = -1;
                }
            } else if (h[0].equalsIgnoreCase("Transfer-Encoding") && h[1].toLowerCase(Locale.ROOT).contains("chunked")) {
                chunked = true;
            }
        }
        try {
            if (chunked) {
                for (String size; (size = line(in)) != null; ) {
                    int n = Integer.parseInt(size.split(";")[0].trim(), 16);
                    if (n == 0) {
                        break;
                    }
                    copy(in, body, n);
                    line(in);
                }
            } else if (length >= 0) {
                copy(in, body, length);
            } else {
                copy(in, body, Long.MAX_VALUE); // close-delimited (HTTP/1.0 without a length)
            }
        } catch (SocketException | NumberFormatException e) {
            // a reset (or garbage) after the answer began: what arrived is the answer
        }
        return new Answer(parts[0], code, List.copyOf(headers), body.toString(StandardCharsets.ISO_8859_1));
    }

    /** Copies up to {@code max} bytes or until the close; keeps at most {@link #MAX_BODY}. */
    private static void copy(InputStream in, ByteArrayOutputStream to, long max) throws IOException {
        byte[] buf = new byte[4096];
        long left = max;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
                return;
            }
            if (to.size() < MAX_BODY) {
                to.write(buf, 0, Math.min(n, MAX_BODY - to.size()));
            }
            left -= n;
        }
    }

    /** A line up to LF (CR dropped); null at a close before any byte of it. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int c = in.read();
            if (c < 0) {
                return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
            }
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            if (b.size() > 8192) {
                throw new IOException("answer line longer than 8192 bytes");
            }
            b.write(c);
        }
    }

    private static void join(Thread t) {
        try {
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void pause(Duration d) throws PushFailure {
        if (d.isPositive()) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PushFailure("interrupted", false, e);
            }
        }
    }

    /** The first line of a body, trimmed, for messages. */
    static String firstLine(String body) {
        String t = body.strip();
        int nl = t.indexOf('\n');
        return (nl < 0 ? t : t.substring(0, nl)).strip();
    }
}
