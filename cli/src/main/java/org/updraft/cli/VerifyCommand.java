package org.updraft.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.updraft.core.image.FirmwareImage;
import org.updraft.core.image.InvalidImageException;
import org.updraft.core.sign.ArduinoSignature;
import org.updraft.core.sign.KeyAlgorithm;
import org.updraft.core.sign.Verification;
import org.updraft.core.sign.VerifyingKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code updraft verify}: checks an Arduino signature trailer the way the ESP8266 {@code Updater}
 * does (length word equals the key's signature length, SHA-256 over the rest, PKCS#1 v1.5), and that
 * what is signed is a valid image. Offline.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check a signed image's signature against public keys, as the ESP8266 Updater does (offline).",
                "Exit 0 if it verifies with one of the keys and the signed content is a valid image, else 1 with the reason."})
final class VerifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-k", "--key"}, required = true, paramLabel = "KEY",
            description = "Trusted public key, PEM (NAME.pub or the sketch's public.key); repeat to trust several.")
    List<Path> keys;

    @Parameters(index = "0", paramLabel = "FILE", description = "Signed image (e.g. fw.bin.signed).")
    Path file;

    @Override
    public Integer call() {
        List<VerifyingKey> trusted = new ArrayList<>();
        for (Path k : keys) {
            trusted.add(readVerifyingKey(k));
        }
        byte[] signed = SignCommand.readFile(file, "image");
        Verification verification = ArduinoSignature.verify(signed, trusted);
        if (verification instanceof Verification.Invalid invalid) {
            throw new CommandFailure(file + ": " + invalid.reason());
        }
        Verification.Valid valid = (Verification.Valid) verification;
        String image;
        try {
            FirmwareImage parsed = FirmwareImage.parse(signed);
            image = parsed.format().description() + (parsed.gzipped() ? ", gzip-compressed" : "");
        } catch (InvalidImageException e) {
            throw new CommandFailure(file + ": the signature verifies (" + valid.keyFingerprint()
                    + "), but the signed content is not a valid image: " + signedContentProblem(signed));
        }
        PrintWriter w = spec.commandLine().getOut();
        w.println("OK: signed with " + valid.keyFingerprint() + " (" + valid.algorithm().displayName()
                + "), image: " + image);
        if (valid.algorithm() != KeyAlgorithm.RSA_2048) {
            VerifyingKey key = trusted.stream().filter(k -> k.fingerprint().equals(valid.keyFingerprint()))
                    .findFirst().orElseThrow();
            if (ArduinoSignature.verifyAsEsp8266(signed, key) instanceof Verification.Invalid device) {
                w.println("note: a stock ESP8266 core would refuse it: " + device.reason());
            }
        }
        w.flush();
        return 0;
    }

    /** Why the bytes before the signature are not an image (the trailer would only confuse the message). */
    private static String signedContentProblem(byte[] signed) {
        int n = signed.length;
        long sigLen = (signed[n - 4] & 0xFFL) | (signed[n - 3] & 0xFFL) << 8 | (signed[n - 2] & 0xFFL) << 16
                | (signed[n - 1] & 0xFFL) << 24;
        try {
            FirmwareImage.parse(Arrays.copyOf(signed, (int) (n - 4 - sigLen)));
            return "the file is not one image followed by one signature trailer (signed twice?)";
        } catch (InvalidImageException e) {
            return e.getMessage();
        }
    }

    static VerifyingKey readVerifyingKey(Path file) {
        try {
            return VerifyingKey.read(file);
        } catch (NoSuchFileException e) {
            throw new CommandFailure("cannot read key " + file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new CommandFailure("cannot read key " + file + ": permission denied");
        } catch (IOException e) {
            throw new CommandFailure("cannot read key " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(e.getMessage());
        }
    }
}
