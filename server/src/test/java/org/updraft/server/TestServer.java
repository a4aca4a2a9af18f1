package org.updraft.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.updraft.testsupport.Multipart;

/**
 * A real Updraft server on a free loopback port with its own data directory and database, for
 * one test. {@link #restart()} stops it and starts a new one on the same data and database.
 *
 * <p>The server is started with a seeded admin token ({@link #adminToken()}), which
 * {@link #send}, {@link #get} and {@link #upload} send as {@code Authorization: Bearer}; use
 * {@link #sendAs} to call as someone else (or as nobody).
 */
public final class TestServer implements AutoCloseable {

    private final Path dataDir;
    private final TestDatabase.Instance db;
    private final java.util.function.UnaryOperator<ServerConfig> customize;
    /** The admin token every TestServer in this JVM is seeded with, for tests that build raw requests. Random per run. */
    public static final String ADMIN_TOKEN = org.updraft.server.auth.ApiTokens.newSecret();

    private final String adminToken = ADMIN_TOKEN;
    private UpdraftServer server;
    /** False for a {@link #peer}: its data and database belong to the server it was made from. */
    private final boolean owner;
    private boolean stopped;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public TestServer(TestDatabase kind) {
        this(kind, c -> c);
    }

    /** A server whose configuration the test adjusts (clock, rollout tick, notifications). */
    public TestServer(TestDatabase kind, java.util.function.UnaryOperator<ServerConfig> customize) {
        this.customize = customize;
        try {
            this.dataDir = Files.createTempDirectory("updraft-test");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        this.db = kind.create(dataDir);
        this.owner = true;
        this.server = UpdraftServer.start(config());
    }

    private TestServer(TestServer first, java.util.function.UnaryOperator<ServerConfig> customize) {
        this.customize = customize;
        this.dataDir = first.dataDir;
        this.db = first.db;
        this.owner = false;
        this.server = UpdraftServer.start(config());
    }

    /**
     * Another instance on this server's database and data directory (artifacts shared as on a
     * shared volume): several instances on PostgreSQL (docs/cluster.md). Closing it leaves the
     * data and the database to this server.
     */
    public TestServer peer(java.util.function.UnaryOperator<ServerConfig> customize) {
        return new TestServer(this, customize);
    }

    public TestServer() {
        this(TestDatabase.EMBEDDED);
    }

    private ServerConfig config() {
        return customize.apply(new ServerConfig("127.0.0.1", 0, dataDir, db.jdbcUrl()).withAdminToken(adminToken));
    }

    public UpdraftServer server() {
        return server;
    }

    public int port() {
        return server.port();
    }

    public URI uri(String path) {
        return server.baseUri().resolve(path);
    }

    public Path dataDir() {
        return dataDir;
    }

    public void restart() {
        server.close();
        server = UpdraftServer.start(config());
    }

    /** The seeded admin token the helpers send. */
    public String adminToken() {
        return adminToken;
    }

    /** JSON POST/PUT/GET/DELETE helper returning status and body, as the seeded admin. */
    public HttpResponse<String> send(String method, String path, String json) {
        return sendAs(adminToken, method, path, json);
    }

    /** As {@link #send}, with this bearer token (null: no Authorization header). */
    public HttpResponse<String> sendAs(String token, String method, String path, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (json != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Any method with a body of any content type and extra headers (name, value, name, value...).
     * Management paths ({@code /api/}) get the admin token unless the headers carry an Authorization.
     */
    public HttpResponse<String> send(String method, String path, String contentType, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        boolean authorization = false;
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
            authorization |= headers[i].equalsIgnoreCase("Authorization");
        }
        if (!authorization && path.startsWith("/api/")) {
            b.header("Authorization", "Bearer " + adminToken);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Fails the test unless the answer has the expected status; returns the body. */
    public String expect(int status, HttpResponse<String> r) {
        if (r.statusCode() != status) {
            throw new AssertionError("expected " + status + ", got " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    public HttpResponse<String> get(String path) {
        return send("GET", path, null);
    }

    /** Creates a token with this role through the API and returns its secret; fails the test if refused. */
    public String token(String name, String role) {
        HttpResponse<String> r = send("POST", "/api/v1/tokens", "{\"name\":\"" + name + "\",\"role\":\"" + role + "\"}");
        if (r.statusCode() != 201) {
            throw new AssertionError("creating token " + name + ": " + r.statusCode() + " " + r.body());
        }
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.body()).get("token").asText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Creates a product through the API; fails the test if refused. */
    public void product(String name, String layout) {
        HttpResponse<String> r = send("POST", "/api/v1/products", "{\"name\":\"" + name + "\",\"layout\":\"" + layout + "\"}");
        if (r.statusCode() != 201) {
            throw new AssertionError("creating product " + name + ": " + r.statusCode() + " " + r.body());
        }
    }

    /** Uploads a release as multipart/form-data; returns status and body. */
    public HttpResponse<String> upload(String product, String version, Multipart.Part... files) {
        Multipart m = new Multipart().field("version", version);
        for (Multipart.Part p : files) {
            m.file(p.name(), p.fileName(), p.bytes());
        }
        return upload(product, m);
    }

    public HttpResponse<String> upload(String product, Multipart m) {
        HttpRequest req = HttpRequest.newBuilder(uri("/api/v1/products/" + product + "/releases"))
                .header("Content-Type", m.contentType())
                .header("Authorization", "Bearer " + adminToken)
                .POST(HttpRequest.BodyPublishers.ofByteArray(m.body())).build();
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public void uploadOk(String product, String version, Multipart.Part... files) {
        HttpResponse<String> r = upload(product, version, files);
        if (r.statusCode() != 201) {
            throw new AssertionError("upload " + product + " " + version + ": " + r.statusCode() + " " + r.body());
        }
    }

    /** Stops the server alone; the data directory and the database stay for its peers until {@link #close}. */
    public void stopServer() {
        if (!stopped) {
            stopped = true;
            server.close();
        }
    }

    @Override
    public void close() {
        stopServer();
        if (!owner) {
            return;
        }
        db.close();
        try (Stream<Path> walk = Files.walk(dataDir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp dir; best effort
        }
    }
}
