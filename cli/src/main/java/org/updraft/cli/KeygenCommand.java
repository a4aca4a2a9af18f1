package org.updraft.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.updraft.core.sign.KeyAlgorithm;
import org.updraft.core.sign.SigningKey;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code updraft keygen}: a signing key pair as PEM files, {@code NAME.key} (PKCS#8, mode 0600) and
 * {@code NAME.pub} (SubjectPublicKeyInfo) — the same formats as {@code openssl genpkey} /
 * {@code openssl pkey -pubout}, so Arduino's {@code private.key} / {@code public.key} can be these
 * files renamed. Offline.
 */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = {"Generate a signing key pair: NAME.key (private, mode 0600) and NAME.pub (offline).",
                "RSA-2048 is what stock ESP8266 Arduino cores verify (copy the files to the sketch folder as",
                "private.key and public.key); Ed25519 signs release manifests."})
final class KeygenCommand implements Callable<Integer> {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    @Spec
    CommandSpec spec;

    @Option(names = {"-a", "--algorithm"}, paramLabel = "ALG", defaultValue = "rsa-2048",
            converter = AlgorithmName.class,
            description = "rsa-2048 (default), ecdsa-p256 or ed25519.")
    KeyAlgorithm algorithm;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = ".", description = "Directory to write to (default: the current one).")
    Path out;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "updraft", description = "File name stem (default: updraft).")
    String name;

    @Option(names = "--force", description = "Replace existing NAME.key / NAME.pub.")
    boolean force;

    @Override
    public Integer call() {
        if (!NAME.matcher(name).matches()) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--name': '" + name
                    + "'; expected letters, digits, '.', '_' or '-' (no directory: use --out)");
        }
        if (!Files.isDirectory(out)) {
            throw new CommandFailure(out + " is not a directory");
        }
        Path privateFile = out.resolve(name + ".key");
        Path publicFile = out.resolve(name + ".pub");
        if (!force) {
            for (Path p : new Path[] {privateFile, publicFile}) {
                if (Files.exists(p)) {
                    throw new CommandFailure("refusing to overwrite " + p + " (use --force to replace it)");
                }
            }
        }
        SigningKey key = algorithm.generate();
        try {
            key.write(privateFile, force);
            key.verifyingKey().write(publicFile, force);
        } catch (IOException e) {
            throw new CommandFailure("cannot write the key files: " + e.getMessage(), e);
        }
        PrintWriter w = spec.commandLine().getOut();
        w.println("private key  " + privateFile + "  (mode 0600; keep it secret and off the update server)");
        w.println("public key   " + publicFile);
        w.println("algorithm    " + key.algorithm().displayName());
        w.println("fingerprint  " + key.fingerprint());
        w.flush();
        return 0;
    }

    /** "rsa-2048" → {@link KeyAlgorithm#RSA_2048}; anything else is a usage error listing the choices. */
    static final class AlgorithmName implements ITypeConverter<KeyAlgorithm> {
        @Override
        public KeyAlgorithm convert(String value) {
            try {
                return KeyAlgorithm.fromCliName(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
