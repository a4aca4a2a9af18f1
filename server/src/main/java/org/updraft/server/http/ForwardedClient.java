package org.updraft.server.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.updraft.server.config.TrustedProxies;

/**
 * Puts the client's address, as a trusted reverse proxy reports it in {@code X-Forwarded-For},
 * in place of the proxy's own address, before any other handler sees the request: the per-address
 * rate limit ({@link RateLimits}), the address a check-in records, the audit log and the loopback
 * exemption then all see the device, not nginx. A request from an address that is not a trusted
 * proxy passes unchanged, its header ignored ({@link TrustedProxies}).
 */
final class ForwardedClient extends Handler.Wrapper {

    private final TrustedProxies proxies;

    ForwardedClient(Handler next, TrustedProxies proxies) {
        super(next);
        this.proxies = proxies;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!proxies.isEmpty() && request.getConnectionMetaData().getRemoteSocketAddress() instanceof InetSocketAddress peer
                && proxies.trusts(peer.getAddress())) {
            InetAddress client = proxies.client(peer.getAddress(), request.getHeaders().getValuesList("X-Forwarded-For"));
            if (!client.equals(peer.getAddress())) {
                return super.handle(new Forwarded(request, new InetSocketAddress(client, 0)), response, callback);
            }
        }
        return super.handle(request, response, callback);
    }

    /** The request as seen from the forwarded client's address. */
    private static final class Forwarded extends Request.Wrapper {
        private final ConnectionMetaData metaData;

        Forwarded(Request request, SocketAddress client) {
            super(request);
            this.metaData = new ConnectionMetaData.Wrapper(request.getConnectionMetaData()) {
                @Override
                public SocketAddress getRemoteSocketAddress() {
                    return client;
                }
            };
        }

        @Override
        public ConnectionMetaData getConnectionMetaData() {
            return metaData;
        }
    }
}
