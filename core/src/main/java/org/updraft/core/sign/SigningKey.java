package org.updraft.core.sign;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import org.updraft.core.Validate;

/**
 * A private key and its public half. A private key file alone is enough: the public half is derived
 * (RSA from the CRT parameters PKCS#8 keys carry; P-256 as {@code d·G}; Ed25519 from the 32-byte seed,
 * RFC 8032 §5.1.5) and checked by a signature round trip, so a mismatched pair can never be built.
 *
 * @param privateKey an RSA-2048, EC P-256 or Ed25519 private key
 * @param verifyingKey its public half
 */
public record SigningKey(PrivateKey privateKey, VerifyingKey verifyingKey) {

    public SigningKey {
        Validate.notNull(privateKey, "privateKey");
        Validate.notNull(verifyingKey, "verifyingKey");
        Validate.isTrue(KeyAlgorithm.of(privateKey) == verifyingKey.algorithm(), "the private key is "
                + KeyAlgorithm.of(privateKey).displayName() + " but the public key is "
                + verifyingKey.algorithm().displayName());
    }

    /** Reads a PEM private key file ({@code BEGIN PRIVATE KEY}, {@code RSA PRIVATE KEY} or {@code EC PRIVATE KEY}). */
    public static SigningKey read(Path file) throws IOException {
        Validate.notNull(file, "file");
        return parse(Files.readString(file, StandardCharsets.ISO_8859_1), file.toString());
    }

    /** Parses PEM text; {@code source} names it in messages. */
    public static SigningKey parse(String pem, String source) {
        Validate.notNull(pem, "pem");
        PrivateKey key = Pem.privateKey(pem, Validate.notNull(source, "source"));
        SigningKey signing = new SigningKey(key, new VerifyingKey(publicHalf(key, source)));
        byte[] probe = "updraft key check".getBytes(StandardCharsets.US_ASCII);
        if (!signing.verifies(probe, signing.sign(probe))) {
            throw new IllegalArgumentException(source + ": broken private key: a signature made with it does"
                    + " not verify with its own public half");
        }
        return signing;
    }

    public KeyAlgorithm algorithm() {
        return verifyingKey.algorithm();
    }

    /** The fingerprint of the public half (see {@link VerifyingKey#fingerprint()}). */
    public String fingerprint() {
        return verifyingKey.fingerprint();
    }

    /** The PEM text ({@code BEGIN PRIVATE KEY}, PKCS#8), as {@code openssl pkey} writes it. */
    public String pem() {
        return Pem.encode("PRIVATE KEY", privateKey.getEncoded());
    }

    /**
     * Writes {@link #pem()} readable by the owner only (0600) where the file system has POSIX
     * permissions; refuses to replace an existing file unless {@code overwrite}.
     */
    public void write(Path file, boolean overwrite) throws IOException {
        KeyFile.write(file, pem(), true, overwrite);
    }

    /** "RSA-2048 SHA256:…" (never the private key). */
    @Override
    public String toString() {
        return verifyingKey.toString();
    }

    /** The signature over {@code data} in this key's algorithm ({@link KeyAlgorithm}). */
    byte[] sign(byte[] data) {
        try {
            Signature s = Signature.getInstance(algorithm().jcaSignature());
            s.initSign(privateKey);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with " + this + ": " + e.getMessage(), e);
        }
    }

    private boolean verifies(byte[] data, byte[] signature) {
        try {
            Signature s = Signature.getInstance(algorithm().jcaSignature());
            s.initVerify(verifyingKey.publicKey());
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static PublicKey publicHalf(PrivateKey key, String source) {
        try {
            return switch (KeyAlgorithm.of(key)) {
                case RSA_2048 -> {
                    if (!(key instanceof RSAPrivateCrtKey crt)) {
                        throw new IllegalArgumentException(source + ": the RSA private key lacks the public"
                                + " exponent (not a CRT key); expected a key written by openssl genrsa");
                    }
                    yield KeyFactory.getInstance("RSA").generatePublic(
                            new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
                }
                case ECDSA_P256 -> {
                    ECPrivateKey ec = (ECPrivateKey) key;
                    yield KeyFactory.getInstance("EC").generatePublic(
                            new ECPublicKeySpec(P256.publicPoint(ec.getS()), ec.getParams()));
                }
                case ED25519 -> {
                    byte[] seed = ((EdECPrivateKey) key).getBytes().orElseThrow(() -> new IllegalArgumentException(
                            source + ": the Ed25519 private key does not expose its seed"));
                    KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
                    generator.initialize(NamedParameterSpec.ED25519, new Seed(seed));
                    yield generator.generateKeyPair().getPublic();
                }
            };
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(source + ": cannot derive the public key: " + e.getMessage(), e);
        }
    }

    /**
     * Hands a known Ed25519 seed to the JDK's key pair generator, which draws exactly the 32 private
     * key bytes from its random source and derives the public key from them (RFC 8032 §5.1.5).
     */
    private static final class Seed extends SecureRandom {
        private static final long serialVersionUID = 1L;
        private final transient byte[] seed;

        Seed(byte[] seed) {
            this.seed = seed.clone();
        }

        @Override
        public void nextBytes(byte[] bytes) {
            Validate.isTrue(bytes.length == seed.length, "expected a request for " + seed.length
                    + " seed bytes, got " + bytes.length);
            System.arraycopy(seed, 0, bytes, 0, bytes.length);
            Arrays.fill(seed, (byte) 0);
        }
    }
}
