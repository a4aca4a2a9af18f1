package org.updraft.server.http;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.updraft.server.config.Limits;
import org.updraft.server.problem.Rejection;

/**
 * {@code min-upload-rate} (docs/security.md, "Limits") for every request body any handler reads — JSON,
 * PEM, multipart uploads, the device report, the drain before an error answer — because they all
 * read through this request. Jetty 12's own {@code HttpConfiguration.setMinRequestDataRate} is
 * stored but enforced by nothing in Jetty's core server (only by its servlet layers), so a body
 * trickling in at 1 byte/s used to hold a connection and a handler until the idle timeout.
 *
 * <p>The rule: once the header has arrived, a body gets a grace of {@code header-timeout}; after
 * it, a body that has averaged fewer than {@code min-upload-rate} bytes per second since the
 * header is refused with 408 (a {@link Rejection} delivered as the failure of the read, so every
 * reader stops where it is). A body that is complete is never judged. Checked as bytes arrive: a
 * body that stops altogether is closed by {@code idle-timeout}.
 *
 * <p>Only requests that announce a body are wrapped; reads are serialised by Jetty, so the
 * counters need no synchronisation.
 */
final class UploadRate extends Request.Wrapper {

    private final long minBytesPerSecond;
    private final long graceNanos;
    private final long start;
    private long bytes;
    private Rejection failed;

    private UploadRate(Request request, long minBytesPerSecond, long graceNanos) {
        super(request);
        this.minBytesPerSecond = minBytesPerSecond;
        this.graceNanos = graceNanos;
        long headers = request.getHeadersNanoTime();
        this.start = headers != 0 ? headers : System.nanoTime();
    }

    /** The request, watched when it carries a body and the limit is on. */
    static Request watch(Request request, Limits limits) {
        if (limits.minUploadBytesPerSecond() == 0 || !carriesBody(request)) {
            return request;
        }
        return new UploadRate(request, limits.minUploadBytesPerSecond(), limits.headerTimeout().toNanos());
    }

    static boolean carriesBody(Request request) {
        return request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH) > 0
                || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
    }

    @Override
    public Content.Chunk read() {
        if (failed != null) {
            return Content.Chunk.from(failed, true);
        }
        Content.Chunk chunk = super.read();
        if (chunk == null || Content.Chunk.isFailure(chunk) || chunk.isLast()) {
            return chunk;
        }
        bytes += chunk.remaining();
        long elapsed = System.nanoTime() - start;
        // bytes / seconds < min, multiplied out (in doubles: no overflow, no division by a zero elapsed time).
        if (elapsed > graceNanos && bytes * 1_000_000_000.0 < (double) minBytesPerSecond * elapsed) {
            chunk.release();
            failed = new Rejection(408, String.format(java.util.Locale.ROOT,
                    "request body too slow: %d bytes in %.1f s, at least %d bytes/s expected after a grace of %.1f s "
                            + "(limits min-upload-rate, header-timeout)",
                    bytes, elapsed / 1e9, minBytesPerSecond, graceNanos / 1e9));
            return Content.Chunk.from(failed, true);
        }
        return chunk;
    }
}
