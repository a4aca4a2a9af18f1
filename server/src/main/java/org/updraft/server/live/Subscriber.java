package org.updraft.server.live;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One open event stream of the {@link LiveFeed}: the frames waiting to be written, at most the
 * feed's {@code queueFrames}. The feed offers each frame without waiting; a subscriber whose queue
 * is full is dropped — {@link #next} answers {@link #END} and the {@code onDrop} action (which
 * closes the connection, so a write blocked on a client that stopped reading fails) runs once.
 */
public final class Subscriber implements AutoCloseable {

    /** What {@link #next} answers once the subscriber was dropped or closed. */
    public static final byte[] END = new byte[0];

    private final LiveFeed feed;
    private final ArrayBlockingQueue<byte[]> frames;
    private final int limit;
    private volatile boolean ended;
    private volatile Runnable onDrop = () -> { };

    Subscriber(LiveFeed feed, int queueFrames) {
        this.feed = feed;
        this.limit = queueFrames;
        this.frames = new ArrayBlockingQueue<>(queueFrames + 1); // one more: room for END
    }

    /** What to do when the feed drops this subscriber (close its connection); runs at once if it already was. */
    public void onDrop(Runnable action) {
        this.onDrop = action;
        if (ended) {
            action.run();
        }
    }

    boolean offer(byte[] frame) {
        return !ended && frames.size() < limit && frames.offer(frame);
    }

    /** The next frame, null when none came within {@code wait}, or {@link #END}. */
    public byte[] next(Duration wait) throws InterruptedException {
        if (ended) {
            return END;
        }
        byte[] f = frames.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
        return ended ? END : f;
    }

    /** Frames waiting to be written. */
    public int waiting() {
        return ended ? 0 : frames.size();
    }

    public boolean ended() {
        return ended;
    }

    void drop() {
        if (end()) {
            onDrop.run();
        }
    }

    private synchronized boolean end() {
        if (ended) {
            return false;
        }
        ended = true;
        feed.remove(this);
        frames.clear();
        frames.offer(END);
        return true;
    }

    /** The client went away or the stream ended: leaves the feed. */
    @Override
    public void close() {
        end();
    }
}
