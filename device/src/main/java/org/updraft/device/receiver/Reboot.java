package org.updraft.device.receiver;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;

/**
 * The emulated chip's single thread of control, shared by a receiver's handlers: one request at a
 * time touches the board ({@link #lock()}), and a scheduled reboot fires after its delay.
 *
 * <p>Two ways the originals spend the delay, chosen by the receiver:
 * <ul>
 *   <li>serving ({@code servesUntilReset}): esp-link arms a 2 s timer and goes on answering with
 *       the running image until it fires ({@code os_timer_arm(&flash_reboot_timer, 2000, 1)});
 *       a later {@code /flash/reboot} re-arms it ({@code os_timer_disarm} first).</li>
 *   <li>blocking: an Arduino sketch restarts from inside its handler ({@code delay(100);
 *       ESP.restart()}), so nothing else is served until the reset: later requests wait.</li>
 * </ul>
 * At the reset the device leaves the network for {@code bootTime} (the receiver's
 * {@code away}/{@code back} hooks), then serves the image the boot model started.
 */
final class Reboot {
    /** Takes the device off the network and back; the HTTP receivers pass their {@link HttpLink}'s. */
    interface Network {
        void away();

        void back() throws java.io.IOException;
    }

    private final Board board;
    private final Duration delay;
    private final boolean servesUntilReset;
    private final Duration bootTime;
    private final Consumer<String> log;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicInteger armed = new AtomicInteger();
    private volatile Network network;
    private volatile CompletableFuture<Void> pending = CompletableFuture.completedFuture(null);

    Reboot(Board board, Duration delay, boolean servesUntilReset, Duration bootTime, Consumer<String> log) {
        this.board = board;
        this.delay = delay;
        this.servesUntilReset = servesUntilReset;
        this.bootTime = bootTime;
        this.log = log;
    }

    void network(Network network) {
        this.network = network;
    }

    /** Takes the device (waiting out a reboot first unless it serves until the reset); release with {@link #unlock()}. */
    void lock() {
        if (!servesUntilReset) {
            pending.join();
        }
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
     * Arms a software reset after the delay; {@code atReset} runs just before it (esp-link: the
     * SDK's flag flip in {@code system_upgrade_reboot}). Call while holding the lock and before the
     * answer goes out, so that anyone who saw the answer also sees the reboot coming. Arming again
     * before the reset fires replaces the earlier timer.
     */
    void schedule(Runnable atReset) {
        int generation = armed.incrementAndGet();
        CompletableFuture<Void> done = pending.isDone() ? new CompletableFuture<>() : pending;
        pending = done;
        Thread.ofVirtual().name("reboot").start(() -> {
            try {
                if (delay.isPositive()) {
                    Thread.sleep(delay);
                }
                if (armed.get() != generation) {
                    return; // re-armed: the newer timer fires
                }
                Network net = network;
                if (net != null) {
                    net.away();
                }
                lock.lock();
                try {
                    atReset.run();
                    BootResult result = board.reset();
                    count.incrementAndGet();
                    log.accept("reset: " + describe(result));
                } finally {
                    lock.unlock();
                }
                if (bootTime.isPositive()) {
                    Thread.sleep(bootTime);
                }
                if (net != null) {
                    net.back();
                    log.accept("back on the network");
                }
                done.complete(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done.complete(null);
            } catch (java.io.IOException | RuntimeException e) {
                log.accept("reset: the emulated device could not come back on the network: " + e.getMessage());
                done.complete(null);
            }
        });
    }

    void schedule() {
        schedule(() -> { });
    }

    /** "booted user2 (40,960 bytes, sha256 1a2b3c4d5e6f…)" or "bricked: why". */
    static String describe(BootResult result) {
        return switch (result) {
            case BootResult.Booted b -> String.format(java.util.Locale.ROOT, "booted %s (%,d bytes, sha256 %s…)",
                    b.slot().name(), b.image().length, b.sha256().substring(0, 12));
            case BootResult.Bricked b -> "bricked: " + b.reason();
        };
    }

    /** Blocks until no reboot is pending (the device is back on the network). */
    void awaitRunning() {
        pending.join();
    }

    int count() {
        return count.get();
    }

    Board board() {
        return board;
    }

    void log(String line) {
        log.accept(line);
    }
}
