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
        subcommands = {PushEspLink.class, PushWeb.class, PushArduinoOta.class})
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

    static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    static void sleep(Duration d) {
        if (d.isPositive()) {
            try {
                Thread.sleep(d);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommandFailure("interrupted");
            }
        }
    }

    static InetSocketAddress resolve(InetSocketAddress target) {
        InetSocketAddress resolved = new InetSocketAddress(target.getHostString(), target.getPort());
        if (resolved.isUnresolved()) {
            throw new CommandFailure("cannot resolve host '" + target.getHostString() + "'");
        }
        return resolved;
    }
}
