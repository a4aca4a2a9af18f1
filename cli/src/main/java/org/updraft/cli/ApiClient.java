package org.updraft.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.LongConsumer;

/**
 * The CLI's one way to talk to the management API ({@code /api/v1/…}): HTTP/1.1, JSON through Jackson, and every failure turned into a {@link CommandFailure} whose message a person can
 * act on — the server's own {@code "error"} text for refusals, "cannot reach Updraft at URL…" when there
 * is no server.
 */
final class ApiClient implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** For ordinary API calls; uploads have none (a 4 MB image over a slow link may take minutes). */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final URI server;
    private final String token;
    /** Where the token came from when neither --token nor UPDRAFT_TOKEN gave it (the bootstrap token file), else null. */
    private final String tokenSource;
    /**
     * For uploads only, made on the first one. Starting the JDK's HttpClient (its TLS context, its
     * selector thread) cost ~0.5 s of CPU, most of a remote command's start, where one
     * HttpURLConnection request cost ~0.05 s (BENCHMARKS.md, CLI start); the small JSON requests
     * go through HttpURLConnection, the streamed uploads keep the client's publisher and progress.
     */
    private HttpClient http;

    /**
     * @param server base URL without trailing slash, e.g. http://localhost:8080
     * @param token  admin bearer token, or null/blank for none
     */
    ApiClient(URI server, String token) {
        this(server, token, null);
    }

    /** As {@link #ApiClient(URI, String)}, with the file the token was read from named in refusals. */
    ApiClient(URI server, String token, String tokenSource) {
        this.server = server;
        this.tokenSource = tokenSource;
        this.token = token == null || token.isBlank() ? null : token.strip();
    }

    private HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(CONNECT_TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .build();
        }
        return http;
    }

    /** An answer with a 2xx status; {@code request} names it ("GET http://…") for messages. */
    record Reply(String request, int status, String body) {

        /** The body as JSON; a non-JSON body means --server points at something that is not Updraft. */
        JsonNode json() {
            if (body.isBlank()) {
                return JSON.missingNode();
            }
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new CommandFailure(request + " answered with something that is not JSON: \""
                        + abbreviate(body) + "\" (is --server pointing at an Updraft server?)");
            }
        }
    }

    Reply get(String path) {
        return exchange("GET", path, null);
    }

    Reply post(String path, JsonNode body) {
        return exchange("POST", path, json(body));
    }

    Reply put(String path, JsonNode body) {
        return exchange("PUT", path, json(body));
    }

    /** A text body of the given type (PEM public keys: application/x-pem-file). */
    Reply send(String method, String path, String body, String contentType) {
        return send(method, path, BodyPublishers.ofString(body, StandardCharsets.UTF_8), contentType, REQUEST_TIMEOUT);
    }

    Reply delete(String path) {
        return exchange("DELETE", path, null);
    }

    /**
     * POSTs a multipart/form-data body, streamed from its parts as the connection takes it (never read whole
     * into memory), with an exact Content-Length. {@code sent} is told the running total of body bytes handed
     * to the connection.
     */
    Reply upload(String path, MultipartBody body, LongConsumer sent) {
        HttpRequest.BodyPublisher streamed = BodyPublishers.fromPublisher(
                BodyPublishers.ofInputStream(() -> new CountingInputStream(body.open(), sent)),
                body.contentLength());
        return send("POST", path, streamed, body.contentType(), null);
    }

    /** A new empty JSON object for request bodies. */
    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** One path segment, percent-encoded (a MAC's ':' stays readable; '/', '+', ' ' and the like are escaped). */
    static String segment(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~' || c == ':') {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    /** "?a=1&b=2" from the non-null entries, or "" when there are none. */
    static String query(Map<String, String> parameters) {
        StringJoiner joined = new StringJoiner("&", "?", "").setEmptyValue("");
        parameters.forEach((name, value) -> {
            if (value != null) {
                joined.add(URLEncoder.encode(name, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        });
        return joined.toString();
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
    }

    /**
     * One small request through HttpURLConnection: the same headers, timeouts (connect 10 s, an
     * answer within 60 s), no redirects and the same failure messages as {@link #send}.
     */
    private Reply exchange(String method, String path, byte[] body) {
        URI uri = URI.create(server + path);
        String request = method + " " + uri;
        java.net.HttpURLConnection c = null;
        try {
            c = (java.net.HttpURLConnection) uri.toURL().openConnection(java.net.Proxy.NO_PROXY);
            c.setRequestMethod(method);
            c.setInstanceFollowRedirects(false);
            c.setUseCaches(false);
            c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
            c.setReadTimeout((int) REQUEST_TIMEOUT.toMillis());
            c.setRequestProperty("Accept", "application/json");
            c.setRequestProperty("User-Agent", "updraft-cli/" + Updraft.version());
            if (token != null) {
                c.setRequestProperty("Authorization", "Bearer " + token);
            }
            if (body != null) {
                c.setRequestProperty("Content-Type", "application/json");
                c.setDoOutput(true);
            }
            try {
                c.connect();
            } catch (java.net.SocketTimeoutException e) {
                throw new CommandFailure("cannot reach Updraft at " + server + ": no answer to connecting within "
                        + CONNECT_TIMEOUT.toSeconds() + " s (is the host and port right?)", e);
            }
            if (body != null) {
                try (var out = c.getOutputStream()) {
                    out.write(body);
                }
            }
            int status = c.getResponseCode();
            java.io.InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (status >= 200 && status < 300) {
                return new Reply(request, status, text);
            }
            String refused = refusal(request, status, text);
            // 400 Bad Request: what the user gave is malformed or out of range (the CLI sends well-formed
            // requests, so the values are the user's): a usage error, exit 2, like one the CLI notices itself.
            throw status == 400 ? CommandFailure.usage(refused) : new CommandFailure(refused);
        } catch (ConnectException e) {
            throw new CommandFailure(unreachable(e), e);
        } catch (java.net.UnknownHostException e) {
            throw new CommandFailure("cannot reach Updraft at " + server + ": unknown host " + server.getHost(), e);
        } catch (java.net.SocketTimeoutException e) {
            throw new CommandFailure(request + " got no answer within " + REQUEST_TIMEOUT.toSeconds() + " s", e);
        } catch (IOException e) {
            throw new CommandFailure(request + " failed: " + describe(e), e);
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    private Reply send(String method, String path, HttpRequest.BodyPublisher body, String contentType, Duration timeout) {
        URI uri = URI.create(server + path);
        String request = method + " " + uri;
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .method(method, body)
                .header("Accept", "application/json")
                .header("User-Agent", "updraft-cli/" + Updraft.version());
        if (contentType != null) {
            builder.header("Content-Type", contentType);
        }
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        if (timeout != null) {
            builder.timeout(timeout);
        }
        HttpResponse<String> response;
        try {
            response = http().send(builder.build(), BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            throw new CommandFailure(unreachable(e), e);
        } catch (HttpConnectTimeoutException e) {
            throw new CommandFailure("cannot reach Updraft at " + server + ": no answer to connecting within "
                    + CONNECT_TIMEOUT.toSeconds() + " s (is the host and port right?)", e);
        } catch (HttpTimeoutException e) {
            throw new CommandFailure(request + " got no answer within " + timeout.toSeconds() + " s", e);
        } catch (IOException e) {
            throw new CommandFailure(request + " failed: " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandFailure(request + " was interrupted", e);
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return new Reply(request, status, response.body());
        }
        // 400 Bad Request: what the user gave is malformed or out of range (the CLI sends well-formed
        // requests, so the values are the user's): a usage error, exit 2, like one the CLI notices itself.
        String refused = refusal(request, status, response.body());
        throw status == 400 ? CommandFailure.usage(refused) : new CommandFailure(refused);
    }

    /** The server's {"error": "..."} text, or what happened when the answer is not Updraft's error JSON. */
    private String refusal(String request, int status, String body) {
        String message = null;
        try {
            JsonNode json = JSON.readTree(body);
            if (json != null && json.path("error").isTextual()) {
                message = json.path("error").asText();
            }
        } catch (JsonProcessingException notJson) {
            // fall through: not Updraft's error format
        }
        if (message == null) {
            message = request + " answered HTTP " + status + (body.isBlank() ? "" : ": \"" + abbreviate(body) + "\"");
        }
        // Said once: the server's own missing-token answer already names UPDRAFT_TOKEN.
        if (status == 401 && token == null && !message.contains("UPDRAFT_TOKEN")) {
            message += " (pass --token or set UPDRAFT_TOKEN)";
        } else if (status == 401 && tokenSource != null) {
            message += " (the token was read from " + tokenSource + "; pass --token or set UPDRAFT_TOKEN)";
        }
        return message;
    }

    private String unreachable(ConnectException e) {
        String other = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException) {
                return "cannot reach Updraft at " + server + ": unknown host " + server.getHost();
            }
            String message = t.getMessage();
            if (message != null && message.toLowerCase().contains("refused")) {
                other = null;
                break;
            }
            if (message != null) {
                other = message;
            }
        }
        return "cannot reach Updraft at " + server + ": "
                + (other == null ? "connection refused (is `updraft server` running?)" : other);
    }

    /** The most specific message in the cause chain: what actually went wrong. */
    private static String describe(Throwable e) {
        String message = e.toString();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message;
    }

    private static String abbreviate(String body) {
        String flat = body.strip().replaceAll("\\s+", " ");
        return flat.length() <= 120 ? flat : flat.substring(0, 117) + "...";
    }

    private static byte[] json(JsonNode body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a JSON tree", e);
        }
    }
}
