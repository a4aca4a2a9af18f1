package org.updraft.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;

/**
 * A multipart/form-data request body (RFC 7578) that is never held in memory: a sequence of small header
 * byte strings and file contents, each opened only when the connection reaches it and read in the
 * connection's buffer size. Its length is known up front, so the request carries an exact Content-Length
 * (the ESP-facing server never has to deal with chunked uploads).
 *
 * <pre>
 * --BOUNDARY\r\n
 * Content-Disposition: form-data; name="version"\r\n
 * \r\n
 * 1.0.0\r\n
 * --BOUNDARY\r\n
 * Content-Disposition: form-data; name="firmware"; filename="fw.bin"\r\n
 * Content-Type: application/octet-stream\r\n
 * \r\n
 * &lt;file bytes&gt;\r\n
 * --BOUNDARY--\r\n
 * </pre>
 */
final class MultipartBody {

    /** Opens one file's content; called once, when the upload reaches that part. */
    @FunctionalInterface
    interface Content {
        InputStream open() throws IOException;
    }

    /** One run of bytes of the body: its exact length and how to open it. */
    private record Segment(String name, long length, Content content) {
        static Segment of(String text) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            return new Segment("multipart framing", bytes.length, () -> new ByteArrayInputStream(bytes));
        }
    }

    private static final String CRLF = "\r\n";

    private final String boundary;
    private final List<Segment> segments = new ArrayList<>();
    private boolean finished;

    /** A body with a random boundary that cannot plausibly occur in a firmware image. */
    MultipartBody() {
        this("updraft-" + HexFormat.of().formatHex(randomBytes()));
    }

    MultipartBody(String boundary) {
        if (!boundary.matches("[0-9A-Za-z'()+_,\\-./:=?]{1,70}")) {
            throw new IllegalArgumentException("multipart boundary must be 1-70 RFC 2046 characters, was \"" + boundary + "\"");
        }
        this.boundary = boundary;
    }

    /** A text field, e.g. {@code version=1.0.0}, UTF-8. */
    MultipartBody field(String name, String value) {
        append(Segment.of(delimiter() + "Content-Disposition: form-data; name=\"" + escape(name) + "\"" + CRLF + CRLF + value + CRLF));
        return this;
    }

    /** A file part named after the file, streamed from disk when the upload reaches it. */
    MultipartBody file(String name, Path file) throws IOException {
        long size = Files.size(file);
        return file(name, file.getFileName().toString(), size, () -> Files.newInputStream(file));
    }

    /** A file part of exactly {@code size} bytes, sent as application/octet-stream. */
    MultipartBody file(String name, String filename, long size, Content content) {
        append(Segment.of(delimiter()
                + "Content-Disposition: form-data; name=\"" + escape(name) + "\"; filename=\"" + escape(filename) + "\"" + CRLF
                + "Content-Type: application/octet-stream" + CRLF + CRLF));
        append(new Segment(filename, size, content));
        append(Segment.of(CRLF));
        return this;
    }

    String contentType() {
        return "multipart/form-data; boundary=" + boundary;
    }

    /** Exact number of bytes {@link #open()} yields. */
    long contentLength() {
        finish();
        return segments.stream().mapToLong(Segment::length).sum();
    }

    /** The whole body as one stream; each file is opened only when reached and closed when done. */
    InputStream open() {
        finish();
        return new Sequence(List.copyOf(segments).iterator());
    }

    private void finish() {
        if (!finished) {
            segments.add(Segment.of("--" + boundary + "--" + CRLF));
            finished = true;
        }
    }

    private void append(Segment segment) {
        if (finished) {
            throw new IllegalStateException("multipart body already closed; add parts before sending it");
        }
        segments.add(segment);
    }

    private String delimiter() {
        return "--" + boundary + CRLF;
    }

    /** Quoted-string escaping as browsers do for form-data names (HTML §4.10.21.8): ", CR, LF. */
    private static String escape(String value) {
        return value.replace("\"", "%22").replace("\r", "%0D").replace("\n", "%0A");
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    /**
     * Reads the segments one after another. A file that yields more or fewer bytes than its declared size
     * (it changed during the upload) fails the upload instead of sending a body that disagrees with the
     * Content-Length.
     */
    private static final class Sequence extends InputStream {
        private final Iterator<Segment> rest;
        private Segment segment;
        private InputStream current;
        private long readFromCurrent;

        Sequence(Iterator<Segment> rest) {
            this.rest = rest;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (length == 0) {
                return 0;
            }
            while (true) {
                if (current == null) {
                    if (!rest.hasNext()) {
                        return -1;
                    }
                    segment = rest.next();
                    current = segment.content().open();
                    readFromCurrent = 0;
                }
                long left = segment.length() - readFromCurrent;
                // Ask for one byte past the declared end so a grown file is noticed.
                int n = current.read(buffer, offset, (int) Math.min(length, left + 1));
                if (n > 0) {
                    readFromCurrent += n;
                    if (readFromCurrent > segment.length()) {
                        throw new IOException(segment.name() + " grew while uploading: expected " + segment.length() + " bytes");
                    }
                    return n;
                }
                if (n < 0) {
                    if (readFromCurrent < segment.length()) {
                        throw new IOException(segment.name() + " shrank while uploading: expected " + segment.length()
                                + " bytes, found " + readFromCurrent);
                    }
                    current.close();
                    current = null;
                }
            }
        }

        @Override
        public void close() throws IOException {
            if (current != null) {
                current.close();
                current = null;
            }
        }
    }
}
