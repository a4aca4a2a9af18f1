package org.updraft.device.client;

import java.security.interfaces.RSAPublicKey;
import org.updraft.core.sign.ArduinoSignature;
import org.updraft.core.sign.VerifyingKey;

/**
 * BearSSLHelpers {@code SigningVerifier} around one public key: {@code length()} is the RSA
 * modulus length ({@code _pubKey->getRSA()->nlen}), for EC keys the public point length
 * ({@code _pubKey->getEC()->qlen}, 65 for P-256), 0 for anything else (BearSSL's {@code PublicKey}
 * reads RSA and EC keys only); {@code verify} is core's
 * {@link ArduinoSignature#verifyAsEsp8266(byte[], VerifyingKey)}.
 */
record Esp8266Verifier(VerifyingKey key) implements SignatureVerifier {

    Esp8266Verifier {
        java.util.Objects.requireNonNull(key, "key");
    }

    @Override
    public int signatureLength() {
        return switch (key.algorithm()) {
            case RSA_2048 -> (((RSAPublicKey) key.publicKey()).getModulus().bitLength() + 7) / 8;
            case ECDSA_P256 -> 65;
            case ED25519 -> 0;
        };
    }

    @Override
    public boolean verify(byte[] written) {
        return ArduinoSignature.verifyAsEsp8266(written, key).isValid();
    }
}
