package org.updraft.device.receiver;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A streaming {@code multipart/form-data} reader, as ESP8266WebServer's {@code _parseForm} reads an
 * upload: part headers, then the part's bytes handed on in chunks of at most
 * {@code HTTP_UPLOAD_BUFLEN} (2048) as they arrive, up to the next {@code "\r\n--boundary"}.
 * An {@link EOFException} means the body ended before the closing boundary (the connection dropped).
 */
final class Multipart {
    /** ESP8266WebServer {@code HTTP_UPLOAD_BUFLEN}. */
    static final int UPLOAD_BUFLEN = 2048;
    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?", Pattern.CASE_INSENSITIVE);
    private static final Pattern NAME = Pattern.compile("[; ]name=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);
    private static final Pattern FILENAME = Pattern.compile("filename=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);

    /** One part's headers: its field name and, for a file, its file name (null for plain fields). */
    record Part(String name, String filename) {
    }

    interface Sink {
        void start(Part part) throws IOException;

        void data(byte[] buf, int len) throws IOException;

        void end() throws IOException;
    }

    private final InputStream in;
    private final byte[] delimiter;
    private final byte[] window;
    private int filled;

    private Multipart(InputStream in, String boundary) {
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        this.window = new byte[UPLOAD_BUFLEN + delimiter.length];
    }

    /** The boundary of a {@code multipart/form-data} content type, or null. */
    static String boundary(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return null;
        }
        Matcher m = BOUNDARY.matcher(contentType);
        return m.find() ? m.group(1) : null;
    }

    /** Reads every part of the body into {@code sink}. */
    static void read(InputStream in, String boundary, Sink sink) throws IOException {
        new Multipart(in, boundary).parts(sink);
    }

    private void parts(Sink sink) throws IOException {
        // The body starts with "--boundary" (no leading CRLF): pretend one was there.
        window[0] = '\r';
        window[1] = '\n';
        filled = 2;
        skipToDelimiter();
        while (true) {
            String after = line();
            if (after.startsWith("--")) {
                return; // closing delimiter
            }
            String name = null;
            String filename = null;
            for (String header = line(); !header.isEmpty(); header = line()) {
                if (header.toLowerCase(Locale.ROOT).startsWith("content-disposition:")) {
                    Matcher n = NAME.matcher(header);
                    name = n.find() ? n.group(1) : "";
                    Matcher f = FILENAME.matcher(header);
                    filename = f.find() ? f.group(1) : null;
                }
            }
            Part part = new Part(name == null ? "" : name, filename);
            sink.start(part);
            copyToDelimiter(sink);
            sink.end();
        }
    }

    private void skipToDelimiter() throws IOException {
        copyToDelimiter(null);
    }

    /** Hands on bytes up to the next delimiter (consumed), keeping back what could be its start. */
    private void copyToDelimiter(Sink sink) throws IOException {
        while (true) {
            int at = indexOf(window, filled, delimiter);
            if (at >= 0) {
                if (sink != null && at > 0) {
                    sink.data(Arrays.copyOf(window, at), at);
                }
                int rest = at + delimiter.length;
                System.arraycopy(window, rest, window, 0, filled - rest);
                filled -= rest;
                return;
            }
            int safe = filled - (delimiter.length - 1);
            if (safe >= UPLOAD_BUFLEN) { // always so once the window is full
                if (sink != null) {
                    sink.data(Arrays.copyOf(window, UPLOAD_BUFLEN), UPLOAD_BUFLEN);
                }
                System.arraycopy(window, UPLOAD_BUFLEN, window, 0, filled - UPLOAD_BUFLEN);
                filled -= UPLOAD_BUFLEN;
            }
            int n = in.read(window, filled, window.length - filled);
            if (n < 0) {
                throw new EOFException("the body ended before the closing boundary");
            }
            filled += n;
        }
    }

    /** A header line (without CRLF), read through the window. */
    private String line() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            for (int i = 0; i + 1 < filled; i++) {
                if (window[i] == '\r' && window[i + 1] == '\n') {
                    out.write(window, 0, i);
                    System.arraycopy(window, i + 2, window, 0, filled - i - 2);
                    filled -= i + 2;
                    return out.toString(StandardCharsets.UTF_8);
                }
            }
            if (filled == window.length) {
                out.write(window, 0, filled - 1);
                window[0] = window[filled - 1];
                filled = 1;
            }
            if (out.size() > 8192) {
                throw new IOException("multipart header line too long");
            }
            int n = in.read(window, filled, window.length - filled);
            if (n < 0) {
                throw new EOFException("the body ended inside a part header");
            }
            filled += n;
        }
    }

    private static int indexOf(byte[] data, int length, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
