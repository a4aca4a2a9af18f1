package org.updraft.server.http;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.OptionalLong;
import java.util.function.LongSupplier;
import org.eclipse.jetty.server.Request;
import org.updraft.server.config.Limits;
import org.updraft.server.delivery.Delivery;

/**
 * The per-client-address and per-device rate limits (OWASP API4): token buckets answering 429 with
 * {@code Retry-After}. Loopback clients (local tools, the tests' own clients) are exempt unless
 * {@link Limits#limitLoopback()}.
 */
final class RateLimits {

    private final Limits limits;
    private final TokenBuckets perIp;
    private final TokenBuckets perDevice;

    RateLimits(Limits limits, LongSupplier nanos) {
        this.limits = limits;
        this.perIp = new TokenBuckets(limits.perIp(), nanos);
        this.perDevice = new TokenBuckets(limits.perDevice(), nanos);
    }

    public Limits limits() {
        return limits;
    }

    /** Empty when the request's client address may go ahead; else nanoseconds to wait. */
    OptionalLong client(Request request) {
        SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
        if (exempt(remote)) {
            return OptionalLong.empty();
        }
        String key = remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(remote);
        return perIp.take(key);
    }

    /** Empty when the device (normalised MAC) may check in now; else nanoseconds to wait. */
    OptionalLong device(Request request, String mac) {
        if (exempt(request.getConnectionMetaData().getRemoteSocketAddress())) {
            return OptionalLong.empty();
        }
        return perDevice.take(mac);
    }

    /** The per-device limit as this request meets it, in whole seconds of Retry-After. */
    Delivery.DeviceRate forDevice(Request request) {
        return mac -> {
            OptionalLong wait = device(request, mac);
            return wait.isEmpty() ? wait : OptionalLong.of(TokenBuckets.retryAfterSeconds(wait.getAsLong()));
        };
    }

    private boolean exempt(SocketAddress remote) {
        return !limits.limitLoopback() && remote instanceof InetSocketAddress inet && inet.getAddress() != null
                && inet.getAddress().isLoopbackAddress();
    }
}
