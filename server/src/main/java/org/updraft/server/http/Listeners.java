package org.updraft.server.http;

import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.updraft.server.config.Limits;
import org.updraft.server.config.TlsConfig;

/**
 * The server's listeners on its Jetty server: plain HTTP, and HTTPS beside it when configured —
 * the same handler and the same settings for both (limits, idle and header timeouts, backlog,
 * send buffer). Each connection watches its raw request line ({@link HttpConnections}) and its
 * header deadline ({@link HeaderDeadline}). {@link #close} releases the TLS certificates.
 */
public final class Listeners implements AutoCloseable {

    private final ServerConnector plain;
    private final TlsCertificates tls;
    private final ServerConnector secure;

    private Listeners(ServerConnector plain, TlsCertificates tls, ServerConnector secure) {
        this.plain = plain;
        this.tls = tls;
        this.secure = secure;
    }

    /** Adds the listeners to {@code jetty} (they bind when it starts); HTTPS only when {@code tlsConfig} is not null. */
    public static Listeners add(Server jetty, String host, int port, TlsConfig tlsConfig, Limits limits) {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // Limits (docs/security.md, "Limits"): header block and request line, idle and header timeouts. The body
        // rate is enforced by the Dispatcher (UploadRate): Jetty's core server stores MinRequestDataRate
        // but does not enforce it; it is set here only so Jetty's own view of the configuration agrees.
        http.setRequestHeaderSize(limits.maxRequestHeaderBytes());
        http.setResponseHeaderSize(8 * 1024);
        http.setMinRequestDataRate(limits.minUploadBytesPerSecond());
        http.setIdleTimeout(limits.idleTimeout().toMillis());
        ServerConnector plain = listener(jetty, host, port, limits, new HttpConnections(http));
        if (tlsConfig == null) {
            return new Listeners(plain, null, null);
        }
        // HTTPS beside plain HTTP: same handler, same limits; SecureRequestCustomizer marks
        // requests as secure. ESP8266 fleets stay on HTTP + signed images (docs/security.md, "HTTPS").
        TlsCertificates tls = new TlsCertificates(tlsConfig);
        HttpConfiguration https = new HttpConfiguration(http);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false);
        https.addCustomizer(secure);
        ServerConnector secured = listener(jetty, host, tlsConfig.port(), limits,
                new SslConnectionFactory(tls.factory(), HttpVersion.HTTP_1_1.asString()), new HttpConnections(https));
        return new Listeners(plain, tls, secured);
    }

    /**
     * Loads the configured certificate as a start would and checks that its private key belongs
     * to it and that it is valid now, for {@code updraft config check}: its subject and expiry, or
     * IllegalArgumentException saying what is wrong with which file.
     */
    public static String checkCertificate(TlsConfig config) {
        java.security.KeyStore ks = TlsCertificates.load(config);
        try {
            java.security.PrivateKey key = (java.security.PrivateKey) ks.getKey("updraft", "updraft".toCharArray());
            java.security.cert.X509Certificate cert = (java.security.cert.X509Certificate) ks.getCertificate("updraft");
            String algorithm = switch (key.getAlgorithm()) {
                case "RSA" -> "SHA256withRSA";
                case "EC" -> "SHA256withECDSA";
                default -> key.getAlgorithm(); // Ed25519
            };
            byte[] probe = "updraft config check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            java.security.Signature sign = java.security.Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(probe);
            byte[] signature = sign.sign();
            java.security.Signature verify = java.security.Signature.getInstance(algorithm);
            verify.initVerify(cert.getPublicKey());
            verify.update(probe);
            String files = config.pkcs12() != null ? config.pkcs12().toString() : config.certificate() + " and " + config.privateKey();
            if (!verify.verify(signature)) {
                throw new IllegalArgumentException("the private key does not belong to the certificate (" + files + ")");
            }
            try {
                cert.checkValidity();
            } catch (java.security.cert.CertificateExpiredException | java.security.cert.CertificateNotYetValidException e) {
                throw new IllegalArgumentException("the certificate is not valid now (" + cert.getNotBefore().toInstant() + " .. "
                        + cert.getNotAfter().toInstant() + "): " + files);
            }
            return cert.getSubjectX500Principal().getName() + ", valid until " + cert.getNotAfter().toInstant();
        } catch (java.security.GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException("cannot check the HTTPS certificate: " + e.getMessage(), e);
        }
    }

    /** The plain HTTP port (the bound one, once started). */
    public int port() {
        return plain.getLocalPort();
    }

    /** The HTTPS port, or -1 without a TLS listener. */
    public int httpsPort() {
        return secure == null ? -1 : secure.getLocalPort();
    }

    /** The subject of the HTTPS certificate in use, or null without a TLS listener. */
    public String tlsSubject() {
        return tls == null ? null : tls.subject();
    }

    @Override
    public void close() {
        if (tls != null) {
            tls.close();
        }
    }

    /** A listener (plain HTTP or HTTPS, the same settings for both), added to {@code jetty}. */
    private static ServerConnector listener(Server jetty, String host, int port, Limits limits, ConnectionFactory... factories) {
        // No acceptor thread: the selector accepts (Jetty's "acceptors = 0"). Device check-ins are
        // one request per connection, so with an acceptor every connection crossed threads
        // twice more (accept, then hand the channel to the selector and wake it): 116-120 µs
        // of server CPU per check-in with one acceptor, 86-89 µs without (BENCHMARKS.md).
        ServerConnector c = new ServerConnector(jetty, 0, 1, factories);
        c.setHost(host);
        c.setPort(port);
        c.setIdleTimeout(limits.idleTimeout().toMillis());
        c.addBean(new HeaderDeadline(c, limits.headerTimeout()));
        // The listen backlog: an MQTT wake-up or a power cut brings thousands of devices at
        // once, and a connection the full queue drops costs its device a SYN retry 1 s later
        // (3 s, then 7 s). Linux caps it at net.core.somaxconn (4,096 on current kernels).
        c.setAcceptQueueSize(4096);
        // A fixed send buffer per connection instead of Linux autotuning up to 4 MiB (64 KiB asked;
        // Linux doubles it for its bookkeeping): 1,000 slow ESP8266 downloads held 144 MB of
        // kernel socket memory with it, ~1 GB with autotuning (BENCHMARKS.md), and a transfer
        // counts as complete only when at most that buffer is still unacknowledged. The price is
        // CPU on fast links, a write cycle per buffer: ~13 % per 1 MB download against 256 KiB.
        c.setAcceptedSendBufferSize(64 * 1024);
        jetty.addConnector(c);
        return c;
    }
}
