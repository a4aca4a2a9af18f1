package org.updraft.server.security;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;
import org.updraft.core.sign.ArduinoSignature;
import org.updraft.core.sign.KeyAlgorithm;
import org.updraft.core.sign.ReleaseManifest;
import org.updraft.core.sign.SigningKey;

/** Keys, signed images and manifests for the security tests; keys are generated once per JVM. */
final class Signing {

    static final SigningKey TRUSTED_RSA = KeyAlgorithm.RSA_2048.generate();
    static final SigningKey OTHER_RSA = KeyAlgorithm.RSA_2048.generate();
    static final SigningKey ECDSA = KeyAlgorithm.ECDSA_P256.generate();
    static final SigningKey MANIFEST_KEY = KeyAlgorithm.ED25519.generate();
    static final SigningKey OTHER_ED = KeyAlgorithm.ED25519.generate();

    private Signing() {
    }

    static byte[] pem(SigningKey k) {
        return k.verifyingKey().pem().getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] sign(byte[] image, SigningKey key) {
        return ArduinoSignature.sign(image, key);
    }

    /** {@code other} carrying the trailer made for {@code image}: a trusted key's signature over different bytes. */
    static byte[] transplant(byte[] signedImage, byte[] original, byte[] other) {
        byte[] trailer = Arrays.copyOfRange(signedImage, original.length, signedImage.length);
        byte[] out = Arrays.copyOf(other, other.length + trailer.length);
        System.arraycopy(trailer, 0, out, other.length, trailer.length);
        return out;
    }

    /** The legacy form (signing.py --legacy, openssl rsautl): PKCS#1 type-1 block over the bare SHA-256. */
    static byte[] legacySign(byte[] image, SigningKey key) throws Exception {
        Cipher rsa = Cipher.getInstance("RSA/ECB/PKCS1Padding");
        rsa.init(Cipher.ENCRYPT_MODE, key.privateKey());
        byte[] sig = rsa.doFinal(MessageDigest.getInstance("SHA-256").digest(image));
        ByteBuffer out = ByteBuffer.allocate(image.length + sig.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        return out.put(image).put(sig).putInt(sig.length).array();
    }

    static String manifest(String product, String version, byte[] firmware, long counter, Instant expires, SigningKey key) {
        return ReleaseManifest.create(product, version, List.of(ReleaseManifest.Artifact.of("firmware", firmware)), counter,
                expires, key).text();
    }
}
