package org.updraft.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.updraft.core.image.ImageBuilder;
import org.updraft.server.artifact.Digests;
import org.updraft.testsupport.Multipart;

/**
 * The graceful stop (docs/production.md, "Graceful shutdown"): a download in flight when the
 * stop begins finishes byte-exact within the drain deadline, no new connection is accepted
 * meanwhile, and one still running at the deadline is cut so that the stop ends.
 */
class GracefulStopTest {

    static final byte[] V1 = ImageBuilder.arduino().version("1.0.0").payload(1, 4_000).build();
    static final byte[] V2 = ImageBuilder.arduino().version("2.0.0").payload(2, 900_000).build();
    static final String MAC = "DE:BA:7A:B1:E0:61";

    static TestServer server(Duration drain) {
        TestServer s = new TestServer(TestDatabase.EMBEDDED, c -> c.withDrainTimeout(drain));
        s.product("relay", "arduino-4m");
        s.uploadOk("relay", "1.0.0", Multipart.file("firmware", V1));
        s.uploadOk("relay", "2.0.0", Multipart.file("firmware", V2));
        return s;
    }

    /** A device that has asked for its update and read the header and the first bytes, then waits. */
    static Socket downloadStarted(int port, InputStream[] in, ByteArrayOutputStream head) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout(20_000);
        s.getOutputStream().write(RawHttp.esp8266CheckIn(MAC, V1).getBytes(StandardCharsets.ISO_8859_1));
        in[0] = s.getInputStream();
        byte[] buf = new byte[1024];
        while (head.size() < 8192) {
            int n = in[0].read(buf);
            if (n < 0) {
                break;
            }
            head.write(buf, 0, n);
        }
        return s;
    }

    static void refusesNewConnections(int port) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            } catch (ConnectException refused) {
                return;
            } catch (IOException other) {
                // a timeout or reset while the listener closes: try again
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the listener still accepted connections 10 s into the stop");
    }

    @Test
    void aDownloadInFlightFinishesByteExactWhileNewConnectionsAreRefused() throws Exception {
        TestServer server = server(Duration.ofSeconds(20));
        int port = server.port();
        InputStream[] in = new InputStream[1];
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        try (Socket device = downloadStarted(port, in, received)) {
            CompletableFuture<Void> stop = CompletableFuture.runAsync(server::close);
            refusesNewConnections(port);
            assertThat(stop).isNotDone();

            in[0].transferTo(received);
            RawHttp.Response r = RawHttp.parse(received.toByteArray(), null);

            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo(V2);
            assertThat(r.header("x-MD5")).isEqualTo(Digests.md5Hex(V2));
            stop.get(20, TimeUnit.SECONDS);
        } finally {
            server.close();
        }
    }

    @Test
    void aDownloadStillRunningAtTheDeadlineIsCutAndTheStopEnds() throws Exception {
        TestServer server = server(Duration.ofMillis(500));
        InputStream[] in = new InputStream[1];
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        try (Socket device = downloadStarted(server.port(), in, received)) {
            server.close(); // returns: the stalled device does not hold the stop

            assertThatThrownBy(() -> {
                in[0].transferTo(received);
                RawHttp.Response r = RawHttp.parse(received.toByteArray(), null);
                if (r.body().length < V2.length) {
                    throw new IOException("cut after " + r.body().length + " of " + V2.length + " bytes");
                }
            }).isInstanceOf(IOException.class);
        }
    }
}
