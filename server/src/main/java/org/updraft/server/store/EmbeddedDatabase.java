package org.updraft.server.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The embedded database's files in the data directory: {@code updraft.db} (SQLite; beside it
 * SQLite's {@code updraft.db-wal} and {@code updraft.db-shm} while it is open), readable by the
 * server's user only.
 *
 * <p>Invariants: a data directory this class creates is 0700, and {@code updraft.db} is created
 * 0600 before SQLite opens it (SQLite gives its -wal and -shm files the database file's
 * permissions). A data directory of an earlier version, which holds the H2 file
 * {@code updraft.mv.db} and no {@code updraft.db}, is moved into SQLite once, before the server
 * opens it ({@link H2Import}); it never starts as an empty instance.
 */
public final class EmbeddedDatabase {

    public static final String FILE = "updraft.db";

    private EmbeddedDatabase() {
    }

    /** The JDBC URL of the embedded database in {@code dataDir}. */
    public static String url(Path dataDir) {
        return "jdbc:sqlite:" + dataDir.toAbsolutePath().resolve(FILE);
    }

    /**
     * Creates the data directory (0700) when missing; for the embedded database also its file
     * (0600) and, from an earlier version's H2 file, its contents.
     */
    public static void prepare(Path dataDir, boolean embedded) {
        try {
            DataDirectory.createPrivateDirectories(dataDir);
            if (!embedded) {
                return;
            }
            Path file = dataDir.resolve(FILE);
            H2Import.ifNeeded(dataDir, file);
            createFile(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the data directory " + dataDir.toAbsolutePath() + ": " + e.getMessage(), e);
        }
    }

    /** An empty file with owner-only permissions; an existing one is left as it is. */
    static void createFile(Path file) throws IOException {
        try {
            Files.createFile(file, ownerOnly("rw-------"));
        } catch (FileAlreadyExistsException e) {
            // an existing database
        }
    }

    private static FileAttribute<?>[] ownerOnly(String permissions) {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))}
                : new FileAttribute<?>[0];
    }
}
