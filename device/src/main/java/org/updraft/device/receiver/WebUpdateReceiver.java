package org.updraft.device.receiver;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.EbootCopy;

/**
 * ESP8266HTTPUpdateServer (esp8266/Arduino {@code libraries/ESP8266HTTPUpdateServer/src/
 * ESP8266HTTPUpdateServer-impl.h}, {@code setup}) on an Arduino board:
 * <ul>
 *   <li>{@code GET <path>}: the upload form ({@code serverIndex}), fields {@code firmware} and
 *       {@code filesystem}.</li>
 *   <li>{@code POST <path>}, {@code multipart/form-data}: a file part named {@code filesystem} is a
 *       file-system image, "any other name" the firmware: {@code Update.begin(maxSketchSpace,
 *       U_FLASH)} with {@code maxSketchSpace = (ESP.getFreeSketchSpace() - 0x1000) & 0xFFFFF000},
 *       {@code Update.write} per chunk, {@code Update.end(true)}.</li>
 *   <li>The answer is always 200 {@code text/html}: {@code successResponse} and then
 *       {@code ESP.restart()}, or {@code "Update error: " + _updaterError} (the core's
 *       {@code printError} line, {@code "ERROR[n]: text\n"}).</li>
 *   <li>With a user name and a password, requests without matching HTTP basic credentials get
 *       {@code requestAuthentication()}: 401, {@code WWW-Authenticate: Basic realm="Login
 *       Required"}, empty body. For an upload it is decided at {@code UPLOAD_FILE_START}, so nothing
 *       is written.</li>
 * </ul>
 * The emulated board has no file system: a {@code filesystem} part is refused with
 * {@link #NO_FILE_SYSTEM} (200, as every answer) and nothing is written. Digest authentication
 * (which {@code authenticate()} also accepts) is not emulated.
 */
public final class WebUpdateReceiver implements AutoCloseable {
    static final String SERVER_INDEX = """
            <!DOCTYPE html>
                 <html lang='en'>
                 <head>
                     <meta charset='utf-8'>
                     <meta name='viewport' content='width=device-width,initial-scale=1'/>
                 </head>
                 <body>
                 <form method='POST' action='' enctype='multipart/form-data'>
                     Firmware:<br>
                     <input type='file' accept='.bin,.bin.gz' name='firmware'>
                     <input type='submit' value='Update Firmware'>
                 </form>
                 <form method='POST' action='' enctype='multipart/form-data'>
                     FileSystem:<br>
                     <input type='file' accept='.bin,.bin.gz' name='filesystem'>
                     <input type='submit' value='Update FileSystem'>
                 </form>
                 </body>
                 </html>""";
    /** {@code successResponse}. */
    public static final String SUCCESS = "<META http-equiv=\"refresh\" content=\"15;URL=/\">Update Success! Rebooting...";
    /** The answer to a {@code filesystem} part: the emulated board models no file system. */
    public static final String NO_FILE_SYSTEM = "Update error: file system images are not supported by the emulated"
            + " board (it models no file system); send the firmware under any other field name, e.g. 'firmware'\n";

    private final Reboot reboot;
    private final ArduinoUpdate update;
    private final String username;
    private final String password;
    private final HttpServer server;
    private final ExecutorService executor;
    /** {@code _authenticated}: set at each upload start, read by the POST handler; starts false. */
    private boolean authenticated;
    /** {@code _updaterError}. */
    private String updaterError = "";
    /** Uploads that ended with the connection (for tests). */
    final java.util.concurrent.atomic.AtomicInteger aborted = new java.util.concurrent.atomic.AtomicInteger();

    private WebUpdateReceiver(Builder b) throws IOException {
        if (!(b.board.bootloader() instanceof EbootCopy)) {
            throw new IllegalArgumentException("ESP8266HTTPUpdateServer runs on Arduino ESP8266 boards (EbootCopy), not "
                    + b.board.bootloader().name());
        }
        this.reboot = new Reboot(b.board, b.rebootDelay);
        this.update = new ArduinoUpdate(b.board);
        this.username = b.username;
        this.password = b.password;
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        this.server = HttpServer.create(new InetSocketAddress(b.address, b.port), 16);
        server.setExecutor(executor);
        server.createContext(b.path, this::handle);
        server.start();
    }

    public static Builder builder(Board board) {
        return new Builder(board);
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    public int reboots() {
        return reboot.count();
    }

    public void awaitRunning() {
        reboot.awaitRunning();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            reboot.lock();
            try {
                if (!reboot.running()) {
                    return;
                }
                switch (ex.getRequestMethod()) {
                    case "GET" -> {
                        if (authRequired() && !authenticate(ex)) {
                            requestAuthentication(ex);
                        } else {
                            send(ex, 200, "text/html", SERVER_INDEX);
                        }
                    }
                    case "POST" -> post(ex);
                    default -> send(ex, 404, "text/plain", "Not found: " + ex.getRequestURI().getPath());
                }
            } finally {
                reboot.unlock();
            }
        }
    }

    private void post(HttpExchange ex) throws IOException {
        String boundary = Multipart.boundary(ex.getRequestHeaders().getFirst("Content-Type"));
        boolean[] fileSystem = {false};
        if (boundary != null) {
            try {
                Multipart.read(ex.getRequestBody(), boundary, new Multipart.Sink() {
                    private boolean file;

                    @Override
                    public void start(Multipart.Part part) {
                        file = part.filename() != null;
                        if (file) {
                            uploadStart(ex, part, fileSystem);
                        }
                    }

                    @Override
                    public void data(byte[] buf, int len) {
                        // UPLOAD_FILE_WRITE: "if(Update.write(upload.buf, upload.currentSize) != upload.currentSize)"
                        if (file && authenticated && updaterError.isEmpty() && !update.write(buf, 0, len)) {
                            updaterError = update.errorLine();
                        }
                    }

                    @Override
                    public void end() {
                        // UPLOAD_FILE_END: "if(Update.end(true)) ... else _setUpdaterError()"
                        if (file && authenticated && updaterError.isEmpty() && !update.end(true)) {
                            updaterError = update.errorLine();
                        }
                    }
                });
            } catch (IOException dropped) {
                // UPLOAD_FILE_ABORTED: "Update.end()" (not evenIfRemaining: nothing is staged); the
                // connection is gone, so no answer.
                if (authenticated) {
                    update.end(false);
                }
                aborted.incrementAndGet();
                return;
            }
        } else {
            drain(ex.getRequestBody());
        }
        // The POST handler, once the upload finished.
        if (!authenticated) {
            requestAuthentication(ex);
        } else if (fileSystem[0]) {
            send(ex, 200, "text/html", NO_FILE_SYSTEM);
        } else if (update.hasError()) {
            send(ex, 200, "text/html", "Update error: " + updaterError);
        } else {
            reboot.schedule(); // "delay(100); _server->client().stop(); ESP.restart();"
            send(ex, 200, "text/html", SUCCESS);
        }
    }

    /** UPLOAD_FILE_START. */
    private void uploadStart(HttpExchange ex, Multipart.Part part, boolean[] fileSystem) {
        updaterError = "";
        fileSystem[0] = false;
        authenticated = !authRequired() || authenticate(ex);
        if (!authenticated) {
            return; // "Unauthenticated Update"
        }
        if (part.name().equals("filesystem")) {
            fileSystem[0] = true;
            updaterError = NO_FILE_SYSTEM;
            return;
        }
        // "uint32_t maxSketchSpace = (ESP.getFreeSketchSpace() - 0x1000) & 0xFFFFF000;
        //  if (!Update.begin(maxSketchSpace, U_FLASH)) _setUpdaterError();"
        int free = reboot.board().updater().capacity();
        int maxSketchSpace = (free - 0x1000) & 0xFFFFF000;
        if (!update.begin(maxSketchSpace)) {
            updaterError = update.errorLine();
        }
    }

    /** "username and password both set" ({@code _username != emptyString && _password != emptyString}). */
    private boolean authRequired() {
        return !username.isEmpty() && !password.isEmpty();
    }

    /** ESP8266WebServer {@code authenticate(user, pass)}, basic scheme. */
    private boolean authenticate(HttpExchange ex) {
        String header = ex.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        byte[] expected = Base64.getEncoder().encode((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        return MessageDigest.isEqual(expected, header.substring(6).trim().getBytes(StandardCharsets.US_ASCII));
    }

    /** {@code requestAuthentication()}: BASIC_AUTH, realm "Login Required", empty {@code authFailMsg}. */
    private static void requestAuthentication(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"Login Required\"");
        send(ex, 401, "text/html", "");
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void drain(InputStream in) throws IOException {
        in.transferTo(OutputStream.nullOutputStream());
    }

    /** Settings: 127.0.0.1, port 0, path {@code /update}, no credentials, reboot after 100 ms. */
    public static final class Builder {
        private final Board board;
        private InetAddress address = InetAddress.getLoopbackAddress();
        private int port;
        private String path = "/update";
        private String username = "";
        private String password = "";
        private Duration rebootDelay = Duration.ofMillis(100);

        private Builder(Board board) {
            this.board = board;
        }

        public Builder address(InetAddress address) {
            this.address = address;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** {@code setup(server, path, …)}; the SecureWebUpdater example uses {@code /firmware}. */
        public Builder path(String path) {
            this.path = path;
            return this;
        }

        /** Basic auth, applied only when both are non-empty (as {@code setup} does). */
        public Builder credentials(String username, String password) {
            this.username = username == null ? "" : username;
            this.password = password == null ? "" : password;
            return this;
        }

        public Builder rebootDelay(Duration delay) {
            this.rebootDelay = delay;
            return this;
        }

        public WebUpdateReceiver start() throws IOException {
            return new WebUpdateReceiver(this);
        }
    }
}
