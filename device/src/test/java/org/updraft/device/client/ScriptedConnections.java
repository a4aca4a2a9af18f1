package org.updraft.device.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A raw-socket server on 127.0.0.1:0 that answers its n-th connection with the n-th scripted
 * answer and then closes it — a scripted answer that stops inside the body is a dropped transfer.
 * Connections beyond the script are closed without a byte. Every request head is recorded.
 */
final class ScriptedConnections implements AutoCloseable {
    private final ServerSocket socket;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    ScriptedConnections(List<byte[]> answers) throws IOException {
        socket = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        List<byte[]> script = List.copyOf(answers);
        Thread.ofVirtual().start(() -> {
            for (int i = 0; ; i++) {
                try (Socket s = socket.accept()) {
                    requests.add(head(s.getInputStream()));
                    if (i < script.size()) {
                        s.getOutputStream().write(script.get(i));
                        s.getOutputStream().flush();
                    }
                } catch (IOException e) {
                    return; // closed
                }
            }
        });
    }

    /** A head (status line and header lines, no blank line) followed by {@code body[from, to)}. */
    static byte[] answer(String head, byte[] body, int from, int to) {
        byte[] h = (head + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = Arrays.copyOf(h, h.length + (to - from));
        System.arraycopy(body, from, all, h.length, to - from);
        return all;
    }

    static ScriptedConnections of(byte[]... answers) throws IOException {
        return new ScriptedConnections(List.of(answers));
    }

    int port() {
        return socket.getLocalPort();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    List<String> requests() {
        return new ArrayList<>(requests);
    }

    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            head.write(c);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
