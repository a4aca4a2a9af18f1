package org.updraft.device.receiver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.updraft.device.receiver.Fixtures.ascii;
import static org.updraft.device.receiver.Fixtures.concat;
import static org.updraft.device.receiver.Fixtures.exchange;
import static org.updraft.device.receiver.Fixtures.runs;
import static org.updraft.device.receiver.Fixtures.sketch;

import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.updraft.device.boot.Board;
import org.updraft.device.push.PushFailure;
import org.updraft.device.push.Pushed;
import org.updraft.device.push.WebUpdatePush;

/** ESP8266HTTPUpdateServer on a 1 MB Arduino board, driven by WebUpdatePush and raw multipart requests. */
class WebUpdateReceiverTest {
    static final byte[] V1 = sketch(1, 30_000);
    static final byte[] V2 = sketch(2, 40_000);
    static final String BOUNDARY = "------------------------d74496d66958873e";

    private final Board board = Fixtures.arduinoBoard(V1);
    private WebUpdateReceiver receiver;

    private void start(String user, String password) throws Exception {
        receiver = WebUpdateReceiver.builder(board).credentials(user, password).rebootDelay(Duration.ZERO).start();
    }

    private WebUpdatePush client(String user, String password) {
        return new WebUpdatePush(receiver.address(), "/update", user, password, Duration.ofSeconds(10), Duration.ofMillis(5));
    }

    @AfterEach
    void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }

    /** What `curl -F name=@file http://host/update` sends. */
    static byte[] multipart(String field, byte[] file, String authorization) {
        byte[] body = concat(ascii("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field
                + "\"; filename=\"fw.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n"), file,
                ascii("\r\n--" + BOUNDARY + "--\r\n"));
        return concat(head(body.length, authorization), body);
    }

    static byte[] head(int length, String authorization) {
        return ascii("POST /update HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n"
                + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                + "Content-Length: " + length + "\r\nContent-Type: multipart/form-data; boundary=" + BOUNDARY + "\r\n"
                + "Connection: close\r\n\r\n");
    }

    private static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    @Test
    void aPushedSketchIsCopiedByEbootAtTheReboot() throws Exception {
        start("", "");
        Pushed pushed = client(null, null).push(V2, "v2.bin", sent -> { });
        assertThat(pushed).isEqualTo(new Pushed("web", V2.length,
                "\"Update Success! Rebooting...\", and GET /update answers 200 again after the reboot"));
        runs(board, V2);
        assertThat(receiver.reboots()).isEqualTo(1);
    }

    @Test
    void theAnswerIsAlways200TextHtmlAndAnyFieldNameButFilesystemIsFirmware() throws Exception {
        start("", "");
        String form = exchange(receiver.address(), ascii("GET /update HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
        assertThat(form).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("Content-type: text/html\r\n");
        assertThat(body(form)).isEqualTo(WebUpdateReceiver.SERVER_INDEX).contains("name='firmware'", "name='filesystem'");

        String ok = exchange(receiver.address(), multipart("image", V2, null));
        assertThat(ok).startsWith("HTTP/1.1 200 OK\r\n").containsIgnoringCase("Content-type: text/html\r\n");
        assertThat(body(ok)).isEqualTo("<META http-equiv=\"refresh\" content=\"15;URL=/\">Update Success! Rebooting...");
        receiver.awaitRunning();
        runs(board, V2);

        String fs = exchange(receiver.address(), multipart("filesystem", V1, null));
        assertThat(fs).startsWith("HTTP/1.1 200 OK\r\n");
        assertThat(body(fs)).isEqualTo(WebUpdateReceiver.NO_FILE_SYSTEM);
        runs(board, V2);
    }

    @Test
    void aWrongPasswordGets401BeforeAnythingIsWritten() throws Exception {
        start("admin", "secret");
        byte[] before = board.flash().read(0, board.flash().size());
        assertThatThrownBy(() -> client("admin", "wrong").push(V2, "v2.bin", sent -> { }))
                .isInstanceOf(PushFailure.class)
                .hasMessage("the device refused the credentials: HTTP 401 (Basic realm=\"Login Required\"); check --user and --password");
        assertThatThrownBy(() -> client(null, null).push(V2, "v2.bin", sent -> { }))
                .hasMessage("the device refused the credentials: HTTP 401 (Basic realm=\"Login Required\"); give --user and --password");
        String raw = exchange(receiver.address(), multipart("firmware", V2,
                "Basic " + Base64.getEncoder().encodeToString(ascii("admin:nope"))));
        assertThat(raw).startsWith("HTTP/1.1 401 Unauthorized\r\n")
                .containsIgnoringCase("Www-authenticate: Basic realm=\"Login Required\"\r\n");
        assertThat(board.flash().read(0, board.flash().size())).as("not one byte written").isEqualTo(before);
        runs(board, V1);

        client("admin", "secret").push(V2, "v2.bin", sent -> { });
        runs(board, V2);
    }

    @Test
    void tooLargeIsErrorFourNotEnoughSpace() throws Exception {
        start("", "");
        byte[] huge = sketch(9, 0xEB000 - 0x8000);
        assertThatThrownBy(() -> client(null, null).push(huge, "big.bin", sent -> { }))
                .hasMessage("the device refused the image: Update error: ERROR[4]: Not Enough Space");
        assertThat(body(exchange(receiver.address(), multipart("firmware", huge, null))))
                .isEqualTo("Update error: ERROR[4]: Not Enough Space\n");
        board.reset();
        runs(board, V1);
        client(null, null).push(V2, "v2.bin", sent -> { });
        runs(board, V2);
    }

    @Test
    void htmlPagesAreNoDataOrWrongMagic() throws Exception {
        start("", "");
        assertThat(body(exchange(receiver.address(), multipart("firmware", Fixtures.HTML, null))))
                .isEqualTo("Update error: ERROR[13]: No data supplied\n");
        byte[] bigPage = concat(Fixtures.HTML, " ".repeat(6000).getBytes());
        assertThat(body(exchange(receiver.address(), multipart("firmware", bigPage, null))))
                .isEqualTo("Update error: ERROR[10]: Magic byte is not 0xE9\n");
        assertThatThrownBy(() -> client(null, null).push(bigPage, "index.html", sent -> { }))
                .hasMessage("the device refused the image: Update error: ERROR[10]: Magic byte is not 0xE9");
        board.reset();
        runs(board, V1);
        client(null, null).push(V2, "v2.bin", sent -> { });
        runs(board, V2);
    }

    /**
     * The core checks only the magic byte and the flash size code ({@code _verifyEnd}): a corrupt
     * image with the right header is staged, answered "Update Success!", and eboot copies it over
     * the sketch — the chip no longer boots (it needs a serial cable). {@code updraft push web}
     * refuses such an image before sending it (PushCommandTest).
     */
    @Test
    void aCorruptImageWithTheRightMagicIsStagedAndBricksTheBoard() throws Exception {
        start("", "");
        byte[] corrupt = V2.clone();
        corrupt[corrupt.length - 100] ^= 0x55;
        assertThat(body(exchange(receiver.address(), multipart("firmware", corrupt, null))))
                .isEqualTo(WebUpdateReceiver.SUCCESS);
        receiver.awaitRunning();
        assertThat(board.state()).isInstanceOf(org.updraft.device.boot.BootResult.Bricked.class);
        assertThat(((org.updraft.device.boot.BootResult.Bricked) board.state()).reason()).startsWith("sketch at 0x0 is corrupt: ");
    }

    /** A gzip sketch passes _verifyEnd (1F 8B) and eboot inflates it while copying. */
    @Test
    void aGzipSketchIsInflatedByEboot() throws Exception {
        start("", "");
        byte[] gz = org.updraft.core.image.ImageBuilder.gzip(V2);
        assertThat(body(exchange(receiver.address(), multipart("firmware", gz, null)))).isEqualTo(WebUpdateReceiver.SUCCESS);
        receiver.awaitRunning();
        runs(board, V2);
    }

    @Test
    void aDroppedUploadStagesNothingAndTheNextPushSucceeds() throws Exception {
        start("", "");
        byte[] request = multipart("firmware", V2, null);
        int headLength = head(0, null).length - 1; // "Content-Length: 0" is one digit shorter than the real one
        Fixtures.dropAfter(receiver.address(), new byte[0], request, headLength + V2.length / 2);
        Fixtures.awaitAborted(receiver.aborted, 1);
        board.reset(); // a reset now must not copy anything
        runs(board, V1);
        assertThat(receiver.reboots()).isZero();
        client(null, null).push(V2, "v2.bin", sent -> { });
        runs(board, V2);
    }
}
