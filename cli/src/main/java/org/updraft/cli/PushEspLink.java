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

/** {@code updraft push esp-link}: see {@link PushCommand} for what every protocol shares. */
@Command(name = "esp-link", mixinStandardHelpOptions = true,
        description = {"Push a NONOS user1.bin/user2.bin to esp-link (/flash/next, /flash/upload, /flash/reboot).",
                "FILE must be the build for the slot the device asks for (irom0 link address,",
                "else the file name), or give both builds with --user1 and --user2.",
                "Verified: /flash/next answers the other slot after the reboot (wiflash)."})
final class PushEspLink implements Callable<Integer> {
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
