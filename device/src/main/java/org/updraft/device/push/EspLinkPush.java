package org.updraft.device.push;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * esp-link's {@code wiflash} (jeelabs/esp-link {@code wiflash}) in Java: ask {@code GET /flash/next}
 * which build the device wants, {@code POST /flash/upload} it as the raw body, {@code GET
 * /flash/reboot}, wait, then poll {@code /flash/next} until it answers: success when it flipped
 * ("Success, took N seconds"), failure when it still names the same slot ("Flashing seems to have
 * failed and it reverted to the old firmware?") once the device has rebooted. Unlike wiflash it
 * waits for a slow reboot (esp-link answers from the old image for 2 s after {@code /flash/reboot})
 * and reports the device's own reason for a refused upload.
 */
public final class EspLinkPush {
    private final Http http;
    private final Duration timeout;
    private final Duration rebootWait;
    private final Duration pollInterval;

    /**
     * @param rebootWait how long to wait after {@code /flash/reboot} before polling (esp-link reboots
     *     2 s after answering; wiflash sleeps 2 s)
     * @param pollInterval pause between polls while the device is away (wiflash: 1 s)
     */
    public EspLinkPush(InetSocketAddress device, Duration timeout, Duration rebootWait, Duration pollInterval) {
        this.http = new Http(device, timeout);
        this.timeout = timeout;
        this.rebootWait = rebootWait;
        this.pollInterval = pollInterval;
    }

    /** {@code GET /flash/next}: "user1.bin" or "user2.bin". */
    public String next() throws PushFailure {
        Http.Answer r = http.get("/flash/next");
        String body = r.body().strip();
        if (r.status() != 200) {
            throw new PushFailure("device refused GET /flash/next: HTTP " + r.status() + " " + r.reason(),
                    r.status() >= 500);
        }
        if (!body.equals("user1.bin") && !body.equals("user2.bin")) {
            throw new PushFailure("GET /flash/next on " + http.where() + " answered '" + r.reason()
                    + "', expected user1.bin or user2.bin: is this an esp-link device?", false);
        }
        return body;
    }

    /**
     * Pushes {@code user1} or {@code user2}, whichever the device asks for; either may be null when
     * only one build is at hand (a refusal then names the one needed).
     *
     * <p>{@code /flash/reboot} is sent only after the upload was answered 200: esp-link flips to the
     * other slot whenever its first 32 bytes look like firmware, so a reboot after a refused or
     * broken upload would boot whatever that slot held before (docs/emulator-fidelity.md).
     */
    public Pushed push(byte[] user1, byte[] user2, LongConsumer progress) throws PushFailure {
        String next = next();
        byte[] image = next.equals("user1.bin") ? user1 : user2;
        if (image == null) {
            String running = next.equals("user1.bin") ? "user2" : "user1";
            throw new PushFailure("the device runs " + running + " and asks for " + next + ", but only the "
                    + (user1 == null ? "user2.bin" : "user1.bin") + " build was given; push the " + next
                    + " build (linked for that slot) instead", false);
        }
        // wiflash: curl -XPOST --data-binary "@$fw" "http://$hostname/flash/upload"
        Http.Answer up = http.post("/flash/upload", List.of("Content-Type: application/octet-stream"), image, progress);
        if (up.status() != 200) {
            // esp-link answers a refusal after the first 1024 bytes and closes: the reason is the body
            throw new PushFailure("device refused the upload: HTTP " + up.status() + " " + up.reason(),
                    up.status() >= 500);
        }
        Http.Answer reboot = http.get("/flash/reboot");
        if (reboot.status() != 200) {
            throw new PushFailure("device refused to reboot into the new image: HTTP " + reboot.status() + " "
                    + reboot.reason(), false);
        }
        Http.pause(rebootWait);
        // esp-link answers from the old image until its 2 s timer fires, then is away while it boots:
        // the old answer is final only once the device has been seen away, or at the deadline.
        Instant deadline = Instant.now().plus(timeout);
        PushFailure last = null;
        boolean away = false;
        while (true) {
            try {
                String after = next();
                if (!after.equals(next)) {
                    String running = next.replace(".bin", "");
                    return new Pushed("esp-link", image.length,
                            "/flash/next now answers " + after + ": the device runs " + running);
                }
                if (away || !Instant.now().isBefore(deadline)) {
                    throw new PushFailure("/flash/next still answers " + next + " after the reboot: flashing seems"
                            + " to have failed and the device reverted to the old firmware", false);
                }
            } catch (PushFailure e) {
                if (!e.retryable()) {
                    throw e;
                }
                away = true; // rebooting
                last = e;
                if (!Instant.now().isBefore(deadline)) {
                    throw new PushFailure("the device did not come back within " + timeout.toSeconds()
                            + " s after the reboot: " + last.getMessage(), true);
                }
            }
            Http.pause(pollInterval);
        }
    }
}
