package org.updraft.server.artifact;

import java.util.Optional;
import java.util.Set;
import org.jdbi.v3.core.Handle;

/**
 * Where artifact bytes live for good, shared by every instance: content-addressed by SHA-256 and
 * kind-agnostic (a firmware image, a NONOS user bin, a file-system image are all just bytes). The
 * {@link ArtifactStore} on each instance is a verified cache in front of it.
 *
 * <p>{@link DatabaseBlobs} keeps them in the database; an S3-compatible store could implement the
 * same contract. {@link #put} takes the transaction that stores the release rows, so that blob and
 * rows commit together: a store outside the database ignores the handle and writes before the
 * rows commit (what it wrote for an upload that then failed is garbage for {@code updraft gc}).
 */
public interface BlobStore {

    /**
     * Stores {@code bytes} under {@code sha256} in the transaction {@code h} (the caller hashed
     * them), or marks an already stored blob as just used: garbage collection keeps a blob an
     * upload touched within its grace period.
     */
    void put(Handle h, String sha256, byte[] bytes);

    /** Whether a complete blob is stored under this hash. */
    boolean exists(String sha256);

    /** The stored bytes, unverified (the caller hashes them), or empty when nothing is stored under this hash. */
    Optional<byte[]> get(String sha256);

    /** The hashes of every stored blob. */
    Set<String> digests();
}
