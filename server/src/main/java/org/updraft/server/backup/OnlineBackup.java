package org.updraft.server.backup;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import org.updraft.server.store.EmbeddedDatabase;

/**
 * {@code updraft db backup}: a copy of the embedded SQLite database while the server runs
 * (docs/backup.md, "SQLite"). SQLite's {@code VACUUM INTO} writes one consistent snapshot of the
 * database (a read transaction: the server's writers go on in the WAL meanwhile) to a new file;
 * since the database holds the artifact bytes too, that one file is the whole backup. The copy is
 * written beside its name, forced to disk, made owner-only and renamed into place: a backup file
 * is complete or absent.
 */
public final class OnlineBackup {

    private OnlineBackup() {
    }

    /** Copies the embedded database of {@code dataDir} to the new file {@code to}; returns its size. */
    public static long sqlite(Path dataDir, Path to) throws IOException, SQLException {
        Path db = dataDir.resolve(EmbeddedDatabase.FILE);
        if (!Files.isRegularFile(db)) {
            throw new IllegalArgumentException("no embedded database in " + dataDir + " (expected " + db + "); a PostgreSQL "
                    + "database is backed up with 'updraft db export --db URL' or pg_dump");
        }
        if (Files.exists(to)) {
            throw new IllegalArgumentException(to + " exists: the backup writes a new file and never replaces one");
        }
        Path temp = to.toAbsolutePath().getParent().resolve(to.getFileName() + ".part");
        Files.deleteIfExists(temp);
        try {
            try (Connection c = DriverManager.getConnection(EmbeddedDatabase.url(dataDir))) {
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA busy_timeout = 30000");
                }
                try (PreparedStatement s = c.prepareStatement("VACUUM INTO ?")) {
                    s.setString(1, temp.toString());
                    s.execute();
                }
            }
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(temp, to, StandardCopyOption.ATOMIC_MOVE);
            return Files.size(to);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
