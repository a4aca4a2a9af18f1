package org.updraft.core.sign;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The OpenSSL-made files in src/test/resources/org/updraft/core/sign (see the README.md there). */
final class Fixtures {

    static final String RSA_FINGERPRINT = "SHA256:0HQY7GC5YfFkw4I20MBcTLLbSJaT/onq7vDl+R7vYRE";
    static final String EC_FINGERPRINT = "SHA256:NtmDc/FCwFn4O847su6QoTwugYZG9LYFrFz7Xz/7LKI";
    static final String ED_FINGERPRINT = "SHA256:21H/o3IeL/iXxuwjL/hcZnIuq3ybBMoJeMtUI835XPQ";

    private Fixtures() {
    }

    static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource org/updraft/core/sign/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String name) {
        return new String(bytes(name), StandardCharsets.US_ASCII);
    }

    static SigningKey signingKey(String name) {
        return SigningKey.parse(text(name), name);
    }

    static VerifyingKey verifyingKey(String name) {
        return VerifyingKey.parse(text(name), name);
    }

    static byte[] image() {
        return bytes("image.bin");
    }
}
