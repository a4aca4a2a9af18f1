package org.updraft.device.client;

import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.Updater;

/**
 * One emulated device running stock pull firmware: it boots, checks in with its profile's client,
 * updates, reboots, and checks in again from the new image — which is how the server learns the
 * new version (stock clients need no change: docs/device-contract.md). A check-in that reaches the server and
 * is told "nothing to do" confirms an image still on probation.
 *
 * <p>Time is the caller's: {@link #run} waits between polls through a {@link Pause}, which tests
 * replace with a virtual clock.
 */
public final class Device {

    /** Waits between polls; {@code Thread::sleep} for real, a counter in tests. */
    @FunctionalInterface
    public interface Pause {
        void pause(Duration duration) throws InterruptedException;
    }

    private final DeviceProfile profile;
    private final PullClient client;
    private final Board board;
    private final Identity identity;
    private final URI server;
    private final String product;
    private final Consumer<String> log;
    private Duration timeout = HttpUpdateClient.DEFAULT_TIMEOUT;
    private int resumeAttempts = IdfOtaClient.DEFAULT_ATTEMPTS;

    private Device(DeviceProfile profile, PullClient client, Board board, Identity identity, URI server, String product,
                   Consumer<String> log) {
        this.profile = profile;
        this.client = client;
        this.board = board;
        this.identity = identity;
        this.server = server;
        this.product = product;
        this.log = log;
    }

    /** A chip fresh from the factory with {@code firmware} flashed over serial, powered on. */
    public static Device boot(DeviceProfile profile, byte[] firmware, Identity identity, URI server, String product,
                              Consumer<String> log) {
        return boot(profile, PullClient.STOCK, firmware, identity, server, product, log);
    }

    /** Like {@link #boot(DeviceProfile, byte[], Identity, URI, String, Consumer)}, with firmware using {@code client}. */
    public static Device boot(DeviceProfile profile, PullClient client, byte[] firmware, Identity identity, URI server,
                              String product, Consumer<String> log) {
        Board board = Board.provisioned(client.bootloader(profile), firmware);
        Device device = new Device(profile, client, board, identity, server, product, log);
        if (!(board.state() instanceof BootResult.Booted)) {
            throw new IllegalArgumentException("the firmware does not boot on " + profile.id() + ": " + board.state());
        }
        log.accept("booted " + device.describe());
        return device;
    }

    /** The client's read timeout (stock 8000 ms); NONOS uses it as its check_times timer. */
    public Device timeout(Duration readTimeout) {
        this.timeout = readTimeout;
        return this;
    }

    /** {@link PullClient#ESP_HTTPS_OTA}: connections one update may use, resumes included ({@link IdfOtaClient#attempts}). */
    public Device attempts(int connections) {
        if (connections < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, was " + connections);
        }
        this.resumeAttempts = connections;
        return this;
    }

    /**
     * Installs {@code key} as the sketch's signing key ({@link Board#installPublicKey}): every
     * Updater path of this Arduino ESP8266 device then refuses images whose signature does not
     * verify with {@code ERROR[12]}.
     */
    public Device publicKey(org.updraft.core.sign.VerifyingKey key) {
        board.installPublicKey(key);
        log.accept("installed signing key " + key);
        return this;
    }

    public Board board() {
        return board;
    }

    public DeviceProfile profile() {
        return profile;
    }

    public PullClient client() {
        return client;
    }

    /** The running image's own version, if it carries one. */
    public String version() {
        return board.state() instanceof BootResult.Booted b ? FirmwareVersion.of(b.image()).orElse(null) : null;
    }

    /** The running image, byte for byte. */
    public byte[] running() {
        if (!(board.state() instanceof BootResult.Booted b)) {
            throw new IllegalStateException("nothing runs: " + board.state());
        }
        return b.image();
    }

    /**
     * One poll: check in; after an update the new image boots and checks in once more. Returns
     * the first attempt's outcome.
     */
    public UpdateOutcome checkIn() {
        UpdateOutcome outcome = attempt();
        if (outcome instanceof UpdateOutcome.Updated updated) {
            if (!(updated.booted() instanceof BootResult.Booted)) {
                log.accept("after reboot: " + updated.booted());
                return outcome;
            }
            log.accept("rebooted into " + describe());
            attempt();
        }
        return outcome;
    }

    /** Polls {@code cycles} times, pausing {@code poll} in between; returns the last outcome. */
    public UpdateOutcome run(int cycles, Duration poll, Pause pause) throws InterruptedException {
        UpdateOutcome last = null;
        for (int i = 0; i < cycles; i++) {
            if (i > 0) {
                pause.pause(poll);
            }
            last = checkIn();
        }
        return last;
    }

    private UpdateOutcome attempt() {
        String version = version();
        TransferListener listener = (status, length, slot) ->
                log.accept("checked in: " + (status == 0 ? "no status" : status) + ", writing " + length + " bytes to " + slot);
        UpdateOutcome outcome = client == PullClient.ESP_HTTPS_OTA
                ? IdfOtaClient.updraft(board, server, product, identity, version).timeout(timeout)
                        .attempts(resumeAttempts).listener(listener).update()
                : switch (profile) {
            case NONOS_512K -> NonosUpgradeClient.updraft(board, server, product, identity, version)
                    .timeouts(Duration.ofSeconds(10), timeout).listener(listener).upgrade();
            case ARDUINO_4M, ARDUINO_1M -> HttpUpdateClient.esp8266(board, identity).version(version).timeout(timeout)
                    .listener(listener).update(updateUrl());
            case ESP32_4M -> HttpUpdateClient.esp32(board, identity).version(version).timeout(timeout)
                    .listener(listener).update(updateUrl());
        };
        switch (outcome) {
            case UpdateOutcome.Updated u -> { }
            case UpdateOutcome.FilesystemWritten w -> { } // only FilesystemUpdateClient answers so
            case UpdateOutcome.NoUpdate n -> {
                log.accept("checked in: up to date (" + n.reason() + ")");
                Updater updater = board.updater();
                if (updater.pendingConfirm()) {
                    updater.confirm();
                    log.accept("confirmed " + describe());
                }
            }
            case UpdateOutcome.Failed f -> log.accept("update failed: " + f.code() + " " + f.message()
                    + "; still running " + describe());
        }
        return outcome;
    }

    private URI updateUrl() {
        String base = server.toString().replaceAll("/+$", "");
        return URI.create(base + "/u/" + product);
    }

    private String describe() {
        if (!(board.state() instanceof BootResult.Booted b)) {
            return board.state().toString();
        }
        String v = version();
        return b.slot().name() + " (sha256 " + b.sha256().substring(0, 12) + "…, version " + (v == null ? "unknown" : v) + ")";
    }
}
