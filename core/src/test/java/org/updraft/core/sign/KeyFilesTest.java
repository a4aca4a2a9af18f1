package org.updraft.core.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** PEM key files: what OpenSSL writes reads, what Updraft writes is what OpenSSL writes, wrong files say why. */
class KeyFilesTest {

    @TempDir
    Path dir;

    @Test
    void opensslKeysReadWithTheirFingerprints() {
        assertThat(Fixtures.verifyingKey("rsa-2048.pub").fingerprint()).isEqualTo(Fixtures.RSA_FINGERPRINT);
        assertThat(Fixtures.verifyingKey("ecdsa-p256.pub").fingerprint()).isEqualTo(Fixtures.EC_FINGERPRINT);
        assertThat(Fixtures.verifyingKey("ed25519.pub").fingerprint()).isEqualTo(Fixtures.ED_FINGERPRINT);
        assertThat(Fixtures.verifyingKey("rsa-2048.pub").algorithm()).isEqualTo(KeyAlgorithm.RSA_2048);
        assertThat(Fixtures.verifyingKey("ecdsa-p256.pub").algorithm()).isEqualTo(KeyAlgorithm.ECDSA_P256);
        assertThat(Fixtures.verifyingKey("ed25519.pub").toString()).isEqualTo("Ed25519 " + Fixtures.ED_FINGERPRINT);
    }

    @Test
    void privateKeysDeriveTheirPublicHalf() {
        // RSA from CRT parameters, P-256 by d·G, Ed25519 from the seed: each equals openssl pkey -pubout
        assertThat(Fixtures.signingKey("rsa-2048.key").fingerprint()).isEqualTo(Fixtures.RSA_FINGERPRINT);
        assertThat(Fixtures.signingKey("ecdsa-p256.key").fingerprint()).isEqualTo(Fixtures.EC_FINGERPRINT);
        assertThat(Fixtures.signingKey("ed25519.key").fingerprint()).isEqualTo(Fixtures.ED_FINGERPRINT);
        assertThat(Fixtures.signingKey("ecdsa-p256.key").verifyingKey().pem()).isEqualTo(Fixtures.text("ecdsa-p256.pub"));
        assertThat(Fixtures.signingKey("ed25519.key").verifyingKey().pem()).isEqualTo(Fixtures.text("ed25519.pub"));
        assertThat(Fixtures.signingKey("rsa-2048.key").verifyingKey().pem()).isEqualTo(Fixtures.text("rsa-2048.pub"));
    }

    @Test
    void traditionalOpensslFormatsRead() {
        // BEGIN RSA PRIVATE KEY (OpenSSL 1.x genrsa) and BEGIN EC PRIVATE KEY (SEC1) are the same keys as PKCS#8
        assertThat(Fixtures.signingKey("ecdsa-p256-sec1.key").fingerprint()).isEqualTo(Fixtures.EC_FINGERPRINT);
        SigningKey pkcs1 = Fixtures.signingKey("rsa-2048-pkcs1.key");
        assertThat(pkcs1.algorithm()).isEqualTo(KeyAlgorithm.RSA_2048);
        // openssl ecparam -genkey puts EC PARAMETERS first
        String withParameters = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
                + Fixtures.text("ecdsa-p256-sec1.key");
        assertThat(SigningKey.parse(withParameters, "k").fingerprint()).isEqualTo(Fixtures.EC_FINGERPRINT);
    }

    @Test
    void writtenPemIsWhatOpensslWrites() {
        assertThat(Fixtures.signingKey("rsa-2048.key").pem()).isEqualTo(Fixtures.text("rsa-2048.key"));
        assertThat(Fixtures.signingKey("ed25519.key").pem()).isEqualTo(Fixtures.text("ed25519.key"));
        assertThat(Fixtures.verifyingKey("rsa-2048.pub").pem()).isEqualTo(Fixtures.text("rsa-2048.pub"));
    }

    @ParameterizedTest
    @EnumSource(KeyAlgorithm.class)
    void generatedKeysWriteAndReadBack(KeyAlgorithm algorithm) throws Exception {
        SigningKey key = algorithm.generate();
        assertThat(key.algorithm()).isEqualTo(algorithm);
        Path priv = dir.resolve(algorithm.cliName() + ".key");
        Path pub = dir.resolve(algorithm.cliName() + ".pub");
        key.write(priv, false);
        key.verifyingKey().write(pub, false);
        assertThat(SigningKey.read(priv).fingerprint()).isEqualTo(key.fingerprint());
        assertThat(VerifyingKey.read(pub)).isEqualTo(key.verifyingKey());
        assertThat(Files.readString(priv)).startsWith("-----BEGIN PRIVATE KEY-----\n").endsWith("-----END PRIVATE KEY-----\n");
        assertThat(Files.readString(pub)).startsWith("-----BEGIN PUBLIC KEY-----\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(priv))).isEqualTo("rw-------");
        assertThat(key.toString()).isEqualTo(algorithm.displayName() + " " + key.fingerprint()).doesNotContain("PRIVATE");
    }

    @Test
    void existingFilesAreNotOverwrittenUnlessAsked() throws Exception {
        Path priv = Files.writeString(dir.resolve("updraft.key"), "keep me");
        SigningKey key = KeyAlgorithm.ED25519.generate();
        assertThatThrownBy(() -> key.write(priv, false)).isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("refusing to overwrite");
        assertThat(Files.readString(priv)).isEqualTo("keep me");
        Files.setPosixFilePermissions(priv, PosixFilePermissions.fromString("rw-r--r--"));
        key.write(priv, true);
        assertThat(SigningKey.read(priv).fingerprint()).isEqualTo(key.fingerprint());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(priv))).isEqualTo("rw-------");
    }

    @Test
    void wrongFilesSayWhatTheyAreAndWhatWasExpected() {
        assertThatThrownBy(() -> SigningKey.parse(Fixtures.text("rsa-2048.pub"), "public.key"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("public.key is a public key (BEGIN PUBLIC KEY); expected a private key (BEGIN PRIVATE KEY),"
                        + " such as private.key or updraft.key");
        assertThatThrownBy(() -> VerifyingKey.parse(Fixtures.text("rsa-2048.key"), "private.key"))
                .hasMessage("private.key is a private key (BEGIN PRIVATE KEY); expected a public key (BEGIN PUBLIC KEY),"
                        + " such as public.key or updraft.pub; keep the private key off machines that only verify");
        assertThatThrownBy(() -> VerifyingKey.parse("<!DOCTYPE html>\n<html>", "index.html"))
                .hasMessage("index.html is not a PEM key file: it starts with '<!DOCTYPE html>'; expected text starting"
                        + " with '-----BEGIN PRIVATE KEY-----' or '-----BEGIN PUBLIC KEY-----' (as written by openssl"
                        + " and updraft keygen)");
        assertThatThrownBy(() -> SigningKey.parse("", "empty.key")).hasMessageStartingWith("empty.key is not a PEM key file: it is empty;");
        assertThatThrownBy(() -> VerifyingKey.parse("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI me@host", "id.pub"))
                .hasMessageStartingWith("id.pub is not a PEM key file: it is an OpenSSH public key;");
        assertThatThrownBy(() -> SigningKey.parse("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "k"))
                .hasMessageStartingWith("k is an encrypted private key (BEGIN ENCRYPTED PRIVATE KEY); expected an unencrypted one");
        assertThatThrownBy(() -> SigningKey.parse("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n", "k"))
                .hasMessageStartingWith("k is an encrypted private key (Proc-Type: 4,ENCRYPTED)");
        assertThatThrownBy(() -> VerifyingKey.parse("-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n", "k"))
                .hasMessageStartingWith("k: the BEGIN PUBLIC KEY block is not valid base64");
        assertThatThrownBy(() -> VerifyingKey.parse("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "k"))
                .hasMessage("k: the public key is not a well-formed RSA, EC or Ed25519 key; expected RSA-2048, ECDSA P-256 or Ed25519");
        assertThatThrownBy(() -> VerifyingKey.parse("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "c.pem"))
                .hasMessageStartingWith("c.pem is a certificate (BEGIN CERTIFICATE); expected a public key (BEGIN PUBLIC KEY)");
        assertThatThrownBy(() -> VerifyingKey.parse("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "k"))
                .hasMessage("k: PEM block BEGIN PUBLIC KEY ends with END PRIVATE KEY");
    }

    @Test
    void unsupportedKeySizesAndCurvesAreNamed() throws Exception {
        java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        String pem = Pem.encode("PUBLIC KEY", rsa.generateKeyPair().getPublic().getEncoded());
        assertThatThrownBy(() -> VerifyingKey.parse(pem, "k"))
                .hasMessage("unsupported key: an RSA-1024 key; expected RSA-2048, ECDSA P-256 or Ed25519");
        java.security.KeyPairGenerator ec = java.security.KeyPairGenerator.getInstance("EC");
        ec.initialize(new java.security.spec.ECGenParameterSpec("secp384r1"));
        String p384 = Pem.encode("PUBLIC KEY", ec.generateKeyPair().getPublic().getEncoded());
        assertThatThrownBy(() -> VerifyingKey.parse(p384, "k"))
                .hasMessage("unsupported key: an EC key on a curve other than P-256 (384-bit field); expected RSA-2048,"
                        + " ECDSA P-256 or Ed25519");
    }

    @Test
    void algorithmNames() {
        assertThat(KeyAlgorithm.fromCliName("ECDSA-P256")).isEqualTo(KeyAlgorithm.ECDSA_P256);
        assertThatThrownBy(() -> KeyAlgorithm.fromCliName("dsa"))
                .hasMessage("unknown key algorithm 'dsa'; expected one of rsa-2048, ecdsa-p256, ed25519");
    }
}
