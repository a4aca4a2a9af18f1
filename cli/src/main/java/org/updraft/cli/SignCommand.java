package org.updraft.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import org.updraft.core.image.FirmwareImage;
import org.updraft.core.sign.ArduinoSignature;
import org.updraft.core.sign.KeyAlgorithm;
import org.updraft.core.sign.SigningKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code updraft sign}: appends an Arduino ESP8266 signature, {@code image || sig || u32le(len(sig))},
 * byte-compatible with the core's {@code tools/signing.py} for RSA keys. The output defaults to
 * {@code FILE.signed}, the name {@code espota.py} and the Arduino IDE use. Offline.
 */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = {"Sign a firmware image as the ESP8266 Arduino core expects it (offline).",
                "Writes image || signature || u32le(signature length), a SHA-256 signature made with the private key.",
                "Refuses files that are not valid images and images that are already signed."})
final class SignCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-k", "--key"}, required = true, paramLabel = "KEY",
            description = "Private key, PEM (updraft keygen's NAME.key, or the sketch's private.key).")
    Path key;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE", description = "Output file (default: FILE.signed).")
    Path out;

    @Parameters(index = "0", paramLabel = "FILE", description = "Unsigned image (.bin or .bin.gz).")
    Path file;

    @Override
    public Integer call() {
        SigningKey signingKey = readSigningKey(key);
        byte[] image = readFile(file, "image");
        byte[] signed;
        try {
            signed = ArduinoSignature.sign(image, signingKey);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(file + ": " + e.getMessage());
        }
        Path target = out != null ? out : file.resolveSibling(file.getFileName() + ".signed");
        if (target.toAbsolutePath().normalize().equals(file.toAbsolutePath().normalize())) {
            throw new CommandFailure("--out is the input file " + file + "; write the signed image to another file");
        }
        write(target, signed);
        PrintWriter w = spec.commandLine().getOut();
        int added = signed.length - image.length;
        w.println("signed       " + target);
        w.println("size         " + image.length + " -> " + signed.length + " bytes (+" + added + ": "
                + (added - 4) + "-byte signature, 4-byte length)");
        w.println("key          " + signingKey.algorithm().displayName() + " " + signingKey.fingerprint());
        if (signingKey.algorithm() != KeyAlgorithm.RSA_2048) {
            w.println("note         stock ESP8266 Arduino cores verify RSA-2048 signatures only");
        }
        w.flush();
        return 0;
    }

    static SigningKey readSigningKey(Path file) {
        try {
            return SigningKey.read(file);
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

    /** The whole file; refuses directories and files larger than any ESP image can be. */
    static byte[] readFile(Path file, String what) {
        try {
            if (Files.isDirectory(file)) {
                throw new CommandFailure(file + " is a directory, expected an " + what + " file");
            }
            long size = Files.size(file);
            if (size > FirmwareImage.MAX_IMAGE_BYTES + 8192L) {
                throw new CommandFailure(file + " is " + size + " bytes; an " + what + " is at most "
                        + FirmwareImage.MAX_IMAGE_BYTES + " bytes (16 MiB)");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CommandFailure(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new CommandFailure(file + ": permission denied");
        } catch (IOException e) {
            throw new CommandFailure("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes via a temporary file and a rename, so a reader never sees half a signed image. */
    private static void write(Path target, byte[] bytes) {
        Path dir = target.toAbsolutePath().getParent();
        try {
            Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            try {
                Files.write(temp, bytes);
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new CommandFailure("cannot write " + target + ": " + e.getMessage(), e);
        }
    }
}
