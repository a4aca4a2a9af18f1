package org.updraft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.updraft.core.chip.Chip;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.EbootCopy;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.NonosBoot;
import org.updraft.device.boot.TrialBoot;
import org.updraft.device.receiver.ArduinoOtaReceiver;
import org.updraft.device.receiver.EspLinkReceiver;
import org.updraft.device.receiver.WebUpdateReceiver;

/**
 * Every push target × every kind of image: the image must be firmware, of the kind the protocol
 * flashes, built for the device's chip. esp-link runs on the ESP8266 only; web and arduino-ota
 * serve both cores with one protocol, so the chip is the ESP8266 unless {@code --chip} says
 * otherwise. The ESP8266 Updater checks only the 0xE9 magic byte: without this check an ESP32 app
 * would be written, and eboot would copy it over 0x0.
 *
 * <p>ESP8266 targets are the emulator's receivers on loopback, fresh for each cell: a refused
 * image leaves their flash without a single operation; an accepted one runs afterwards. ESP32
 * targets have no emulated receiver: an accepted image is seen arriving on a loopback socket
 * (the invitation's size and MD5, the POST's bytes), a refused one never opens a connection.
 */
class PushChipTest {
    static final byte[] SKETCH = ImageBuilder.arduino().flashSizeCode(2).payload(2, 40_000).build();
    static final byte[] RUNNING = ImageBuilder.arduino().flashSizeCode(2).payload(1, 30_000).build();
    static final byte[] ESP32 = ImageBuilder.esp32().payload(3, 40_000).build();
    static final byte[] ESP32_S3 = ImageBuilder.esp32().chip(Chip.ESP32_S3).payload(4, 40_000).build();
    static final byte[] USER1 = ImageBuilder.nonosUser(1, FlashLayout.NONOS_1M).payload(1, 30_000).build();
    static final byte[] USER2 = ImageBuilder.nonosUser(2, FlashLayout.NONOS_1M).payload(2, 40_000).build();
    static final String HTML = "<!DOCTYPE html>\n<html><head><title>Index of /firmware</title></head></html>\n";

    @TempDir
    Path dir;

    /** The image kinds, by file name. */
    private Map<String, byte[]> kinds() {
        Map<String, byte[]> kinds = new LinkedHashMap<>();
        kinds.put("sketch.bin", SKETCH);
        kinds.put("esp32.bin", ESP32);
        kinds.put("esp32.bin.gz", ImageBuilder.gzip(ESP32));
        kinds.put("esp32s3.bin", ESP32_S3);
        kinds.put("user1.bin", USER1);
        kinds.put("user2.bin", USER2);
        kinds.put("garbage.bin", ImageBuilder.filler(7, 5000));
        kinds.put("page.html", HTML.getBytes(StandardCharsets.UTF_8));
        kinds.put("truncated.bin", ImageBuilder.truncate(SKETCH, 20_000));
        return kinds;
    }

    private static final String SENT = "sent";

    /** What each target does with each kind: SENT, or the exact error (FILE stands for the file's path). */
    private static Map<String, Map<String, String>> expected() {
        String notFirmware = "FILE is not a firmware image: ";
        String startsWith = "; an ESP image starts with byte 0xE9 (or 0xEA for NONOS user1/user2, 0x1F 0x8B for gzip);"
                + " nothing was sent";
        String html = notFirmware + "not a firmware image: starts with '<!DOCTYPE html>' (looks like an HTML directory"
                + " listing)" + startsWith;
        String garbage = notFirmware + "not a firmware image: starts with bytes D7 0D 32 59" + startsWith;
        String truncated = notFirmware + "truncated: segment 1 of 5 declares 40008 bytes at offset 0x1010 but only 15888"
                + " bytes remain; nothing was sent";
        String espLinkOnly = "FILE is an image for the %s, but esp-link runs on the ESP8266 only and flashes NONOS SDK"
                + " user1.bin/user2.bin (EA) images; nothing was sent";
        String defaultEsp8266 = "FILE is an image for the %s, but push %s pushes to an ESP8266 unless --chip says"
                + " otherwise; an ESP8266 would accept it (its Updater checks only the 0xE9 magic byte) and eboot would"
                + " copy it over 0x0, bricking the chip; if the device is an %s, add --chip %s; nothing was sent";
        String stated = "FILE is an image for the %s, but --chip says the device is an %s; push the %s build (or"
                + " correct --chip); nothing was sent";
        String nonos = "FILE is a NONOS SDK user image (EA); push it with 'updraft push esp-link'; nothing was sent";
        String gzip32 = "FILE is a gzip-compressed ESP32 image; the ESP32 Update library writes the bytes as sent and"
                + " wants the 0xE9 magic first (only the ESP8266 eboot decompresses gzip); push the uncompressed .bin;"
                + " nothing was sent";

        Map<String, Map<String, String>> all = new LinkedHashMap<>();
        all.put("esp-link", Map.of(
                "sketch.bin", "FILE is an Arduino ESP8266 sketch (eboot + app); esp-link flashes NONOS SDK"
                        + " user1.bin/user2.bin (EA) images; nothing was sent",
                "esp32.bin", espLinkOnly.formatted("ESP32"),
                "esp32.bin.gz", espLinkOnly.formatted("ESP32"),
                "esp32s3.bin", espLinkOnly.formatted("ESP32-S3"),
                "user1.bin", "FILE is the user1.bin build, but the device runs user1 and asks for user2.bin; push the"
                        + " user2.bin build (or give both with --user1 and --user2); nothing was sent",
                "user2.bin", SENT));
        for (String protocol : List.of("web", "arduino-ota")) {
            for (String chip : new String[] {"", "esp8266"}) {
                Map<String, String> row = new LinkedHashMap<>();
                row.put("sketch.bin", SENT);
                if (chip.isEmpty()) {
                    row.put("esp32.bin", defaultEsp8266.formatted("ESP32", protocol, "ESP32", "esp32"));
                    row.put("esp32.bin.gz", defaultEsp8266.formatted("ESP32", protocol, "ESP32", "esp32"));
                    row.put("esp32s3.bin", defaultEsp8266.formatted("ESP32-S3", protocol, "ESP32-S3", "esp32-s3"));
                } else {
                    row.put("esp32.bin", stated.formatted("ESP32", "ESP8266", "ESP8266"));
                    row.put("esp32.bin.gz", stated.formatted("ESP32", "ESP8266", "ESP8266"));
                    row.put("esp32s3.bin", stated.formatted("ESP32-S3", "ESP8266", "ESP8266"));
                }
                row.put("user1.bin", nonos);
                row.put("user2.bin", nonos);
                all.put(protocol + (chip.isEmpty() ? "" : " --chip " + chip), row);
            }
            all.put(protocol + " --chip esp32", Map.of(
                    "sketch.bin", stated.formatted("ESP8266", "ESP32", "ESP32"),
                    "esp32.bin", SENT,
                    "esp32.bin.gz", gzip32,
                    "esp32s3.bin", stated.formatted("ESP32-S3", "ESP32", "ESP32"),
                    "user1.bin", stated.formatted("ESP8266", "ESP32", "ESP32"),
                    "user2.bin", stated.formatted("ESP8266", "ESP32", "ESP32")));
        }
        for (Map.Entry<String, Map<String, String>> target : all.entrySet()) {
            Map<String, String> row = new LinkedHashMap<>(target.getValue());
            row.put("garbage.bin", garbage);
            row.put("page.html", html);
            row.put("truncated.bin", truncated);
            target.setValue(row);
        }
        return all;
    }

    @Test
    void everyTargetRefusesEveryImageNotForItsChipBeforeSendingAByte() throws Exception {
        Map<String, byte[]> kinds = kinds();
        List<String> wrong = new ArrayList<>();
        int cells = 0;
        for (Map.Entry<String, Map<String, String>> target : expected().entrySet()) {
            assertThat(target.getValue().keySet()).as(target.getKey()).containsExactlyInAnyOrderElementsOf(kinds.keySet());
            for (Map.Entry<String, byte[]> kind : kinds.entrySet()) {
                Path file = Files.write(dir.resolve(kind.getKey()), kind.getValue());
                String want = target.getValue().get(kind.getKey());
                String got = push(target.getKey(), file, kind.getValue());
                String expected = want.equals(SENT) ? SENT
                        : "error: " + want.replace("FILE", file.toString()) + "\n";
                cells++;
                if (!got.equals(expected)) {
                    wrong.add(target.getKey() + " × " + kind.getKey() + ":\n  expected " + expected + "\n  got      " + got);
                }
            }
        }
        assertThat(cells).isEqualTo(7 * 9);
        assertThat(wrong).isEmpty();
    }

    /** Pushes {@code file} to a fresh device for {@code target}; "sent" when it arrived whole, else stderr. */
    private String push(String target, Path file, byte[] image) throws Exception {
        String[] words = target.split(" ");
        String protocol = words[0];
        List<String> extra = List.of(words).subList(1, words.length);
        if (target.endsWith("--chip esp32")) {
            return protocol.equals("web") ? pushToEsp32Web(file, image, extra) : pushToEsp32Ota(file, image, extra);
        }
        return switch (protocol) {
            case "esp-link" -> {
                Board board = Board.provisioned(new NonosBoot(FlashMap.NONOS_1M, TrialBoot.OFF), USER1);
                try (EspLinkReceiver device = EspLinkReceiver.builder(board).rebootDelay(Duration.ZERO).start()) {
                    long ops = writes(board);
                    yield outcome(board, USER1, ops, image, run(protocol, device.address(), file, extra, "--reboot-wait", "0s"));
                }
            }
            case "web" -> {
                Board board = Board.provisioned(new EbootCopy(FlashMap.ARDUINO_1M), RUNNING);
                try (WebUpdateReceiver device = WebUpdateReceiver.builder(board).rebootDelay(Duration.ZERO).start()) {
                    long ops = writes(board);
                    yield outcome(board, RUNNING, ops, image, run(protocol, device.address(), file, extra));
                }
            }
            default -> {
                Board board = Board.provisioned(new EbootCopy(FlashMap.ARDUINO_1M), RUNNING);
                try (ArduinoOtaReceiver device = ArduinoOtaReceiver.builder(board).port(0).okDelay(Duration.ZERO)
                        .rebootDelay(Duration.ZERO).start()) {
                    long ops = writes(board);
                    Run run = run(protocol, device.address(), file, extra);
                    if (run.exit() == 0) {
                        device.awaitRunning();
                    }
                    yield outcome(board, RUNNING, ops, image, run);
                }
            }
        };
    }

    private static Run run(String protocol, InetSocketAddress device, Path file, List<String> extra, String... more) {
        List<String> args = new ArrayList<>(List.of("push", protocol, "127.0.0.1:" + device.getPort(), file.toString()));
        args.addAll(extra);
        args.addAll(List.of("--retries", "0"));
        args.addAll(List.of(more));
        return Run.of(args.toArray(String[]::new));
    }

    /** SENT when the push succeeded and the device runs {@code image}; the error when the flash is untouched. */
    private static String outcome(Board board, byte[] before, long writesBefore, byte[] image, Run run) {
        byte[] running = ((BootResult.Booted) board.state()).image();
        if (run.exit() == 0) {
            return java.util.Arrays.equals(running, image) ? SENT : "pushed, but the device does not run it: " + run;
        }
        boolean untouched = writes(board) == writesBefore && java.util.Arrays.equals(running, before);
        return untouched ? run.err() : "refused, but the flash was written: " + run;
    }

    private static long writes(Board board) {
        return board.flash().erases() + board.flash().programs();
    }

    /** An ESP32 HTTPUpdateServer has no emulator: a loopback socket reads the POST and never answers. */
    private static String pushToEsp32Web(Path file, byte[] image, List<String> extra) throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(5000); // a push that never connects must not hang the test
            CompletableFuture<byte[]> request = CompletableFuture.supplyAsync(() -> {
                try (Socket s = listener.accept()) {
                    s.setSoTimeout(2000);
                    return readUntilQuiet(s.getInputStream(), image.length);
                } catch (IOException e) {
                    return new byte[0];
                }
            });
            Run run = run("web", (InetSocketAddress) listener.getLocalSocketAddress(), file, extra, "--timeout", "3s");
            if (run.err().contains("nothing was sent")) {
                request.cancel(true);
                return run.err();
            }
            byte[] seen = request.get(10, java.util.concurrent.TimeUnit.SECONDS);
            return indexOf(seen, image) >= 0 ? SENT : "not refused, but the POST did not carry the image: " + run;
        }
    }

    /** ArduinoOTA of the ESP32 core has no emulator: a loopback UDP socket takes the invitation and stays silent. */
    private static String pushToEsp32Ota(Path file, byte[] image, List<String> extra) throws Exception {
        try (DatagramSocket udp = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            udp.setSoTimeout(3000);
            CompletableFuture<String> invitation = CompletableFuture.supplyAsync(() -> {
                DatagramPacket p = new DatagramPacket(new byte[512], 512);
                try {
                    udp.receive(p);
                    return new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    return "";
                }
            });
            Run run = run("arduino-ota", (InetSocketAddress) udp.getLocalSocketAddress(), file, extra, "--timeout", "1s");
            if (run.err().contains("nothing was sent")) {
                return run.err();
            }
            String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(image));
            String seen = invitation.get(10, java.util.concurrent.TimeUnit.SECONDS);
            return seen.matches("0 \\d+ " + image.length + " " + md5 + "\n") ? SENT
                    : "not refused, but the invitation was '" + seen + "': " + run;
        }
    }

    /** Reads the request until the multipart body's closing boundary ("--\r\n") follows at least {@code atLeast} bytes. */
    private static byte[] readUntilQuiet(InputStream in, int atLeast) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                byte[] sofar = out.toByteArray();
                if (sofar.length > atLeast && new String(sofar, sofar.length - 4, 4, StandardCharsets.ISO_8859_1)
                        .equals("--\r\n")) {
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            // the client stopped sending before the closing boundary: what came is judged below
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
