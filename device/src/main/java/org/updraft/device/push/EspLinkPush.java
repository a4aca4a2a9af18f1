package org.updraft.device.push;

import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.function.LongConsumer;

/**
 * esp-link's {@code wiflash} (jeelabs/esp-link {@code wiflash}) in Java: ask {@code GET /flash/next}
 * which build the device wants, {@code POST /flash/upload} it as the raw body, {@code GET
 * /flash/reboot}, wait, then poll {@code /flash/next} until it answers: success when it flipped
 * ("Success, took N seconds"), failure when it still names the same slot ("Flashing seems to have
 * failed and it reverted to the old firmware?").
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
        HttpResponse<String> r = http.send(http.request("/flash/next").GET().build());
        String body = r.body().strip();
        if (r.statusCode() != 200) {
            throw new PushFailure("device refused GET /flash/next: HTTP " + r.statusCode() + " " + Http.firstLine(body),
                    r.statusCode() >= 500);
        }
        if (!body.equals("user1.bin") && !body.equals("user2.bin")) {
            throw new PushFailure("GET /flash/next on " + http.where() + " answered '" + Http.firstLine(body)
                    + "', expected user1.bin or user2.bin: is this an esp-link device?", false);
        }
        return body;
    }

    /**
     * Pushes {@code user1} or {@code user2}, whichever the device asks for; either may be null when
     * only one build is at hand (a refusal then names the one needed).
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
        HttpResponse<String> up = http.send(http.request("/flash/upload")
                .header("Content-Type", "application/octet-stream")
                .POST(Http.counted(image, progress)).build());
        if (up.statusCode() != 200) {
            throw new PushFailure("device refused the upload: HTTP " + up.statusCode() + " " + Http.firstLine(up.body()),
                    up.statusCode() >= 500);
        }
        HttpResponse<String> reboot = http.send(http.request("/flash/reboot").GET().build());
        if (reboot.statusCode() != 200) {
            throw new PushFailure("device refused to reboot into the new image: HTTP " + reboot.statusCode() + " "
                    + Http.firstLine(reboot.body()), false);
        }
        Http.pause(rebootWait);
        Instant deadline = Instant.now().plus(timeout);
        PushFailure last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                String after = next();
                if (after.equals(next)) {
                    throw new PushFailure("/flash/next still answers " + next + " after the reboot: flashing seems"
                            + " to have failed and the device reverted to the old firmware", false);
                }
                String running = next.replace(".bin", "");
                return new Pushed("esp-link", image.length,
                        "/flash/next now answers " + after + ": the device runs " + running);
            } catch (PushFailure e) {
                if (!e.retryable()) {
                    throw e;
                }
                last = e; // still rebooting
                Http.pause(pollInterval);
            }
        }
        throw new PushFailure("the device did not come back within " + timeout.toSeconds() + " s after the reboot"
                + (last == null ? "" : ": " + last.getMessage()), true);
    }
}
