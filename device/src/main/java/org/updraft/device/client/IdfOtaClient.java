package org.updraft.device.client;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.SlotWriter;
import org.updraft.device.boot.StagedImage;
import org.updraft.device.boot.UpdateException;
import org.updraft.device.boot.Updater;

/**
 * An ESP-IDF application updating itself with {@code esp_https_ota} (IDF
 * {@code components/esp_https_ota/src/esp_https_ota.c}, {@code esp_http_client.c},
 * {@code app_update/esp_ota_ops.c}; what Updraft answers: docs/device-contract.md) against Updraft, over a
 * plain socket:
 * <ul>
 *   <li><b>Request</b>: a plain {@code esp_http_client} GET, {@code HTTP/1.1}; {@code esp_http_client_init}
 *       sets "{@code User-Agent}" ({@code DEFAULT_HTTP_USER_AGENT}, "ESP32 HTTP Client/1.0") then
 *       "{@code Host}" ({@code _get_host_header}: ":port" unless 80/443); no Content-Length for a GET
 *       ({@code http_client_prepare_first_line}: "{@code if (write_len != 0 || length_required)}").
 *       The application builds the URL: {@code /u/{product}?mac=…&version=…}.</li>
 *   <li><b>Status</b> ({@code _http_handle_response_code}): 304 is {@code ESP_ERR_HTTP_NOT_MODIFIED}
 *       ({@link UpdateOutcome.NoUpdate}); 4xx "Client error" and 5xx "Server error" are
 *       {@code ESP_FAIL}; 3xx would be followed by esp_http_client, but Updraft never redirects, so
 *       the model refuses one rather than pretend.</li>
 *   <li><b>Header checks</b> on the first 24+8+256 bytes ({@code esp_image_header_t},
 *       {@code esp_image_segment_header_t}, {@code esp_app_desc_t}): the application's
 *       {@code validate_image_header} (advanced_https_ota example: "Current running version is the
 *       same as a new. We will not continue the update.", {@code ESP_FAIL}), then
 *       {@code esp_ota_verify_chip_id} ("Mismatch chip id", {@code ESP_ERR_INVALID_VERSION}), then
 *       {@code esp_ota_write}'s magic check ("OTA image has invalid magic byte",
 *       {@code ESP_ERR_OTA_VALIDATE_FAILED}).</li>
 *   <li><b>Write</b>: {@code esp_ota_begin} on {@code esp_ota_get_next_update_partition}, the body
 *       streamed into the Board's {@link SlotWriter}; {@code esp_ota_end} validates checksum and
 *       SHA-256 ({@code ESP_ERR_OTA_VALIDATE_FAILED}); {@code esp_ota_set_boot_partition} writes
 *       otadata; {@code esp_restart()}. With rollback enabled ({@code IdfOtaData}) the new app then
 *       runs PENDING_VERIFY until it confirms.</li>
 *   <li><b>Resume</b> (esp_https_ota's {@code ota_resumption}: "{@code Range: bytes=%d-}" from the
 *       bytes already written, which needs a 206): on a drop or stall the client reconnects, up to
 *       {@link #attempts(int)} connections in all, asking for the rest. A 206 must carry
 *       {@code Content-Range: bytes N-(total-1)/total} for exactly the missing bytes. The request
 *       also carries {@code If-Range: <ETag>} from the first answer — not stock: an Updraft-aware
 *       application adds it with {@code esp_http_client_set_header} in its
 *       {@code http_client_init_cb} — so if the release changed meanwhile the server answers 200
 *       with the whole new image and the client restarts from 0 instead of splicing two images
 *       (which {@code esp_ota_end}'s SHA-256 check would only catch after the full download).
 *       Resumption across a reboot (IDF keeps the offset in NVS) is not modelled.</li>
 *   <li><b>Partial download</b> ({@link #partial}: {@code esp_https_ota_config_t.partial_http_download}
 *       with {@code max_http_request_size}): {@code esp_https_ota_begin} first asks
 *       {@code HEAD} for the image length (a non-200 answer: {@code GET} with
 *       "{@code Range: bytes=0-0}"; neither 200 nor 206: "Received incorrect http status",
 *       {@code ESP_FAIL} — a 304 too), closes that connection ({@code esp_http_client_close}),
 *       then fetches the image in requests of at most {@code max} bytes: "{@code bytes=N-(N+max-1)}"
 *       while more than {@code max} bytes are left, "{@code bytes=N-}" for the rest, and no
 *       {@code Range} at all when the whole image fits in the first request. Every request is the
 *       same bytes as above (HTTP/1.1, no {@code Connection} header). Between requests,
 *       {@code esp_https_ota_perform} keeps the connection when
 *       {@code esp_http_client_is_persistent_connection} says the answer allowed it (no
 *       {@code Connection: close}) — {@link #keepAlive} true, what current IDF does; false models
 *       a release that closes before every chunk ({@code keep_alive_enable} itself only turns on
 *       TCP keep-alive probes, nothing on the wire). A drop or an error status in the middle is
 *       {@code ESP_FAIL} ("Connection closed before complete data was received!"): partial
 *       download does not resume. The model checks each 206 ({@code Content-Range} and
 *       {@code ETag} of the HEAD's image) where the real client would write whatever came.</li>
 * </ul>
 * A failure anywhere leaves the running app and otadata untouched; nothing is activated before
 * {@code esp_ota_end} has validated the whole image.
 *
 * <p>One class because it is one upstream flow, {@code esp_https_ota} over {@code esp_http_client}
 * (whole and partial downloads, keep-alive, the image checks of {@code esp_ota_end}), followed
 * step by step in the order the original runs it so that a reader can compare the two.
 */
public final class IdfOtaClient {
    /** {@code esp_http_client.c}: {@code #define DEFAULT_HTTP_USER_AGENT "ESP32 HTTP Client/1.0"}. */
    static final String USER_AGENT = "ESP32 HTTP Client/1.0";
    /** {@code sizeof(esp_image_header_t) + sizeof(esp_image_segment_header_t) + sizeof(esp_app_desc_t)}. */
    static final int IMAGE_HEADER_SIZE = 24 + 8 + 256;
    /** Where {@code esp_app_desc_t.version[32]} sits in the file: after both headers, magic, secure_version, reserv. */
    static final int APP_VERSION_AT = 24 + 8 + 16;

    // esp_err.h, esp_http_client.h, esp_ota_ops.h
    static final int ESP_FAIL = -1;
    static final int ESP_ERR_INVALID_SIZE = 0x104;
    static final int ESP_ERR_INVALID_VERSION = 0x10A;
    static final int ESP_ERR_HTTP_CONNECT = 0x7002;
    static final int ESP_ERR_HTTP_FETCH_HEADER = 0x7004;
    static final int ESP_ERR_OTA_VALIDATE_FAILED = 0x1503;

    /** {@code esp_http_client}'s {@code DEFAULT_TIMEOUT_MS}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(5000);
    /** Connections per update, the first included. */
    public static final int DEFAULT_ATTEMPTS = 5;

    private final Board board;
    private final URI url;
    private final Duration timeout;
    private final int attempts;
    private final TransferListener listener;
    /** {@code max_http_request_size} of a partial download; 0: {@code partial_http_download} off. */
    private final int chunk;
    /** Whether a partial download sends its next request on a connection the server left open. */
    private final boolean keepAlive;

    private IdfOtaClient(Board board, URI url, Duration timeout, int attempts, TransferListener listener, int chunk,
                         boolean keepAlive) {
        this.board = board;
        this.url = url;
        this.timeout = timeout;
        this.attempts = attempts;
        this.listener = listener;
        this.chunk = chunk;
        this.keepAlive = keepAlive;
    }

    /** {@code esp_https_ota(&config)} with {@code config.http_config->url = url}. */
    public static IdfOtaClient of(Board board, URI url) {
        return new IdfOtaClient(board, url, DEFAULT_TIMEOUT, DEFAULT_ATTEMPTS, TransferListener.NONE, 0, true);
    }

    /** An application that asks Updraft: {@code /u/{product}?mac=..&version=..}. */
    public static IdfOtaClient updraft(Board board, URI server, String product, Identity identity, String version) {
        String base = server.toString().replaceAll("/+$", "");
        return of(board, URI.create(base + "/u/" + product + "?mac=" + identity.staMac()
                + (version == null ? "" : "&version=" + URLEncoder.encode(version, StandardCharsets.UTF_8))));
    }

    /** {@code http_config.timeout_ms}: connect and every read. */
    public IdfOtaClient timeout(Duration readTimeout) {
        return new IdfOtaClient(board, url, readTimeout, attempts, listener, chunk, keepAlive);
    }

    /** How many connections one update may use, the first included (at least 1). */
    public IdfOtaClient attempts(int connections) {
        if (connections < 1) {
            throw new IllegalArgumentException("attempts must be at least 1, was " + connections);
        }
        return new IdfOtaClient(board, url, timeout, connections, listener, chunk, keepAlive);
    }

    /** Told when a body (whole or remaining part) starts going to flash. */
    public IdfOtaClient listener(TransferListener transferListener) {
        return new IdfOtaClient(board, url, timeout, attempts, transferListener, chunk, keepAlive);
    }

    /**
     * {@code partial_http_download = true, max_http_request_size = maxRequestSize}: the image in
     * requests of at most that many bytes (at least the {@value #IMAGE_HEADER_SIZE} header bytes the
     * checks read from the first one; IDF's default is 64 KiB).
     */
    public IdfOtaClient partial(int maxRequestSize) {
        if (maxRequestSize < IMAGE_HEADER_SIZE) {
            throw new IllegalArgumentException("max_http_request_size must be at least " + IMAGE_HEADER_SIZE
                    + " bytes (the image header the checks read from the first request), was " + maxRequestSize);
        }
        return new IdfOtaClient(board, url, timeout, attempts, listener, maxRequestSize, keepAlive);
    }

    /**
     * Whether a partial download reuses a connection whose answer did not say {@code Connection:
     * close} (true, the default: current esp_https_ota) or opens one per request (false).
     */
    public IdfOtaClient keepAlive(boolean reuse) {
        return new IdfOtaClient(board, url, timeout, attempts, listener, chunk, reuse);
    }

    public URI url() {
        return url;
    }

    /**
     * The exact request bytes: from byte {@code from} on (0: the whole image, no Range), with
     * {@code If-Range} when {@code etag} is not null.
     */
    public String request(long from, String etag) {
        return request("GET", from > 0 ? "bytes=" + from + "-" : null, etag);
    }

    /** The exact request bytes of {@code method} with {@code Range: <range>} (none when null) and {@code If-Range} when {@code etag} is not null. */
    String request(String method, String range, String etag) {
        StringBuilder r = new StringBuilder();
        r.append(method).append(' ').append(HttpUpdateClient.pathOf(url)).append(" HTTP/1.1\r\n");
        r.append("User-Agent: ").append(USER_AGENT).append("\r\n");
        int port = HttpUpdateClient.port(url);
        r.append("Host: ").append(url.getHost()).append(port == 80 || port == 443 ? "" : ":" + port).append("\r\n");
        if (range != null) {
            r.append("Range: ").append(range).append("\r\n");
            if (etag != null) {
                r.append("If-Range: ").append(etag).append("\r\n");
            }
        }
        return r.append("\r\n").toString();
    }

    /** {@code esp_https_ota()}: updated and rebooted, not modified, or failed with the running app kept. */
    public UpdateOutcome update() {
        if (!(board.state() instanceof BootResult.Booted running)) {
            throw new IllegalStateException("no app is running: " + board.state());
        }
        if (chunk > 0) {
            return new Partial(running).update();
        }
        Download download = null;
        String lastDrop = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Step step = exchange(running, download, attempt);
            switch (step) {
                case Step.Done done -> {
                    return done.outcome();
                }
                case Step.Dropped dropped -> {
                    download = dropped.download();
                    lastDrop = dropped.why();
                }
            }
        }
        return new UpdateOutcome.Failed(ESP_FAIL, lastDrop + "; gave up after " + attempts + " connection"
                + (attempts == 1 ? "" : "s"));
    }

    /** One connection (the {@code attempt}-th): the whole image, or (when {@code download} holds bytes) the rest of it. */
    private Step exchange(BootResult.Booted running, Download download, int attempt) {
        long from = download == null ? 0 : download.writer().received();
        int millis = (int) Math.max(1, timeout.toMillis());
        listener.connected(attempt);
        try (Socket socket = new Socket()) {
            try {
                socket.connect(new InetSocketAddress(url.getHost(), HttpUpdateClient.port(url)), millis);
                socket.setSoTimeout(millis);
                OutputStream out = socket.getOutputStream();
                out.write(request(from, download == null ? null : download.etag()).getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException e) {
                return download == null
                        ? done(ESP_ERR_HTTP_CONNECT, "Failed to open HTTP connection: " + e.getMessage())
                        : new Step.Dropped(download, "reconnect failed: " + e.getMessage());
            }
            InputStream in = new BufferedInputStream(socket.getInputStream(), 1460);
            ResponseHead head;
            try {
                head = ResponseHead.read(in);
            } catch (ResponseHead.ClientError e) {
                return download == null
                        ? done(ESP_ERR_HTTP_FETCH_HEADER, "esp_http_client_fetch_headers: " + e.getMessage())
                        : new Step.Dropped(download, "no response head on reconnect: " + e.getMessage());
            }
            int status = head.status();
            if (status == 304) {
                return new Step.Done(new UpdateOutcome.NoUpdate("304 Not Modified (ESP_ERR_HTTP_NOT_MODIFIED)"));
            }
            if (status == 206) {
                return download == null
                        ? done(ESP_FAIL, "206 Partial Content to a request without Range")
                        : resume(in, head, download);
            }
            if (status >= 200 && status < 300) {
                return whole(in, head, running, download != null);
            }
            if (status >= 300 && status < 400) {
                return done(ESP_FAIL, "HTTP " + status + ": esp_http_client would follow the redirect, but Updraft"
                        + " never redirects; not modelled");
            }
            if (status == 416) {
                return done(ESP_FAIL, "Range Not Satisfiable (416)");
            }
            return done(ESP_FAIL, (status >= 500 ? "Server error (" : "Client error (") + status + ")");
        } catch (IOException e) {
            return done(ESP_FAIL, "connection error: " + e.getMessage());
        }
    }

    /** A 200: the whole image from byte 0 — the first answer, or the one an If-Range mismatch brings. */
    private Step whole(InputStream in, ResponseHead head, BootResult.Booted running, boolean restart) throws IOException {
        int total = head.size();
        if (total <= 0) {
            return done(ESP_FAIL, "no Content-Length (chunked and unsized bodies are not modelled)");
        }
        // esp_https_ota_get_img_desc / read_header: "Complete headers were not received" -> ESP_FAIL
        byte[] header = new byte[Math.min(IMAGE_HEADER_SIZE, total)];
        int got = readFully(in, header);
        if (got < header.length) {
            return new Step.Dropped(null, "Complete headers were not received (" + got + " of " + header.length + " bytes)");
        }
        UpdateOutcome.Failed refused = refuse(header, running.image());
        if (refused != null) {
            return new Step.Done(refused);
        }
        Updater updater = board.updater();
        SlotWriter writer;
        try {
            writer = updater.begin(total); // esp_ota_begin(update_partition, image_length, &handle)
        } catch (UpdateException e) {
            return done(ESP_ERR_INVALID_SIZE, "esp_ota_begin: " + e.getMessage());
        }
        String etag = head.header("ETag");
        Download download = new Download(updater, writer, total, etag.isEmpty() ? null : etag);
        listener.writing(head.status(), total, writer.region().name() + (restart ? " (the image changed: restarted from 0)" : ""));
        try {
            writer.write(header, 0, header.length);
        } catch (UpdateException e) {
            return done(ESP_FAIL, "esp_ota_write: " + e.getMessage());
        }
        return body(in, download);
    }

    /** A 206 to {@code Range: bytes=N-}: exactly the missing bytes of the same image, or nothing. */
    private Step resume(InputStream in, ResponseHead head, Download download) throws IOException {
        long from = download.writer().received();
        String expected = "bytes " + from + "-" + (download.total() - 1) + "/" + download.total();
        String range = head.header("Content-Range");
        if (!range.equals(expected) || head.size() != download.total() - from) {
            return done(ESP_FAIL, "206 with Content-Range '" + range + "' and Content-Length " + head.size()
                    + " does not continue the download (expected '" + expected + "')");
        }
        String etag = head.header("ETag");
        if (download.etag() != null && !etag.isEmpty() && !etag.equals(download.etag())) {
            return done(ESP_FAIL, "206 for another image: ETag " + etag + ", resuming " + download.etag());
        }
        listener.writing(206, download.total() - (int) from, download.writer().region().name() + " from byte " + from);
        return body(in, download);
    }

    /** Streams into the slot until the image is complete, then esp_ota_end, set_boot_partition, restart. */
    private Step body(InputStream in, Download download) {
        SlotWriter writer = download.writer();
        byte[] buf = new byte[1460];
        try {
            while (writer.received() < download.total()) {
                int n = in.read(buf, 0, Math.min(buf.length, download.total() - writer.received()));
                if (n < 0) {
                    return new Step.Dropped(download, "connection closed after " + writer.received() + " of "
                            + download.total() + " bytes");
                }
                writer.write(buf, 0, n); // esp_ota_write
            }
        } catch (IOException e) {
            return new Step.Dropped(download, "connection lost after " + writer.received() + " of " + download.total()
                    + " bytes (" + e.getClass().getSimpleName() + ")");
        } catch (UpdateException e) {
            return done(ESP_FAIL, "esp_ota_write: " + e.getMessage());
        }
        StagedImage staged;
        try {
            staged = writer.finish(); // esp_ota_end: esp_image_verify (checksum, appended SHA-256)
        } catch (UpdateException e) {
            return done(ESP_ERR_OTA_VALIDATE_FAILED, "esp_ota_end: " + e.getMessage());
        }
        download.updater().activate(staged); // esp_ota_set_boot_partition
        BootResult booted = board.reset(); // esp_restart()
        return new Step.Done(new UpdateOutcome.Updated(staged, booted));
    }

    /**
     * The header checks, in esp_https_ota's order: the app's version check, the chip id, the
     * magic byte. Null when the image may be written.
     */
    static UpdateOutcome.Failed refuse(byte[] header, byte[] running) {
        // validate_image_header: memcmp(new_app_info->version, running_app_info.version, sizeof(version))
        if (header.length >= APP_VERSION_AT + 32 && running.length >= APP_VERSION_AT + 32
                && Arrays.equals(header, APP_VERSION_AT, APP_VERSION_AT + 32, running, APP_VERSION_AT, APP_VERSION_AT + 32)) {
            return new UpdateOutcome.Failed(ESP_FAIL, "Current running version is the same as a new. We will not continue the update.");
        }
        // esp_ota_verify_chip_id: "if (data->chip_id != CONFIG_IDF_FIRMWARE_CHIP_ID)"
        int chip = chipId(header);
        int expected = chipId(running);
        if (chip != expected) {
            return new UpdateOutcome.Failed(ESP_ERR_INVALID_VERSION, "Mismatch chip id, expected " + expected + ", found " + chip);
        }
        // esp_ota_write: "if (... data_bytes[0] != ESP_IMAGE_HEADER_MAGIC)"
        if ((header[0] & 0xFF) != 0xE9) {
            return new UpdateOutcome.Failed(ESP_ERR_OTA_VALIDATE_FAILED,
                    String.format("OTA image has invalid magic byte (expected 0xE9, saw 0x%02x)", header[0] & 0xFF));
        }
        return null;
    }

    /** {@code esp_image_header_t.chip_id}: u16 at file offset 12 (8-byte header + 4 in the extended header). */
    private static int chipId(byte[] image) {
        return image.length < 14 ? -1 : (image[12] & 0xFF) | (image[13] & 0xFF) << 8;
    }

    private static int readFully(InputStream in, byte[] into) {
        int got = 0;
        try {
            while (got < into.length) {
                int n = in.read(into, got, into.length - got);
                if (n < 0) {
                    break;
                }
                got += n;
            }
        } catch (IOException e) {
            // a drop or a stall inside the header: what arrived is all there is
        }
        return got;
    }

    /**
     * One partial download ({@link #partial}): HEAD for the length, then the image in requests of
     * at most {@link #chunk} bytes, on one connection while the server keeps it and
     * {@link #keepAlive} is on, else one connection per request.
     */
    private final class Partial {
        private final BootResult.Booted running;
        private final int millis = (int) Math.max(1, timeout.toMillis());
        private Socket socket;
        private InputStream in;
        private int connections;

        Partial(BootResult.Booted running) {
            this.running = running;
        }

        UpdateOutcome update() {
            try {
                return download();
            } finally {
                disconnect();
            }
        }

        private UpdateOutcome download() {
            int total;
            String etag;
            try {
                // esp_https_ota_begin: esp_http_client_perform(HEAD); not 200 -> GET "bytes=0-0".
                ResponseHead head = send(request("HEAD", null, null));
                if (head.status() != 200) {
                    head = send(request("GET", "bytes=0-0", null));
                    skip(head);
                }
                if (head.status() == 200) {
                    total = head.size();
                } else if (head.status() == 206) {
                    total = ResponseHead.toInt(head.header("Content-Range").replaceFirst("^.*/", ""));
                } else {
                    return new UpdateOutcome.Failed(ESP_FAIL, "Received incorrect http status " + head.status());
                }
                etag = head.header("ETag");
            } catch (IOException | ResponseHead.ClientError e) {
                return new UpdateOutcome.Failed(ESP_FAIL, "ESP HTTP client perform failed: " + e.getMessage());
            }
            if (total <= 0) {
                return new UpdateOutcome.Failed(ESP_FAIL, "Failed to get image length from http response");
            }
            disconnect(); // esp_http_client_close after the length is known
            Download download = null;
            int written = 0;
            while (written < total) {
                String range = written == 0
                        ? (total > chunk ? "bytes=0-" + (chunk - 1) : null)
                        : (total - written > chunk ? "bytes=" + written + "-" + (written + chunk - 1) : "bytes=" + written + "-");
                int last = range == null ? total - 1 : Math.min(written + chunk, total) - 1;
                ResponseHead h;
                try {
                    h = send(request("GET", range, null));
                } catch (IOException | ResponseHead.ClientError e) {
                    return new UpdateOutcome.Failed(ESP_FAIL, "Failed to establish HTTP connection for bytes " + written + "-"
                            + last + ": " + e.getMessage());
                }
                int status = h.status();
                if (status >= 400) {
                    return new UpdateOutcome.Failed(ESP_FAIL, (status >= 500 ? "Server error (" : "Client error (") + status + ")");
                }
                String expected = "bytes " + written + "-" + last + "/" + total;
                if (range == null ? status != 200 || h.size() != total
                        : status != 206 || !h.header("Content-Range").equals(expected) || h.size() != last - written + 1) {
                    return new UpdateOutcome.Failed(ESP_FAIL, "HTTP " + status + " with Content-Range '" + h.header("Content-Range")
                            + "' and Content-Length " + h.size() + " to Range " + range + " (expected '" + expected + "')");
                }
                if (!etag.isEmpty() && !h.header("ETag").isEmpty() && !h.header("ETag").equals(etag)) {
                    return new UpdateOutcome.Failed(ESP_FAIL, "bytes " + written + "-" + last + " of another image: ETag "
                            + h.header("ETag") + ", downloading " + etag);
                }
                byte[] body = new byte[last - written + 1];
                int got = readFully(in, body);
                if (got < body.length) {
                    return new UpdateOutcome.Failed(ESP_FAIL, "Connection closed before complete data was received! ("
                            + (written + got) + " of " + total + " bytes)");
                }
                if (download == null) {
                    UpdateOutcome.Failed refused = refuse(Arrays.copyOf(body, Math.min(IMAGE_HEADER_SIZE, body.length)), running.image());
                    if (refused != null) {
                        return refused;
                    }
                    Updater updater = board.updater();
                    try {
                        download = new Download(updater, updater.begin(total), total, etag.isEmpty() ? null : etag);
                    } catch (UpdateException e) {
                        return new UpdateOutcome.Failed(ESP_ERR_INVALID_SIZE, "esp_ota_begin: " + e.getMessage());
                    }
                    listener.writing(status, total, download.writer().region().name() + " in requests of " + chunk + " bytes");
                }
                try {
                    download.writer().write(body, 0, body.length); // esp_ota_write
                } catch (UpdateException e) {
                    return new UpdateOutcome.Failed(ESP_FAIL, "esp_ota_write: " + e.getMessage());
                }
                written += body.length;
                if (!keepAlive || h.header("Connection").equalsIgnoreCase("close")) {
                    disconnect();
                }
            }
            disconnect();
            StagedImage staged;
            try {
                staged = download.writer().finish(); // esp_ota_end
            } catch (UpdateException e) {
                return new UpdateOutcome.Failed(ESP_ERR_OTA_VALIDATE_FAILED, "esp_ota_end: " + e.getMessage());
            }
            download.updater().activate(staged); // esp_ota_set_boot_partition
            return new UpdateOutcome.Updated(staged, board.reset());
        }

        /** Sends {@code request} on the open connection, or a new one; reads the answer's head. */
        private ResponseHead send(String request) throws IOException, ResponseHead.ClientError {
            if (socket == null) {
                socket = new Socket();
                socket.connect(new InetSocketAddress(url.getHost(), HttpUpdateClient.port(url)), millis);
                socket.setSoTimeout(millis);
                in = new BufferedInputStream(socket.getInputStream(), 1460);
                listener.connected(++connections);
            }
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            ResponseHead head = ResponseHead.read(in);
            if (request.startsWith("HEAD ") && head.header("Connection").equalsIgnoreCase("close")) {
                disconnect();
            }
            return head;
        }

        /** Reads and drops the body of {@code head} (esp_http_client_perform reads it), closing when the server closes. */
        private void skip(ResponseHead head) throws IOException {
            int length = Math.max(0, head.size());
            if (length > 0 && in.readNBytes(length).length < length) {
                disconnect();
            }
            if (head.header("Connection").equalsIgnoreCase("close")) {
                disconnect();
            }
        }

        private void disconnect() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException e) {
                    // closing: nothing more to do
                }
                socket = null;
                in = null;
            }
        }
    }

    private static Step done(int code, String message) {
        return new Step.Done(new UpdateOutcome.Failed(code, message));
    }

    /** An image being written: where, how long, and the validator to resume it with. */
    private record Download(Updater updater, SlotWriter writer, int total, String etag) {
    }

    /** What one connection led to. */
    private sealed interface Step {
        /** The update is over, one way or the other. */
        record Done(UpdateOutcome outcome) implements Step {
        }

        /** The connection broke; {@code download} (null: nothing written yet) may be resumed. */
        record Dropped(Download download, String why) implements Step {
        }
    }
}
