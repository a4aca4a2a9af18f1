package org.updraft.device.fleet;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * The threads of a fleet run: platform threads with small stacks, one per device and a reused
 * pool for the link's relays — not virtual threads.
 *
 * <p>Why: with 10,000 devices on virtual threads, JDK 25.0.3 stopped running the whole fleet
 * after a minute or two. {@code jcmd <pid> Thread.vthread_scheduler} showed
 * {@code ForkJoinPool[... active = 0, running = 0, tasks = 0, delayed = 10000]} — every device
 * parked with a timeout (poll wait or timed socket connect) long past due and never resumed — and
 * {@code Thread.vthread_pollers} 7,953 sockets registered with a write poller whose sub-poller
 * never ran again; the server, meanwhile, was idle with an empty accept queue. A device is one
 * CPU running one loop anyway: an OS thread per device (256 KiB stack: the deepest device path
 * is the stock client writing flash) behaves the same and does not depend on the scheduler's timed
 * wake-ups. 10,000 of them fit well within the usual {@code pid_max} of 32,768.
 */
final class FleetThreads {
    private static final long STACK_BYTES = 256 * 1024;

    private FleetThreads() {
    }

    /** Starts a daemon platform thread. */
    static Thread start(String name, Runnable task) {
        return Thread.ofPlatform().daemon().stackSize(STACK_BYTES).name(name).start(task);
    }

    /** An executor that reuses idle threads and makes new ones when all are busy. */
    static ExecutorService cached(String prefix) {
        return Executors.newCachedThreadPool(factory(prefix));
    }

    /** An executor of exactly {@code n} threads. */
    static ExecutorService fixed(String prefix, int n) {
        return Executors.newFixedThreadPool(n, factory(prefix));
    }

    private static ThreadFactory factory(String prefix) {
        return Thread.ofPlatform().daemon().stackSize(STACK_BYTES).name(prefix, 0).factory();
    }
}
