package org.updraft.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.server.TestDatabase;
import org.updraft.server.TestServer;
import org.updraft.server.config.TlsConfig;

/** The HTTPS listener with a real TLS client: PEM and PKCS#12, and a certificate reload without restart. */
class TlsListenerTest {

    @TempDir
    Path dir;

    Path fixture(String name) throws Exception {
        Path p = dir.resolve(name);
        try (InputStream in = TlsListenerTest.class.getResourceAsStream("/org/updraft/server/tls/" + name)) {
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
        }
        return p;
    }

    /** A TLS context that trusts exactly the two test certificates. */
    static SSLContext trusting() throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        for (String n : new String[] {"a", "b"}) {
            try (InputStream in = TlsListenerTest.class.getResourceAsStream("/org/updraft/server/tls/" + n + ".crt")) {
                trust.setCertificateEntry(n, cf.generateCertificate(in));
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    /** The subject CN the server presents in a fresh handshake. */
    static String presented(int port) throws Exception {
        try (SSLSocket s = (SSLSocket) trusting().getSocketFactory().createSocket("127.0.0.1", port)) {
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }

    @Test
    void pemCertificateServesHttpsBesideHttpAndIsReloadedWithoutRestart() throws Exception {
        Path crt = fixture("a.crt");
        Path key = fixture("a.key");
        TlsConfig tls = TlsConfig.pem(0, crt, key).withReloadCheck(Duration.ofMillis(100));
        try (TestServer server = new TestServer(TestDatabase.EMBEDDED, c -> c.withTls(tls))) {
            int https = server.server().httpsPort();
            assertThat(https).isPositive().isNotEqualTo(server.port());
            HttpClient client = HttpClient.newBuilder().sslContext(trusting()).build();
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + https + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"UP\"");
            assertThat(server.get("/health").statusCode()).as("plain HTTP stays").isEqualTo(200);
            assertThat(presented(https)).isEqualTo("CN=updraft-test-a");

            // Renew: the files change in place (as certbot's deploy does); no restart.
            Files.copy(TlsListenerTest.class.getResourceAsStream("/org/updraft/server/tls/b.key"), key, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(TlsListenerTest.class.getResourceAsStream("/org/updraft/server/tls/b.crt"), crt, StandardCopyOption.REPLACE_EXISTING);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!"CN=updraft-test-b".equals(server.server().tlsSubject()) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(presented(https)).isEqualTo("CN=updraft-test-b");
            assertThat(server.server().httpsPort()).isEqualTo(https);

            // A broken file is ignored: the last good certificate keeps serving.
            Files.writeString(crt, "not a certificate");
            Thread.sleep(400);
            assertThat(presented(https)).isEqualTo("CN=updraft-test-b");
        }
    }

    @Test
    void pkcs12KeystoreWithItsPassword() throws Exception {
        TlsConfig tls = TlsConfig.pkcs12(0, fixture("a.p12"), "changeit".toCharArray());
        try (TestServer server = new TestServer(TestDatabase.EMBEDDED, c -> c.withTls(tls))) {
            assertThat(presented(server.server().httpsPort())).isEqualTo("CN=updraft-test-a");
        }
    }

    @Test
    void badCertificateConfigurationsFailWithTheReason() throws Exception {
        assertThatThrownBy(() -> new TestServer(TestDatabase.EMBEDDED, c -> c.withTls(TlsConfig.pkcs12(0, dirFixture("a.p12"), "wrong".toCharArray()))))
                .hasMessageContaining("cannot ");
        assertThatThrownBy(() -> new TestServer(TestDatabase.EMBEDDED, c -> c.withTls(TlsConfig.pem(0, dirFixture("a.key"), dirFixture("a.key")))))
                .hasMessageContaining("holds no PEM certificate");
        assertThatThrownBy(() -> new TestServer(TestDatabase.EMBEDDED, c -> c.withTls(TlsConfig.pem(0, dirFixture("a.crt"), dirFixture("a.crt")))))
                .hasMessageContaining("holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
        assertThatThrownBy(() -> new TlsConfig(0, dirFixture("a.crt"), null, null, null, Duration.ofSeconds(1)))
                .hasMessage("a PEM certificate needs both files: the certificate chain (--tls-cert) and its private key (--tls-key)");
    }

    Path dirFixture(String name) {
        try {
            return fixture(name);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
