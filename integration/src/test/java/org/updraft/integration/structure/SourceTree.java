package org.updraft.integration.structure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The repository's own text files that the structure checks read: every module's Java sources (main
 * and test), every {@code pom.xml}, the scripts in {@code bin/} and the {@code *.sh} files of the
 * modules. Database migrations are left out on purpose: an applied migration may not change by a
 * byte (the migration tool checks each one's checksum against the database), comments included.
 */
final class SourceTree {
    /** Every module of the repository, including bench, which only the {@code bench} profile builds. */
    static final List<String> MODULES = List.of("test-support", "core", "device", "server", "cli", "bench", "integration");

    private SourceTree() {
    }

    /** The repository root; the build passes it (integration/pom.xml), the working directory is the fallback. */
    static Path root() {
        String root = System.getProperty("updraft.root");
        return (root != null ? Path.of(root) : Path.of("").toAbsolutePath().getParent()).normalize();
    }

    /** The Java sources under {@code src/main/java} of every module. */
    static List<Path> mainJava() {
        List<Path> files = new ArrayList<>();
        for (String module : MODULES) {
            files.addAll(javaUnder(root().resolve(module).resolve("src/main/java")));
        }
        return files;
    }

    /** Every file the citation check reads, as paths relative to the root, in a stable order. */
    static List<Path> citingFiles() {
        Path root = root();
        List<Path> files = new ArrayList<>();
        files.add(root.resolve("pom.xml"));
        for (String module : MODULES) {
            Path dir = root.resolve(module);
            files.add(dir.resolve("pom.xml"));
            files.addAll(javaUnder(dir.resolve("src/main/java")));
            files.addAll(javaUnder(dir.resolve("src/test/java")));
            files.addAll(list(dir, p -> p.getFileName().toString().endsWith(".sh")));
        }
        files.addAll(list(root.resolve("bin"), Files::isRegularFile));
        return files.stream().filter(Files::isRegularFile).map(root::relativize).sorted().toList();
    }

    /** The lines of a file, given relative to the root or absolute. */
    static List<String> lines(Path relative) {
        try {
            return Files.readAllLines(root().resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + relative, e);
        }
    }

    private static List<Path> javaUnder(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static List<Path> list(Path dir, java.util.function.Predicate<Path> keep) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(keep).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }
}
