package org.updraft.server.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's data directory — the one place that creates it and keeps it private. It holds the
 * artifact store ({@code artifacts/}), the upload spool ({@code uploads/}) and the embedded
 * database's files.
 *
 * <p>Invariants (on POSIX file systems):
 * <ul>
 *   <li>Owner-only: the directory and every directory in it are 0700, every file 0600. Java has
 *       no umask, and a database engine creates its files with the process's (0644 under the
 *       usual 022); so {@link #open} creates what is missing owner-only and tightens what exists,
 *       and {@link #tighten} runs again once the database has opened its files. Because the
 *       top directory is 0700, a file an engine creates later is unreachable by other users
 *       whatever its own mode.</li>
 *   <li>The spool holds only uploads in progress: whatever is in {@code uploads/} at start is what
 *       a killed upload left, and is deleted. A spooled part never becomes an artifact by itself:
 *       the artifact store writes its own copy of bytes that were fully received and validated.</li>
 *   <li>Symbolic links are neither followed nor changed.</li>
 * </ul>
 */
public final class DataDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(DataDirectory.class);
    static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private final Path root;

    private DataDirectory(Path root) {
        this.root = root;
    }

    /** Creates (owner-only) or tightens the data directory, and empties its upload spool. */
    public static DataDirectory open(Path dir) {
        DataDirectory d = new DataDirectory(dir.toAbsolutePath());
        try {
            createPrivateDirectories(d.root);
            createPrivateDirectories(d.uploads());
            d.tighten();
            d.emptySpool();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the data directory " + d.root + ": " + e.getMessage(), e);
        }
        return d;
    }

    public Path root() {
        return root;
    }

    public Path artifacts() {
        return root.resolve("artifacts");
    }

    public Path uploads() {
        return root.resolve("uploads");
    }

    /**
     * {@link Files#createDirectories}, with every directory it creates 0700 (where the file system
     * has POSIX permissions). What anything under the data directory creates goes through here.
     */
    public static Path createPrivateDirectories(Path dir) throws IOException {
        if (!posix()) {
            return Files.createDirectories(dir);
        }
        FileAttribute<Set<PosixFilePermission>> owner = PosixFilePermissions.asFileAttribute(DIRECTORY);
        Path created = Files.createDirectories(dir, owner);
        // createDirectories applies the attribute through the umask; set it exactly.
        if (Files.getPosixFilePermissions(created).equals(DIRECTORY)) {
            return created;
        }
        Files.setPosixFilePermissions(created, DIRECTORY);
        return created;
    }

    /** Sets every directory under the root (and the root) to 0700 and every file to 0600; logs what it changed. */
    public void tighten() {
        if (!posix()) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    set(dir, DIRECTORY);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    if (attrs.isRegularFile()) {
                        set(file, FILE);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    // A file deleted while we walk (the database's temp files): nothing to tighten.
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restrict the permissions of the data directory " + root + ": "
                    + e.getMessage(), e);
        }
    }

    private static void set(Path p, Set<PosixFilePermission> wanted) throws IOException {
        try {
            Set<PosixFilePermission> now = Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            if (!now.equals(wanted)) {
                Files.setPosixFilePermissions(p, wanted);
                LOG.info("data directory: {} was {}, now {}", p, PosixFilePermissions.toString(now), PosixFilePermissions.toString(wanted));
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // gone meanwhile
        }
    }

    private void emptySpool() throws IOException {
        try (Stream<Path> leftovers = Files.list(uploads())) {
            for (Path p : (Iterable<Path>) leftovers::iterator) {
                LOG.warn("upload spool: deleting {}, left by an upload that did not finish", p.getFileName());
                deleteTree(p);
            }
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> children = Files.list(p)) {
                for (Path c : (Iterable<Path>) children::iterator) {
                    deleteTree(c);
                }
            }
        }
        Files.deleteIfExists(p);
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }
}
