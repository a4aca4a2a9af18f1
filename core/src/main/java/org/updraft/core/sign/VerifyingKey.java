package org.updraft.core.sign;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import org.updraft.core.Validate;

/**
 * A public key that checks signatures: an Arduino signing {@code public.key}, a product's trusted key,
 * a release-manifest key.
 *
 * <p>Its {@link #fingerprint()} names it everywhere (CLI output, manifests' {@code key-id}, reasons):
 * "{@code SHA256:}" + base64 without padding of the SHA-256 of the DER SubjectPublicKeyInfo — the
 * notation of {@code ssh-keygen -l}, over the bytes of
 * "{@code openssl pkey -pubin -in KEY -outform DER | openssl dgst -sha256 -binary | base64 | tr -d =}".
 *
 * @param publicKey an RSA-2048, EC P-256 or Ed25519 public key
 */
public record VerifyingKey(PublicKey publicKey) {

    public VerifyingKey {
        Validate.notNull(publicKey, "publicKey");
        KeyAlgorithm.of(publicKey);
    }

    /** Reads a PEM public key file ({@code BEGIN PUBLIC KEY} or {@code BEGIN RSA PUBLIC KEY}). */
    public static VerifyingKey read(Path file) throws IOException {
        Validate.notNull(file, "file");
        return parse(Files.readString(file, StandardCharsets.ISO_8859_1), file.toString());
    }

    /** Parses PEM text; {@code source} names it in messages (a file name, "the request body"). */
    public static VerifyingKey parse(String pem, String source) {
        Validate.notNull(pem, "pem");
        return new VerifyingKey(Pem.publicKey(pem, Validate.notNull(source, "source")));
    }

    public KeyAlgorithm algorithm() {
        return KeyAlgorithm.of(publicKey);
    }

    /** "SHA256:" + unpadded base64 of SHA-256(DER SubjectPublicKeyInfo), e.g. "SHA256:0HQY7GC5…". */
    public String fingerprint() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(publicKey.getEncoded());
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** The PEM text ({@code BEGIN PUBLIC KEY}), as {@code openssl pkey -pubout} writes it. */
    public String pem() {
        return Pem.encode("PUBLIC KEY", publicKey.getEncoded());
    }

    /** Writes {@link #pem()}; refuses to replace an existing file unless {@code overwrite}. */
    public void write(Path file, boolean overwrite) throws IOException {
        KeyFile.write(file, pem(), false, overwrite);
    }

    /** "RSA-2048 SHA256:…". */
    @Override
    public String toString() {
        return algorithm().displayName() + " " + fingerprint();
    }

    /** Bytes of an RSA signature: the modulus length (BearSSL {@code nlen}); 256 for RSA-2048. */
    int rsaSignatureBytes() {
        return (((RSAPublicKey) publicKey).getModulus().bitLength() + 7) / 8;
    }
}
