package org.updraft.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.updraft.core.chip.Chip;
import org.updraft.core.image.FirmwareImage;
import org.updraft.core.image.ImageFormat;
import org.updraft.core.image.InvalidImageException;
import org.updraft.device.push.ArduinoOtaPush;
import org.updraft.device.push.EspLinkPush;
import org.updraft.device.push.PushFailure;
import org.updraft.device.push.Pushed;
import org.updraft.device.push.WebUpdatePush;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code updraft push esp-link|web|arduino-ota ADDRESS[:PORT] FILE}: hands an image to a device's own
 * update server (a real device or an emulated one), as the seed's {@code curl} did, with a progress
 * bar, bounded retries and a check afterwards. Offline: no Updraft server is involved.
 *
 * <p>The file is parsed and validated first, and refused before anything is sent when it is not an
 * image of the kind the protocol flashes, or not for the device's chip: esp-link runs on the ESP8266
 * only; web and arduino-ota serve both cores with one protocol, so the chip is the ESP8266 unless
 * {@code --chip} says otherwise (see {@link Loaded#forDevice}). Transport failures are retried (with doubling delays);
 * refusals by the device (wrong password, too large, not an image) are not.
 */
@Command(name = "push", mixinStandardHelpOptions = true,
        description = {"Push an image to a device's own update server (offline).",
                "esp-link: NONOS user1.bin/user2.bin via /flash/upload; success when /flash/next flips.",
                "web: ESP8266HTTPUpdateServer multipart POST /update; the always-200 page is parsed.",
                "arduino-ota: espota.py protocol (UDP invitation, MD5 challenge, TCP stream, OK).",
                "An image for another chip than the device's is refused before a byte is sent."},
        subcommands = {PushCommand.EspLink.class, PushCommand.Web.class, PushCommand.ArduinoOta.class})
final class PushCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing protocol: one of esp-link, web, arduino-ota");
    }

    /** Options every protocol takes. */
    static final class Common {
        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ADDRESS", description = "Device host or IP, optionally :PORT.")
        String address;

        @Option(names = "--retries", paramLabel = "N", defaultValue = "2",
                description = "Further attempts after a transport failure (default: ${DEFAULT-VALUE}, at most 10).")
        int retries;

        @Option(names = "--retry-delay", paramLabel = "DURATION", defaultValue = "1s",
                converter = DurationConverter.class,
                description = "Pause before the first retry, doubling up to 30s (default: ${DEFAULT-VALUE}).")
        Duration retryDelay;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
                converter = DurationConverter.class,
                description = "Per-step timeout: connect, answer, device coming back (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        InetSocketAddress target(int defaultPort) {
            String host = address;
            int port = defaultPort;
            String portText = null;
            if (address.startsWith("[")) {
                int close = address.indexOf(']');
                if (close < 0) {
                    throw usage("'" + address + "' is not an address; expected HOST, HOST:PORT or [IPv6]:PORT");
                }
                host = address.substring(1, close);
                if (address.length() > close + 1) {
                    if (address.charAt(close + 1) != ':') {
                        throw usage("'" + address + "' is not an address; expected HOST, HOST:PORT or [IPv6]:PORT");
                    }
                    portText = address.substring(close + 2);
                }
            } else if (address.indexOf(':') >= 0 && address.indexOf(':') == address.lastIndexOf(':')) {
                host = address.substring(0, address.indexOf(':'));
                portText = address.substring(address.indexOf(':') + 1);
            }
            if (portText != null) {
                try {
                    port = Integer.parseInt(portText);
                } catch (NumberFormatException e) {
                    port = -1;
                }
                if (port < 1 || port > 65535) {
                    throw usage("'" + portText + "' in '" + address + "' is not a port (1-65535)");
                }
            }
            if (host.isEmpty()) {
                throw usage("'" + address + "' has no host");
            }
            if (retries < 0 || retries > 10) {
                throw usage("--retries must be between 0 and 10, got " + retries);
            }
            return InetSocketAddress.createUnresolved(host, port);
        }

        CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    /** One attempt of a push; the progress consumer gets the bytes sent so far. */
    @FunctionalInterface
    interface Attempt {
        Pushed run(java.util.function.LongConsumer progress) throws PushFailure;
    }

    /** Runs {@code attempt} up to 1 + retries times; prints the result; a failure is a CommandFailure. */
    static int push(CommandSpec spec, Common common, InetSocketAddress target, String protocol, Path file,
                    long total, Attempt attempt) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String where = target.getHostString() + ":" + target.getPort();
        int attempts = 1 + common.retries;
        Duration delay = common.retryDelay;
        for (int i = 1; ; i++) {
            try (UploadProgress progress = UploadProgress.on(err, "push " + file.getFileName(), total)) {
                Pushed pushed = attempt.run(progress);
                progress.finish();
                out.printf(Locale.ROOT, "pushed %s (%,d bytes) to %s via %s%n", file, pushed.bytes(), where, protocol);
                out.println("verified: " + pushed.verified());
                out.flush();
                return 0;
            } catch (PushFailure e) {
                if (!e.retryable()) {
                    throw new CommandFailure("push to " + where + " failed: " + e.getMessage());
                }
                if (i >= attempts) {
                    throw new CommandFailure("push to " + where + " failed after " + attempts
                            + (attempts == 1 ? " attempt: " : " attempts: ") + e.getMessage());
                }
                err.println("attempt " + i + " of " + attempts + " failed: " + e.getMessage()
                        + "; retrying in " + human(delay));
                err.flush();
                sleep(delay);
                delay = delay.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30)
                        : delay.multipliedBy(2);
            }
        }
    }

    /** The file's bytes once it parsed as an image; otherwise a CommandFailure that says nothing was sent. */
    static Loaded load(Path file) {
        try {
            FirmwareImage image = InspectCommand.parse(file);
            return new Loaded(file, Files.readAllBytes(file), image);
        } catch (InvalidImageException e) {
            throw new CommandFailure(file + " is not a firmware image: " + e.getMessage() + "; nothing was sent");
        } catch (CommandFailure e) {
            throw new CommandFailure(file + ": " + e.getMessage());
        } catch (IOException e) {
            throw new CommandFailure(file + ": cannot read: " + e.getMessage());
        }
    }

    record Loaded(Path file, byte[] bytes, FirmwareImage image) {
        /**
         * For ArduinoOTA and the update page, which both cores serve with the same protocol: the
         * image must be built for {@code device} (the chip {@code --chip} states, else the ESP8266)
         * and be what that core's {@code Update} writes — an Arduino ESP8266 sketch (eboot + app,
         * maybe gzip) or an uncompressed ESP32 app image. The ESP8266 {@code Updater} checks only
         * the 0xE9 magic byte, so an ESP32 image would be accepted and eboot would copy it over
         * 0x0: the chip check is ours and comes first.
         */
        Loaded forDevice(String protocol, Chip stated) {
            Chip device = stated != null ? stated : Chip.ESP8266;
            Chip built = image.chip();
            if (built != device) {
                if (stated == null) {
                    throw new CommandFailure(file + " is an image for the " + built.displayName() + ", but " + protocol
                            + " pushes to an ESP8266 unless --chip says otherwise; an ESP8266 would accept it (its"
                            + " Updater checks only the 0xE9 magic byte) and eboot would copy it over 0x0, bricking"
                            + " the chip; if the device is an " + built.displayName() + ", add --chip "
                            + chipName(built) + "; nothing was sent");
                }
                throw new CommandFailure(file + " is an image for the " + built.displayName() + ", but --chip says the"
                        + " device is an " + device.displayName() + "; push the " + device.displayName()
                        + " build (or correct --chip); nothing was sent");
            }
            ImageFormat format = image.format();
            if (format == ImageFormat.ARDUINO_ESP8266) {
                return this;
            }
            if (format == ImageFormat.ESP32) {
                if (image.gzipped()) {
                    throw new CommandFailure(file + " is a gzip-compressed " + built.displayName() + " image; the "
                            + built.displayName() + " Update library writes the bytes as sent and wants the 0xE9"
                            + " magic first (only the ESP8266 eboot decompresses gzip); push the uncompressed .bin;"
                            + " nothing was sent");
                }
                return this;
            }
            String why = format == ImageFormat.ESP8266_V2
                    ? "a NONOS SDK user image (EA); push it with 'updraft push esp-link'"
                    : "a bare ESP8266 image (E9) without eboot, which would not boot; " + protocol
                            + " takes the sketch .bin (eboot + app) the Arduino build exports";
            throw new CommandFailure(file + " is " + why + "; nothing was sent");
        }
    }

    /** {@code esp8266}, {@code esp32}, {@code esp32-s3}: the spelling {@code --chip} takes. */
    static String chipName(Chip chip) {
        return chip.displayName().toLowerCase(Locale.ROOT);
    }

    /** {@code --chip}: a chip by its lower-case name; anything else is a usage error listing them. */
    static final class ChipConverter implements CommandLine.ITypeConverter<Chip> {
        @Override
        public Chip convert(String value) {
            for (Chip chip : Chip.values()) {
                if (chipName(chip).equals(value.toLowerCase(Locale.ROOT))) {
                    return chip;
                }
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a chip; expected one of "
                    + String.join(", ", java.util.Arrays.stream(Chip.values()).map(PushCommand::chipName).toList()));
        }
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static void sleep(Duration d) {
        if (d.isPositive()) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommandFailure("interrupted");
            }
        }
    }

    @Command(name = "esp-link", mixinStandardHelpOptions = true,
            description = {"Push a NONOS user1.bin/user2.bin to esp-link (/flash/next, /flash/upload, /flash/reboot).",
                    "FILE must be the build for the slot the device asks for (irom0 link address,",
                    "else the file name), or give both builds with --user1 and --user2.",
                    "Verified: /flash/next answers the other slot after the reboot (wiflash)."})
    static final class EspLink implements Callable<Integer> {
        /** user1's irom0 link address on every NONOS map; user2's on the 512+512 maps esp-link supports. */
        static final long USER1_LINK = 0x4020_1010L;
        static final long USER2_LINK = 0x4028_1010L;

        @Spec
        CommandSpec spec;

        @Mixin
        Common common;

        @Parameters(index = "1", arity = "0..1", paramLabel = "FILE", description = "user1.bin or user2.bin.")
        Path file;

        @Option(names = "--user1", paramLabel = "FILE", description = "The user1.bin build (with --user2).")
        Path user1;

        @Option(names = "--user2", paramLabel = "FILE", description = "The user2.bin build (with --user1).")
        Path user2;

        @Option(names = "--reboot-wait", paramLabel = "DURATION", defaultValue = "3s",
                converter = DurationConverter.class,
                description = "Wait after /flash/reboot before polling (esp-link reboots after 2 s; default: ${DEFAULT-VALUE}).")
        Duration rebootWait;

        @Override
        public Integer call() {
            InetSocketAddress target = common.target(80);
            if (file != null && (user1 != null || user2 != null)) {
                throw common.usage("give FILE or --user1/--user2, not both");
            }
            if (file == null && (user1 == null || user2 == null)) {
                throw common.usage(file == null && user1 == null && user2 == null
                        ? "missing FILE (or --user1 FILE --user2 FILE)" : "--user1 and --user2 go together");
            }
            byte[][] builds = new byte[3][];
            Path[] names = new Path[3];
            if (file != null) {
                Loaded loaded = load(file);
                int slot = slot(loaded, null);
                builds[slot] = loaded.bytes();
                names[slot] = file;
            } else {
                Loaded first = load(user1);
                Loaded second = load(user2);
                slot(first, 1);
                slot(second, 2);
                builds[1] = first.bytes();
                builds[2] = second.bytes();
                names[1] = user1;
                names[2] = user2;
            }
            EspLinkPush client = new EspLinkPush(resolve(target), common.timeout, rebootWait, Duration.ofSeconds(1));
            String next;
            try {
                next = client.next();
            } catch (PushFailure e) {
                if (!e.retryable() || common.retries == 0) {
                    throw new CommandFailure("push to " + target.getHostString() + ":" + target.getPort() + " failed: "
                            + e.getMessage());
                }
                next = null; // retried below
            }
            int wanted = next == null ? (builds[1] != null ? 1 : 2) : next.equals("user1.bin") ? 1 : 2;
            if (builds[wanted] == null) {
                int given = 3 - wanted;
                throw new CommandFailure(names[given] + " is the user" + given + ".bin build, but the device runs user"
                        + given + " and asks for user" + wanted + ".bin; push the user" + wanted
                        + ".bin build (or give both with --user1 and --user2); nothing was sent");
            }
            byte[] u1 = builds[1];
            byte[] u2 = builds[2];
            return push(spec, common, target, "esp-link as user" + wanted + ".bin", names[wanted],
                    builds[wanted].length, progress -> client.push(u1, u2, progress));
        }

        /** 1 or 2: from the irom0 link address, else from the file name; {@code given} is what the user said. */
        private static int slot(Loaded loaded, Integer given) {
            Path file = loaded.file();
            Chip built = loaded.image().chip();
            if (built != Chip.ESP8266) {
                throw new CommandFailure(file + " is an image for the " + built.displayName() + ", but esp-link runs"
                        + " on the ESP8266 only and flashes NONOS SDK user1.bin/user2.bin (EA) images; nothing was sent");
            }
            if (loaded.image().format() != ImageFormat.ESP8266_V2) {
                throw new CommandFailure(file + " is " + article(loaded.image().format().description())
                        + "; esp-link flashes NONOS SDK user1.bin/user2.bin (EA) images; nothing was sent");
            }
            OptionalLong link = loaded.image().iromLinkAddress();
            int slot;
            if (link.isPresent() && link.getAsLong() == USER1_LINK) {
                slot = 1;
            } else if (link.isPresent() && link.getAsLong() == USER2_LINK) {
                slot = 2;
            } else if (link.isPresent()) {
                throw new CommandFailure(String.format(Locale.ROOT, "%s is linked at 0x%08x, for user2 of a %s map;"
                                + " esp-link writes user2 at 0x81000 (512+512 maps), which needs a build linked at 0x40281010;"
                                + " nothing was sent", file, link.getAsLong(),
                        link.getAsLong() == 0x4024_1010L ? "512 KB (256+256)" : "4 MB 1024+1024"));
            } else {
                String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
                if (name.contains("user1") == name.contains("user2")) {
                    if (given != null) {
                        return given;
                    }
                    throw new CommandFailure("cannot tell whether " + file + " is user1.bin or user2.bin: its irom0 link"
                            + " address is not recognisable and its name says neither; name it user1.bin/user2.bin"
                            + " or give both builds with --user1 and --user2; nothing was sent");
                }
                slot = name.contains("user1") ? 1 : 2;
            }
            if (given != null && given != slot) {
                throw new CommandFailure(file + " is the user" + slot + ".bin build"
                        + (link.isPresent() ? String.format(Locale.ROOT, " (irom0 linked at 0x%08x)", link.getAsLong()) : "")
                        + " but was given as --user" + given + "; nothing was sent");
            }
            return slot;
        }

        private static String article(String description) {
            return "an " + description;
        }
    }

    @Command(name = "web", mixinStandardHelpOptions = true,
            description = {"Push a sketch .bin to the Arduino web updater (HTTPUpdateServer).",
                    "ESP8266HTTPUpdateServer by default (multipart POST, field 'firmware'); the ESP32 core's",
                    "HTTPUpdateServer with --chip esp32.",
                    "The page answers 200 for success and failure; its text decides.",
                    "Verified: 'Update Success! Rebooting...', then GET PATH answers 200 again after the reboot."})
    static final class Web implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Common common;

        @Parameters(index = "1", paramLabel = "FILE", description = "The sketch .bin (or .bin.gz).")
        Path file;

        @Option(names = "--path", paramLabel = "PATH", defaultValue = "/update",
                description = "The update page (default: ${DEFAULT-VALUE}; SecureWebUpdater uses /firmware).")
        String path;

        @Option(names = "--user", paramLabel = "USER", description = "HTTP basic auth user.")
        String user;

        @Option(names = "--password", paramLabel = "PASSWORD", description = "HTTP basic auth password.")
        String password;

        @Option(names = "--chip", paramLabel = "CHIP", converter = ChipConverter.class,
                description = {"The device's chip: esp8266 (the default: ESP8266HTTPUpdateServer) or esp32",
                        "(HTTPUpdateServer of the ESP32 core). An image for any other chip is refused."})
        Chip chip;

        @Override
        public Integer call() {
            InetSocketAddress target = common.target(80);
            if (!path.startsWith("/")) {
                throw common.usage("--path must start with '/', got '" + path + "'");
            }
            Loaded loaded = load(file).forDevice("push web", chip);
            WebUpdatePush client = new WebUpdatePush(resolve(target), path, user, password, common.timeout,
                    Duration.ofMillis(500));
            String name = file.getFileName().toString();
            return push(spec, common, target, "web", file, loaded.bytes().length,
                    progress -> client.push(loaded.bytes(), name, progress));
        }
    }

    @Command(name = "arduino-ota", mixinStandardHelpOptions = true,
            description = {"Push a sketch .bin with the ArduinoOTA protocol (as espota.py does).",
                    "UDP port 8266 by default (3232 with --chip esp32). The image must be built for the",
                    "device's chip (--chip, default esp8266).",
                    "Verified: the device checked the MD5 of what it wrote and answered OK.",
                    "(ArduinoOTA has no status request: the restarted sketch cannot be asked.)"})
    static final class ArduinoOta implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Common common;

        @Parameters(index = "1", paramLabel = "FILE", description = "The sketch .bin (or .bin.gz).")
        Path file;

        @Option(names = "--password", paramLabel = "PASSWORD", description = "The OTA password (MD5 challenge).")
        String password;

        @Option(names = "--chip", paramLabel = "CHIP", converter = ChipConverter.class,
                description = {"The device's chip: esp8266 (the default; UDP port 8266) or esp32 (ArduinoOTA of the",
                        "ESP32 core; UDP port 3232). An image for any other chip is refused."})
        Chip chip;

        @Option(names = "--host-port", paramLabel = "PORT", defaultValue = "0",
                description = "Local TCP port the device connects back to (default: a free one).")
        int hostPort;

        @Override
        public Integer call() {
            InetSocketAddress target = common.target(chip != null && chip.isEsp32Family() ? 3232 : 8266);
            if (hostPort < 0 || hostPort > 65535) {
                throw common.usage("--host-port must be 0-65535, got " + hostPort);
            }
            Loaded loaded = load(file).forDevice("push arduino-ota", chip);
            ArduinoOtaPush client = new ArduinoOtaPush(resolve(target), password, hostPort, common.timeout);
            return push(spec, common, target, "arduino-ota", file, loaded.bytes().length,
                    progress -> client.push(loaded.bytes(), progress));
        }
    }

    private static InetSocketAddress resolve(InetSocketAddress target) {
        InetSocketAddress resolved = new InetSocketAddress(target.getHostString(), target.getPort());
        if (resolved.isUnresolved()) {
            throw new CommandFailure("cannot resolve host '" + target.getHostString() + "'");
        }
        return resolved;
    }
}
