package org.updraft.device.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The management API calls a fleet run makes, as an operator would (JSON over HTTP; no server
 * classes). Errors carry the server's own message.
 */
public final class ServerApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public ServerApi(URI base) {
        this(base, null);
    }

    /** {@code token}: sent as {@code Authorization: Bearer} (operator or admin; creating the product needs admin), or null. */
    public ServerApi(URI base, String token) {
        this.base = URI.create(base.toString().replaceAll("/+$", ""));
        this.token = token;
    }

    public URI base() {
        return base;
    }

    /** Thrown when the server refuses a call or cannot be reached. */
    public static final class ApiException extends IOException {
        private final int status;

        ApiException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    public JsonNode createProduct(String name, String layout, long healthWindowSeconds) throws IOException, InterruptedException {
        return json("POST", "/api/v1/products", Map.of("name", name, "layout", layout, "healthWindowSeconds", healthWindowSeconds), 201);
    }

    /** Multipart upload; {@code hold}: the release reaches devices only through a rollout. */
    public JsonNode uploadRelease(String product, String version, boolean hold, Map<String, byte[]> files)
            throws IOException, InterruptedException {
        String boundary = "----updraft-fleet-" + Long.toHexString(System.nanoTime());
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        field(body, boundary, "version", version);
        field(body, boundary, "hold", Boolean.toString(hold));
        for (var f : files.entrySet()) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"; filename=\""
                    + f.getKey() + ".bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(f.getValue());
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest r = HttpRequest.newBuilder(uri("/api/v1/products/" + product + "/releases")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        return expect(send(r), 201, "upload " + product + " " + version);
    }

    /** Designates the product's stepping stone for small flash (an existing release). */
    public JsonNode steppingStone(String product, String version) throws IOException, InterruptedException {
        return json("PUT", "/api/v1/products/" + product + "/stepping-stone", Map.of("version", version), 200);
    }

    public JsonNode tags(String mac, List<String> tags) throws IOException, InterruptedException {
        return json("PUT", "/api/v1/devices/" + mac + "/tags", Map.of("tags", tags), 200);
    }

    public RolloutStatus createRollout(String product, Map<String, Object> spec) throws IOException, InterruptedException {
        return RolloutStatus.of(json("POST", "/api/v1/products/" + product + "/rollouts", spec, 201));
    }

    /** {@code action}: start, pause, resume or abort. */
    public RolloutStatus rollout(long id, String action) throws IOException, InterruptedException {
        return RolloutStatus.of(json("POST", "/api/v1/rollouts/" + id + "/" + action, null, 200));
    }

    public RolloutStatus rollout(long id) throws IOException, InterruptedException {
        return RolloutStatus.of(json("GET", "/api/v1/rollouts/" + id, null, 200));
    }

    public JsonNode device(String mac) throws IOException, InterruptedException {
        return json("GET", "/api/v1/devices/" + mac, null, 200);
    }

    private JsonNode json(String method, String path, Object body, int expected) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30));
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json").method(method,
                    HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        }
        return expect(send(b.build()), expected, method + " " + path);
    }

    private HttpResponse<String> send(HttpRequest unauthenticated) throws IOException, InterruptedException {
        HttpRequest r = token == null ? unauthenticated
                : HttpRequest.newBuilder(unauthenticated, (name, value) -> true).header("Authorization", "Bearer " + token).build();
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ApiException(0, r.method() + " " + r.uri() + ": server unreachable (" + e + ")");
        }
    }

    private static JsonNode expect(HttpResponse<String> r, int expected, String what) throws IOException {
        if (r.statusCode() != expected) {
            String message = r.body();
            try {
                message = JSON.readTree(r.body()).path("error").asText(r.body());
            } catch (IOException e) {
                // not JSON: keep the text
            }
            throw new ApiException(r.statusCode(), what + ": " + r.statusCode() + " " + message);
        }
        return JSON.readTree(r.body());
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private static void field(ByteArrayOutputStream body, String boundary, String name, String value) {
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
    }
}
