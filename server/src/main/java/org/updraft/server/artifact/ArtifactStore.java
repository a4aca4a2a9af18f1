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
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.updraft.server.store.DataDirectory;

/**
 * Content-addressed, immutable blob store for firmware images.
 *
 * <p>Invariants: a blob lives at {@code <root>/<sha[0..2]>/<sha>.bin} and its bytes hash to its
 * name; a blob file is either absent or complete (written to a temp file in the same directory
 * tree, forced to disk, then atomically renamed, then the directory forced). Nothing rewrites an
 * intact blob, so readers need no locks. Temp files left by a crash are deleted on open.
 *
 * <p>Never a corrupted byte: the disk, a person or a program can still change a blob behind the
 * store's back (a flipped bit, a truncation). So a blob is served only after this process hashed
 * it and found its name ({@link #read}); the verdict is kept per blob together with the file's
 * size, modification time, change time (ctime: set by the kernel on every write or attribute
 * change, and not settable back by a user) and inode. Every serve compares those (one stat, not a
 * hash): any difference means the file changed, and it is hashed again before a byte goes out.
 * The check is at the start of a serve: a write in place during a transfer reaches that transfer
 * through the shared map (and is caught from the next serve on). What a stat cannot see — bits
 * rotting on the medium — the periodic {@link #scrub} finds by hashing every blob again, through
 * the page cache (a rotten page is seen once it is read from the medium again). A blob that does not hash to its name is <em>damaged</em>: logged as an
 * ERROR once, listed by {@link #damaged()}, refused by {@link #read} until the file changes again
 * (an operator restored it, or the same image was uploaded again: {@link #put} replaces a damaged
 * blob).
 *
 * <p>A cache of a {@link BlobStore} (the server's: the database, {@link DatabaseBlobs}): a file that
 * is missing or damaged is fetched from it, hashed, written like a {@link #put} and only then
 * served; only when the backing store has no copy that hashes to the name is the blob damaged.
 * Without a backing store this directory is all there is.
 *
 * <p>Performance: blobs are served from read-only memory maps cached with their verdict. Mapping
 * and hashing happen once per file per process; each response writes a {@code slice()} of the
 * shared map, so serving costs no heap copy and the page cache is shared by all downloads of the
 * same image.
 *
 * <p>One class because the write path and the serve path keep one invariant together: a cached
 * verdict describes exactly the file on disk. {@link #put} and {@link #delete} drop a blob's verdict
 * when they change its file; {@link #read} and {@link #scrub} hash under a per-blob lock and cache
 * the verdict with the file's stat. Split into a writer and a verifier, both would need the cache
 * and the path rule, and the invariant would belong to neither.
 */
public final class ArtifactStore {

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactStore.class);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** A blob that is missing or does not hash to its name: not one byte of it may be served. */
    public static final class Damaged extends RuntimeException {
        private final String sha256;

        Damaged(String sha256, String reason) {
            super(reason, null, false, false);
            this.sha256 = sha256;
        }

        public String sha256() {
            return sha256;
        }
    }

    /** What a stat says about a blob file: any difference means it changed since it was hashed. */
    private record Stat(long size, long modified, Object changed, Object fileKey) {
    }

    /** The result of hashing one blob: its map when intact, else why it is damaged. */
    private record Verdict(Stat stat, MappedByteBuffer map, String damage) {
    }

    private final Path root;
    private final Path tmp;
    /** Where a missing or damaged file is fetched from again; null: this directory is all there is. */
    private final BlobStore backing;
    private final ConcurrentHashMap<String, Verdict> verdicts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    /** A store whose files are all there is (tests of the store itself, tools). */
    public ArtifactStore(Path root) {
        this(root, null);
    }

    /**
     * A verified cache of {@code backing} (the server's: {@link DatabaseBlobs}): a blob whose file
     * is missing or does not hash to its name is fetched from {@code backing}, hashed, written
     * atomically and only then served (docs/integrity.md).
     */
    public ArtifactStore(Path root, BlobStore backing) {
        this.root = root;
        this.backing = backing;
        this.tmp = root.resolve("tmp");
        try {
            DataDirectory.createPrivateDirectories(tmp);
            // A temp file is a put() that never reached its rename (a crash, a full disk): never a blob.
            try (Stream<Path> leftovers = Files.list(tmp)) {
                for (Path p : (Iterable<Path>) leftovers::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create artifact store at " + root + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    /** The store this directory caches, if any. */
    public java.util.Optional<BlobStore> backing() {
        return java.util.Optional.ofNullable(backing);
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
     * when an intact identical blob was already present (content addressing makes that a no-op).
     * A damaged blob of the same name is replaced.
     */
    public boolean put(byte[] bytes) {
        String sha = Digests.sha256Hex(bytes);
        Path target = pathOf(sha);
        if (Files.exists(target) && check(sha) == null) {
            return false;
        }
        write(sha, target, bytes);
        return true;
    }

    /** Writes the file of a blob: temp file, forced, renamed into place, directory forced. */
    private void write(String sha, Path target, byte[] bytes) {
        try {
            boolean newDirectory = !Files.isDirectory(target.getParent());
            DataDirectory.createPrivateDirectories(target.getParent());
            if (newDirectory) {
                // The new fan-out directory's own entry lives in the root: without this sync a power
                // loss could drop the directory, and with it a blob whose release row committed.
                forceDirectory(root);
            }
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
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    throw new IOException("the artifact store's file system cannot rename atomically", e);
                }
                forceDirectory(target.getParent());
                verdicts.remove(sha);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store artifact " + sha + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a blob (used to undo a store whose database transaction failed). */
    public void delete(String sha256) {
        verdicts.remove(sha256);
        try {
            Files.deleteIfExists(pathOf(sha256));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete artifact " + sha256 + ": " + e.getMessage(), e);
        }
    }

    /**
     * A read-only view of the whole blob, which hashes to its name; callers slice it. Each call
     * returns an independent view.
     *
     * @throws Damaged when the blob is missing or does not hash to its name
     */
    public ByteBuffer read(String sha256) {
        Verdict v = verdict(sha256, false);
        if (v.damage() != null) {
            throw new Damaged(sha256, v.damage());
        }
        return v.map().duplicate();
    }

    /** Null when the blob is intact (hashing it now unless this process already did, unchanged), else why not. */
    public String check(String sha256) {
        return verdict(sha256, false).damage();
    }

    /** Why this blob is known to be damaged (it is then not served), or null: never hashes, for listings. */
    public String damage(String sha256) {
        Verdict v = verdicts.get(sha256);
        return v == null ? null : v.damage();
    }

    /** The damaged blobs this process knows of, by hash, with why (sorted by hash). */
    public Map<String, String> damaged() {
        Map<String, String> m = new TreeMap<>();
        verdicts.forEach((sha, v) -> {
            if (v.damage() != null) {
                m.put(sha, v.damage());
            }
        });
        return m;
    }

    /** What one {@link #scrub} pass did. */
    public record Scrub(int checked, List<String> damaged) {
    }

    /**
     * Hashes every blob again, whatever the cached verdicts say, reading at most
     * {@code bytesPerSecond} (the pass must not starve downloads of disk bandwidth).
     */
    public Scrub scrub(long bytesPerSecond) throws InterruptedException {
        List<Path> blobs = blobs();
        List<String> damaged = new ArrayList<>();
        Throttle throttle = new Throttle(bytesPerSecond);
        for (Path p : blobs) {
            String name = p.getFileName().toString();
            String sha = name.substring(0, name.length() - 4);
            if (!SHA256.matcher(sha).matches()) {
                continue;
            }
            Verdict v = verdict(sha, true, throttle);
            if (v.damage() != null) {
                damaged.add(sha);
            }
        }
        return new Scrub(blobs.size(), List.copyOf(damaged));
    }

    /**
     * Deletes the blobs no database row names: what an upload killed between writing its blob and
     * committing its release leaves behind (the blob is stored first, so a committed row never
     * lacks its file). Run at start, before anything is uploaded. Returns the SHA-256s removed.
     */
    public List<String> sweep(java.util.Set<String> known) {
        List<String> removed = new ArrayList<>();
        for (Path p : blobs()) {
            String name = p.getFileName().toString();
            String sha = name.substring(0, name.length() - 4);
            if (SHA256.matcher(sha).matches() && !known.contains(sha)) {
                delete(sha);
                removed.add(sha);
            }
        }
        return List.copyOf(removed);
    }

    /** Every complete blob's path, sorted (temp files excluded). */
    private List<Path> blobs() {
        List<Path> blobs = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root, 2)) {
            walk.filter(p -> p.getNameCount() == root.getNameCount() + 2 && !p.getParent().equals(tmp)
                    && p.getFileName().toString().endsWith(".bin")).sorted().forEach(blobs::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the artifact store at " + root + ": " + e.getMessage(), e);
        }
        return blobs;
    }

    private Verdict verdict(String sha, boolean again) {
        try {
            return verdict(sha, again, null);
        } catch (InterruptedException e) {
            throw new AssertionError("no throttle, no sleep", e);
        }
    }

    /**
     * The blob's verdict: the cached one while a stat shows the same file, else (or when
     * {@code again}) a new one from hashing it. One hash per blob at a time: concurrent first
     * downloads of a new image wait for one hash instead of each doing their own.
     */
    private Verdict verdict(String sha, boolean again, Throttle throttle) throws InterruptedException {
        Path path = pathOf(sha);
        Verdict cached = verdicts.get(sha);
        if (!again && cached != null && Objects.equals(cached.stat(), statOrNull(path))) {
            return cached;
        }
        ReentrantLock lock = locks.computeIfAbsent(sha, k -> new ReentrantLock());
        lock.lock();
        try {
            Stat before = statOrNull(path);
            cached = verdicts.get(sha);
            if (!again && cached != null && Objects.equals(cached.stat(), before)) {
                return cached; // another thread hashed it meanwhile
            }
            Verdict v = hash(sha, path, before, throttle);
            if (v.damage() != null && backing != null) {
                Verdict fetched = refill(sha, path, v.damage());
                v = fetched != null ? fetched : v;
            }
            verdicts.put(sha, v);
            if (v.damage() != null && (cached == null || !Objects.equals(cached.damage(), v.damage()))) {
                LOG.error("artifact {} is damaged and will not be served: {}", path, v.damage());
            } else if (v.damage() == null && cached != null && cached.damage() != null) {
                LOG.warn("artifact {} is intact again", path);
            }
            return v;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fetches a blob whose file is missing or damaged from the backing store, hashes it, writes it
     * in place and returns the new file's verdict; null when the backing store has no intact copy
     * either (then the damaged verdict stands and nothing is served). Runs under the blob's lock:
     * concurrent first downloads wait for one fetch.
     */
    private Verdict refill(String sha, Path path, String damage) throws InterruptedException {
        java.util.Optional<byte[]> bytes;
        try {
            bytes = backing.get(sha);
        } catch (RuntimeException e) {
            LOG.error("artifact {} ({}) cannot be fetched from the blob store: {}", sha, damage, e.toString());
            return null;
        }
        if (bytes.isEmpty()) {
            return null;
        }
        String actual = Digests.sha256Hex(bytes.get());
        if (!actual.equals(sha)) {
            LOG.error("artifact {}: the blob store's copy ({} bytes) hashes to {}, not to its name; not served", sha,
                    bytes.get().length, actual);
            return null;
        }
        try {
            write(sha, path, bytes.get());
        } catch (UncheckedIOException e) {
            LOG.error("artifact {} was fetched from the blob store but cannot be cached: {}", sha, e.getMessage());
            return null;
        }
        Verdict v = hash(sha, path, statOrNull(path), null);
        if (v.damage() == null) {
            LOG.warn("artifact {}: {}; fetched from the blob store, verified and cached again", path, damage);
        }
        return v;
    }

    private Verdict hash(String sha, Path path, Stat stat, Throttle throttle) throws InterruptedException {
        if (stat == null) {
            // Damage texts are shown to viewers (ArtifactView): no path; the log names the file.
            return new Verdict(null, null, "the stored file is missing");
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            MessageDigest md = sha256();
            ByteBuffer view = map.duplicate();
            int chunk = 1 << 20;
            while (view.hasRemaining()) {
                int n = Math.min(chunk, view.remaining());
                ByteBuffer part = view.slice(view.position(), n);
                md.update(part);
                view.position(view.position() + n);
                if (throttle != null) {
                    throttle.spent(n);
                }
            }
            String actual = HexFormat.of().formatHex(md.digest());
            if (!actual.equals(sha)) {
                return new Verdict(stat, null, "the stored file (" + map.capacity() + " bytes) hashes to " + actual
                        + ", not to its name: it was changed or truncated after it was stored");
            }
            return new Verdict(stat, map, null);
        } catch (IOException | InternalError e) {
            // InternalError: the file shrank under the map while it was being read (SIGBUS).
            LOG.error("artifact {} cannot be read: {}", path, e.toString());
            return new Verdict(stat, null, "the stored file cannot be read (an I/O error; see the server log)");
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    private static Stat statOrNull(Path path) {
        try {
            return stat(path);
        } catch (IOException e) {
            return null;
        }
    }

    private static Stat stat(Path path) throws IOException {
        try {
            // One stat(2) for all four; ctime and the inode exist only in the "unix" view.
            Map<String, Object> a = Files.readAttributes(path, "unix:size,lastModifiedTime,ctime,ino,dev");
            return new Stat((Long) a.get("size"), ((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).toMillis(),
                    a.get("ctime"), a.get("dev") + ":" + a.get("ino"));
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class); // not Unix: no ctime
            return new Stat(a.size(), a.lastModifiedTime().toMillis(), null, a.fileKey());
        }
    }

    /** Sleeps as needed so that the bytes read average at most {@code bytesPerSecond}. */
    private static final class Throttle {
        private final long bytesPerSecond;
        private final long start = System.nanoTime();
        private long bytes;

        Throttle(long bytesPerSecond) {
            this.bytesPerSecond = bytesPerSecond;
        }

        void spent(long n) throws InterruptedException {
            bytes += n;
            long due = start + bytes * 1_000_000_000L / bytesPerSecond;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
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
