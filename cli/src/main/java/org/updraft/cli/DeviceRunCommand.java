package org.updraft.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.updraft.core.sign.VerifyingKey;
import org.updraft.device.client.Device;
import org.updraft.device.client.DeviceProfile;
import org.updraft.device.client.Identity;
import org.updraft.device.client.PullClient;
import org.updraft.device.client.UpdateOutcome;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code updraft device run}: one emulated device (flash, boot model, stock pull client) that
 * boots the given firmware, polls the server, updates and reboots, logging what it does. Offline
 * apart from the device-facing endpoints it polls, exactly as hardware would.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run one emulated device: boot FIRMWARE, poll the server, update, reboot, check in again.",
                "Profiles: nonos-512k (NONOS SDK system_upgrade_start, user1/user2),",
                "arduino-4m (ESP8266httpUpdate, eboot copy), esp32-4m (ESP32 HTTPUpdate, otadata),",
                "esp32-idf-4m (ESP-IDF esp_https_ota with Range resume, otadata with rollback).",
                "With --once: one poll cycle, exit 0 when updated or up to date, 1 when the update failed."})
final class DeviceRunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--profile", required = true, paramLabel = "PROFILE",
            description = "nonos-512k, arduino-4m, arduino-1m, esp32-4m or esp32-idf-4m.")
    String profile;

    @Option(names = "--server", paramLabel = "URL", description = "Updraft server (default: $UPDRAFT_SERVER, else http://localhost:8080).")
    String server;

    @Option(names = "--product", required = true, paramLabel = "NAME", description = "The product the device belongs to (/u/NAME).")
    String product;

    @Option(names = "--firmware", required = true, paramLabel = "FILE", description = "The image flashed at the factory (NONOS: user1.bin).")
    Path firmware;

    @Option(names = "--mac", paramLabel = "MAC", description = "Station MAC (default 5C:CF:7F:00:00:01; ESP32 24:0A:C4:00:00:01).")
    String mac;

    @Option(names = "--poll", paramLabel = "DURATION", defaultValue = "60s", converter = DurationConverter.class,
            description = "Time between check-ins, e.g. 500ms, 60s, 5m (default ${DEFAULT-VALUE}).")
    Duration poll;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "8000ms", converter = DurationConverter.class,
            description = "Client read timeout (stock: 8000 ms; NONOS: the check_times timer).")
    Duration timeout;

    @Option(names = "--once", description = "One poll cycle, then exit.")
    boolean once;

    @Option(names = "--public-key", paramLabel = "FILE",
            description = {"arduino-4m: install this PEM public key as the sketch's signing key (Update.installSignature):",
                    "images whose signature does not verify are refused with ERROR[12] and x-MD5 is not compared."})
    Path publicKey;

    @Option(names = "--attempts", paramLabel = "N", defaultValue = "5",
            description = "esp32-idf-4m: connections per update, resumes with Range included (default ${DEFAULT-VALUE}).")
    int attempts;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        DeviceProfile p;
        PullClient client;
        Identity identity;
        try {
            // esp32-idf-4m: the esp32-4m board running an ESP-IDF app (esp_https_ota, rollback enabled).
            client = profile.equals(PullClient.IDF_PROFILE_ID) ? PullClient.ESP_HTTPS_OTA : PullClient.STOCK;
            try {
                p = client == PullClient.ESP_HTTPS_OTA ? DeviceProfile.ESP32_4M : DeviceProfile.of(profile);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage() + ", " + PullClient.IDF_PROFILE_ID, e);
            }
            identity = Identity.of(mac != null ? mac : p == DeviceProfile.ESP32_4M ? "24:0A:C4:00:00:01" : "5C:CF:7F:00:00:01",
                    client == PullClient.ESP_HTTPS_OTA ? "v5.3.1" : p.sdkVersion());
            if (publicKey != null && p != DeviceProfile.ARDUINO_4M) {
                throw new IllegalArgumentException("--public-key: signed images are an Arduino ESP8266 Updater feature;"
                        + " use it with --profile arduino-4m");
            }
            if (attempts < 1) {
                throw new IllegalArgumentException("--attempts must be at least 1, was " + attempts);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        byte[] image;
        try {
            image = Files.readAllBytes(firmware);
        } catch (NoSuchFileException e) {
            throw new CommandFailure("no such file: " + firmware);
        } catch (IOException e) {
            throw new CommandFailure("cannot read " + firmware + ": " + e.getMessage(), e);
        }
        VerifyingKey key = null;
        if (publicKey != null) {
            try {
                key = VerifyingKey.read(publicKey);
            } catch (NoSuchFileException e) {
                throw new CommandFailure("no such file: " + publicKey);
            } catch (IOException | IllegalArgumentException e) {
                throw new CommandFailure("cannot read public key " + publicKey + ": " + e.getMessage(), e);
            }
        }
        URI url = URI.create(server != null ? server
                : System.getenv().getOrDefault("UPDRAFT_SERVER", "http://localhost:8080"));
        Device device;
        try {
            device = Device.boot(p, client, image, identity, url, product, line -> {
                out.println(line);
                out.flush();
            }).timeout(timeout).attempts(attempts);
            if (key != null) {
                device.publicKey(key);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(firmware + ": " + e.getMessage(), e);
        }
        if (once) {
            return device.checkIn() instanceof UpdateOutcome.Failed ? Updraft.FAILED : 0;
        }
        device.run(Integer.MAX_VALUE, poll, d -> Thread.sleep(d.toMillis()));
        return 0;
    }
}
