package org.updraft.server.http;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.config.Limits;
import org.updraft.server.fleet.Outcome;

/**
 * Answers for requests Jetty refuses before any route sees them — a header block over the limit
 * (431), a request line over it (414), a request that is not HTTP (400), a body too slow (408) —
 * in the API's error form {@code {"error", "status"}} with {@code X-Updraft-Reason}, naming the
 * limit that was hit instead of Jetty's HTML page. A request for a NONOS user bin gets no answer
 * at all, only a closed connection ({@link NonosTarget}): the SDK would flash this error as firmware.
 */
final class ProtocolErrors extends ErrorHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ProtocolErrors.class);

    private final Limits limits;

    ProtocolErrors(Limits limits) {
        this.limits = limits;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (NonosTarget.requested(request)) {
            LOG.debug("closing connection from {} without an answer: Jetty refused a malformed NONOS user-bin request",
                    Request.getRemoteAddr(request));
            DeviceAnswers.closeWithoutAByte(request, callback);
            return true;
        }
        return super.handle(request, response, callback);
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        String text = switch (code) {
            case 431 -> "request header fields too large: the request line and headers may take at most "
                    + limits.maxRequestHeaderBytes() + " bytes (limit max-header-bytes)";
            case 414 -> "URI too long: the request line may take at most " + limits.maxRequestHeaderBytes()
                    + " bytes and path + query at most " + limits.maxUriBytes() + " (limits max-header-bytes, max-uri-bytes)";
            case 408 -> "request timeout: the request did not arrive in time (limits header-timeout, idle-timeout, "
                    + "min-upload-rate " + limits.minUploadBytesPerSecond() + " bytes/s)";
            case 413 -> "request body too large: an image part may take at most " + limits.maxImageBytes()
                    + " bytes (limit max-image-bytes)";
            // Jetty's generic "Bad Request" comes, among others, from a path whose '..' segments climb
            // above the root (the request is gone by then, so name the likely causes).
            default -> message == null || message.equals("Bad Request")
                    ? "malformed HTTP request: the request line is not valid HTTP/1.x, or its path climbs above the root "
                    + "with '..' segments (path traversal is refused)"
                    : "malformed HTTP request: " + message;
        };
        byte[] body = Json.write(new Exchange.ErrorBody(text, code));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        DeviceAnswers.reason(response.getHeaders(), Outcome.BAD_REQUEST.id(), text);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
