package org.updraft.server.http;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.updraft.server.catalog.Artifact;
import org.updraft.server.delivery.Delivery;
import org.updraft.server.fleet.Decision;
import org.updraft.server.fleet.Endpoint;
import org.updraft.server.fleet.Outcome;

/**
 * The device wire format, in one place: what a device's answer looks like on the wire, whichever
 * layer answers (the device endpoints, the {@link Dispatcher}'s limits before routing, Jetty's
 * refusals in {@link ProtocolErrors}). The rules, as the stock clients need them
 * (docs/device-contract.md):
 *
 * <ul>
 *   <li>Every deliberate refusal says why in {@code X-Updraft-Reason: <outcome>: <reason>}
 *       (the outcome's id first, so firmware can match it; ASCII, at most 300 characters: {@link HeaderText}),
 *       with {@code Cache-Control: no-cache} and no body; "nothing to do" is 304, never 3xx.</li>
 *   <li>An image is 200 with {@code Content-Length}, {@code x-MD5} (32 lower-case hex, what
 *       ESP8266httpUpdate compares after writing), {@code X-SHA256}, {@code ETag} and
 *       {@code Accept-Ranges: bytes}; a range is 206 with {@code Content-Range}, one that cannot
 *       be satisfied 416 with {@code Content-Range: bytes *}{@code /size}.</li>
 *   <li>A 429 carries {@code Retry-After}; a 401 of a token-enrolled product
 *       {@code WWW-Authenticate: Bearer realm="updraft-device"}.</li>
 *   <li>NONOS user bins: the SDK ignores the status line and flashes any body announced by a
 *       {@code Content-Length}, so every answer but the image closes the connection without a
 *       byte ({@link #closeWithoutAByte}; {@link Exchange} applies it to every answer of such a
 *       request, {@link NonosTarget} recognises one).</li>
 *   <li>Connections: every device answer says {@code Connection: close} ({@link #closeAfter}) —
 *       ESP8266httpUpdate, ESP32 HTTPUpdate and the NONOS SDK open one connection per request
 *       (HTTP/1.0, or {@code Connection: close}), and closing after the answer frees the socket at
 *       once instead of at the idle timeout. The one exception ({@link #keptOpen}): an image answer
 *       (200 or 206) on the update endpoint to an HTTP/1.1 request that did not ask to close stays
 *       open, because ESP-IDF's {@code esp_http_client} sends exactly such requests and, when the
 *       answer does not say close, sends the next Range chunk of an {@code esp_https_ota} partial
 *       download on the same connection (docs/device-contract.md, the Connections rule). Every refusal,
 *       304, 416 and version answer still closes.</li>
 * </ul>
 */
final class DeviceAnswers {

    static final String REASON = "X-Updraft-Reason";
    private static final String DEVICE_CHALLENGE = "Bearer realm=\"updraft-device\"";

    private DeviceAnswers() {
    }

    /** {@code X-Updraft-Reason: <outcome>: <reason>} ({@code <outcome>} alone when there is no reason). */
    static void reason(HttpFields.Mutable headers, String outcome, String reason) {
        headers.put(REASON, HeaderText.safe(reason == null ? outcome : outcome + ": " + reason));
    }

    /** The headers a decision brings beyond its status: Retry-After of a 429, the challenge of a 401. */
    static void decided(Exchange ex, Delivery.Decided decided) {
        Outcome o = decided.decision().outcome();
        if (o == Outcome.RATE_LIMITED) {
            ex.response().getHeaders().put(HttpHeader.RETRY_AFTER, decided.retryAfterSeconds());
        } else if (o == Outcome.UNAUTHENTICATED) {
            challenge(ex.response().getHeaders());
        }
    }

    /** {@code WWW-Authenticate} of a device refused for want of its token. */
    static void challenge(HttpFields.Mutable headers) {
        headers.put(HttpHeader.WWW_AUTHENTICATE, DEVICE_CHALLENGE);
    }

    /** A decision that sends no image, as {@code endpoint} answers it. */
    static void refuse(Exchange ex, Endpoint endpoint, Decision d) {
        refuse(ex, endpoint, d.status(), d.outcome().id(), d.reason());
    }

    /**
     * A refusal: a NONOS user bin closes the connection without a byte; any other endpoint answers
     * {@code status} with X-Updraft-Reason, no-cache and no body (304 without Content-Length).
     */
    static void refuse(Exchange ex, Endpoint endpoint, int status, String outcome, String reason) {
        if (endpoint == Endpoint.NONOS_USER_BIN) {
            ex.abort(outcome);
            return;
        }
        HttpFields.Mutable h = ex.response().getHeaders();
        reason(h, outcome, reason);
        h.put(HttpHeader.CACHE_CONTROL, "no-cache");
        if (status == 304) {
            ex.empty(304);
        } else {
            ex.send(status, null, new byte[0]);
        }
    }

    /** The headers of every answer that carries (a part of) the image of {@code d}. */
    static void image(HttpFields.Mutable h, Decision d) {
        Artifact a = d.artifact();
        h.put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
        h.put(HttpHeader.ACCEPT_RANGES, "bytes");
        h.put(HttpHeader.ETAG, "\"" + a.sha256() + "\"");
        h.put("X-SHA256", a.sha256());
        h.put("X-Updraft-Version", HeaderText.safe(d.target().version().toString()));
        reason(h, d.outcome().id(), d.reason());
        h.put(HttpHeader.CACHE_CONTROL, "no-cache");
    }

    /** The whole image: 200 with its length and its MD5 (the body follows); the connection as {@link #keptOpen} says. */
    static void whole(Exchange ex, Decision d) {
        Artifact a = d.artifact();
        Response response = ex.response();
        response.setStatus(200);
        response.getHeaders().put("x-MD5", a.md5());
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, a.size());
        connection(ex, d);
    }

    /** Bytes {@code first..last} of the image: 206 with Content-Range (the body follows); the connection as {@link #keptOpen} says. */
    static void part(Exchange ex, Decision d, long first, long last) {
        Artifact a = d.artifact();
        Response response = ex.response();
        response.setStatus(206);
        response.getHeaders().put(HttpHeader.CONTENT_RANGE, "bytes " + first + "-" + last + "/" + a.size());
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, last - first + 1);
        connection(ex, d);
    }

    /**
     * {@code Connection: close} on the answer, so Jetty closes the connection once it is sent: the
     * default of every device answer (set before the check-in is decided, so every refusal has it).
     */
    static void closeAfter(Exchange ex) {
        ex.response().getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    }

    /** An image answer that may stay open loses the {@link #closeAfter} header; Jetty then keeps the connection. */
    private static void connection(Exchange ex, Decision d) {
        if (keptOpen(d.checkIn().endpoint(), ex.request())) {
            ex.response().getHeaders().remove(HttpHeader.CONNECTION);
        }
    }

    /**
     * Whether an image answer on {@code endpoint} to {@code request} leaves the connection open:
     * only on the update endpoint, and only when the request is HTTP/1.1 without a
     * {@code Connection: close} token (RFC 9112 §9.3: an HTTP/1.1 connection persists unless either
     * side says close; HTTP/1.0 closes unless it says keep-alive, which no stock device client relies
     * on). That is what ESP-IDF's {@code esp_http_client} sends (HTTP/1.1, no Connection header;
     * its {@code keep_alive_enable} only turns on TCP keep-alive probes) and it keeps the connection
     * unless the answer says close. NONOS user bins always close: the SDK's upgrade client expects
     * one image per connection.
     */
    static boolean keptOpen(Endpoint endpoint, Request request) {
        return endpoint == Endpoint.HTTP_UPDATE
                && request.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_1_1
                && !request.getHeaders().contains(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    }

    /** A range the image cannot satisfy: 416, no ETag, {@code Content-Range: bytes *}{@code /size}. */
    static void unsatisfiable(Exchange ex, Artifact a) {
        HttpFields.Mutable h = ex.response().getHeaders();
        h.remove(HttpHeader.ETAG);
        h.put(HttpHeader.CONTENT_RANGE, "bytes */" + a.size());
        h.put(REASON, "range-not-satisfiable");
        ex.send(416, null, new byte[0]);
    }

    /**
     * Closes the connection without sending a single byte, then completes the request. Close
     * first, then complete normally: failing the callback would make Jetty log a WARN and try a
     * 500 for every deliberate refusal; with the endpoint closed nothing is sent.
     */
    static void closeWithoutAByte(Request request, Callback callback) {
        request.getConnectionMetaData().getConnection().getEndPoint().close();
        callback.succeeded();
    }
}
