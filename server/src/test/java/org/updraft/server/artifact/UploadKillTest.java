package org.updraft.server.artifact;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.RawHttp;
import org.updraft.server.ServerConfig;
import org.updraft.server.TestDatabase;
import org.updraft.server.UpdraftServer;
import org.updraft.server.store.KilledServer;
import org.updraft.testsupport.Multipart;

/**
 * A server killed (SIGKILL) while it stores a release leaves the release either whole — rows,
 * bytes in the database, served byte-exact — or not at all: no release, no artifact row, no blob
 * row, and after the next start no file in artifacts/. Three moments: right after the whole body
 * was sent (before it is parsed: absent), the moment the image's file appears in artifacts/ (the
 * file is written before the transaction that stores the rows and the bytes: either), and after
 * the 201 (whole).
 */
class UploadKillTest {

    static final String TOKEN = org.updraft.server.auth.ApiTokens.newSecret();
    enum Moment { BODY_SENT, FILE_WRITTEN, ANSWERED }

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(TestDatabase.class)
    void aKilledUploadIsWholeOrAbsentAfterTheNextStart(TestDatabase engine) throws Exception {
        try (TestDatabase.Instance db = engine.create(dir)) {
            String jdbcUrl = db.jdbcUrl();
            for (Moment moment : Moment.values()) {
                String version = "1.0." + moment.ordinal();
                byte[] image = ImageBuilder.arduino().version(version).payload(900 + moment.ordinal(), 900_000).build();
                killDuringUpload(jdbcUrl, moment == Moment.BODY_SENT, version, image, moment);
                try (UpdraftServer server = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir, jdbcUrl).withAdminToken(TOKEN))) {
                    boolean whole = assertWholeOrAbsent(server, version, image);
                    if (moment == Moment.BODY_SENT) {
                        assertThat(whole).as("killed before the body was stored").isFalse();
                    } else if (moment == Moment.ANSWERED) {
                        assertThat(whole).as("answered 201, so stored").isTrue();
                    }
                }
            }
        }
    }

    /** Asserts the release is whole or absent; returns whether it is whole. */
    static boolean assertWholeOrAbsent(UpdraftServer server, String version, byte[] image) throws Exception {
        String sha = Digests.sha256Hex(image);
        Jdbi jdbi = server.database().jdbi();
        int releases = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM firmware_release WHERE version = :v")
                .bind("v", version).mapTo(Integer.class).one());
        int artifacts = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM artifact WHERE sha256 = :s")
                .bind("s", sha).mapTo(Integer.class).one());
        int links = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM release_artifact WHERE sha256 = :s")
                .bind("s", sha).mapTo(Integer.class).one());
        BlobStore blobs = server.artifacts().backing().orElseThrow();
        if (releases == 1) {
            assertThat(artifacts).as("release " + version + " stored: its artifact row").isEqualTo(1);
            assertThat(links).isEqualTo(1);
            assertThat(blobs.get(sha)).as("its bytes in the database").hasValueSatisfying(b -> assertThat(b).isEqualTo(image));
            HttpResponse<String> listed = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            server.baseUri().resolve("/api/v1/products/relay/releases/" + version))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(listed.statusCode()).isEqualTo(200);
            assertThat(server.artifacts().check(sha)).as("served intact").isNull();
            return true;
        } else {
            assertThat(releases).as("release " + version + " absent").isZero();
            assertThat(artifacts).as("no artifact row without its release").isZero();
            assertThat(links).isZero();
            assertThat(blobs.exists(sha)).as("no blob rows").isFalse();
            assertThat(blobs.digests()).doesNotContain(sha);
            assertThat(server.artifacts().pathOf(sha)).as("no file left in artifacts/").doesNotExist();
            return false;
        }
    }

    /** Starts a server JVM, sends the whole upload, kills it at {@code moment}. */
    void killDuringUpload(String jdbcUrl, boolean createProduct, String version, byte[] image, Moment moment) throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        var command = new java.util.ArrayList<>(java.util.List.of(javaBin, "-cp", System.getProperty("java.class.path"),
                KilledServer.class.getName(), dir.toString(), TOKEN));
        if (jdbcUrl != null) {
            command.add(jdbcUrl);
        }
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
            int port = -1;
            String line;
            while (port < 0 && (line = out.readLine()) != null) {
                if (line.startsWith("port ")) {
                    port = Integer.parseInt(line.substring(5).trim());
                }
            }
            Thread.ofVirtual().start(() -> out.lines().forEach(l -> { }));
            assertThat(port).as("the child server started").isPositive();
            if (createProduct) {
                RawHttp.Response r = RawHttp.exchange(port, request("POST /api/v1/products", "application/json",
                        "{\"name\":\"relay\",\"layout\":\"arduino-4m\"}".getBytes(StandardCharsets.UTF_8)));
                assertThat(r.status()).isEqualTo(201);
            }
            Multipart m = new Multipart().field("version", version).file("firmware", "fw.bin", image);
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                OutputStream o = s.getOutputStream();
                o.write(request("POST /api/v1/products/relay/releases", m.contentType(), m.body()));
                o.flush();
                if (moment == Moment.FILE_WRITTEN) {
                    Path file = dir.resolve("artifacts").resolve(Digests.sha256Hex(image).substring(0, 2))
                            .resolve(Digests.sha256Hex(image) + ".bin");
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (!Files.exists(file) && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    assertThat(file).as("the upload wrote its file").exists();
                } else if (moment == Moment.ANSWERED) {
                    s.setSoTimeout(30_000);
                    byte[] answer = s.getInputStream().readNBytes(12);
                    assertThat(new String(answer, StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 201");
                }
                child.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no flush
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(Files.isDirectory(dir)).isTrue();
    }

    static byte[] request(String line, String contentType, byte[] body) {
        byte[] head = (line + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN + "\r\nContent-Type: " + contentType
                + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }
}
