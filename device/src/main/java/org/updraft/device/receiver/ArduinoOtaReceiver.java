package org.updraft.device.receiver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.EbootCopy;

/**
 * ArduinoOTA on an Arduino board. Upstream reference: esp8266/Arduino, release 3.1.2,
 * {@code libraries/ArduinoOTA/ArduinoOTA.cpp} ({@code _onRx}, {@code _runUpdate}) and its host side
 * {@code tools/espota.py}; docs/emulator-fidelity.md lists what differs.
 * <ol>
 *   <li>UDP invitation {@code "<cmd> <hostTcpPort> <size> <md5hex>\n"} ({@code _onRx}, state
 *       {@code OTA_IDLE}): commands other than 0 ({@code U_FLASH}) and 100 ({@code U_FS}) and MD5s
 *       that are not 32 characters are ignored. With a password the answer is
 *       {@code "AUTH <nonce>"}; the host answers {@code "200 <cnonce> <md5hex(md5hex(password) +
 *       ":" + nonce + ":" + cnonce)>\n"} ({@code OTA_WAITAUTH}); a wrong response gets
 *       {@code "Authentication Failed"}.</li>
 *   <li>{@code _runUpdate}: {@code Update.begin(size)}; {@code "ERR: " + printError} on failure,
 *       else {@code "OK"} to the invitation's source address and port.</li>
 *   <li>The device connects back to the invitation's source address at {@code hostTcpPort},
 *       and after every {@code Update.write(client)} prints the number of bytes written, in
 *       decimal, with no delimiter.</li>
 *   <li>{@code Update.end()} checks the MD5 of the invitation: {@code "OK"}, close, restart; or the
 *       {@code printError} line, e.g. {@code "ERROR[7]: MD5 verification failed: expected: …,
 *       calculated: …\n"}.</li>
 * </ol>
 * A stream that ends early leaves the update unfinished: {@code Update.end()} fails and nothing
 * is activated. The original waits for a silent host for as long as the connection stays up; the
 * emulator gives up after {@link Builder#stallTimeout(Duration)}. File-system images (command 100)
 * are refused with {@code "ERR: "} and a sentence, since the board models no file system.
 */
public final class ArduinoOtaReceiver extends PushReceiver {
    static final int U_AUTH = 200;

    private final ArduinoUpdate update;
    /** {@code setPassword}: stored as its MD5 hex. */
    private final String passwordMd5;
    private final Duration okDelay;
    private final Duration stallTimeout;
    private final DatagramSocket udp;
    private final Thread loop;
    private final SecureRandom random = new SecureRandom();

    private enum State { IDLE, WAITAUTH }

    private State state = State.IDLE;
    private InetAddress otaIp;
    private int otaPort;
    private int otaUdpPort;
    private int cmd;
    private int size;
    private String md5 = "";
    private String nonce = "";
    /** Updates given up because the stream ended or stalled (for tests). */
    final java.util.concurrent.atomic.AtomicInteger aborted = new java.util.concurrent.atomic.AtomicInteger();

    private ArduinoOtaReceiver(Builder b) throws IOException {
        super(new Reboot(b.board, b.rebootDelay, false, Duration.ZERO, b.log));
        if (!(b.board.bootloader() instanceof EbootCopy)) {
            throw new IllegalArgumentException("ESP8266 ArduinoOTA runs on Arduino ESP8266 boards (EbootCopy), not "
                    + b.board.bootloader().name());
        }
        this.update = new ArduinoUpdate(b.board);
        this.passwordMd5 = b.password.isEmpty() ? "" : md5Hex(b.password);
        this.okDelay = b.okDelay;
        this.stallTimeout = b.stallTimeout;
        this.udp = new DatagramSocket(new InetSocketAddress(b.address, b.port));
        this.loop = Thread.ofVirtual().name("arduino-ota").start(this::serve);
    }

    public static Builder builder(Board board) {
        return new Builder(board);
    }

    /** The UDP address invitations go to. */
    @Override
    public InetSocketAddress address() {
        return (InetSocketAddress) udp.getLocalSocketAddress();
    }

    @Override
    public void close() {
        udp.close();
        loop.interrupt();
    }

    /** {@code loop()} calling {@code ArduinoOTA.handle()}: one packet at a time, updates inline. */
    private void serve() {
        byte[] buf = new byte[1460];
        while (!udp.isClosed()) {
            DatagramPacket packet = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(packet);
            } catch (IOException e) {
                return;
            }
            String text = new String(packet.getData(), 0, packet.getLength(), StandardCharsets.ISO_8859_1);
            reboot.lock();
            try {
                if (reboot.running()) {
                    onRx(new Cursor(text), packet.getAddress(), packet.getPort());
                }
            } catch (IOException e) {
                state = State.IDLE;
            } finally {
                reboot.unlock();
            }
        }
    }

    /** {@code _onRx}. */
    private void onRx(Cursor in, InetAddress from, int fromPort) throws IOException {
        if (state == State.IDLE) {
            int command = in.parseInt();
            if (command != ArduinoUpdate.U_FLASH && command != ArduinoUpdate.U_FS) {
                return;
            }
            otaIp = from;
            cmd = command;
            otaPort = in.parseInt();
            otaUdpPort = fromPort;
            size = in.parseInt();
            in.read();
            md5 = in.readStringUntil('\n').trim();
            if (md5.length() != 32) {
                return;
            }
            if (!passwordMd5.isEmpty()) {
                // "nonce_md5.add(String(micros()))": any fresh 32-hex value
                nonce = md5Hex(Long.toString(random.nextLong()));
                reply("AUTH " + nonce);
                state = State.WAITAUTH;
                return;
            }
            runUpdate();
        } else {
            int command = in.parseInt();
            if (command != U_AUTH) {
                state = State.IDLE;
                return;
            }
            in.read();
            String cnonce = in.readStringUntil(' ');
            String response = in.readStringUntil('\n');
            if (cnonce.length() != 32 || response.length() != 32) {
                state = State.IDLE;
                return;
            }
            String result = md5Hex(passwordMd5 + ":" + nonce + ":" + cnonce);
            state = State.IDLE;
            if (MessageDigest.isEqual(result.getBytes(StandardCharsets.US_ASCII),
                    response.getBytes(StandardCharsets.US_ASCII))) {
                runUpdate();
            } else {
                reply("Authentication Failed");
            }
        }
    }

    /** {@code _runUpdate}. */
    private void runUpdate() throws IOException {
        state = State.IDLE;
        if (cmd == ArduinoUpdate.U_FS) {
            reply("ERR: file system images are not supported by the emulated board (it models no file system)");
            return;
        }
        if (!update.begin(size)) {
            reboot.log("invitation refused: " + update.errorLine().strip());
            reply("ERR: " + update.errorLine());
            return;
        }
        reboot.log(String.format(java.util.Locale.ROOT, "invitation: %,d bytes, md5 %s; connecting back to %s:%d",
                size, md5, otaIp.getHostAddress(), otaPort));
        reply("OK");
        update.setMd5(md5);
        try (Socket client = new Socket()) {
            try {
                client.connect(new InetSocketAddress(otaIp, otaPort), (int) stallTimeout.toMillis());
                client.setSoTimeout((int) Math.max(1, stallTimeout.toMillis()));
                client.setTcpNoDelay(true);
            } catch (IOException e) {
                update.end(false); // "Connect Failed": the loop never runs, end() resets
                return;
            }
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            byte[] buf = new byte[1460 * 4];
            // "while (!Update.isFinished() && client.connected())": Update.write(client) takes what
            // is available (at most what remains) and the count goes back in decimal.
            while (!update.isFinished()) {
                int n;
                try {
                    n = in.read(buf, 0, Math.min(buf.length, update.remaining()));
                } catch (SocketTimeoutException | SocketException e) {
                    break;
                }
                if (n < 0) {
                    break;
                }
                if (n > 0) {
                    if (!update.write(buf, 0, n)) {
                        break;
                    }
                    out.write(Integer.toString(n).getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
            boolean complete = update.isFinished();
            if (update.end(false)) {
                reboot.log("update: MD5 matches; staged for eboot's copy; restarting");
                reboot.schedule(); // the host sees OK only once the reboot is armed
                sleep(okDelay);
                out.write("OK".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } else {
                reboot.log("update failed: " + update.errorLine().strip());
                try {
                    out.write(update.errorLine().getBytes(StandardCharsets.US_ASCII)); // Update.printError(client)
                    out.flush();
                } catch (IOException gone) {
                    // the host already hung up
                }
                if (!complete) {
                    aborted.incrementAndGet();
                }
            }
        }
    }

    private void reply(String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        udp.send(new DatagramPacket(bytes, bytes.length, otaIp, otaUdpPort));
    }

    private static void sleep(Duration d) {
        if (d.isPositive()) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static String md5Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The UDP packet as {@code UdpContext} reads it: {@code parseInt}, {@code read}, {@code readStringUntil}. */
    private static final class Cursor {
        private final String text;
        private int at;

        Cursor(String text) {
            this.text = text;
        }

        int peek() {
            return at < text.length() ? text.charAt(at) : -1;
        }

        int read() {
            return at < text.length() ? text.charAt(at++) : -1;
        }

        /** {@code ArduinoOTAClass::parseInt}: skip spaces, up to 16 digits, atoi. */
        int parseInt() {
            while (peek() == ' ') {
                read();
            }
            StringBuilder digits = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                int c = peek();
                if (c < '0' || c > '9') {
                    return digits.isEmpty() ? 0 : (int) Math.min(Integer.MAX_VALUE, Long.parseLong(digits.toString()));
                }
                digits.append((char) read());
            }
            return 0;
        }

        String readStringUntil(char end) {
            StringBuilder out = new StringBuilder();
            while (true) {
                int c = read();
                if (c < 0 || c == 0 || c == end) {
                    return out.toString();
                }
                out.append((char) c);
            }
        }
    }

    /** Settings: 127.0.0.1, UDP port 8266 (tests pass 0), no password, ~1 s delays, 10 s stall limit. */
    public static final class Builder {
        private final Board board;
        private InetAddress address = InetAddress.getLoopbackAddress();
        private int port = 8266;
        private String password = "";
        private Duration okDelay = Duration.ofSeconds(1);
        private Duration rebootDelay = Duration.ofSeconds(1);
        private Duration stallTimeout = Duration.ofSeconds(10);
        private java.util.function.Consumer<String> log = line -> { };

        private Builder(Board board) {
            this.board = board;
        }

        public Builder address(InetAddress address) {
            this.address = address;
            return this;
        }

        /** {@code setPort}; 0 picks a free port. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** {@code setPassword} (kept as its MD5, as the original does). */
        public Builder password(String password) {
            this.password = password == null ? "" : password;
            return this;
        }

        /** Pause between {@code Update.end()} and {@code "OK"} (observed: about 1 s). */
        public Builder okDelay(Duration delay) {
            this.okDelay = delay;
            return this;
        }

        /** Pause between closing the connection and the restart (observed: about 1 s). */
        public Builder rebootDelay(Duration delay) {
            this.rebootDelay = delay;
            return this;
        }

        /** How long the emulator waits for a silent host before giving the update up. */
        public Builder stallTimeout(Duration timeout) {
            this.stallTimeout = timeout;
            return this;
        }

        /** Where the device's own account of what it did goes, one line per event. */
        public Builder log(java.util.function.Consumer<String> log) {
            this.log = log;
            return this;
        }

        public ArduinoOtaReceiver start() throws IOException {
            return new ArduinoOtaReceiver(this);
        }
    }
}
