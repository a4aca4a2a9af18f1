package org.updraft.device.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A one-connection raw-socket server on 127.0.0.1:0: records the request bytes up to the blank
 * line, answers with the scripted bytes, then closes (or, with {@code hold}, waits for the client
 * to hang up).
 */
final class ScriptedServer implements AutoCloseable {
    private final ServerSocket socket;
    private final CompletableFuture<String> request = new CompletableFuture<>();

    ScriptedServer(byte[] answer, boolean hold) throws IOException {
        socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            try (Socket s = socket.accept()) {
                InputStream in = s.getInputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                    int c = in.read();
                    if (c < 0) {
                        break;
                    }
                    head.write(c);
                }
                request.complete(head.toString(StandardCharsets.ISO_8859_1));
                s.getOutputStream().write(answer);
                s.getOutputStream().flush();
                if (hold) {
                    in.read(); // until the client gives up
                }
            } catch (IOException e) {
                request.completeExceptionally(e);
            }
        });
    }

    static ScriptedServer answering(String head, byte[] body) throws IOException {
        byte[] h = head.getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[h.length + body.length];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return new ScriptedServer(all, false);
    }

    int port() {
        return socket.getLocalPort();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    String request() throws Exception {
        return request.get(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
