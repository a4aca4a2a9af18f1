package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The upload body, byte for byte as a real server receives it, streamed rather than read whole. */
class MultipartUploadTest {

    private static final int MIB = 1024 * 1024;
    private static final String RELEASE_JSON = "{\"product\":\"relay\",\"version\":\"1.0.0\",\"artifacts\":[]}";

    /** Hands out a file's bytes and records how it is read; reading it whole fails the test. */
    static final class WatchedFile extends InputStream {
        private final InputStream in;
        long total;
        int largestRead;
        int reads;
        boolean closed;

        WatchedFile(byte[] content) {
            in = new ByteArrayInputStream(content);
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                total++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            reads++;
            largestRead = Math.max(largestRead, length);
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                total += n;
            }
            return n;
        }

        @Override
        public byte[] readAllBytes() {
            throw new AssertionError("the upload read the whole file into memory");
        }

        @Override
        public byte[] readNBytes(int length) {
            throw new AssertionError("the upload read the whole file into memory");
        }

        @Override
        public long transferTo(OutputStream out) {
            throw new AssertionError("the upload copied the whole file in one call");
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static byte[] pattern(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 % 251);
        }
        return bytes;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void streamsByteExactMultipartBodyWithContentLengthAndWithoutReadingTheFileWhole() throws Exception {
        byte[] firmware = pattern(MIB);
        WatchedFile file = new WatchedFile(firmware);
        MultipartBody body = new MultipartBody("updraft-b0undary")
                .field("version", "1.0.0")
                .field("notes", "first release")
                .file("firmware", "fw.bin", firmware.length, () -> file);
        byte[] expected = concat(ascii("""
                --updraft-b0undary\r
                Content-Disposition: form-data; name="version"\r
                \r
                1.0.0\r
                --updraft-b0undary\r
                Content-Disposition: form-data; name="notes"\r
                \r
                first release\r
                --updraft-b0undary\r
                Content-Disposition: form-data; name="firmware"; filename="fw.bin"\r
                Content-Type: application/octet-stream\r
                \r
                """), firmware, ascii("\r\n--updraft-b0undary--\r\n"));
        List<Long> progress = new ArrayList<>();

        try (StubServer stub = new StubServer().answer("POST /api/v1/products/relay/releases", 201, RELEASE_JSON);
             ApiClient api = new ApiClient(URI.create(stub.url()), "t0k")) {
            ApiClient.Reply reply = api.upload("/api/v1/products/relay/releases", body, progress::add);

            assertThat(reply.status()).isEqualTo(201);
            assertThat(reply.body()).isEqualTo(RELEASE_JSON);
            StubServer.Request request = stub.only();
            assertThat(request.method()).isEqualTo("POST");
            assertThat(request.header("Content-Type")).isEqualTo("multipart/form-data; boundary=updraft-b0undary");
            assertThat(request.header("Content-Length")).isEqualTo(String.valueOf(expected.length));
            assertThat(request.header("Transfer-Encoding")).isNull();
            assertThat(request.header("Authorization")).isEqualTo("Bearer t0k");
            assertThat(request.body()).isEqualTo(expected);
        }
        assertThat(body.contentLength()).isEqualTo(expected.length);
        assertThat(file.total).isEqualTo(MIB);
        assertThat(file.largestRead).as("largest single read").isLessThanOrEqualTo(64 * 1024);
        assertThat(file.reads).isGreaterThanOrEqualTo(MIB / (64 * 1024));
        assertThat(file.closed).isTrue();
        assertThat(progress).isSorted();
        assertThat(progress.get(0)).isLessThan((long) expected.length);
        assertThat(progress.get(progress.size() - 1)).isEqualTo(expected.length);
    }

    @Test
    void namesTheFilePartAfterTheFileOnDisk(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("user1.bin"), pattern(3000));
        MultipartBody body = new MultipartBody("B").file("user1", file);
        try (InputStream in = body.open()) {
            byte[] all = in.readAllBytes();
            assertThat(all).isEqualTo(concat(ascii("--B\r\nContent-Disposition: form-data; name=\"user1\"; filename=\"user1.bin\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n"), pattern(3000), ascii("\r\n--B--\r\n")));
            assertThat(body.contentLength()).isEqualTo(all.length);
        }
    }

    @Test
    void escapesQuotesAndLineBreaksInNamesLikeBrowsersDo() throws Exception {
        MultipartBody body = new MultipartBody("B").file("firmware", "a\"b\r\n.bin", 0, () -> new ByteArrayInputStream(new byte[0]));
        try (InputStream in = body.open()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(
                    "--B\r\nContent-Disposition: form-data; name=\"firmware\"; filename=\"a%22b%0D%0A.bin\"\r\n"
                            + "Content-Type: application/octet-stream\r\n\r\n\r\n--B--\r\n");
        }
    }

    @Test
    void aFileThatShrinksDuringTheUploadFailsTheUploadWithItsName() throws Exception {
        MultipartBody body = new MultipartBody("B").field("version", "1.0.0")
                .file("firmware", "fw.bin", 5000, () -> new ByteArrayInputStream(pattern(1000)));
        try (StubServer stub = new StubServer().answer("POST /r", 201, RELEASE_JSON);
             ApiClient api = new ApiClient(URI.create(stub.url()), null)) {
            assertThatThrownBy(() -> api.upload("/r", body, sent -> { }))
                    .isInstanceOf(CommandFailure.class)
                    .hasMessage("POST " + stub.url() + "/r failed: fw.bin shrank while uploading: expected 5000 bytes, found 1000");
        }
    }

    @Test
    void rejectsABoundaryThatIsNotRfc2046() {
        assertThatThrownBy(() -> new MultipartBody("has space"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("multipart boundary must be 1-70 RFC 2046 characters, was \"has space\"");
    }
}
