package org.updraft.device.push;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/** HTTP/1.1 to a device, with a timeout, and a body publisher that reports progress. */
final class Http {
    private final HttpClient client;
    private final InetSocketAddress device;
    private final Duration timeout;

    Http(InetSocketAddress device, Duration timeout) {
        this.device = device;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build();
    }

    String where() {
        return device.getHostString() + ":" + device.getPort();
    }

    URI uri(String path) {
        String host = device.getHostString();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + device.getPort() + path);
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(uri(path)).timeout(timeout);
    }

    HttpResponse<String> send(HttpRequest request) throws PushFailure {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.ISO_8859_1));
        } catch (HttpConnectTimeoutException e) {
            throw new PushFailure("no connection to " + where() + " within " + timeout.toSeconds() + " s", true, e);
        } catch (HttpTimeoutException e) {
            throw new PushFailure("no answer from " + where() + " within " + timeout.toSeconds() + " s", true, e);
        } catch (ConnectException e) {
            throw new PushFailure("cannot connect to " + where() + " (connection refused)", true, e);
        } catch (IOException e) {
            throw new PushFailure("connection to " + where() + " failed: " + e, true, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PushFailure("interrupted", false, e);
        }
    }

    /** A fixed-length body sent in 4 KiB pieces, counting what has been handed to the socket. */
    static HttpRequest.BodyPublisher counted(byte[] body, LongConsumer progress) {
        List<byte[]> pieces = new ArrayList<>();
        for (int at = 0; at < body.length; at += 4096) {
            pieces.add(java.util.Arrays.copyOfRange(body, at, Math.min(body.length, at + 4096)));
        }
        Iterable<byte[]> counting = () -> new java.util.Iterator<>() {
            private int index;
            private long sent;

            @Override
            public boolean hasNext() {
                return index < pieces.size();
            }

            @Override
            public byte[] next() {
                byte[] piece = pieces.get(index++);
                sent += piece.length;
                progress.accept(sent);
                return piece;
            }
        };
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofByteArrays(counting), body.length);
    }

    static void pause(Duration d) throws PushFailure {
        if (d.isPositive()) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PushFailure("interrupted", false, e);
            }
        }
    }

    /** The first line of a body, trimmed, for messages. */
    static String firstLine(String body) {
        String t = body.strip();
        int nl = t.indexOf('\n');
        return (nl < 0 ? t : t.substring(0, nl)).strip();
    }
}
