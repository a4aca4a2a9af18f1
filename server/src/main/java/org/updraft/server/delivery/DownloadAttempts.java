package org.updraft.server.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The image transfer each device has in progress, to tell a genuine continuation of a download
 * (exempt from the per-device rate limit: ESP-IDF's partial download fetches an image in 64 KiB
 * ranges, and esp_https_ota resumes a broken one with {@code Range: bytes=N-}) from a new
 * download dressed up as one (a {@code Range} header used to skip the limit, so {@code bytes=0-}
 * fetched the whole image as often as asked).
 *
 * <p>A request is a continuation when all of these hold (README "Limits"):
 * <ol>
 *   <li>it names a device and asks for one range {@code bytes=N-} or {@code bytes=N-M} with
 *       N &gt; 0, and is answered with that range (206) — {@code bytes=0-}, a suffix range
 *       {@code bytes=-n}, several ranges, a malformed header, and a range whose {@code If-Range}
 *       does not match (answered with the whole image) never continue anything;</li>
 *   <li>the server began an attempt for the same device and the same image (SHA-256): a request
 *       that was counted against the limit and answered with image bytes — within the last
 *       {@link #WINDOW}, counted from the attempt's latest request;</li>
 *   <li>N lies after the start of the attempt's previous range and at most one past its end
 *       (forward, no gap: the next chunk, or a resume at the byte a broken transfer reached);</li>
 *   <li>with this range the attempt has sent at most {@link #MAX_SENT_FACTOR} times the image.</li>
 * </ol>
 * So one counted request buys at most twice the image, never an unbounded number of copies.
 *
 * <p>Invariant: at most one attempt per device (a new one replaces the old). Memory stays bounded
 * as in the HTTP side's token buckets (http.TokenBuckets): past {@link #SWEEP_AT} devices,
 * attempts older than the window go.
 */
final class DownloadAttempts {

    static final Duration WINDOW = Duration.ofMinutes(5);
    static final int MAX_SENT_FACTOR = 2;
    static final int SWEEP_AT = 100_000;

    /** Bytes {@code first..last} were the latest range sent of {@code sha256}; {@code sent} bytes in all. */
    private record Attempt(String sha256, long size, long first, long last, long sent, Instant at) {
    }

    private final Map<String, Attempt> byDevice = new ConcurrentHashMap<>();

    /**
     * What can be known before the update policy picked an image: the request resumes at
     * {@code from} &gt; 0 and the device has an attempt in the window that such a range would
     * continue. {@link #continues} decides once the image is known.
     */
    boolean mayContinue(String mac, long from, Instant now) {
        return resumes(byDevice.get(mac), from, now);
    }

    /**
     * Whether sending bytes {@code first..last} of the image {@code sha256} ({@code size} bytes),
     * asked for as {@code bytes=from-…}, continues the device's attempt (rules 1-4 above); when it
     * does, the range is recorded as sent in the same step. Check and record are one atomic
     * operation on the device's entry, so of concurrent requests that would each continue the same
     * attempt exactly one does: the others see the range it recorded (and, past the budget, its bytes).
     */
    boolean continuing(String mac, long from, String sha256, long size, long first, long last, Instant now) {
        boolean[] continued = {false};
        byDevice.computeIfPresent(mac, (k, a) -> {
            if (!continues(a, from, sha256, size, first, last, now)) {
                return a;
            }
            continued[0] = true;
            return new Attempt(sha256, size, first, last, a.sent() + (last - first + 1), now);
        });
        return continued[0];
    }

    /** A counted request is sent bytes {@code first..last} of the image: a new attempt begins (it replaces the old). */
    void began(String mac, String sha256, long size, long first, long last, Instant now) {
        if (byDevice.size() > SWEEP_AT) {
            byDevice.values().removeIf(a -> !fresh(a, now));
        }
        byDevice.put(mac, new Attempt(sha256, size, first, last, last - first + 1, now));
    }

    private static boolean resumes(Attempt a, long from, Instant now) {
        return from > 0 && a != null && fresh(a, now) && from > a.first() && from <= a.last() + 1;
    }

    private static boolean continues(Attempt a, long from, String sha256, long size, long first, long last, Instant now) {
        return resumes(a, from, now) && from == first && a.sha256().equals(sha256) && a.size() == size
                && a.sent() + (last - first + 1) <= MAX_SENT_FACTOR * size;
    }

    private static boolean fresh(Attempt a, Instant now) {
        return !now.isAfter(a.at().plus(WINDOW));
    }
}
