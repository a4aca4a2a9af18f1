package org.updraft.core.sign;

import org.updraft.core.Validate;

/**
 * The outcome of checking a signature: an image's Arduino trailer ({@link ArduinoSignature}) or a
 * release manifest ({@link ReleaseManifest#verify}).
 */
public sealed interface Verification {

    boolean isValid();

    /**
     * The signature verifies.
     *
     * @param keyFingerprint the fingerprint of the key it verifies with ({@link VerifyingKey#fingerprint()})
     * @param algorithm that key's algorithm
     */
    record Valid(String keyFingerprint, KeyAlgorithm algorithm) implements Verification {
        public Valid {
            Validate.notNull(keyFingerprint, "keyFingerprint");
            Validate.notNull(algorithm, "algorithm");
        }

        @Override
        public boolean isValid() {
            return true;
        }
    }

    /**
     * It does not, and why, e.g. "no signature trailer: …", "signature length 512 does not match the
     * 2048-bit key (256)", "signature does not verify with key SHA256:…".
     *
     * @param reason one line a person can act on
     */
    record Invalid(String reason) implements Verification {
        public Invalid {
            Validate.notNull(reason, "reason");
        }

        @Override
        public boolean isValid() {
            return false;
        }
    }
}
