package org.updraft.core.sign;

import java.security.InvalidAlgorithmParameterException;
import java.security.KeyPair;
import java.security.Key;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECKey;
import java.security.interfaces.EdECKey;
import java.security.interfaces.RSAKey;
import java.security.NoSuchAlgorithmException;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.updraft.core.Validate;

/**
 * The three key types Updraft generates, reads and signs with.
 *
 * <ul>
 *   <li>{@link #RSA_2048}: the Arduino ESP8266 default. "{@code openssl dgst -sha256 -sign}" with an RSA
 *       key is RSASSA-PKCS1-v1_5 with the SHA-256 DigestInfo (JCA {@code SHA256withRSA}); the device checks
 *       it with BearSSL {@code br_rsa_pkcs1_vrfy} (esp8266/Arduino
 *       {@code libraries/ESP8266WiFi/src/BearSSLHelpers.cpp}). 256-byte signatures.</li>
 *   <li>{@link #ECDSA_P256}: "{@code openssl dgst -sha256 -sign}" with an EC key gives a DER
 *       {@code ECDSA-Sig-Value} (JCA {@code SHA256withECDSA}), 70 to 72 bytes. No stock ESP8266 core can
 *       verify it (see {@link ArduinoSignature#verifyAsEsp8266}).</li>
 *   <li>{@link #ED25519}: RFC 8032 pure Ed25519 over the whole message (JCA {@code Ed25519}, like
 *       "{@code openssl pkeyutl -sign -rawin}"), 64 bytes. Release manifests are signed with it.</li>
 * </ul>
 */
public enum KeyAlgorithm {

    RSA_2048("rsa-2048", "RSA-2048", "SHA256withRSA"),
    ECDSA_P256("ecdsa-p256", "ECDSA P-256", "SHA256withECDSA"),
    ED25519("ed25519", "Ed25519", "Ed25519");

    private final String cliName;
    private final String displayName;
    private final String jcaSignature;

    KeyAlgorithm(String cliName, String displayName, String jcaSignature) {
        this.cliName = cliName;
        this.displayName = displayName;
        this.jcaSignature = jcaSignature;
    }

    /** The name on the command line: "rsa-2048", "ecdsa-p256", "ed25519". */
    public String cliName() {
        return cliName;
    }

    /** The name people read: "RSA-2048", "ECDSA P-256", "Ed25519". */
    public String displayName() {
        return displayName;
    }

    /** The JCA signature algorithm: "SHA256withRSA", "SHA256withECDSA", "Ed25519". */
    String jcaSignature() {
        return jcaSignature;
    }

    /** Parses a {@link #cliName()}, case-insensitively; the message lists the choices. */
    public static KeyAlgorithm fromCliName(String name) {
        Validate.notNull(name, "name");
        for (KeyAlgorithm a : values()) {
            if (a.cliName.equalsIgnoreCase(name.strip())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown key algorithm '" + name + "'; expected one of "
                + Arrays.stream(values()).map(KeyAlgorithm::cliName).collect(Collectors.joining(", ")));
    }

    /** A fresh key pair from the JDK's default strong source of randomness. */
    public SigningKey generate() {
        try {
            KeyPairGenerator generator = switch (this) {
                case RSA_2048 -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                    g.initialize(2048);
                    yield g;
                }
                case ECDSA_P256 -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec("secp256r1"));
                    yield g;
                }
                case ED25519 -> KeyPairGenerator.getInstance("Ed25519");
            };
            KeyPair pair = generator.generateKeyPair();
            return new SigningKey(pair.getPrivate(), new VerifyingKey(pair.getPublic()));
        } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("this JDK cannot generate " + displayName + " keys", e);
        }
    }

    /**
     * The algorithm of {@code key}, or an IllegalArgumentException naming what the key is and what
     * Updraft takes (e.g. "an RSA-3072 key; expected RSA-2048, ECDSA P-256 or Ed25519").
     */
    static KeyAlgorithm of(Key key) {
        Validate.notNull(key, "key");
        if (key instanceof RSAKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits == 2048) {
                return RSA_2048;
            }
            throw unsupported("an RSA-" + bits + " key");
        }
        if (key instanceof ECKey ec) {
            if (P256.isP256(ec.getParams())) {
                return ECDSA_P256;
            }
            throw unsupported("an EC key on a curve other than P-256 (" + ec.getParams().getCurve().getField()
                    .getFieldSize() + "-bit field)");
        }
        if (key instanceof EdECKey ed) {
            if ("Ed25519".equalsIgnoreCase(ed.getParams().getName())) {
                return ED25519;
            }
            throw unsupported("an " + ed.getParams().getName() + " key");
        }
        throw unsupported("a " + key.getAlgorithm() + " key");
    }

    private static IllegalArgumentException unsupported(String what) {
        return new IllegalArgumentException("unsupported key: " + what + "; expected " + choices());
    }

    /** "RSA-2048, ECDSA P-256 or Ed25519". */
    static String choices() {
        return "RSA-2048, ECDSA P-256 or Ed25519";
    }
}
