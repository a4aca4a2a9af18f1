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

/** {@code updraft push web}: see {@link PushCommand} for what every protocol shares. */
@Command(name = "web", mixinStandardHelpOptions = true,
        description = {"Push a sketch .bin to the Arduino web updater (HTTPUpdateServer).",
                "ESP8266HTTPUpdateServer by default (multipart POST, field 'firmware'); the ESP32 core's",
                "HTTPUpdateServer with --chip esp32.",
                "The page answers 200 for success and failure; its text decides.",
                "Verified: 'Update Success! Rebooting...', then GET PATH answers 200 again after the reboot."})
final class PushWeb implements Callable<Integer> {
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
