package org.updraft.device.receiver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.function.Consumer;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.EbootCopy;

/**
 * ESP8266HTTPUpdateServer on an Arduino board. Upstream reference: esp8266/Arduino, release 3.1.2,
 * {@code libraries/ESP8266HTTPUpdateServer/src/ESP8266HTTPUpdateServer-impl.h} ({@code setup}) and
 * {@code libraries/ESP8266WebServer/src/ESP8266WebServer-impl.h} ({@code _prepareHeader},
 * {@code _handleRequest}); docs/emulator-fidelity.md lists what differs.
 * <ul>
 *   <li>Framing ({@code _prepareHeader}): {@code "HTTP/1.<v> <code> <text>"} echoing the request's
 *       minor version, {@code Content-Type}, {@code Content-Length}, {@code Connection: close}; the
 *       connection is closed after the answer. Paths other than the update path get
 *       {@code 404 "Not found: <uri>"} ({@code _handleRequest}).</li>
 *   <li>{@code GET <path>}: the upload form ({@code serverIndex}), fields {@code firmware} and
 *       {@code filesystem}.</li>
 *   <li>{@code POST <path>}, {@code multipart/form-data}: a file part named {@code filesystem} is a
 *       file-system image, "any other name" the firmware: {@code Update.begin(maxSketchSpace,
 *       U_FLASH)} with {@code maxSketchSpace = (ESP.getFreeSketchSpace() - 0x1000) & 0xFFFFF000},
 *       {@code Update.write} per chunk, {@code Update.end(true)}.</li>
 *   <li>The answer to an upload is always 200 {@code text/html}: {@code successResponse} and then
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
public final class WebUpdateReceiver extends PushReceiver {
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

    private final ArduinoUpdate update;
    private final String username;
    private final String password;
    private final String path;
    private final HttpLink link;
    /** {@code _authenticated}: set at each upload start, read by the POST handler; starts false. */
    private boolean authenticated;
    /** {@code _updaterError}. */
    private String updaterError = "";
    /** Uploads that ended with the connection (for tests). */
    final java.util.concurrent.atomic.AtomicInteger aborted = new java.util.concurrent.atomic.AtomicInteger();

    private WebUpdateReceiver(Builder b) throws IOException {
        // "delay(100); _server->client().stop(); ESP.restart();": the sketch serves nothing meanwhile
        super(new Reboot(b.board, b.rebootDelay, false, b.bootTime, b.log));
        if (!(b.board.bootloader() instanceof EbootCopy)) {
            throw new IllegalArgumentException("ESP8266HTTPUpdateServer runs on Arduino ESP8266 boards (EbootCopy), not "
                    + b.board.bootloader().name());
        }
        this.update = new ArduinoUpdate(b.board);
        this.username = b.username;
        this.password = b.password;
        this.path = b.path;
        this.link = HttpLink.start(b.address, b.port, this::handle);
        reboot.network(new Reboot.Network() {
            @Override
            public void away() {
                link.away();
            }

            @Override
            public void back() throws IOException {
                link.back();
            }
        });
    }

    public static Builder builder(Board board) {
        return new Builder(board);
    }

    @Override
    public InetSocketAddress address() {
        return link.address();
    }

    @Override
    public void close() {
        link.close();
    }

    private void handle(HttpLink.Request request, HttpLink.Connection connection) throws IOException {
        Exchange ex = new Exchange(request, connection);
        reboot.lock();
        try {
            if (!reboot.running() || link.gone(connection)) {
                return;
            }
            // "_server->on(path.c_str(), HTTP_GET, ...)" and "HTTP_POST": only the update path, only GET and POST
            if (!request.path().equals(path) || !(request.method().equals("GET") || request.method().equals("POST"))) {
                skip(ex);
                send(ex, 404, "text/html", "Not found: " + request.path());
                return;
            }
            switch (request.method()) {
                case "GET" -> {
                    if (authRequired() && !authenticate(ex)) {
                        requestAuthentication(ex);
                    } else {
                        send(ex, 200, "text/html", SERVER_INDEX);
                    }
                }
                default -> post(ex);
            }
        } finally {
            reboot.unlock();
        }
    }

    /** One request and its connection, as the handlers see them. */
    private record Exchange(HttpLink.Request request, HttpLink.Connection connection) {
        String header(String name) {
            return request.header(name).orElse(null);
        }

        /** The body: {@code Content-Length} bytes (what {@code _parseForm} reads), or up to the close. */
        InputStream body() {
            long len = request.contentLength();
            InputStream in = connection.in;
            if (len < 0) {
                return in;
            }
            return new InputStream() {
                private long left = len;

                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
                }

                @Override
                public int read(byte[] b, int off, int n) throws IOException {
                    if (left <= 0) {
                        return -1;
                    }
                    int r = in.read(b, off, (int) Math.min(n, left));
                    if (r > 0) {
                        left -= r;
                    }
                    return r;
                }
            };
        }
    }

    private static void skip(Exchange ex) throws IOException {
        long len = ex.request().contentLength();
        if (len > 0 && len <= HttpLink.MAX_HEAD) {
            ex.connection().in.readNBytes((int) len);
        }
    }

    private void post(Exchange ex) throws IOException {
        String boundary = Multipart.boundary(ex.header("Content-Type"));
        boolean[] fileSystem = {false};
        if (boundary != null) {
            try {
                Multipart.read(ex.body(), boundary, new Multipart.Sink() {
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
                reboot.log("upload: connection dropped; nothing staged");
                return;
            }
        } else {
            drain(ex.body());
        }
        // The POST handler, once the upload finished.
        if (!authenticated) {
            reboot.log("upload: unauthenticated (401)");
            requestAuthentication(ex);
        } else if (fileSystem[0]) {
            send(ex, 200, "text/html", NO_FILE_SYSTEM);
        } else if (update.hasError()) {
            reboot.log("upload refused: " + updaterError.strip());
            send(ex, 200, "text/html", "Update error: " + updaterError);
        } else {
            reboot.log("upload: staged for eboot's copy; restarting");
            reboot.schedule(); // "delay(100); _server->client().stop(); ESP.restart();"
            send(ex, 200, "text/html", SUCCESS);
        }
    }

    /** UPLOAD_FILE_START. */
    private void uploadStart(Exchange ex, Multipart.Part part, boolean[] fileSystem) {
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
    private boolean authenticate(Exchange ex) {
        String header = ex.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        byte[] expected = Base64.getEncoder().encode((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        return MessageDigest.isEqual(expected, header.substring(6).trim().getBytes(StandardCharsets.US_ASCII));
    }

    /** {@code requestAuthentication()}: BASIC_AUTH, realm "Login Required", empty {@code authFailMsg}. */
    private static void requestAuthentication(Exchange ex) throws IOException {
        send(ex, 401, "text/html", "", "WWW-Authenticate: Basic realm=\"Login Required\"\r\n");
    }

    private static void send(Exchange ex, int status, String type, String body) throws IOException {
        send(ex, status, type, body, "");
    }

    /**
     * {@code _prepareHeader} then the content: {@code "HTTP/1." + _currentVersion}, the status
     * text, {@code sendHeader}s added before, {@code Content-Type} first, {@code Content-Length},
     * {@code Connection: close}.
     */
    private static void send(Exchange ex, int status, String type, String body, String extraHeaders) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1." + ex.request().minorVersion() + " " + status + " " + statusText(status) + "\r\n"
                + "Content-Type: " + type + "\r\n" + extraHeaders
                + "Content-Length: " + bytes.length + "\r\n" + "Connection: close\r\n\r\n";
        ex.connection().answer(head.getBytes(StandardCharsets.ISO_8859_1));
        ex.connection().answer(bytes);
    }

    /** {@code responseCodeToString}, for the codes this page sends. */
    private static String statusText(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 404 -> "Not Found";
            default -> "";
        };
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
        private Duration bootTime = Duration.ZERO;
        private Consumer<String> log = line -> { };

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

        /** How long the device is off the network after the reset. */
        public Builder bootTime(Duration bootTime) {
            this.bootTime = bootTime;
            return this;
        }

        /** Where the device's own account of what it did goes, one line per event. */
        public Builder log(Consumer<String> log) {
            this.log = log;
            return this;
        }

        public WebUpdateReceiver start() throws IOException {
            return new WebUpdateReceiver(this);
        }
    }
}
