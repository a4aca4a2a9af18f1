package org.updraft.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.ServerConfig;
import org.updraft.server.UpdraftServer;
import org.updraft.server.catalog.ArtifactRole;
import org.updraft.server.catalog.Catalog;

/**
 * The training run behind {@code bin/updraft}'s AOT cache (JDK 25+, JEP 483/514/515): the
 * launcher runs {@code java -XX:AOTCacheOutput=… -cp updraft.jar org.updraft.cli.AotTraining DIR}
 * with the server's JVM options, and the JVM writes the classes this run loaded and linked, and
 * the method profiles it gathered, into the cache when it exits.
 *
 * <p>The run does what a production start does before its first answered check-in: it sets up a
 * product with one release in the empty data directory DIR, then starts {@code updraft server}
 * through the real command line on DIR (an existing data directory, as in production) and sends
 * ESP8266 check-ins until they are answered 304, plus a few more so that the hot path has
 * profiles. Then it exits; the launcher deletes DIR. Not a user command: no picocli entry.
 */
public final class AotTraining {

    /** Check-ins after the first 304: enough for profiles of the check-in path, short enough to keep the run ~10 s. */
    private static final int CHECK_INS = 300;

    private AotTraining() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        byte[] image = ImageBuilder.arduino().version("1.0.0").payload(7, 300_000).build();
        try (UpdraftServer setup = UpdraftServer.start(new ServerConfig("127.0.0.1", 0, dir, null))) {
            Catalog catalog = setup.catalog();
            var product = catalog.createProduct(new Catalog.ProductSpec("training", null, null, "arduino-4m", null, null, null));
            catalog.addRelease(product, "1.0.0", null, false, false, Map.of(ArtifactRole.FIRMWARE, image));
        }
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Thread server = new Thread(() -> Updraft.main(new String[] {
            "server", "--host", "127.0.0.1", "--port", Integer.toString(port), "--data-dir", dir.toString()}), "training-server");
        server.setDaemon(true);
        server.start();
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(image));
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (checkIn(port, 0, image.length, md5) != 304) {
            if (System.nanoTime() > deadline || !server.isAlive()) {
                System.err.println("training: the server did not answer a check-in with 304");
                System.exit(1);
            }
            Thread.sleep(20);
        }
        for (int i = 1; i <= CHECK_INS; i++) {
            int status = checkIn(port, i, image.length, md5);
            if (status != 304) {
                System.err.println("training: check-in " + i + " answered " + status);
                System.exit(1);
            }
        }
        // Exit through the shutdown hooks (the server closes as on Ctrl-C); the JVM then writes the cache.
        System.exit(0);
    }

    /** One ESP8266 httpUpdate check-in (HTTP/1.0, as the device sends it); returns the status code, -1 when refused. */
    private static int checkIn(int port, int device, int size, String md5) throws IOException {
        String mac = String.format("18:FE:34:%02X:%02X:%02X", (device >> 16) & 0xff, (device >> 8) & 0xff, device & 0xff);
        String request = "GET /u/training HTTP/1.0\r\n"
                + "Host: 127.0.0.1\r\n"
                + "User-Agent: ESP8266-http-Update\r\n"
                + "x-ESP8266-STA-MAC: " + mac + "\r\n"
                + "x-ESP8266-AP-MAC: " + mac + "\r\n"
                + "x-ESP8266-free-space: 2093056\r\n"
                + "x-ESP8266-sketch-size: " + size + "\r\n"
                + "x-ESP8266-sketch-md5: " + md5 + "\r\n"
                + "x-ESP8266-chip-size: 4194304\r\n"
                + "x-ESP8266-sdk-version: 2.2.2-dev(38a443e)\r\n"
                + "x-ESP8266-mode: sketch\r\n"
                + "x-ESP8266-version: 1.0.0\r\n\r\n";
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] head = in.readNBytes(12); // "HTTP/1.1 304"
            in.transferTo(OutputStream.nullOutputStream());
            return head.length == 12 ? Integer.parseInt(new String(head, 9, 3, StandardCharsets.ISO_8859_1)) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }
}
