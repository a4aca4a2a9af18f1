package org.updraft.server.artifact;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hashes every blob of the {@link ArtifactStore} again every {@code interval} (limit
 * scrub-interval), on one background thread, reading at most {@link #BYTES_PER_SECOND}: a blob
 * that rotted on the medium without its file changing is found and refused before a device asks
 * for it. The first pass runs one interval after start (blobs are hashed before their first
 * download anyway).
 */
public final class ArtifactScrub implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ArtifactScrub.class);
    /** 32 MiB/s: a 1,000-image store of 1 MB images in about 30 s, a small share of any disk's bandwidth. */
    static final long BYTES_PER_SECOND = 32L << 20;

    private final Thread thread;

    /** Starts scrubbing {@code store} every {@code interval}; a zero interval starts nothing. */
    public ArtifactScrub(ArtifactStore store, Duration interval) {
        if (interval.isZero()) {
            this.thread = null;
            return;
        }
        this.thread = Thread.ofPlatform().name("updraft-artifact-scrub").daemon(true).start(() -> {
            try {
                while (true) {
                    Thread.sleep(interval);
                    try {
                        ArtifactStore.Scrub s = store.scrub(BYTES_PER_SECOND);
                        if (s.damaged().isEmpty()) {
                            LOG.info("artifact scrub: {} blobs hashed, all intact", s.checked());
                        } else {
                            LOG.error("artifact scrub: {} blobs hashed, {} damaged (not served): {}", s.checked(),
                                    s.damaged().size(), s.damaged());
                        }
                    } catch (RuntimeException e) {
                        LOG.error("artifact scrub failed: {}", e.getMessage(), e);
                    }
                }
            } catch (InterruptedException e) {
                // close(): stop
            }
        });
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
