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

import static org.updraft.cli.PushCommand.*;
import org.updraft.cli.PushCommand.*;

/** {@code updraft push arduino-ota}: see {@link PushCommand} for what every protocol shares. */
@Command(name = "arduino-ota", mixinStandardHelpOptions = true,
        description = {"Push a sketch .bin with the ArduinoOTA protocol (as espota.py does).",
                "UDP port 8266 by default (3232 with --chip esp32). The image must be built for the",
                "device's chip (--chip, default esp8266).",
                "Verified: the device checked the MD5 of what it wrote and answered OK.",
                "(ArduinoOTA has no status request: the restarted sketch cannot be asked.)"})
final class PushArduinoOta implements Callable<Integer> {
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
