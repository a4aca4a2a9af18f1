package org.updraft.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.updraft.device.boot.Board;
import org.updraft.device.boot.BootResult;
import org.updraft.device.boot.Bootloader;
import org.updraft.device.boot.EbootCopy;
import org.updraft.device.boot.FlashMap;
import org.updraft.device.boot.NonosBoot;
import org.updraft.device.receiver.ArduinoOtaReceiver;
import org.updraft.device.receiver.EspLinkReceiver;
import org.updraft.device.receiver.PushReceiver;
import org.updraft.device.receiver.WebUpdateReceiver;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code updraft device serve}: one emulated device running its own push receiver, so a push
 * pipeline (CI script, esp-link's {@code wiflash}, {@code espota.py}, curl, {@code updraft push})
 * can be tried without hardware. It answers as the original firmware does (docs/emulator-fidelity.md),
 * prints what the device did — uploads, refusals, the boot flag, each reset and the slot that
 * booted — and runs until interrupted (Ctrl-C).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run one emulated device with its push receiver until Ctrl-C; log what it does.",
                "Receivers: esp-link (NONOS profiles: /flash/next, /flash/upload, /flash/reboot),",
                "web (ESP8266HTTPUpdateServer, arduino profiles), arduino-ota (espota.py, arduino profiles).",
                "Profiles: nonos-1m, nonos-512k (esp-link answers 'Flash too small'; both boot with Espressif's",
                "boot.bin, which jumps into a broken slot), arduino-1m, arduino-4m (eboot)."})
final class DeviceServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--profile", required = true, paramLabel = "PROFILE",
            description = "nonos-1m, nonos-512k, arduino-1m or arduino-4m.")
    String profile;

    @Option(names = "--receiver", required = true, paramLabel = "RECEIVER", description = "esp-link, web or arduino-ota.")
    String receiver;

    @Option(names = "--firmware", required = true, paramLabel = "FILE",
            description = "The image flashed at the factory (NONOS: a user1.bin build; Arduino: the sketch .bin).")
    Path firmware;

    @Option(names = "--port", paramLabel = "N", defaultValue = "0",
            description = "TCP port (arduino-ota: UDP port) to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}; the emulator is not meant for open networks).")
    String bind;

    @Option(names = "--reboot-delay", paramLabel = "DURATION", converter = DurationConverter.class,
            description = {"From the answer to the reset (defaults: esp-link 2s, web 100ms, arduino-ota 1s;",
                    "arduino-ota: also the pause before its final OK)."})
    Duration rebootDelay;

    @Option(names = "--boot-time", paramLabel = "DURATION", defaultValue = "1s", converter = DurationConverter.class,
            description = "How long the device is off the network after a reset (default: ${DEFAULT-VALUE}; HTTP receivers).")
    Duration bootTime;

    @Option(names = "--path", paramLabel = "PATH", defaultValue = "/update", description = "web: the update page (default: ${DEFAULT-VALUE}).")
    String path;

    @Option(names = "--user", paramLabel = "USER", description = "web: HTTP basic auth user (with --password).")
    String user;

    @Option(names = "--password", paramLabel = "PASSWORD",
            description = "web: HTTP basic auth password; arduino-ota: the OTA password (MD5 challenge).")
    String password;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Bootloader bootloader = switch (profile) {
            // esp-link and other stock NONOS firmware boot with Espressif's boot.bin, not Updraft's verifying model
            case "nonos-1m" -> NonosBoot.stock(FlashMap.NONOS_1M);
            case "nonos-512k" -> NonosBoot.stock(FlashMap.NONOS_512K);
            case "arduino-1m" -> new EbootCopy(FlashMap.ARDUINO_1M);
            case "arduino-4m" -> new EbootCopy(FlashMap.ARDUINO_4M);
            default -> throw usage("unknown profile '" + profile + "'; expected one of nonos-1m, nonos-512k, arduino-1m,"
                    + " arduino-4m");
        };
        if (port < 0 || port > 65535) {
            throw usage("--port must be 0-65535, got " + port);
        }
        if (!path.startsWith("/")) {
            throw usage("--path must start with '/', got '" + path + "'");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw usage("--bind: cannot resolve '" + bind + "'");
        }
        byte[] image;
        try {
            image = Files.readAllBytes(firmware);
        } catch (NoSuchFileException e) {
            throw new CommandFailure("no such file: " + firmware);
        } catch (IOException e) {
            throw new CommandFailure("cannot read " + firmware + ": " + e.getMessage(), e);
        }
        Board board;
        try {
            board = Board.provisioned(bootloader, image);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(firmware + ": " + e.getMessage(), e);
        }
        if (board.state() instanceof BootResult.Bricked bricked) {
            throw new CommandFailure(firmware + " does not boot on a " + profile + " board: " + bricked.reason());
        }
        Consumer<String> log = line -> {
            synchronized (out) {
                out.println(line);
                out.flush();
            }
        };
        PushReceiver device;
        String routes;
        try {
            switch (receiver) {
                case "esp-link" -> {
                    EspLinkReceiver.Builder b = EspLinkReceiver.builder(board).address(address).port(port)
                            .bootTime(bootTime).log(log);
                    if (rebootDelay != null) {
                        b.rebootDelay(rebootDelay);
                    }
                    device = b.start();
                    routes = "esp-link: GET /flash/next, POST /flash/upload, GET /flash/reboot";
                }
                case "web" -> {
                    WebUpdateReceiver.Builder b = WebUpdateReceiver.builder(board).address(address).port(port)
                            .path(path).credentials(user, password).bootTime(bootTime).log(log);
                    if (rebootDelay != null) {
                        b.rebootDelay(rebootDelay);
                    }
                    device = b.start();
                    routes = "web: GET and POST " + path + (user != null && password != null ? " (basic auth)" : "");
                }
                case "arduino-ota" -> {
                    ArduinoOtaReceiver.Builder b = ArduinoOtaReceiver.builder(board).address(address).port(port)
                            .password(password).log(log);
                    if (rebootDelay != null) {
                        b.rebootDelay(rebootDelay).okDelay(rebootDelay);
                    }
                    device = b.start();
                    routes = "arduino-ota: UDP invitations" + (password != null ? " (password)" : "");
                }
                default -> throw usage("unknown receiver '" + receiver + "'; expected esp-link, web or arduino-ota");
            }
        } catch (IllegalArgumentException e) {
            throw usage("--receiver " + receiver + " on --profile " + profile + ": " + e.getMessage());
        } catch (IOException e) {
            throw new CommandFailure("cannot listen on " + bind + ":" + port + ": " + e.getMessage(), e);
        }
        PushReceiver running = device;
        // Ctrl-C ends the JVM without interrupting this thread: the hook says where the device stopped.
        Thread hook = new Thread(() -> {
            log.accept("stopped: " + running.state());
            running.close();
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try (device) {
            log.accept("emulated " + profile + " board: " + device.state());
            log.accept(routes + " on " + device.address().getAddress().getHostAddress() + ":"
                    + device.address().getPort() + " (Ctrl-C stops)");
            try {
                new CountDownLatch(1).await(); // until interrupted (in-process callers) or Ctrl-C
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.accept("stopped: " + device.state());
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or ran
            }
        }
        return 0;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
