package org.updraft.integration.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;
import org.updraft.testsupport.Multipart;

/**
 * A real UpdraftServer on a free loopback port (embedded SQLite in {@code dir}, or one of several
 * instances on a PostgreSQL database), driven through its management API.
 */
final class LiveServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final UpdraftServer server;
    /** The admin token the server is seeded with; every management call here sends it. */
    private final String token = org.updraft.server.auth.ApiTokens.newSecret();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    LiveServer(Path dir) {
        server = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir, null).withAdminToken(token));
    }

    /** Instance {@code instance} on the PostgreSQL database of {@code jdbcUrl}, with {@code dir} its own data directory. */
    LiveServer(Path dir, String jdbcUrl, String instance) {
        server = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir, jdbcUrl).withInstance(instance).withAdminToken(token));
    }

    UpdraftServer server() {
        return server;
    }

    URI uri() {
        return server.baseUri();
    }

    int port() {
        return server.port();
    }

    void product(String name, String layout) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri().resolve("/api/v1/products"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"layout\":\"" + layout + "\"}")).build());
        if (r.statusCode() != 201) {
            throw new AssertionError("product " + name + ": " + r.statusCode() + " " + r.body());
        }
    }

    /** {@code files}: part name, then bytes, alternating ("firmware", v2) or ("user1", a, "user2", b). */
    void release(String product, String version, Object... files) throws Exception {
        Multipart form = new Multipart().field("version", version);
        for (int i = 0; i < files.length; i += 2) {
            String name = (String) files[i];
            form.file(name, name + ".bin", (byte[]) files[i + 1]);
        }
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri().resolve("/api/v1/products/" + product + "/releases"))
                .header("Content-Type", form.contentType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.body())).build());
        if (r.statusCode() != 201) {
            throw new AssertionError("release " + product + " " + version + ": " + r.statusCode() + " " + r.body());
        }
    }

    JsonNode device(String mac) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(uri().resolve("/api/v1/devices/" + mac)).GET().build());
        if (r.statusCode() != 200) {
            throw new AssertionError("device " + mac + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    String token() {
        return token;
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        HttpRequest authenticated = HttpRequest.newBuilder(request, (name, value) -> true).header("Authorization", "Bearer " + token).build();
        return http.send(authenticated, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.close();
    }
}
