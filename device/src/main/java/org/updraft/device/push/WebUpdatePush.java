package org.updraft.device.push;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;
import java.util.function.LongConsumer;

/**
 * The browser form of ESP8266HTTPUpdateServer, as a client: a {@code multipart/form-data}
 * {@code POST <path>} with the image in field {@code firmware}. The page answers 200 whether the
 * update worked or not, so the body decides: {@code "Update Success! Rebooting..."} or
 * {@code "Update error: ERROR[n]: …"}. A 401 is a wrong or missing user/password. After a success the
 * client waits until {@code GET <path>} answers 200 again: the device rebooted and its update
 * server is back.
 */
public final class WebUpdatePush {
    private final Http http;
    private final String path;
    private final String authorization;
    private final Duration timeout;
    private final Duration pollInterval;

    /** @param user and {@code password}: HTTP basic credentials, or null for none */
    public WebUpdatePush(InetSocketAddress device, String path, String user, String password, Duration timeout,
                         Duration pollInterval) {
        this.http = new Http(device, timeout);
        this.path = path;
        this.authorization = user == null && password == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(((user == null ? "" : user) + ":"
                        + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8));
        this.timeout = timeout;
        this.pollInterval = pollInterval;
    }

    public Pushed push(byte[] image, String filename, LongConsumer progress) throws PushFailure {
        String boundary = "----updraft" + UUID.randomUUID().toString().replace("-", "");
        ByteArrayOutputStream body = new ByteArrayOutputStream(image.length + 256);
        body.writeBytes(("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"firmware\"; filename=\"" + filename.replace("\"", "") + "\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(image);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        java.util.List<String> headers = new java.util.ArrayList<>();
        headers.add("Content-Type: multipart/form-data; boundary=" + boundary);
        if (authorization != null) {
            headers.add("Authorization: " + authorization);
        }
        Http.Answer r = http.post(path, headers, body.toByteArray(), progress);
        if (r.status() == 401) {
            throw new PushFailure("the device refused the credentials: HTTP 401"
                    + realm(r) + (authorization == null ? "; give --user and --password" : "; check --user and --password"),
                    false);
        }
        if (r.status() != 200) {
            throw new PushFailure("POST " + path + " answered HTTP " + r.status() + " " + r.reason()
                    + (r.status() == 404 ? " (is the update page at another path? --path)" : ""), r.status() >= 500);
        }
        String text = r.body();
        if (text.startsWith("Update error: ")) {
            throw new PushFailure("the device refused the image: " + text.strip(), false);
        }
        if (!text.contains("Update Success! Rebooting...")) {
            throw new PushFailure("unexpected answer from POST " + path + ": " + Http.firstLine(text), false);
        }
        Instant deadline = Instant.now().plus(timeout);
        PushFailure last = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                Http.Answer page = authorization == null ? http.get(path)
                        : http.get(path, "Authorization: " + authorization);
                if (page.status() == 200) {
                    return new Pushed("web", image.length,
                            "\"Update Success! Rebooting...\", and GET " + path + " answers 200 again after the reboot");
                }
                last = new PushFailure("GET " + path + " answered HTTP " + page.status(), true);
            } catch (PushFailure e) {
                last = e;
            }
            Http.pause(pollInterval);
        }
        throw new PushFailure("the device accepted the image but its update page did not come back within "
                + timeout.toSeconds() + " s" + (last == null ? "" : ": " + last.getMessage()), false);
    }

    private static String realm(Http.Answer r) {
        return r.header("WWW-Authenticate").map(v -> " (" + v + ")").orElse("");
    }
}
