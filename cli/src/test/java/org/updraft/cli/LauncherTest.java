package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/updraft}, the launcher: run from a copy of {@code bin/} with a stand-in {@code mvn}
 * on the PATH that writes colour codes (as Maven 3.8 does even with {@code -B}) and fails, so no
 * real build runs.
 */
class LauncherTest {

    static final Path BIN = Path.of("..", "bin").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    @Test
    void theBuildIsQuietWithoutColourAndItsOutputHasNoEscapeCodes() throws Exception {
        Path calls = dir.resolve("mvn-calls");
        Result run = launch(dir.resolve("project"), fakeMaven(calls), List.of(), "--version");

        assertThat(run.exit()).as(run.output()).isEqualTo(1);
        assertThat(Files.readString(calls)).isEqualTo("-q -B -Dstyle.color=never -DskipTests package -pl cli -am\n");
        assertThat(run.output()).doesNotContain("\u001b")
                .contains("updraft: building " + dir.resolve("project/cli/target/updraft.jar") + " (first run or sources changed) ...\n")
                .contains("[ERROR] broken\n")
                .endsWith("updraft: build failed; run 'mvn -B package -DskipTests' in " + dir.resolve("project") + " to see why\n");
    }

    @Test
    void updraftJarRunsThatJarAndNeverBuilds() throws Exception {
        Path calls = dir.resolve("mvn-calls");
        Path jar = dir.resolve("missing.jar");
        Result missing = launch(dir.resolve("project"), fakeMaven(calls), List.of("UPDRAFT_JAR=" + jar), "--version");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.output()).isEqualTo("updraft: UPDRAFT_JAR=" + jar + ": no such file\n");
        assertThat(calls).doesNotExist();
    }

    record Result(int exit, String output) {
    }

    /** A copy of bin/updraft and bin/jdk in {@code project/bin}, run with {@code fakeBin} first on the PATH. */
    static Result launch(Path project, Path fakeBin, List<String> env, String... args) throws IOException, InterruptedException {
        Files.createDirectories(project.resolve("bin"));
        for (String script : List.of("updraft", "jdk")) {
            Files.copy(BIN.resolve(script), project.resolve("bin").resolve(script));
        }
        ProcessBuilder pb = new ProcessBuilder();
        pb.command().addAll(List.of("bash", project.resolve("bin/updraft").toString()));
        pb.command().addAll(List.of(args));
        pb.environment().put("PATH", fakeBin + ":" + System.getenv("PATH"));
        pb.environment().remove("UPDRAFT_JAR");
        for (String e : env) {
            pb.environment().put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        }
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), output);
    }

    /** A directory with an {@code mvn} that records its arguments, writes colour codes and fails. */
    private Path fakeMaven(Path calls) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("fake-bin"));
        Path mvn = bin.resolve("mvn");
        Files.writeString(mvn, """
                #!/usr/bin/env bash
                echo "$*" >>'%s'
                printf '\\033[0m\\033[0m'
                printf '\\033[1;31m[ERROR]\\033[0m broken\\n'
                exit 1
                """.formatted(calls));
        Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin;
    }
}
