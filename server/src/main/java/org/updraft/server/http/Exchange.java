package org.updraft.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.updraft.server.problem.Rejection;
import org.updraft.server.auth.Principal;

/**
 * One request and its answer. Every answer carries a Content-Length (one final write), so no
 * response is ever chunked — ESP clients treat chunked as an error (-101).
 *
 * <p>Invariant: exactly one of the answer methods completes the exchange (Jetty's callback).
 *
 * <p>Invariant: a request for a NONOS user bin ({@link NonosTarget}) is answered with its image or
 * not at all: every other answer ({@link #send}, {@link #empty}, so every error) closes the
 * connection without a byte ({@link DeviceAnswers} has the rule: the SDK flashes any body
 * announced by a Content-Length whatever the status). Enforced here, so no refusal path can forget.
 */
final class Exchange {

    private static final int MAX_JSON_BODY = 64 * 1024;

    private final Request request;
    private final Response response;
    private final Callback callback;
    private final Map<String, String> params;
    private final Instant at;
    private final boolean userBin;
    private Fields query;
    private boolean done;
    private Principal principal;
    private Map<String, String> auditDetails;
    private IntFunction<String> beforeAnswer;

    Exchange(Request request, Response response, Callback callback, Map<String, String> params, Instant at) {
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.params = params;
        this.at = at;
        this.userBin = NonosTarget.requested(request);
    }

    public Request request() {
        return request;
    }

    public Response response() {
        return response;
    }

    public Instant at() {
        return at;
    }

    /** The caller behind the bearer token, or null on open routes. */
    public Principal principal() {
        return principal;
    }

    void principal(Principal p) {
        this.principal = p;
    }

    /**
     * Adds to the audit target what the path does not say (the version of an upload, the name of a
     * new product). Ignored on routes that are not audited; null values are left out.
     */
    public void audit(String key, String value) {
        if (value == null) {
            return;
        }
        if (auditDetails == null) {
            auditDetails = new LinkedHashMap<>(4);
        }
        auditDetails.put(key, value);
    }

    /** "product=relay version=1.2.0": path parameters in template order, then {@link #audit} details. */
    String auditTarget(java.util.List<String> templateParams) {
        StringBuilder b = new StringBuilder();
        for (String name : templateParams) {
            String v = params.get(name);
            if (v != null) {
                b.append(b.isEmpty() ? "" : " ").append(name).append('=').append(v);
            }
        }
        if (auditDetails != null) {
            auditDetails.forEach((k, v) -> b.append(b.isEmpty() ? "" : " ").append(k).append('=').append(v));
        }
        return b.toString();
    }

    /**
     * Runs with the status just before the answer goes out (the audit record is written before the
     * client sees the result). The hook returns null when it did its work, or why it could not: a
     * 2xx answer then becomes a 500 with that message instead ("acknowledged means durable": no
     * success is announced whose record is not stored). Any other status goes out unchanged.
     */
    void beforeAnswer(IntFunction<String> hook) {
        this.beforeAnswer = hook;
    }

    /** Null, or the message of the 500 that replaces this 2xx answer ({@link #beforeAnswer}). */
    private String announce(int status) {
        IntFunction<String> hook = beforeAnswer;
        beforeAnswer = null;
        String failure = hook == null ? null : hook.apply(status);
        return failure != null && status >= 200 && status < 300 ? failure : null;
    }

    /** Replaces a 2xx answer whose record failed: none of the handler's headers (Location, ETag) still hold. */
    private void failInstead(String message) {
        response.getHeaders().clear();
        send(500, "application/json", Json.write(new ErrorBody(message, 500)));
    }

    public boolean isHead() {
        return request.getMethod().equals("HEAD");
    }

    public String param(String name) {
        String v = params.get(name);
        if (v == null) {
            throw new IllegalStateException("route has no parameter " + name);
        }
        return v;
    }

    /** A query parameter, or null. */
    public String query(String name) {
        return queryFields().getValue(name);
    }

    /** Every query parameter of the request (a malformed query string is a 400). */
    Fields queryFields() {
        if (query == null) {
            try {
                query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
            } catch (RuntimeException e) {
                throw Rejection.badRequest("malformed query string: " + reason(e, "it could not be decoded"));
            }
        }
        return query;
    }

    /** A request header (names are case-insensitive), or null. */
    public String header(String name) {
        return request.getHeaders().get(name);
    }

    public String remoteAddress() {
        return Request.getRemoteAddr(request);
    }

    /**
     * The JSON body as the given type; 415/400 with the reason when it is not. The body must be a
     * JSON object: {@code null}, an array or a scalar is refused naming the expected fields (a
     * handler never sees a null), and a field of the wrong type is refused naming the field and
     * what it must be — 1.5 is not a whole number ({@link Json}).
     */
    public <T> T bodyJson(Class<T> type) {
        String ct = header("Content-Type");
        if (ct == null || !ct.toLowerCase().startsWith("application/json")) {
            throw new Rejection(415, "expected Content-Type: application/json, got " + (ct == null ? "none" : Rejection.echo(ct)));
        }
        byte[] body;
        try (InputStream in = Request.asInputStream(request)) {
            body = in.readNBytes(MAX_JSON_BODY + 1);
        } catch (IOException e) {
            throw Rejection.badRequest("could not read the request body: " + reason(e, "the connection failed"));
        }
        if (body.length > MAX_JSON_BODY) {
            throw new Rejection(413, "JSON body larger than " + MAX_JSON_BODY + " bytes");
        }
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw Rejection.badRequest("malformed JSON: " + withoutJavaTypes(e.getOriginalMessage()));
        } catch (IOException e) {
            throw Rejection.badRequest("could not read the request body: " + reason(e, "the connection failed"));
        }
        if (tree == null || !tree.isObject()) {
            throw Rejection.badRequest("expected a JSON object with fields " + Json.fieldsOf(type) + ", got "
                    + (tree == null || tree.isMissingNode() ? "an empty body" : Json.describe(tree)));
        }
        try {
            return Json.MAPPER.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            throw Rejection.badRequest("unknown field '" + Rejection.echo(e.getPropertyName()) + "'; expected fields: "
                    + Json.fieldsOf(type));
        } catch (MismatchedInputException e) {
            throw Rejection.badRequest(Json.mismatch(e, tree));
        } catch (JsonProcessingException e) {
            throw Rejection.badRequest("malformed JSON: " + withoutJavaTypes(e.getOriginalMessage()));
        }
    }

    /**
     * The one rule that keeps Java out of answers and stored text. An exception's name used as a
     * prefix ("java.io.IOException: Broken pipe", "EofException: ") is dropped; any other type
     * name — Jackson writes `java.lang.Long` or `org.updraft...$NewProduct` — becomes "a value".
     */
    static String withoutJavaTypes(String message) {
        if (message == null) {
            return "unreadable body";
        }
        return message.replaceAll("\\b(?:[a-z_$][a-z0-9_$]*\\.)*[A-Z][A-Za-z0-9_$]*(?:Exception|Error)\\b:?\\s*", "")
                .replaceAll("`[^`]*`", "a value")
                .replaceAll("\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*", "a value")
                .strip();
    }

    /**
     * What went wrong in the innermost cause's own words (its first line) through
     * {@link #withoutJavaTypes}; {@code none} when it gives none.
     */
    static String reason(Throwable e, String none) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? "" : root.getMessage().strip();
        int nl = m.indexOf('\n');
        if (nl >= 0) {
            m = m.substring(0, nl).strip();
        }
        m = m.isEmpty() ? "" : withoutJavaTypes(m);
        return m.isEmpty() ? none : m;
    }

    public void json(int status, Object value) {
        send(status, "application/json", Json.write(value));
    }

    public void text(int status, String body) {
        send(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    /** A JSON error body {@code {"error": message, "status": code}}. */
    public void error(int status, String message) {
        json(status, new ErrorBody(message, status));
    }

    /** The error document of every management answer; a record keeps the field order stable. */
    record ErrorBody(String error, int status) {
    }

    public void send(int status, String contentType, byte[] body) {
        String failure = announce(status);
        if (failure != null) {
            failInstead(failure);
            return;
        }
        if (userBin) {
            abort(status + " for a NONOS user bin");
            return;
        }
        response.setStatus(status);
        if (contentType != null) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        }
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        finish(isHead() || status == 304 ? null : ByteBuffer.wrap(body));
    }

    /** Status and headers only (304, HEAD). */
    public void empty(int status) {
        String failure = announce(status);
        if (failure != null) {
            failInstead(failure);
            return;
        }
        if (userBin) {
            abort(status + " for a NONOS user bin");
            return;
        }
        response.setStatus(status);
        if (status != 304) {
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
        }
        finish(null);
    }

    /**
     * Starts an answer written piece by piece, for a browser's event stream ({@code text/event-stream}):
     * no Content-Length, so HTTP/1.1 sends it chunked — no device route uses it (the class comment's
     * rule is for devices). The exchange counts as answered from here on; the {@link Stream} ends it.
     */
    Stream stream(int status, String contentType) {
        markDone();
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        return new Stream();
    }

    /** The body of a {@link #stream}: blocking writes, then {@link #close} (or {@link #abort}, which drops the connection). */
    final class Stream implements AutoCloseable {
        private final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();

        /** Writes and flushes {@code bytes}; blocks until the connection took them, fails when it broke. */
        void write(byte[] bytes) throws IOException {
            try (org.eclipse.jetty.util.Blocker.Callback done = org.eclipse.jetty.util.Blocker.callback()) {
                response.write(false, ByteBuffer.wrap(bytes), done);
                done.block();
            }
        }

        /** Ends the answer by closing the connection (a write blocked on it fails). */
        void abort(String why) {
            if (ended.compareAndSet(false, true)) {
                callback.failed(new IOException(why));
            }
        }

        @Override
        public void close() {
            if (ended.compareAndSet(false, true)) {
                response.write(true, ByteBuffer.allocate(0), callback);
            }
        }
    }

    /** Writes the final body (or none) and completes; {@code onDone} sees success or failure. */
    void finish(ByteBuffer body, Callback onDone) {
        markDone();
        response.write(true, body == null ? ByteBuffer.allocate(0) : body, Callback.combine(callback, onDone));
    }

    private void finish(ByteBuffer body) {
        markDone();
        response.write(true, body == null ? ByteBuffer.allocate(0) : body, callback);
    }

    /**
     * Closes the connection without sending a single byte ({@link DeviceAnswers#closeWithoutAByte}):
     * for NONOS clients, which flash any response that carries a Content-Length whatever its status.
     */
    public void abort(String why) {
        markDone();
        DeviceAnswers.closeWithoutAByte(request, callback);
    }

    boolean isDone() {
        return done;
    }

    private void markDone() {
        if (done) {
            throw new IllegalStateException("exchange already answered");
        }
        done = true;
    }
}
