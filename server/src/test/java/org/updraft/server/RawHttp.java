package org.updraft.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A raw-socket HTTP client that sends exactly the bytes a device sends and keeps exactly the
 * bytes the server answers, including what arrived in the first {@code read()}.
 */
public final class RawHttp {

    /** A response as bytes: the first read, the status line, headers (lower-cased names) and body. */
    public record Response(byte[] raw, byte[] firstRead, int status, String statusLine, Map<String, String> headers, byte[] body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String head() {
            int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return new String(raw, 0, end < 0 ? raw.length : end + 4, StandardCharsets.ISO_8859_1);
        }
    }

    private RawHttp() {
    }

    /**
     * What ESP8266httpUpdate sends to {@code /u/relay} from a device with this MAC running
     * {@code running} (its size and MD5 as the sketch headers), byte for byte, over HTTP/1.0.
     */
    public static String esp8266CheckIn(String mac, byte[] running) {
        return "GET /u/relay HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: ESP8266-http-Update\r\nConnection: close\r\n"
                + "x-ESP8266-Chip-ID: 15602487\r\nx-ESP8266-STA-MAC: " + mac + "\r\nx-ESP8266-AP-MAC: " + mac + "\r\n"
                + "x-ESP8266-free-space: 2000000\r\nx-ESP8266-sketch-size: " + running.length + "\r\n"
                + "x-ESP8266-sketch-md5: " + org.updraft.server.artifact.Digests.md5Hex(running) + "\r\nx-ESP8266-chip-size: 4194304\r\n"
                + "x-ESP8266-sdk-version: 2.2.2-dev(38a443e)\r\nx-ESP8266-mode: sketch\r\nContent-Length: 0\r\n\r\n";
    }

    public static Response exchange(int port, String request) throws IOException {
        return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * Sends the request, reads until the server closes (10 s timeout), parses what came. An answer
     * that keeps the connection open (a Content-Length and no {@code Connection: close}: an image
     * to an HTTP/1.1 client that did not ask to close) is read to the end of its body instead, and
     * the client closes.
     */
    public static Response exchange(int port, byte[] request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[65536];
            int n = in.read(buf);
            byte[] first = n <= 0 ? new byte[0] : Arrays.copyOf(buf, n);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(first);
            long kept = n > 0 ? keptOpenLength(first, request) : -1;
            if (kept >= 0) {
                while (all.size() < kept && (n = in.read(buf)) > 0) {
                    all.write(buf, 0, n);
                }
            } else if (n > 0) {
                in.transferTo(all);
            }
            return parse(all.toByteArray(), first);
        }
    }

    /**
     * The length of the whole answer (head and body) when it leaves the connection open, else -1.
     * Only when the first read holds the whole head.
     */
    private static long keptOpenLength(byte[] first, byte[] request) {
        int end = indexOf(first, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        if (end < 0) {
            return -1;
        }
        Response head = parse(Arrays.copyOf(first, end + 4), first);
        String connection = head.header("Connection");
        String length = head.header("Content-Length");
        if (length == null || (connection != null && connection.equalsIgnoreCase("close")) || head.statusLine().startsWith("HTTP/1.0")) {
            return -1;
        }
        boolean isHead = new String(request, 0, Math.min(5, request.length), StandardCharsets.US_ASCII).equals("HEAD ");
        return end + 4 + (isHead ? 0 : Long.parseLong(length));
    }

    static Response parse(byte[] raw, byte[] first) {
        int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        if (end < 0) {
            return new Response(raw, first, -1, null, Map.of(), new byte[0]);
        }
        String head = new String(raw, 0, end, StandardCharsets.ISO_8859_1);
        String[] lines = head.split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim());
        }
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        return new Response(raw, first, status, lines[0], headers, Arrays.copyOfRange(raw, end + 4, raw.length));
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
