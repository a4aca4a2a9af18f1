package org.updraft.server.config;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Every size, time and rate limit of the server (OWASP API4), with its default. Set from the
 * command line as {@code --limit NAME=VALUE} ({@link #with(String, String)}); docs/security.md,
 * "Limits" lists them.
 *
 * @param maxImageBytes        largest image part of an upload (413 above)
 * @param maxRequestHeaderBytes request line + headers (431 above; 414 when the request line alone is too long)
 * @param maxUriBytes          path + query of a request (414 above)
 * @param headerTimeout        a request's header must be complete within this time once it started
 *                             (checked every {@code headerTimeout}, so a dribbling client is cut off
 *                             within one to two of them); slow-loris protection
 * @param idleTimeout          a connection with no bytes moving either way is closed after this
 * @param minUploadBytesPerSecond a request body arriving slower than this on average is cut off (0: off)
 * @param perIp                requests per client address (token bucket; 429 + Retry-After)
 * @param perDevice            check-ins per device MAC (genuine Range continuations exempt: DownloadAttempts); 429 + Retry-After
 * @param limitLoopback        whether the rate limits apply to loopback clients too (off: local tools and tests)
 * @param diskReserveBytes     free space the data directory's file system must keep: a write that would leave
 *                             less is refused with 507 (docs/integrity.md)
 * @param scrubInterval        how often every stored artifact is hashed again in the background (zero: never)
 */
public record Limits(long maxImageBytes, int maxRequestHeaderBytes, int maxUriBytes, Duration headerTimeout,
                     Duration idleTimeout, long minUploadBytesPerSecond, Rate perIp, Rate perDevice, boolean limitLoopback,
                     long diskReserveBytes, Duration scrubInterval) {

    /**
     * A token bucket: {@code burst} requests at once, refilled at {@code perMinute} a minute.
     * {@code perMinute == 0} turns the limit off.
     */
    public record Rate(int perMinute, int burst) {
        public static final Rate OFF = new Rate(0, 0);

        public Rate {
            if (perMinute < 0 || burst < 0 || (perMinute > 0 && burst < 1)) {
                throw new IllegalArgumentException("a rate needs perMinute >= 0 and, when on, burst >= 1; got " + perMinute
                        + "/min burst " + burst);
            }
        }

        public boolean on() {
            return perMinute > 0;
        }
    }

    static final long MAX_IMAGE_CEILING = (16L << 20) + 1028;

    public static final Limits DEFAULTS = new Limits(16L << 20, 8 * 1024, 2 * 1024, Duration.ofSeconds(10),
            Duration.ofSeconds(60), 1024, new Rate(3000, 600), new Rate(60, 30), false,
            64L << 20, Duration.ofHours(24));

    public Limits {
        Objects.requireNonNull(headerTimeout, "headerTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(perIp, "perIp");
        Objects.requireNonNull(perDevice, "perDevice");
        Objects.requireNonNull(scrubInterval, "scrubInterval");
        // The image parser refuses anything above 16 MiB (the largest ESP flash mapping); a signature
        // trailer of up to 1 KiB + 4 may follow.
        if (maxImageBytes < 1024 || maxImageBytes > MAX_IMAGE_CEILING) {
            throw new IllegalArgumentException("max-image-bytes must be within 1024.." + MAX_IMAGE_CEILING + " (16 MiB + a signature "
                    + "trailer; the image parser refuses larger images), was " + maxImageBytes);
        }
        if (maxRequestHeaderBytes < 1024 || maxRequestHeaderBytes > 1 << 20) {
            throw new IllegalArgumentException("max-header-bytes must be within 1024..1048576, was " + maxRequestHeaderBytes);
        }
        if (maxUriBytes < 256 || maxUriBytes > maxRequestHeaderBytes) {
            throw new IllegalArgumentException("max-uri-bytes must be within 256..max-header-bytes (" + maxRequestHeaderBytes
                    + "), was " + maxUriBytes);
        }
        if (headerTimeout.toMillis() < 100 || idleTimeout.toMillis() < 100) {
            throw new IllegalArgumentException("header-timeout and idle-timeout must be at least 100ms");
        }
        if (minUploadBytesPerSecond < 0) {
            throw new IllegalArgumentException("min-upload-rate must be >= 0 bytes per second, was " + minUploadBytesPerSecond);
        }
        if (diskReserveBytes < 0) {
            throw new IllegalArgumentException("disk-reserve must be >= 0 bytes, was " + diskReserveBytes);
        }
        if (scrubInterval.isNegative() || (!scrubInterval.isZero() && scrubInterval.toMillis() < 100)) {
            throw new IllegalArgumentException("scrub-interval must be 0 (off) or at least 100ms, was " + scrubInterval);
        }
    }

    /** The names {@link #with} accepts, with each current value. */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("max-image-bytes", Long.toString(maxImageBytes));
        m.put("max-header-bytes", Integer.toString(maxRequestHeaderBytes));
        m.put("max-uri-bytes", Integer.toString(maxUriBytes));
        m.put("header-timeout", headerTimeout.toMillis() + "ms");
        m.put("idle-timeout", idleTimeout.toMillis() + "ms");
        m.put("min-upload-rate", Long.toString(minUploadBytesPerSecond));
        m.put("ip-rate", perIp.perMinute() + "/min");
        m.put("ip-burst", Integer.toString(perIp.burst()));
        m.put("device-rate", perDevice.perMinute() + "/min");
        m.put("device-burst", Integer.toString(perDevice.burst()));
        m.put("limit-loopback", Boolean.toString(limitLoopback));
        m.put("disk-reserve", Long.toString(diskReserveBytes));
        m.put("scrub-interval", scrubInterval.toMillis() + "ms");
        return m;
    }

    /** These limits with one changed: {@code name} as in {@link #describe()}; IllegalArgumentException says what was expected. */
    public Limits with(String name, String value) {
        String v = value.strip();
        return switch (name) {
            case "max-image-bytes" -> new Limits(number(name, v), maxRequestHeaderBytes, maxUriBytes, headerTimeout, idleTimeout,
                    minUploadBytesPerSecond, perIp, perDevice, limitLoopback, diskReserveBytes, scrubInterval);
            case "max-header-bytes" -> new Limits(maxImageBytes, (int) number(name, v), Math.min(maxUriBytes, (int) number(name, v)),
                    headerTimeout, idleTimeout, minUploadBytesPerSecond, perIp, perDevice, limitLoopback, diskReserveBytes, scrubInterval);
            case "max-uri-bytes" -> new Limits(maxImageBytes, maxRequestHeaderBytes, (int) number(name, v), headerTimeout, idleTimeout,
                    minUploadBytesPerSecond, perIp, perDevice, limitLoopback, diskReserveBytes, scrubInterval);
            case "header-timeout" -> new Limits(maxImageBytes, maxRequestHeaderBytes, maxUriBytes, duration(name, v), idleTimeout,
                    minUploadBytesPerSecond, perIp, perDevice, limitLoopback, diskReserveBytes, scrubInterval);
            case "idle-timeout" -> new Limits(maxImageBytes, maxRequestHeaderBytes, maxUriBytes, headerTimeout, duration(name, v),
                    minUploadBytesPerSecond, perIp, perDevice, limitLoopback, diskReserveBytes, scrubInterval);
            case "min-upload-rate" -> new Limits(maxImageBytes, maxRequestHeaderBytes, maxUriBytes, headerTimeout, idleTimeout,
                    number(name, v), perIp, perDevice, limitLoopback, diskReserveBytes, scrubInterval);
            case "ip-rate" -> withIp(new Rate(perMinute(name, v), Math.max(1, perIp.burst())));
            case "ip-burst" -> withIp(new Rate(perIp.perMinute(), (int) number(name, v)));
            case "device-rate" -> withDevice(new Rate(perMinute(name, v), Math.max(1, perDevice.burst())));
            case "device-burst" -> withDevice(new Rate(perDevice.perMinute(), (int) number(name, v)));
            case "limit-loopback" -> new Limits(maxImageBytes, maxRequestHeaderBytes, maxUriBytes, headerTimeout, idleTimeout,
                    minUploadBytesPerSecond, perIp, perDevice, bool(name, v), diskReserveBytes, scrubInterval);
            case "disk-reserve" -> new Limits(maxImageBytes, maxRequestHeaderBytes, maxUriBytes, headerTimeout, idleTimeout,
                    minUploadBytesPerSecond, perIp, perDevice, limitLoopback, number(name, v), scrubInterval);
            case "scrub-interval" -> new Limits(maxImageBytes, maxRequestHeaderBytes, maxUriBytes, headerTimeout, idleTimeout,
                    minUploadBytesPerSecond, perIp, perDevice, limitLoopback, diskReserveBytes,
                    v.equals("off") ? Duration.ZERO : duration(name, v));
            default -> throw new IllegalArgumentException("unknown limit '" + name + "'; expected one of "
                    + String.join(", ", describe().keySet()));
        };
    }

    public Limits withIp(Rate r) {
        return new Limits(maxImageBytes, maxRequestHeaderBytes, maxUriBytes, headerTimeout, idleTimeout, minUploadBytesPerSecond,
                r, perDevice, limitLoopback, diskReserveBytes, scrubInterval);
    }

    public Limits withDevice(Rate r) {
        return new Limits(maxImageBytes, maxRequestHeaderBytes, maxUriBytes, headerTimeout, idleTimeout, minUploadBytesPerSecond,
                perIp, r, limitLoopback, diskReserveBytes, scrubInterval);
    }

    private static long number(String name, String v) {
        try {
            long n = Long.parseLong(v.replace("_", ""));
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a non-negative whole number, got '" + v + "'");
        }
    }

    private static int perMinute(String name, String v) {
        String n = v.endsWith("/min") ? v.substring(0, v.length() - 4) : v;
        if (n.equals("off")) {
            return 0;
        }
        return (int) Math.min(Integer.MAX_VALUE, number(name, n));
    }

    private static boolean bool(String name, String v) {
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(name + " must be true or false, got '" + v + "'");
        };
    }

    /** "10s", "500ms", "2m", "24h" or plain seconds. */
    static Duration duration(String name, String v) {
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("h")) {
                return Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a duration like 10s, 500ms or 2m, got '" + v + "'");
        }
    }
}
