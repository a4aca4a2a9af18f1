package org.updraft.core.sign;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM key files, as OpenSSL writes and Arduino's {@code tools/signing.py} passes to it (RFC 7468):
 * "{@code -----BEGIN LABEL-----}", base64 lines, "{@code -----END LABEL-----}".
 *
 * <p>Read: private keys labelled {@code PRIVATE KEY} (PKCS#8, what {@code openssl genrsa} and
 * {@code openssl genpkey} write since OpenSSL 3.0), {@code RSA PRIVATE KEY} (PKCS#1, {@code openssl genrsa}
 * before 3.0 — the key in many sketch folders) and {@code EC PRIVATE KEY} (SEC1, {@code openssl ecparam
 * -genkey}); public keys labelled {@code PUBLIC KEY} (SubjectPublicKeyInfo, {@code openssl pkey -pubout})
 * and {@code RSA PUBLIC KEY} (PKCS#1). These are also the labels BearSSL's {@code read_private_key} /
 * {@code read_public_key} accept on the device (esp8266/Arduino {@code BearSSLHelpers.cpp}). Other
 * blocks, such as the {@code EC PARAMETERS} that {@code openssl ecparam -genkey} puts first, are skipped.
 *
 * <p>Written: {@code PRIVATE KEY} (PKCS#8) and {@code PUBLIC KEY} (SubjectPublicKeyInfo), 64-character
 * lines, LF, exactly as {@code openssl pkey} does.
 */
final class Pem {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----\\R(.*?)-----END ([A-Z0-9 ]+)-----", Pattern.DOTALL);

    private record Block(String label, String body) {
    }

    private Pem() {
    }

    static PrivateKey privateKey(String text, String source) {
        for (Block block : blocks(text, source)) {
            switch (block.label()) {
                case "PRIVATE KEY":
                    return pkcs8(decode(block, source), source);
                case "RSA PRIVATE KEY":
                    refuseEncrypted(block, source);
                    return pkcs8(Der.privateKeyInfo(Der.RSA_ALGORITHM, decode(block, source)), source);
                case "EC PRIVATE KEY":
                    refuseEncrypted(block, source);
                    return pkcs8(Der.privateKeyInfo(Der.EC_P256_ALGORITHM, decode(block, source)), source);
                case "ENCRYPTED PRIVATE KEY":
                    throw new IllegalArgumentException(source + " is an encrypted private key (BEGIN ENCRYPTED"
                            + " PRIVATE KEY); expected an unencrypted one (BEGIN PRIVATE KEY): decrypt it with"
                            + " 'openssl pkey -in " + source + " -out plain.key' and keep that file private");
                case "PUBLIC KEY", "RSA PUBLIC KEY":
                    throw new IllegalArgumentException(source + " is a public key (BEGIN " + block.label()
                            + "); expected a private key (BEGIN PRIVATE KEY), such as private.key or updraft.key");
                case "CERTIFICATE":
                    throw new IllegalArgumentException(source + " is a certificate (BEGIN CERTIFICATE);"
                            + " expected a private key (BEGIN PRIVATE KEY)");
                default:
                    // e.g. EC PARAMETERS before the key: skip
            }
        }
        throw new IllegalArgumentException(source + " holds no private key (found "
                + labels(text, source) + "); expected BEGIN PRIVATE KEY");
    }

    static PublicKey publicKey(String text, String source) {
        for (Block block : blocks(text, source)) {
            switch (block.label()) {
                case "PUBLIC KEY":
                    return spki(decode(block, source), source);
                case "RSA PUBLIC KEY":
                    return spki(Der.subjectPublicKeyInfo(Der.RSA_ALGORITHM, decode(block, source)), source);
                case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY":
                    throw new IllegalArgumentException(source + " is a private key (BEGIN " + block.label()
                            + "); expected a public key (BEGIN PUBLIC KEY), such as public.key or updraft.pub;"
                            + " keep the private key off machines that only verify");
                case "CERTIFICATE":
                    throw new IllegalArgumentException(source + " is a certificate (BEGIN CERTIFICATE);"
                            + " expected a public key (BEGIN PUBLIC KEY): extract it with 'openssl x509 -in "
                            + source + " -pubkey -noout'");
                default:
                    // skip
            }
        }
        throw new IllegalArgumentException(source + " holds no public key (found "
                + labels(text, source) + "); expected BEGIN PUBLIC KEY");
    }

    static String encode(String label, byte[] der) {
        String base64 = Base64.getEncoder().encodeToString(der);
        StringBuilder out = new StringBuilder("-----BEGIN ").append(label).append("-----\n");
        for (int i = 0; i < base64.length(); i += 64) {
            out.append(base64, i, Math.min(base64.length(), i + 64)).append('\n');
        }
        return out.append("-----END ").append(label).append("-----\n").toString();
    }

    private static List<Block> blocks(String text, String source) {
        List<Block> blocks = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if (!m.group(1).equals(m.group(3))) {
                throw new IllegalArgumentException(source + ": PEM block BEGIN " + m.group(1)
                        + " ends with END " + m.group(3));
            }
            blocks.add(new Block(m.group(1), m.group(2)));
        }
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException(source + " is not a PEM key file: " + whatItIs(text)
                    + "; expected text starting with '-----BEGIN PRIVATE KEY-----' or"
                    + " '-----BEGIN PUBLIC KEY-----' (as written by openssl and updraft keygen)");
        }
        return blocks;
    }

    private static String labels(String text, String source) {
        return String.join(", ", blocks(text, source).stream().map(b -> "BEGIN " + b.label()).toList());
    }

    private static String whatItIs(String text) {
        String head = text.strip();
        if (head.isEmpty()) {
            return "it is empty";
        }
        if (head.startsWith("ssh-") || head.startsWith("ecdsa-sha2-")) {
            return "it is an OpenSSH public key";
        }
        if (head.indexOf('\uFFFD') >= 0 || head.chars().anyMatch(c -> c < 0x20 && c != '\n' && c != '\r' && c != '\t')) {
            return "it is binary (DER?); convert it with 'openssl pkey -inform DER'";
        }
        String first = head.lines().findFirst().orElse("");
        return "it starts with '" + (first.length() > 40 ? first.substring(0, 40) + "..." : first) + "'";
    }

    private static void refuseEncrypted(Block block, String source) {
        if (block.body().contains("Proc-Type:") || block.body().contains("DEK-Info:")) {
            throw new IllegalArgumentException(source + " is an encrypted private key (Proc-Type: 4,ENCRYPTED);"
                    + " expected an unencrypted one: decrypt it with 'openssl pkey -in " + source
                    + " -out plain.key' and keep that file private");
        }
    }

    private static byte[] decode(Block block, String source) {
        try {
            return Base64.getDecoder().decode(block.body().replaceAll("\\s+", "").getBytes(StandardCharsets.US_ASCII));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": the BEGIN " + block.label()
                    + " block is not valid base64 (" + e.getMessage() + ")");
        }
    }

    private static PrivateKey pkcs8(byte[] der, String source) {
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (InvalidKeySpecException | NoSuchAlgorithmException | ClassCastException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(source + ": the private key is not a well-formed RSA, EC or Ed25519"
                + " key; expected " + KeyAlgorithm.choices());
    }

    private static PublicKey spki(byte[] der, String source) {
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (InvalidKeySpecException | NoSuchAlgorithmException | ClassCastException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(source + ": the public key is not a well-formed RSA, EC or Ed25519"
                + " key; expected " + KeyAlgorithm.choices());
    }
}
