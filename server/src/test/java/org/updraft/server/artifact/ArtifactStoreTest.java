package org.updraft.server.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.server.Tmpfs;
import org.updraft.server.store.StorageHealth;

/**
 * The store serves a blob only while it hashes to its name: a flipped byte, a truncation or a
 * missing file is found before a byte goes out (at the first read of this process, at the first
 * read after the file changed, or by the scrub when the change left no trace in the file's
 * metadata), and a full disk leaves no partial blob behind.
 */
class ArtifactStoreTest {

    static final byte[] IMAGE = image(50_000, 7);

    static byte[] image(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** Flips one byte in place, keeping the modification time (what a disk fault or a careful hand does). */
    static void flip(Path file, long offset) throws IOException {
        FileTime mtime = Files.getLastModifiedTime(file);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            int b = f.read();
            f.seek(offset);
            f.write(b ^ 0x01);
        }
        Files.setLastModifiedTime(file, mtime);
    }

    @Test
    void anIntactBlobIsServedAsStored(@TempDir Path dir) {
        ArtifactStore store = new ArtifactStore(dir);
        assertThat(store.put(IMAGE)).isTrue();
        String sha = Digests.sha256Hex(IMAGE);
        assertThat(store.check(sha)).isNull();
        assertThat(bytes(store.read(sha))).isEqualTo(IMAGE);
        assertThat(store.damaged()).isEmpty();
        assertThat(store.put(IMAGE)).as("identical intact blob: no-op").isFalse();
    }

    @Test
    void aByteFlippedBeforeTheFirstReadIsNeverServed(@TempDir Path dir) throws Exception {
        ArtifactStore store = new ArtifactStore(dir);
        store.put(IMAGE);
        String sha = Digests.sha256Hex(IMAGE);
        flip(store.pathOf(sha), 1234);
        ArtifactStore afterRestart = new ArtifactStore(dir);
        assertThatThrownBy(() -> afterRestart.read(sha)).isInstanceOf(ArtifactStore.Damaged.class)
                .hasMessageContaining("the stored file (50000 bytes) hashes to ")
                .hasMessageContaining("not to its name: it was changed or truncated after it was stored");
        assertThat(afterRestart.damaged()).containsOnlyKeys(sha);
        assertThat(afterRestart.damage(sha)).contains("hashes to");
    }

    @Test
    void aChangeAfterVerificationIsCaughtAtTheNextRead(@TempDir Path dir) throws Exception {
        ArtifactStore store = new ArtifactStore(dir);
        store.put(IMAGE);
        String sha = Digests.sha256Hex(IMAGE);
        assertThat(bytes(store.read(sha))).isEqualTo(IMAGE);
        // Same mtime, but the kernel moved ctime: the stat differs, so the blob is hashed again.
        flip(store.pathOf(sha), 0);
        assertThatThrownBy(() -> store.read(sha)).isInstanceOf(ArtifactStore.Damaged.class);
    }

    @Test
    void aTruncatedBlobIsDamaged(@TempDir Path dir) throws Exception {
        ArtifactStore store = new ArtifactStore(dir);
        store.put(IMAGE);
        String sha = Digests.sha256Hex(IMAGE);
        assertThat(store.check(sha)).isNull();
        try (RandomAccessFile f = new RandomAccessFile(store.pathOf(sha).toFile(), "rw")) {
            f.setLength(1000);
        }
        assertThat(store.check(sha)).contains("(1000 bytes) hashes to");
        Files.delete(store.pathOf(sha));
        assertThat(store.check(sha)).isEqualTo("the stored file is missing");
    }

    @Test
    void theScrubFindsDamageBeforeAnyDeviceAsksAndAReUploadRepairs(@TempDir Path dir) throws Exception {
        ArtifactStore before = new ArtifactStore(dir);
        byte[] other = image(20_000, 9);
        before.put(IMAGE);
        before.put(other);
        String sha = Digests.sha256Hex(IMAGE);
        flip(before.pathOf(sha), 49_999);

        ArtifactStore store = new ArtifactStore(dir); // a new process: nothing hashed yet
        ArtifactStore.Scrub s = store.scrub(1L << 30);
        assertThat(s.checked()).isEqualTo(2);
        assertThat(s.damaged()).containsExactly(sha);
        assertThat(store.damaged()).containsOnlyKeys(sha);
        assertThatThrownBy(() -> store.read(sha)).isInstanceOf(ArtifactStore.Damaged.class);
        assertThat(bytes(store.read(Digests.sha256Hex(other)))).isEqualTo(other);

        assertThat(store.put(IMAGE)).as("uploading the same image again replaces the damaged blob").isTrue();
        assertThat(bytes(store.read(sha))).isEqualTo(IMAGE);
        assertThat(store.damaged()).isEmpty();
        assertThat(store.scrub(1L << 30).damaged()).isEmpty();
    }

    @Test
    void tempFilesLeftByACrashAreDeletedOnOpen(@TempDir Path dir) throws Exception {
        new ArtifactStore(dir);
        Files.write(dir.resolve("tmp").resolve("deadbeef123.part"), new byte[100]);
        new ArtifactStore(dir);
        try (Stream<Path> s = Files.list(dir.resolve("tmp"))) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void theSweepRemovesExactlyTheBlobsNoRowNames(@TempDir Path dir) throws Exception {
        ArtifactStore store = new ArtifactStore(dir);
        byte[] kept = image(1_000, 1);
        byte[] orphan = image(1_000, 2);
        store.put(kept);
        store.put(orphan);
        Files.createDirectories(dir.resolve("ab"));
        Files.write(dir.resolve("ab").resolve("notes.bin"), new byte[3]);   // not a blob name: left alone
        String keptSha = Digests.sha256Hex(kept);
        String orphanSha = Digests.sha256Hex(orphan);

        assertThat(store.sweep(java.util.Set.of(keptSha))).containsExactly(orphanSha);
        assertThat(store.contains(keptSha)).isTrue();
        assertThat(store.contains(orphanSha)).isFalse();
        assertThat(Files.exists(dir.resolve("ab").resolve("notes.bin"))).isTrue();
        assertThat(store.sweep(java.util.Set.of(keptSha))).as("nothing left to remove").isEmpty();
    }

    @Test
    void aFullDiskLeavesNeitherABlobNorATempFile() throws Exception {
        try (Tmpfs fs = Tmpfs.mount(1L << 20)) {
            ArtifactStore store = new ArtifactStore(fs.path().resolve("artifacts"));
            fs.fill("filler", 20_000);
            assertThatThrownBy(() -> store.put(IMAGE)).isInstanceOf(UncheckedIOException.class)
                    .satisfies(e -> assertThat(StorageHealth.isOutOfSpace(e)).isTrue())
                    .hasMessageContaining("No space left on device");
            assertThat(store.contains(Digests.sha256Hex(IMAGE))).isFalse();
            assertThat(store.count()).isZero();
            try (Stream<Path> s = Files.list(fs.path().resolve("artifacts").resolve("tmp"))) {
                assertThat(s.toList()).isEmpty();
            }
        }
    }

    /** A backing store in memory: what the cache falls back on (the database in the server: SharedDatabaseTest). */
    static final class MemoryBlobs implements BlobStore {
        final java.util.Map<String, byte[]> blobs = new java.util.HashMap<>();
        int gets;

        @Override
        public void put(org.jdbi.v3.core.Handle h, String sha256, byte[] bytes) {
            blobs.put(sha256, bytes.clone());
        }

        @Override
        public boolean exists(String sha256) {
            return blobs.containsKey(sha256);
        }

        @Override
        public java.util.Optional<byte[]> get(String sha256) {
            gets++;
            return java.util.Optional.ofNullable(blobs.get(sha256)).map(byte[]::clone);
        }

        @Override
        public java.util.Set<String> digests() {
            return java.util.Set.copyOf(blobs.keySet());
        }
    }

    @Test
    void aMissingOrDamagedFileIsFetchedFromTheBackingStoreVerifiedAndWrittenBeforeItIsServed(@TempDir Path dir) throws Exception {
        MemoryBlobs backing = new MemoryBlobs();
        String sha = Digests.sha256Hex(IMAGE);
        backing.put(null, sha, IMAGE);
        ArtifactStore store = new ArtifactStore(dir, backing);
        assertThat(store.contains(sha)).isFalse();

        assertThat(bytes(store.read(sha))).as("missing: fetched").isEqualTo(IMAGE);
        assertThat(Files.readAllBytes(store.pathOf(sha))).isEqualTo(IMAGE);
        assertThat(backing.gets).isEqualTo(1);
        assertThat(bytes(store.read(sha))).isEqualTo(IMAGE);
        assertThat(backing.gets).as("served from the file while it is unchanged").isEqualTo(1);

        flip(store.pathOf(sha), 4_000);
        Files.setLastModifiedTime(store.pathOf(sha), FileTime.fromMillis(0)); // a changed stat: hashed again

        assertThat(store.check(sha)).as("damaged: fetched again").isNull();
        assertThat(Files.readAllBytes(store.pathOf(sha))).isEqualTo(IMAGE);
        assertThat(backing.gets).isEqualTo(2);
        assertThat(store.damaged()).isEmpty();
    }

    @Test
    void aBackingCopyThatDoesNotHashToItsNameIsNeitherCachedNorServed(@TempDir Path dir) {
        MemoryBlobs backing = new MemoryBlobs();
        String sha = Digests.sha256Hex(IMAGE);
        byte[] wrong = IMAGE.clone();
        wrong[10] ^= 1;
        backing.put(null, sha, wrong);
        ArtifactStore store = new ArtifactStore(dir, backing);

        assertThatThrownBy(() -> store.read(sha)).isInstanceOf(ArtifactStore.Damaged.class).hasMessage("the stored file is missing");
        assertThat(store.contains(sha)).isFalse();
        assertThat(store.damaged()).containsOnlyKeys(sha);
        assertThat(new ArtifactStore(dir.resolve("other"), new MemoryBlobs()).check(sha))
                .as("nothing in the backing store either").isEqualTo("the stored file is missing");
    }
}
