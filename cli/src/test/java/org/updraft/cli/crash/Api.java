package org.updraft.cli.crash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.updraft.testsupport.Multipart;

/**
 * The harness's client side: management calls with a bearer token (JSON and multipart), and device
 * check-ins as the stock ESP8266httpUpdate sends them (HTTP/1.0, Connection: close, the full
 * x-ESP8266-* header set) over a raw socket. An {@link IOException} means no answer arrived.
 */
final class Api {

    static final ObjectMapper JSON = new ObjectMapper();

    /** An answer: status, body, and (check-ins) the headers, names lower-cased. */
    record Answer(int status, byte[] body, Map<String, String> headers) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("answer " + status + " is not JSON: " + text(), e);
            }
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    Api(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    Answer get(String path) throws IOException {
        return send(request(path).GET());
    }

    Answer post(String path, Object json) throws IOException {
        return send(request(path).header("Content-Type", "application/json").POST(body(json)));
    }

    Answer put(String path, Object json) throws IOException {
        return send(request(path).header("Content-Type", "application/json").PUT(body(json)));
    }

    Answer delete(String path) throws IOException {
        return send(request(path).DELETE());
    }

    /** A release upload: multipart/form-data with version, hold and one firmware part. */
    Answer upload(String product, String version, boolean hold, byte[] firmware) throws IOException {
        Multipart form = new Multipart().field("version", version).field("hold", Boolean.toString(hold))
                .file("firmware", "fw.bin", firmware);
        return send(request("/api/v1/products/" + product + "/releases")
                .header("Content-Type", form.contentType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(form.body())));
    }

    /** The device's report (open endpoint, as firmware would send it). */
    Answer report(String product, String mac, String status, String version) throws IOException {
        return send(HttpRequest.newBuilder(base.resolve("/u/" + product + "/report")).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .POST(body(Map.of("mac", mac, "status", status, "version", version))));
    }

    /** One ESP8266httpUpdate check-in (the stock client's exact request), the body read to its Content-Length. */
    Answer checkIn(String product, String mac, long sketchSize, String md5, String version) throws IOException {
        String req = "GET /u/" + product + " HTTP/1.0\r\n"
                + "Host: " + base.getHost() + ":" + base.getPort() + "\r\n"
                + "User-Agent: ESP8266-http-Update\r\n"
                + "Connection: close\r\n"
                + "x-ESP8266-Chip-ID: 15602487\r\n"
                + "x-ESP8266-STA-MAC: " + mac + "\r\n"
                + "x-ESP8266-AP-MAC: " + mac + "\r\n"
                + "x-ESP8266-free-space: 1000000\r\n"
                + "x-ESP8266-sketch-size: " + sketchSize + "\r\n"
                + "x-ESP8266-sketch-md5: " + md5 + "\r\n"
                + "x-ESP8266-chip-size: 4194304\r\n"
                + "x-ESP8266-sdk-version: 2.5.0\r\n"
                + "x-ESP8266-mode: sketch\r\n"
                + "x-ESP8266-version: " + version + "\r\n"
                + "Content-Length: 0\r\n"
                + "\r\n";
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(req.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String status = line(in);
            if (status == null || !status.startsWith("HTTP/1.")) {
                throw new IOException("no status line (got " + status + ")");
            }
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
            }
            String cl = headers.get("content-length");
            byte[] body = cl == null ? in.readAllBytes() : in.readNBytes(Integer.parseInt(cl));
            if (cl != null && body.length != Integer.parseInt(cl)) {
                throw new IOException("body ended after " + body.length + " of " + cl + " bytes");
            }
            return new Answer(Integer.parseInt(status.split(" ")[1]), body, headers);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                return b.toString().replace("\r", "");
            }
            b.append((char) c);
        }
        return b.isEmpty() ? null : b.toString();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + token);
    }

    private static HttpRequest.BodyPublisher body(Object json) {
        try {
            return HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(json));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Answer send(HttpRequest.Builder b) throws IOException {
        try {
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Answer(r.statusCode(), r.body(), Map.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
