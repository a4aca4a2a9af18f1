package org.updraft.server.artifact;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Content-addressed, immutable blob store for firmware images.
 *
 * <p>Invariants: a blob lives at {@code <root>/<sha[0..2]>/<sha>.bin} and its bytes hash to its
 * name; a blob file is either absent or complete (written to a temp file in the same directory
 * tree, forced to disk, then atomically renamed, then the directory forced). Nothing ever
 * rewrites a blob, so readers need no locks.
 *
 * <p>Performance: blobs are served from read-only memory maps cached per hash. Mapping is done
 * once; each response writes a {@code slice()} of the shared map, so serving costs no heap copy
 * and the page cache is shared by all downloads of the same image.
 */
public final class ArtifactStore {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path root;
    private final Path tmp;
    private final ConcurrentHashMap<String, MappedByteBuffer> maps = new ConcurrentHashMap<>();

    public ArtifactStore(Path root) {
        this.root = root;
        this.tmp = root.resolve("tmp");
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create artifact store at " + root + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    /** Where the blob with this hash lives (whether or not it exists). */
    public Path pathOf(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a lower-case hex SHA-256: " + sha256);
        }
        return root.resolve(sha256.substring(0, 2)).resolve(sha256 + ".bin");
    }

    public boolean contains(String sha256) {
        return Files.exists(pathOf(sha256));
    }

    /**
     * Stores the bytes under their SHA-256. Returns true when this call created the blob, false
     * when an identical blob was already present (content addressing makes that a no-op).
     */
    public boolean put(byte[] bytes) {
        String sha = Digests.sha256Hex(bytes);
        Path target = pathOf(sha);
        if (Files.exists(target)) {
            return false;
        }
        try {
            Files.createDirectories(target.getParent());
            Path temp = Files.createTempFile(tmp, sha.substring(0, 8), ".part");
            try {
                try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                    ByteBuffer buf = ByteBuffer.wrap(bytes);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                    ch.force(true);
                }
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    throw new IOException("the artifact store's file system cannot rename atomically", e);
                }
                forceDirectory(target.getParent());
                return true;
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store artifact " + sha + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a blob (used to undo a store whose database transaction failed). */
    public void delete(String sha256) {
        maps.remove(sha256);
        try {
            Files.deleteIfExists(pathOf(sha256));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete artifact " + sha256 + ": " + e.getMessage(), e);
        }
    }

    /** A read-only view of the whole blob; callers slice it. Each call returns an independent view. */
    public ByteBuffer read(String sha256) {
        MappedByteBuffer map = maps.computeIfAbsent(sha256, this::map);
        return map.duplicate();
    }

    private MappedByteBuffer map(String sha256) {
        try (FileChannel ch = FileChannel.open(pathOf(sha256), StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        } catch (IOException e) {
            throw new UncheckedIOException("artifact " + sha256 + " is missing from the store at " + root + ": " + e.getMessage(), e);
        }
    }

    /** Number of complete blobs in the store (tests and health). */
    public long count() {
        try (var dirs = Files.list(root)) {
            return dirs.filter(d -> !d.equals(tmp) && Files.isDirectory(d))
                    .mapToLong(d -> {
                        try (var files = Files.list(d)) {
                            return files.filter(f -> f.getFileName().toString().endsWith(".bin")).count();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void forceDirectory(Path dir) {
        // fsync of the directory makes the rename durable on Linux; not all platforms allow it.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException ignored) {
            // e.g. Windows: directories cannot be opened; the rename is still atomic.
        }
    }
}
