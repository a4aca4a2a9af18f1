package org.updraft.integration.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.image.ImageBuilder;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.IdfOtaData;
import org.updraft.device.client.IdfOtaClient;
import org.updraft.device.client.Identity;
import org.updraft.device.client.TransferListener;
import org.updraft.device.client.UpdateOutcome;

/**
 * ESP-IDF {@code esp_https_ota} with {@code partial_http_download} ({@link IdfOtaClient#partial})
 * against a real Updraft server: with connection reuse the HEAD takes one connection and every
 * Range chunk shares a second one (the server keeps an image answer open for this client); without
 * it every chunk opens its own. Either way the whole image is written, validated and booted.
 */
class IdfPartialDownloadEndToEndTest {
    static final byte[] V1 = ImageBuilder.esp32().appVersion("1.0.0").payload(51, 20_000).build();
    static final byte[] V2 = ImageBuilder.esp32().appVersion("2.0.0").payload(52, 70_000).build();
    static final int CHUNK = 16 * 1024;
    static final int CHUNKS = (V2.length + CHUNK - 1) / CHUNK;

    @TempDir
    static Path dir;
    static LiveServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new LiveServer(dir.resolve("data"));
        server.product("sensor", "esp32-4m");
        server.release("sensor", "1.0.0", "firmware", V1);
        server.release("sensor", "2.0.0", "firmware", V2);
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** The connections one update opened, counted by the client. */
    record Counted(UpdateOutcome outcome, Board board, int connections) {
    }

    static Counted update(String mac, String version, boolean keepAlive) {
        Board board = Board.provisioned(new IdfOtaData(FlashMap.ESP32_4M, true), V1);
        List<Integer> connections = new ArrayList<>();
        TransferListener counting = new TransferListener() {
            @Override
            public void writing(int status, int length, String slot) {
            }

            @Override
            public void connected(int number) {
                connections.add(number);
            }
        };
        UpdateOutcome outcome = IdfOtaClient.updraft(board, URI.create("http://127.0.0.1:" + server.port()), "sensor",
                        Identity.of(mac, "v5.3.1"), version)
                .timeout(Duration.ofSeconds(5)).partial(CHUNK).keepAlive(keepAlive).listener(counting).update();
        return new Counted(outcome, board, connections.size());
    }

    @Test
    void withReuseTheChunksShareOneConnectionAndV2Boots() {
        assertThat(CHUNKS).isEqualTo(5);
        Counted c = update("24:0A:C4:2E:00:01", "1.0.0", true);
        assertThat(c.outcome()).isInstanceOf(UpdateOutcome.Updated.class);
        assertThat(((BootResult.Booted) c.board().state()).image()).isEqualTo(V2);
        assertThat(c.connections()).as("the HEAD's connection, then one for all " + CHUNKS + " chunks").isEqualTo(2);
    }

    @Test
    void withoutReuseEveryChunkOpensAConnectionAndV2Boots() {
        Counted c = update("24:0A:C4:2E:00:02", "1.0.0", false);
        assertThat(c.outcome()).isInstanceOf(UpdateOutcome.Updated.class);
        assertThat(((BootResult.Booted) c.board().state()).image()).isEqualTo(V2);
        assertThat(c.connections()).isEqualTo(1 + CHUNKS);
    }

    @Test
    void aDeviceOnTheReleaseGetsEspFailAsThePartialDownloadDoes() {
        // HEAD 304, then GET "bytes=0-0" 304: esp_https_ota_begin's "Received incorrect http status".
        Counted c = update("24:0A:C4:2E:00:03", "2.0.0", true);
        assertThat(c.outcome()).isEqualTo(new UpdateOutcome.Failed(-1, "Received incorrect http status 304"));
        assertThat(((BootResult.Booted) c.board().state()).image()).isEqualTo(V1);
        assertThat(c.connections()).as("the server closes after each 304").isEqualTo(2);
    }
}
