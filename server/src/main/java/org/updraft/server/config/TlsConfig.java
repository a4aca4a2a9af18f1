package org.updraft.server.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * An HTTPS listener beside the plain HTTP one. The certificate comes either as PEM (a certificate
 * chain file and a PKCS#8 private key file, as certbot and {@code openssl req} write them) or as
 * a PKCS#12 keystore with its password. The files are checked every {@code reloadCheck}; a changed
 * certificate is loaded without a restart (new connections get it; open ones keep theirs), and a
 * broken one is logged and ignored, keeping the current certificate.
 */
public record TlsConfig(int port, Path certificate, Path privateKey, Path pkcs12, char[] password, Duration reloadCheck) {

    public TlsConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("HTTPS port must be 0..65535, was " + port);
        }
        boolean pem = certificate != null || privateKey != null;
        if (pem == (pkcs12 != null)) {
            throw new IllegalArgumentException("give either a PEM certificate and private key (--tls-cert, --tls-key) "
                    + "or a PKCS#12 keystore (--tls-pkcs12), not both and not neither");
        }
        if (pem && (certificate == null || privateKey == null)) {
            throw new IllegalArgumentException("a PEM certificate needs both files: the certificate chain (--tls-cert) "
                    + "and its private key (--tls-key)");
        }
        if (reloadCheck == null || reloadCheck.isNegative() || reloadCheck.isZero()) {
            throw new IllegalArgumentException("the certificate reload check interval must be positive");
        }
        password = password == null ? new char[0] : password.clone();
    }

    public static TlsConfig pem(int port, Path certificate, Path privateKey) {
        return new TlsConfig(port, certificate, privateKey, null, null, Duration.ofSeconds(10));
    }

    public static TlsConfig pkcs12(int port, Path keystore, char[] password) {
        return new TlsConfig(port, null, null, keystore, password, Duration.ofSeconds(10));
    }

    public TlsConfig withReloadCheck(Duration d) {
        return new TlsConfig(port, certificate, privateKey, pkcs12, password, d);
    }

    /** The files whose change triggers a reload. */
    public java.util.List<Path> files() {
        return pkcs12 != null ? java.util.List.of(pkcs12) : java.util.List.of(certificate, privateKey);
    }
}
