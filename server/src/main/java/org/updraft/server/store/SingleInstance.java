package org.updraft.server.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The embedded database is one server's: a second server started on the same data directory is
 * refused at start, before it opens the database, instead of running beside the first with its own
 * memory of the rollouts and devices (docs/cluster.md). Held as an exclusive lock on
 * {@value #FILE} in the data directory for as long as the server runs; the operating system
 * releases it when the process ends, however it ends, so a {@code kill -9} leaves nothing to clean.
 */
public final class SingleInstance implements AutoCloseable {

    /** The lock file in the data directory. */
    public static final String FILE = "updraft.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private SingleInstance(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the data directory for this server; refused with the reason when another server has it. */
    public static SingleInstance claim(Path dataDir) {
        Path file = dataDir.resolve(FILE);
        FileChannel channel;
        try {
            channel = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(DataDirectory.FILE));
        } catch (IOException e) {
            throw new IllegalStateException("cannot open " + file + " to lock the data directory: " + e.getMessage(), e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // this JVM holds it already
        } catch (IOException e) {
            close(channel);
            throw new IllegalStateException("cannot lock " + file + ": " + e.getMessage(), e);
        }
        if (lock == null) {
            close(channel);
            throw new IllegalStateException("another Updraft server is running on the data directory "
                    + dataDir.toAbsolutePath().normalize() + " (it holds " + FILE + "): its embedded database is one server's. "
                    + "Stop that server first, or run several servers on PostgreSQL (--db), each with its own name (--instance)");
        }
        return new SingleInstance(channel, lock);
    }

    private static void close(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // refusing anyway
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        close(channel);
    }
}
