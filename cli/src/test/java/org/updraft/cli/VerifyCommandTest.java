package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.sign.ArduinoSignature;
import org.updraft.core.sign.SigningKey;

/** {@code updraft verify}: keygen → sign → verify, and each refusal with its reason and exit 1. */
class VerifyCommandTest {

    @TempDir
    Path dir;
    Path fw;
    Path signed;
    String fingerprint;

    @BeforeEach
    void signedImage() throws Exception {
        assertThat(Run.of("keygen", "--out", dir.toString()).exit()).isZero();
        fingerprint = SigningKey.read(dir.resolve("updraft.key")).fingerprint();
        fw = Files.write(dir.resolve("fw.bin"), ImageBuilder.arduino().payload(9, 3000).build());
        assertThat(Run.of("sign", "--key", dir.resolve("updraft.key").toString(), fw.toString()).exit()).isZero();
        signed = dir.resolve("fw.bin.signed");
    }

    @Test
    void signThenVerify() {
        Run run = Run.of("verify", "--key", dir.resolve("updraft.pub").toString(), signed.toString());
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).isEqualTo("OK: signed with " + fingerprint + " (RSA-2048), image: Arduino ESP8266 sketch (eboot + app)\n");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void wrongKeyExitsOneWithTheReason() {
        assertThat(Run.of("keygen", "--out", dir.toString(), "--name", "other").exit()).isZero();
        Run run = Run.of("verify", "--key", dir.resolve("other.pub").toString(), signed.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("error: " + signed + ": signature does not verify with key "
                + VerifyCommand.readVerifyingKey(dir.resolve("other.pub")).fingerprint() + "\n");
        // trusting both keys: valid
        Run both = Run.of("verify", "-k", dir.resolve("other.pub").toString(), "-k", dir.resolve("updraft.pub").toString(),
                signed.toString());
        assertThat(both.exit()).as(both.toString()).isZero();
    }

    @Test
    void unsignedAndTamperedImages() throws Exception {
        Run unsigned = Run.of("verify", "--key", dir.resolve("updraft.pub").toString(), fw.toString());
        assertThat(unsigned.exit()).isEqualTo(1);
        assertThat(unsigned.err()).isEqualTo("error: " + fw + ": no signature trailer: the file is a complete Arduino"
                + " ESP8266 sketch (eboot + app) with nothing after it\n");
        byte[] bytes = Files.readAllBytes(signed);
        bytes[100] ^= 1;
        Path tampered = Files.write(dir.resolve("tampered.bin"), bytes);
        Run run = Run.of("verify", "--key", dir.resolve("updraft.pub").toString(), tampered.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("error: " + tampered + ": signature does not verify with key " + fingerprint + "\n");
    }

    @Test
    void signedContentThatIsNotAnImage() throws Exception {
        byte[] raw = ArduinoSignature.signRaw("<html></html>".getBytes(), SigningKey.read(dir.resolve("updraft.key")));
        Path html = Files.write(dir.resolve("page.bin"), raw);
        Run run = Run.of("verify", "--key", dir.resolve("updraft.pub").toString(), html.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: " + html + ": the signature verifies (" + fingerprint
                + "), but the signed content is not a valid image: not a firmware image: starts with '<html></html>'");
    }

    @Test
    void ecdsaVerifiesButTheNoteSaysStockEsp8266WouldRefuse() throws Exception {
        assertThat(Run.of("keygen", "-a", "ecdsa-p256", "--out", dir.toString(), "--name", "ec").exit()).isZero();
        assertThat(Run.of("sign", "-k", dir.resolve("ec.key").toString(), "-o", dir.resolve("ec.bin").toString(),
                fw.toString()).exit()).isZero();
        Run run = Run.of("verify", "--key", dir.resolve("ec.pub").toString(), dir.resolve("ec.bin").toString());
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(run.out()).contains("(ECDSA P-256), image: Arduino ESP8266 sketch (eboot + app)\n"
                + "note: a stock ESP8266 core would refuse it: signature length ");
    }

    @Test
    void aPrivateKeyIsNotAcceptedForVerifying() {
        Run run = Run.of("verify", "--key", dir.resolve("updraft.key").toString(), signed.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: " + dir.resolve("updraft.key") + " is a private key (BEGIN PRIVATE KEY);");
    }
}
