package org.updraft.device.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.updraft.core.chip.Chip;
import org.updraft.core.image.ImageBuilder;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.IdfOtaData;

/**
 * IdfOtaClient ({@code esp_https_ota}) against scripted sockets: the exact request bytes, 304,
 * error statuses, the header checks, and resume after drops — the exact {@code Range} and
 * {@code If-Range} of every reconnect, and a restart from 0 when the ETag went stale.
 */
class IdfOtaClientTest {
    static final byte[] E1 = ImageBuilder.esp32().appVersion("1.0.0").payload(31, 9_000).build();
    static final byte[] E2 = ImageBuilder.esp32().appVersion("2.0.0").payload(32, 12_000).build();
    static final byte[] E3 = ImageBuilder.esp32().appVersion("3.0.0").payload(33, 11_000).build();
    static final Identity ID = Identity.of("24:0A:C4:12:34:56", "v5.3.1");
    static final Duration SHORT = Duration.ofMillis(300);

    static Board board() {
        return Board.provisioned(new IdfOtaData(FlashMap.ESP32_4M, true), E1);
    }

    static IdfOtaClient client(Board board, ScriptedConnections s) {
        return IdfOtaClient.updraft(board, s.uri(""), "meter", ID, "1.0.0").timeout(SHORT);
    }

    static String ok(byte[] image, String etag) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + image.length
                + "\r\nAccept-Ranges: bytes\r\nETag: " + etag + "\r\n";
    }

    static String partial(byte[] image, int from, String etag) {
        return "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + from + "-" + (image.length - 1) + "/" + image.length
                + "\r\nContent-Length: " + (image.length - from) + "\r\nETag: " + etag + "\r\n";
    }

    static String get(ScriptedConnections s, String range) {
        return "GET /u/meter?mac=24:0A:C4:12:34:56&version=1.0.0 HTTP/1.1\r\n"
                + "User-Agent: ESP32 HTTP Client/1.0\r\n"
                + "Host: 127.0.0.1:" + s.port() + "\r\n"
                + range
                + "\r\n";
    }

    static byte[] running(Board board) {
        return ((BootResult.Booted) board.state()).image();
    }

    /** After a failure: the old app still runs, also after a power cycle. */
    static void stillRunsE1(Board board) {
        assertThat(running(board)).isEqualTo(E1);
        board.powerOn();
        assertThat(running(board)).isEqualTo(E1);
    }

    @Test
    void requestIsByteExactAnd304IsNotModified() throws Exception {
        Board board = board();
        try (ScriptedConnections s = ScriptedConnections.of("HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\n\r\n".getBytes())) {
            assertThat(client(board, s).update())
                    .isEqualTo(new UpdateOutcome.NoUpdate("304 Not Modified (ESP_ERR_HTTP_NOT_MODIFIED)"));
            assertThat(s.requests()).containsExactly(get(s, ""));
        }
        assertThat(IdfOtaClient.of(board, URI.create("http://updraft.example/u/meter")).request(0, null))
                .isEqualTo("GET /u/meter HTTP/1.1\r\nUser-Agent: ESP32 HTTP Client/1.0\r\nHost: updraft.example\r\n\r\n");
        stillRunsE1(board);
    }

    @Test
    void clientAndServerErrorsFail() throws Exception {
        for (int status : new int[] {400, 403, 404, 409, 429, 500, 503}) {
            Board board = board();
            try (ScriptedConnections s = ScriptedConnections.of(("HTTP/1.1 " + status + " X\r\nContent-Length: 0\r\n\r\n").getBytes())) {
                assertThat(client(board, s).update()).isEqualTo(new UpdateOutcome.Failed(-1,
                        (status >= 500 ? "Server error (" : "Client error (") + status + ")"));
                assertThat(s.requests()).hasSize(1);
            }
            stillRunsE1(board);
        }
    }

    @Test
    void aCleanTransferInstallsAndTheNewAppIsPendingVerifyUntilItConfirms() throws Exception {
        Board board = board();
        try (ScriptedConnections s = ScriptedConnections.of(ScriptedConnections.answer(ok(E2, "\"e2\""), E2, 0, E2.length))) {
            UpdateOutcome o = client(board, s).update();
            assertThat(o).isInstanceOf(UpdateOutcome.Updated.class);
            assertThat(running(board)).isEqualTo(E2);
            assertThat(board.state().toString()).contains("app1");
            assertThat(board.updater().pendingConfirm()).isTrue();
        }
        // Not confirmed: the next reset marks it ABORTED and app0 (v1) boots again.
        board.reset();
        assertThat(running(board)).isEqualTo(E1);
    }

    @Test
    void resumesAfterADropAtSeveralOffsetsWithTheExactRange() throws Exception {
        for (int cut : new int[] {288, 300, 1460, 4095, 4096, 4097, 8192, E2.length - 1}) {
            Board board = board();
            try (ScriptedConnections s = ScriptedConnections.of(
                    ScriptedConnections.answer(ok(E2, "\"e2\""), E2, 0, cut),
                    ScriptedConnections.answer(partial(E2, cut, "\"e2\""), E2, cut, E2.length))) {
                UpdateOutcome o = client(board, s).update();
                assertThat(o).as("drop after %d", cut).isInstanceOf(UpdateOutcome.Updated.class);
                assertThat(s.requests()).containsExactly(get(s, ""),
                        get(s, "Range: bytes=" + cut + "-\r\nIf-Range: \"e2\"\r\n"));
                assertThat(running(board)).isEqualTo(E2);
                board.updater().confirm();
                board.powerOn();
                assertThat(running(board)).isEqualTo(E2);
            }
        }
    }

    @Test
    void aDropInsideTheImageHeaderStartsOverWithoutRange() throws Exception {
        Board board = board();
        try (ScriptedConnections s = ScriptedConnections.of(
                ScriptedConnections.answer(ok(E2, "\"e2\""), E2, 0, 100),
                ScriptedConnections.answer(ok(E2, "\"e2\""), E2, 0, E2.length))) {
            assertThat(client(board, s).update()).isInstanceOf(UpdateOutcome.Updated.class);
            // "Complete headers were not received": nothing was written, so nothing to resume.
            assertThat(s.requests()).containsExactly(get(s, ""), get(s, ""));
            assertThat(running(board)).isEqualTo(E2);
        }
    }

    @Test
    void resumesRepeatedlyUntilTheAttemptsAreUsedUp() throws Exception {
        Board board = board();
        try (ScriptedConnections s = ScriptedConnections.of(
                ScriptedConnections.answer(ok(E2, "\"e2\""), E2, 0, 1000),
                ScriptedConnections.answer(partial(E2, 1000, "\"e2\""), E2, 1000, 5000),
                ScriptedConnections.answer(partial(E2, 5000, "\"e2\""), E2, 5000, E2.length))) {
            assertThat(client(board, s).attempts(3).update()).isInstanceOf(UpdateOutcome.Updated.class);
            assertThat(s.requests()).containsExactly(get(s, ""),
                    get(s, "Range: bytes=1000-\r\nIf-Range: \"e2\"\r\n"),
                    get(s, "Range: bytes=5000-\r\nIf-Range: \"e2\"\r\n"));
            assertThat(running(board)).isEqualTo(E2);
        }
        Board other = board();
        try (ScriptedConnections s = ScriptedConnections.of(
                ScriptedConnections.answer(ok(E2, "\"e2\""), E2, 0, 1000),
                ScriptedConnections.answer(partial(E2, 1000, "\"e2\""), E2, 1000, 5000),
                ScriptedConnections.answer(partial(E2, 5000, "\"e2\""), E2, 5000, 6000))) {
            assertThat(client(other, s).attempts(3).update()).isEqualTo(new UpdateOutcome.Failed(-1,
                    "connection closed after 6000 of " + E2.length + " bytes; gave up after 3 connections"));
            assertThat(s.requests()).hasSize(3);
        }
        stillRunsE1(other);
    }

    @Test
    void aStaleETagRestartsFromZeroWithTheNewImage() throws Exception {
        Board board = board();
        // The release changed between the drop and the reconnect: If-Range does not match, the
        // server sends the whole new image with 200, the client starts over at byte 0.
        try (ScriptedConnections s = ScriptedConnections.of(
                ScriptedConnections.answer(ok(E2, "\"e2\""), E2, 0, 3000),
                ScriptedConnections.answer(ok(E3, "\"e3\""), E3, 0, E3.length))) {
            List<String> log = new java.util.ArrayList<>();
            UpdateOutcome o = client(board, s).listener((status, length, slot) -> log.add(status + " " + length + " " + slot)).update();
            assertThat(o).isInstanceOf(UpdateOutcome.Updated.class);
            assertThat(s.requests()).containsExactly(get(s, ""), get(s, "Range: bytes=3000-\r\nIf-Range: \"e2\"\r\n"));
            assertThat(running(board)).isEqualTo(E3);
            assertThat(log).containsExactly("200 " + E2.length + " app1",
                    "200 " + E3.length + " app1 (the image changed: restarted from 0)");
        }
    }

    @Test
    void a206ThatDoesNotContinueTheDownloadIsRefused() throws Exception {
        Board board = board();
        String wrong = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-" + (E2.length - 1) + "/" + E2.length
                + "\r\nContent-Length: " + E2.length + "\r\n";
        try (ScriptedConnections s = ScriptedConnections.of(
                ScriptedConnections.answer(ok(E2, "\"e2\""), E2, 0, 2000),
                ScriptedConnections.answer(wrong, E2, 0, E2.length))) {
            UpdateOutcome o = client(board, s).update();
            assertThat(o).isEqualTo(new UpdateOutcome.Failed(-1, "206 with Content-Range 'bytes 0-" + (E2.length - 1) + "/"
                    + E2.length + "' and Content-Length " + E2.length + " does not continue the download (expected 'bytes 2000-"
                    + (E2.length - 1) + "/" + E2.length + "')"));
        }
        stillRunsE1(board);
    }

    @Test
    void wrongChipSameVersionAndNonImagesAreRefusedAsIdfDoes() throws Exception {
        byte[] s3 = ImageBuilder.esp32().chip(Chip.ESP32_S3).appVersion("2.0.0").payload(34, 9_000).build();
        byte[] sameVersion = ImageBuilder.esp32().appVersion("1.0.0").payload(35, 9_000).build();
        byte[] html = ("<!DOCTYPE html><html><body>" + "x".repeat(400) + "</body></html>").getBytes();
        byte[] badHash = ImageBuilder.esp32().appVersion("2.0.0").payload(36, 9_000).wrongHash().build();
        record Case(byte[] body, UpdateOutcome expected) {
        }
        for (Case c : List.of(
                new Case(s3, new UpdateOutcome.Failed(0x10A, "Mismatch chip id, expected 0, found 9")),
                new Case(sameVersion, new UpdateOutcome.Failed(-1,
                        "Current running version is the same as a new. We will not continue the update.")),
                new Case(html, new UpdateOutcome.Failed(0x10A, "Mismatch chip id, expected 0, found " + ((html[12] & 0xFF) | (html[13] & 0xFF) << 8))))) {
            Board board = board();
            try (ScriptedConnections s = ScriptedConnections.of(ScriptedConnections.answer(ok(c.body(), "\"x\""), c.body(), 0, c.body().length))) {
                assertThat(client(board, s).update()).isEqualTo(c.expected());
            }
            stillRunsE1(board);
        }
        Board board = board();
        try (ScriptedConnections s = ScriptedConnections.of(ScriptedConnections.answer(ok(badHash, "\"x\""), badHash, 0, badHash.length))) {
            UpdateOutcome o = client(board, s).update();
            assertThat(o).isInstanceOf(UpdateOutcome.Failed.class);
            assertThat(((UpdateOutcome.Failed) o).code()).isEqualTo(0x1503);
            assertThat(((UpdateOutcome.Failed) o).message()).startsWith("esp_ota_end: not a valid image for app1: ");
        }
        stillRunsE1(board);
    }
}
