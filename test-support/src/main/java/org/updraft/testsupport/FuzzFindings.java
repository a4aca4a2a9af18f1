package org.updraft.testsupport;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Puts the reproducer's path into the failure of a fuzzing run. libFuzzer writes a failing input as
 * {@code crash-<sha1>} (or {@code timeout-…}, {@code oom-…}) into the findings directory, which the
 * build sets to {@code target/jazzer} ({@code jazzer.internal.basedir}), and says so only on the
 * fork's stderr; this handler names the file(s) written by this JVM and how to turn them into a
 * regression input. In regression mode (no {@code JAZZER_FUZZ}) it passes failures through unchanged.
 */
public final class FuzzFindings implements TestExecutionExceptionHandler {

    private static final List<String> PREFIXES = List.of("crash-", "timeout-", "oom-", "slow-unit-", "leak-");
    private static volatile byte[] last;

    /** Call first in a fuzz test: libFuzzer names a reproducer after the SHA-1 of its input. */
    public static void input(byte[] data) {
        last = data;
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
        String base = System.getProperty("jazzer.internal.basedir");
        String fuzz = System.getenv("JAZZER_FUZZ");
        if (base == null || fuzz == null || fuzz.isEmpty() || fuzz.equals("0")) {
            throw failure;
        }
        long started = ManagementFactory.getRuntimeMXBean().getStartTime();
        byte[] input = last;
        String suffix = input == null ? "" : "-" + HexFormat.of().formatHex(sha1(input));
        List<Path> found;
        try (Stream<Path> files = Files.list(Paths.get(base))) {
            found = files.filter(p -> PREFIXES.stream().anyMatch(p.getFileName().toString()::startsWith))
                    .filter(p -> p.getFileName().toString().endsWith(suffix))
                    .filter(p -> modified(p) >= started)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            found = List.of();
        }
        Class<?> test = context.getRequiredTestClass();
        String inputs = "src/test/resources/" + test.getPackageName().replace('.', '/') + "/"
                + test.getSimpleName() + "Inputs/" + context.getRequiredTestMethod().getName() + "/";
        throw new AssertionError("fuzzing " + test.getSimpleName() + "." + context.getRequiredTestMethod().getName()
                + " found a failing input: " + (found.isEmpty() ? "(no reproducer file in " + base + ")"
                : String.join(", ", found.stream().map(Path::toString).toList()))
                + ". Reproduce: copy it into " + inputs + " and run mvn test (regression mode replays it);"
                + " keep it there as a regression input once fixed. Finding: " + failure, failure);
    }

    private static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }
}
