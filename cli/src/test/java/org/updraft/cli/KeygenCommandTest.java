package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.sign.KeyAlgorithm;
import org.updraft.core.sign.SigningKey;
import org.updraft.core.sign.VerifyingKey;

/** {@code updraft keygen}: files, modes, output, refusals, usage errors. */
class KeygenCommandTest {

    @TempDir
    Path dir;

    @Test
    void defaultsToRsa2048NamedUpdraftWithAPrivateKeyOnlyTheOwnerReads() throws Exception {
        Run run = Run.of("keygen", "--out", dir.toString());
        assertThat(run.exit()).as(run.toString()).isZero();
        Path priv = dir.resolve("updraft.key");
        Path pub = dir.resolve("updraft.pub");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(priv))).isEqualTo("rw-------");
        SigningKey key = SigningKey.read(priv);
        assertThat(key.algorithm()).isEqualTo(KeyAlgorithm.RSA_2048);
        assertThat(VerifyingKey.read(pub)).isEqualTo(key.verifyingKey());
        assertThat(run.out()).isEqualTo("private key  " + priv + "  (mode 0600; keep it secret and off the update server)\n"
                + "public key   " + pub + "\n"
                + "algorithm    RSA-2048\n"
                + "fingerprint  " + key.fingerprint() + "\n");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void otherAlgorithmsAndNames() throws Exception {
        Run run = Run.of("keygen", "-a", "ed25519", "--out", dir.toString(), "--name", "manifest");
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(SigningKey.read(dir.resolve("manifest.key")).algorithm()).isEqualTo(KeyAlgorithm.ED25519);
        Run ec = Run.of("keygen", "--algorithm", "ecdsa-p256", "--out", dir.toString(), "--name", "ec");
        assertThat(ec.exit()).isZero();
        assertThat(ec.out()).contains("\nalgorithm    ECDSA P-256\n");
    }

    @Test
    void refusesToOverwriteUnlessForced() throws Exception {
        Files.writeString(dir.resolve("updraft.pub"), "old");
        Run run = Run.of("keygen", "--out", dir.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("error: refusing to overwrite " + dir.resolve("updraft.pub") + " (use --force to replace it)\n");
        assertThat(dir.resolve("updraft.key")).doesNotExist();
        assertThat(Files.readString(dir.resolve("updraft.pub"))).isEqualTo("old");
        Run forced = Run.of("keygen", "--out", dir.toString(), "--force");
        assertThat(forced.exit()).as(forced.toString()).isZero();
        assertThat(VerifyingKey.read(dir.resolve("updraft.pub")).fingerprint())
                .isEqualTo(SigningKey.read(dir.resolve("updraft.key")).fingerprint());
    }

    @Test
    void usageErrors() {
        Run bad = Run.of("keygen", "--algorithm", "dsa", "--out", dir.toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).startsWith("error: Invalid value for option '--algorithm': unknown key algorithm 'dsa';"
                + " expected one of rsa-2048, ecdsa-p256, ed25519\n");
        Run path = Run.of("keygen", "--name", "../evil", "--out", dir.toString());
        assertThat(path.exit()).isEqualTo(2);
        assertThat(path.err()).startsWith("error: Invalid value for option '--name': '../evil'; expected letters, digits");
        Run noDir = Run.of("keygen", "--out", dir.resolve("missing").toString());
        assertThat(noDir.exit()).isEqualTo(1);
        assertThat(noDir.err()).isEqualTo("error: " + dir.resolve("missing") + " is not a directory\n");
    }
}
