package org.updraft.core.sign;

import java.math.BigInteger;
import java.security.spec.ECFieldFp;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;

/**
 * NIST P-256 (secp256r1, FIPS 186-4 D.1.2.3): the curve test and the one operation the JDK does not
 * expose, deriving the public point {@code Q = d·G} from a private scalar, so that a private key file
 * alone is enough to sign and name the key (its fingerprint). Affine double-and-add over
 * {@link BigInteger}: not constant-time, which is acceptable for a key loaded once on the machine
 * that already holds it; signing itself is the JDK's.
 */
final class P256 {

    static final BigInteger P = hex("FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF");
    static final BigInteger A = P.subtract(BigInteger.valueOf(3));
    static final BigInteger B = hex("5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B");
    static final BigInteger GX = hex("6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296");
    static final BigInteger GY = hex("4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5");
    static final BigInteger N = hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");

    private P256() {
    }

    static boolean isP256(ECParameterSpec spec) {
        return spec != null
                && spec.getCurve().getField() instanceof ECFieldFp field && field.getP().equals(P)
                && spec.getCurve().getA().equals(A) && spec.getCurve().getB().equals(B)
                && spec.getGenerator().getAffineX().equals(GX) && spec.getGenerator().getAffineY().equals(GY)
                && spec.getOrder().equals(N) && spec.getCofactor() == 1;
    }

    /** {@code d·G}; {@code d} must be in [1, n-1]. */
    static ECPoint publicPoint(BigInteger d) {
        if (d.signum() <= 0 || d.compareTo(N) >= 0) {
            throw new IllegalArgumentException("broken EC private key: the scalar is outside [1, n-1] of P-256");
        }
        BigInteger[] result = null;
        BigInteger[] addend = {GX, GY};
        for (int i = 0; i < d.bitLength(); i++) {
            if (d.testBit(i)) {
                result = add(result, addend);
            }
            addend = add(addend, addend);
        }
        return new ECPoint(result[0], result[1]);
    }

    /** Affine point addition; {@code null} is the point at infinity. */
    private static BigInteger[] add(BigInteger[] p, BigInteger[] q) {
        if (p == null) {
            return q;
        }
        if (q == null) {
            return p;
        }
        BigInteger lambda;
        if (p[0].equals(q[0])) {
            if (!p[1].equals(q[1]) || p[1].signum() == 0) {
                return null;
            }
            BigInteger x2 = p[0].multiply(p[0]);
            lambda = x2.multiply(BigInteger.valueOf(3)).add(A)
                    .multiply(p[1].shiftLeft(1).modInverse(P)).mod(P);
        } else {
            lambda = q[1].subtract(p[1]).multiply(q[0].subtract(p[0]).modInverse(P)).mod(P);
        }
        BigInteger x = lambda.multiply(lambda).subtract(p[0]).subtract(q[0]).mod(P);
        BigInteger y = lambda.multiply(p[0].subtract(x)).subtract(p[1]).mod(P);
        return new BigInteger[] {x, y};
    }

    private static BigInteger hex(String s) {
        return new BigInteger(s, 16);
    }
}
