package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.FirmwareImage;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.image.SignatureTrailer;
import org.updraft.core.sign.ArduinoSignature;
import org.updraft.core.sign.SigningKey;

/** {@code updraft sign}: output file and text, and what it refuses. */
class SignCommandTest {

    @TempDir
    Path dir;
    Path key;
    SigningKey signingKey;

    @BeforeEach
    void keys() throws Exception {
        assertThat(Run.of("keygen", "--out", dir.toString()).exit()).isZero();
        key = dir.resolve("updraft.key");
        signingKey = SigningKey.read(key);
    }

    @Test
    void writesFileDotSignedAndSaysWhatItDid() throws Exception {
        byte[] image = ImageBuilder.arduino().version("1.2.0").payload(4, 5000).build();
        Path fw = Files.write(dir.resolve("fw.bin"), image);
        Run run = Run.of("sign", "--key", key.toString(), fw.toString());
        assertThat(run.exit()).as(run.toString()).isZero();
        Path signed = dir.resolve("fw.bin.signed");
        byte[] bytes = Files.readAllBytes(signed);
        assertThat(bytes).isEqualTo(ArduinoSignature.sign(image, signingKey)); // RSA PKCS#1 v1.5 is deterministic
        assertThat(FirmwareImage.parse(bytes).signature()).contains(new SignatureTrailer(256, image.length));
        assertThat(run.out()).isEqualTo("signed       " + signed + "\n"
                + "size         " + image.length + " -> " + (image.length + 260) + " bytes (+260: 256-byte signature, 4-byte length)\n"
                + "key          RSA-2048 " + signingKey.fingerprint() + "\n");
        assertThat(Files.readAllBytes(fw)).isEqualTo(image);
    }

    @Test
    void outOptionAndNonRsaNote() throws Exception {
        assertThat(Run.of("keygen", "-a", "ed25519", "--name", "ed", "--out", dir.toString()).exit()).isZero();
        Path fw = Files.write(dir.resolve("fw.bin"), ImageBuilder.esp8266().build());
        Path out = dir.resolve("custom.bin");
        Run run = Run.of("sign", "-k", dir.resolve("ed.key").toString(), "-o", out.toString(), fw.toString());
        assertThat(run.exit()).as(run.toString()).isZero();
        assertThat(FirmwareImage.parse(out).signature().orElseThrow().signatureLength()).isEqualTo(64);
        assertThat(run.out()).endsWith("note         stock ESP8266 Arduino cores verify RSA-2048 signatures only\n");
    }

    @Test
    void anHtmlFileIsNotSigned() throws Exception {
        Path html = Files.writeString(dir.resolve("user1.bin"), InspectCommandTest.DIRECTORY_LISTING);
        Run run = Run.of("sign", "--key", key.toString(), html.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("error: " + html + ": refusing to sign: not a firmware image: starts with"
                + " '<!DOCTYPE html>' (looks like an HTML directory listing); an ESP image starts with byte 0xE9"
                + " (or 0xEA for NONOS user1/user2, 0x1F 0x8B for gzip)\n");
        assertThat(dir.resolve("user1.bin.signed")).doesNotExist();
    }

    @Test
    void anAlreadySignedImageIsNotSignedAgain() throws Exception {
        Path fw = Files.write(dir.resolve("fw.bin"), ImageBuilder.esp8266().build());
        assertThat(Run.of("sign", "--key", key.toString(), fw.toString()).exit()).isZero();
        Run again = Run.of("sign", "--key", key.toString(), dir.resolve("fw.bin.signed").toString());
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).startsWith("error: " + dir.resolve("fw.bin.signed") + ": refusing to sign: the image is already signed");
    }

    @Test
    void keyProblems() throws Exception {
        Path fw = Files.write(dir.resolve("fw.bin"), ImageBuilder.esp8266().build());
        Run publicKey = Run.of("sign", "--key", dir.resolve("updraft.pub").toString(), fw.toString());
        assertThat(publicKey.exit()).isEqualTo(1);
        assertThat(publicKey.err()).isEqualTo("error: " + dir.resolve("updraft.pub") + " is a public key (BEGIN PUBLIC KEY);"
                + " expected a private key (BEGIN PRIVATE KEY), such as private.key or updraft.key\n");
        Run missing = Run.of("sign", "--key", dir.resolve("nope.key").toString(), fw.toString());
        assertThat(missing.err()).isEqualTo("error: cannot read key " + dir.resolve("nope.key") + ": no such file\n");
        Run noKey = Run.of("sign", fw.toString());
        assertThat(noKey.exit()).isEqualTo(2);
        assertThat(noKey.err()).startsWith("error: Missing required option: '--key=KEY'\n");
        Run same = Run.of("sign", "--key", key.toString(), "--out", fw.toString(), fw.toString());
        assertThat(same.err()).isEqualTo("error: --out is the input file " + fw + "; write the signed image to another file\n");
    }
}
