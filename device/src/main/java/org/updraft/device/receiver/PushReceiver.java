package org.updraft.device.receiver;

import java.net.InetSocketAddress;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;

/**
 * What every emulated push receiver is: a server on the emulated device's network address that
 * writes into its {@link Board}, reboots it ({@link Reboot}) and can be stopped. The HTTP ones
 * share their connection lifecycle through {@link HttpLink}; ArduinoOTA speaks UDP and a TCP
 * connection it opens itself.
 */
public abstract sealed class PushReceiver implements AutoCloseable
        permits EspLinkReceiver, WebUpdateReceiver, ArduinoOtaReceiver {
    final Reboot reboot;

    PushReceiver(Reboot reboot) {
        this.reboot = reboot;
    }

    /** Where it listens (ArduinoOTA: the UDP port invitations go to). */
    public abstract InetSocketAddress address();

    /** Software resets done so far. */
    public int reboots() {
        return reboot.count();
    }

    /** Blocks until a scheduled reboot has happened and the device is back on the network. */
    public void awaitRunning() {
        reboot.awaitRunning();
    }

    /** The emulated chip. */
    public Board board() {
        return reboot.board();
    }

    /** What the device runs now, for logs: "booted user2 (…)" or "bricked: …". */
    public String state() {
        BootResult state = reboot.board().state();
        return Reboot.describe(state);
    }

    @Override
    public abstract void close();
}
