package org.updraft.device.receiver;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;

/**
 * The emulated chip's single thread of control, shared by a receiver's handlers: one request at a
 * time touches the board ({@link #lock()}), and a scheduled reboot holds every later request back
 * until {@link Board#reset()} has run — the way a real device is simply not there while it boots.
 */
final class Reboot {
    private final Board board;
    private final Duration delay;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger count = new AtomicInteger();
    private volatile CompletableFuture<Void> pending = CompletableFuture.completedFuture(null);

    Reboot(Board board, Duration delay) {
        this.board = board;
        this.delay = delay;
    }

    /** Waits for a reboot in progress, then takes the device; release with {@link #unlock()}. */
    void lock() {
        pending.join();
        lock.lock();
    }

    void unlock() {
        lock.unlock();
    }

    /** Whether an application is running (a bricked board serves nothing). */
    boolean running() {
        return board.state() instanceof BootResult.Booted;
    }

    /**
     * Arms a software reset after the delay (esp-link: {@code os_timer_arm(&flash_reboot_timer,
     * 2000, 1)}; Arduino: {@code ESP.restart()}). Call while holding the lock and before the
     * answer goes out, so that anyone who saw the answer also waits for the reboot.
     */
    void schedule() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        pending = done;
        Thread.ofVirtual().name("reboot").start(() -> {
            try {
                if (delay.isPositive()) {
                    Thread.sleep(delay);
                }
                lock.lock();
                try {
                    board.reset();
                    count.incrementAndGet();
                } finally {
                    lock.unlock();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                done.complete(null);
            }
        });
    }

    /** Blocks until no reboot is pending. */
    void awaitRunning() {
        pending.join();
    }

    int count() {
        return count.get();
    }

    Board board() {
        return board;
    }
}
