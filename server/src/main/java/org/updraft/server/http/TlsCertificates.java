package org.updraft.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.config.TlsConfig;

/**
 * Loads the HTTPS certificate (PEM chain + PKCS#8 key, or PKCS#12) into a KeyStore for Jetty,
 * and reloads it when its files change: a background thread compares modification times and
 * sizes every {@code reloadCheck} and swaps the SslContextFactory's keystore
 * ({@link SslContextFactory#reload}); new handshakes use the new certificate.
 */
final class TlsCertificates implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TlsCertificates.class);
    private static final Pattern PEM_KEY = Pattern.compile(
            "-----BEGIN ([A-Z ]*PRIVATE KEY)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
    private static final char[] STORE_PASSWORD = "updraft".toCharArray();

    private final TlsConfig config;
    private final SslContextFactory.Server factory;
    private final Thread watcher;
    private volatile String stamp;
    private volatile boolean closed;
    private volatile String subject;

    TlsCertificates(TlsConfig config) {
        this.config = config;
        KeyStore ks = load(config);
        this.subject = subject(ks);
        this.stamp = stamp(config);
        this.factory = new SslContextFactory.Server();
        factory.setKeyStore(ks);
        factory.setKeyStorePassword(new String(STORE_PASSWORD));
        // Devices and tools reach the server by IP address; do not insist on SNI matching the name.
        factory.setSniRequired(false);
        this.watcher = Thread.ofVirtual().name("updraft-tls-reload").start(this::watch);
    }

    public SslContextFactory.Server factory() {
        return factory;
    }

    /** The subject of the certificate in use (for logs and tests). */
    public String subject() {
        return subject;
    }

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(config.reloadCheck());
            } catch (InterruptedException e) {
                return;
            }
            String now = stamp(config);
            if (now.equals(stamp)) {
                continue;
            }
            try {
                KeyStore ks = load(config);
                factory.reload(f -> f.setKeyStore(ks));
                stamp = now;
                subject = subject(ks);
                LOG.info("HTTPS certificate reloaded: {}", subject);
            } catch (Exception e) {
                // Keep serving the old certificate; a half-written file will be complete at the next check.
                LOG.error("HTTPS certificate changed but cannot be loaded, keeping the current one: {}", e.getMessage());
                stamp = now;
            }
        }
    }

    private static String stamp(TlsConfig config) {
        StringBuilder sb = new StringBuilder();
        for (Path p : config.files()) {
            try {
                FileTime t = Files.getLastModifiedTime(p);
                sb.append(t.toMillis()).append('/').append(Files.size(p)).append(';');
            } catch (IOException e) {
                sb.append("missing;");
            }
        }
        return sb.toString();
    }

    /** The KeyStore for the configured files, or IllegalArgumentException saying what is wrong with them. */
    static KeyStore load(TlsConfig config) {
        try {
            if (config.pkcs12() != null) {
                KeyStore p12 = KeyStore.getInstance("PKCS12");
                try (InputStream in = Files.newInputStream(config.pkcs12())) {
                    p12.load(in, config.password());
                }
                String alias = null;
                for (String a : java.util.Collections.list(p12.aliases())) {
                    if (p12.isKeyEntry(a)) {
                        alias = a;
                        break;
                    }
                }
                if (alias == null) {
                    throw new IllegalArgumentException(config.pkcs12() + " holds no private key entry");
                }
                PrivateKey key = (PrivateKey) p12.getKey(alias, config.password());
                return store(key, p12.getCertificateChain(alias));
            }
            if (!Files.readString(config.certificate(), StandardCharsets.ISO_8859_1).contains("-----BEGIN CERTIFICATE-----")) {
                throw new IllegalArgumentException(config.certificate() + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
            }
            List<Certificate> chain;
            try (InputStream in = Files.newInputStream(config.certificate())) {
                chain = new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
            }
            if (chain.isEmpty()) {
                throw new IllegalArgumentException(config.certificate() + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
            }
            return store(privateKey(config.privateKey()), chain.toArray(Certificate[]::new));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the HTTPS certificate: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot load the HTTPS certificate: " + e.getMessage(), e);
        }
    }

    private static KeyStore store(PrivateKey key, Certificate[] chain) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("updraft", key, STORE_PASSWORD, chain);
        return ks;
    }

    static PrivateKey privateKey(Path file) throws IOException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        Matcher m = PEM_KEY.matcher(pem);
        if (!m.find()) {
            throw new IllegalArgumentException(file + " holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
        }
        if (!m.group(1).equals("PRIVATE KEY")) {
            throw new IllegalArgumentException(file + " holds a '" + m.group(1) + "'; convert it to PKCS#8 with "
                    + "openssl pkcs8 -topk8 -nocrypt -in " + file.getFileName() + " -out key.pem");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(2));
        for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException ignored) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(file + ": the PKCS#8 key is not an RSA, EC or Ed25519 key");
    }

    private static String subject(KeyStore ks) {
        try {
            return ((X509Certificate) ks.getCertificate("updraft")).getSubjectX500Principal().getName();
        } catch (GeneralSecurityException e) {
            return "?";
        }
    }

    @Override
    public void close() {
        closed = true;
        watcher.interrupt();
    }
}
