package org.updraft.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.updraft.core.Validate;
import org.updraft.core.image.ImageBuilder;
import org.updraft.core.layout.FlashLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code updraft sample}: a firmware image to try Updraft with before there is a real build.
 *
 * <p>Made by core's {@link ImageBuilder}: every header, checksum, CRC and digest is real, so
 * {@code updraft inspect} and upload validation accept it for the matching layout exactly as a
 * real build. The code bytes are filler: a device that booted it would crash. Every sample
 * therefore carries {@value #MARKER} in a data segment (docs/images.md says so), and
 * {@code updraft inspect} names it a sample.
 */
@Command(name = "sample", sortOptions = false,
        description = {"Write a sample firmware image to try Updraft with (offline).",
                "It is structurally valid (inspect and upload accept it for its layout) but not executable: never flash it."})
final class SampleCommand implements Callable<Integer> {

    /** The text every sample carries; {@code updraft inspect} looks for it. */
    static final String MARKER = "UPDRAFT-SAMPLE-NOT-EXECUTABLE";

    /** About the size of a small real sketch (at most half the update slot); the code is deterministic filler. */
    static final int SIZE = 250_000;

    @Spec
    CommandSpec spec;

    // No standard help options: their -V/--version would take the --version this command needs.
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--chip", required = true, paramLabel = "CHIP", description = "esp8266 or esp32.")
    String chip;

    @Option(names = "--kind", paramLabel = "KIND",
            description = "arduino, nonos (ESP8266 only) or idf (ESP32 only); default: arduino.")
    String kind;

    @Option(names = "--layout", paramLabel = "ID",
            description = "Flash layout the image is built for (default: arduino-4m, nonos-512k or esp32-4m).")
    String layout;

    @Option(names = "--version", required = true, paramLabel = "VERSION", description = "Firmware version, e.g. 1.1.0.")
    String version;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE",
            description = "Where to write it, e.g. relay-1.1.0.bin; NONOS writes FILE-user1.bin and FILE-user2.bin instead.")
    Path out;

    @Option(names = "--force", description = "Overwrite an existing file that is not a sample.")
    boolean force;

    /** What to build: a chip, a kind of firmware and a layout that belong together. */
    record Target(String chip, String kind, FlashLayout layout) {

        static Target of(String chip, String kind, String layoutId) {
            String c = chip.strip().toLowerCase(Locale.ROOT);
            if (!c.equals("esp8266") && !c.equals("esp32")) {
                throw new IllegalArgumentException("--chip must be esp8266 or esp32, was '" + Validate.echo(chip) + "'");
            }
            String k = kind == null ? "arduino" : kind.strip().toLowerCase(Locale.ROOT);
            if (k.equals("esp-idf")) {
                k = "idf";
            }
            if (!List.of("arduino", "nonos", "idf").contains(k)) {
                throw new IllegalArgumentException("--kind must be arduino, nonos or idf, was '" + Validate.echo(kind) + "'");
            }
            if (c.equals("esp8266") && k.equals("idf")) {
                throw new IllegalArgumentException("--kind idf is for the ESP32; an ESP8266 image is arduino or nonos");
            }
            if (c.equals("esp32") && k.equals("nonos")) {
                throw new IllegalArgumentException("--kind nonos is for the ESP8266; an ESP32 image is arduino or idf");
            }
            String id = layoutId != null ? layoutId.strip().toLowerCase(Locale.ROOT)
                    : c.equals("esp32") ? "esp32-4m" : k.equals("nonos") ? "nonos-512k" : "arduino-4m";
            FlashLayout layout;
            try {
                layout = FlashLayout.byId(id);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--layout: " + e.getMessage());
            }
            boolean fits = c.equals("esp32") ? layout.chip().isEsp32Family()
                    : k.equals("nonos") ? layout.isNonos() : !layout.isNonos() && !layout.chip().isEsp32Family();
            if (!fits) {
                throw new IllegalArgumentException("--layout " + id + " is not a layout for " + c + " " + k + " images");
            }
            return new Target(c, k, layout);
        }
    }

    @Override
    public Integer call() throws IOException {
        Target target;
        Map<Path, byte[]> files;
        try {
            target = Target.of(chip, kind, layout);
            org.updraft.core.version.Version.parse(version);
            files = images(target, version, out);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        for (Path file : files.keySet()) {
            if (Files.exists(file) && !force && !isSample(Files.readAllBytes(file))) {
                throw new CommandFailure(file + " exists and is not a sample image; choose another -o or pass --force");
            }
        }
        for (var e : files.entrySet()) {
            write(e.getKey(), e.getValue());
        }
        PrintWriter w = spec.commandLine().getOut();
        for (var e : files.entrySet()) {
            w.println("Wrote " + e.getKey() + ": sample " + describe(target) + " " + version + " for layout " + target.layout().id()
                    + ", " + e.getValue().length + " bytes.");
        }
        w.println("Not executable: the code is filler; it is for trying Updraft only, never flash it to a device");
        w.println("(it carries the text " + MARKER + "). For a real .bin from your build see docs/images.md.");
        w.flush();
        return 0;
    }

    /** The files to write: {@code out}, or for NONOS out-user1.bin and out-user2.bin. */
    static Map<Path, byte[]> images(Target target, String version, Path out) {
        long seed = Integer.toUnsignedLong(version.hashCode()) + 1;
        int size = (int) Math.min(SIZE, target.layout().slotSize() / 2);
        byte[] marker = (MARKER + ": a sample made by updraft sample, version " + version + "\0").getBytes(StandardCharsets.US_ASCII);
        marker = Arrays.copyOf(marker, (marker.length + 3) & ~3);
        Map<Path, byte[]> files = new LinkedHashMap<>();
        switch (target.kind()) {
            case "nonos" -> {
                for (int slot = 1; slot <= 2; slot++) {
                    byte[] image = ImageBuilder.nonosUser(slot, target.layout()).version(version).payload(seed, size)
                            .segment(0x4010_0000L, ImageBuilder.filler(seed + 2, 64))
                            .segment(0x3FFE_8000L, marker)
                            .build();
                    files.put(sibling(out, "-user" + slot), image);
                }
            }
            case "arduino" -> {
                if (target.chip().equals("esp32")) {
                    files.put(out, esp32(version, seed, size, marker, "arduino-sample"));
                } else {
                    files.put(out, arduinoSketch(target.layout(), version, seed, size, marker));
                }
            }
            default -> files.put(out, esp32(version, seed, size, marker, "idf-sample"));
        }
        return files;
    }

    /** Whether {@code image} carries the sample marker. */
    static boolean isSample(byte[] image) {
        byte[] marker = MARKER.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int i = 0; i + marker.length <= image.length; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (image[i + j] != marker[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static byte[] esp32(String version, long seed, int size, byte[] marker, String project) {
        return ImageBuilder.esp32().appVersion(version).projectName(project).payload(seed, size)
                .segment(0x4008_0000L, ImageBuilder.filler(seed + 8, 64))
                .segment(0x3FFB_0000L, marker)
                .build();
    }

    /**
     * An Arduino ESP8266 sketch: its own app segments (given segments replace the builder's), the
     * first irom0 at 0x40201010 starting with the 8 bytes elf2bin fills with length and CRC, then
     * the version text the builder writes for its own sketches.
     */
    private static byte[] arduinoSketch(FlashLayout layout, String version, long seed, int size, byte[] marker) {
        byte[] versionText = ("UPDRAFT-VERSION:" + version + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] irom = ImageBuilder.filler(seed, size + 8);
        Arrays.fill(irom, 0, 8, (byte) 0);
        System.arraycopy(versionText, 0, irom, 8, versionText.length);
        return ImageBuilder.arduino()
                .flashSizeCode(layout == FlashLayout.ARDUINO_1M ? 2 : 4) // header size codes: 2 = 1 MB, 4 = 4 MB
                .segment(0x4020_1010L, irom)
                .segment(0x4010_0000L, ImageBuilder.filler(seed + 4, 64))
                .segment(0x3FFE_8000L, marker)
                .build();
    }

    private static String describe(Target target) {
        return switch (target.kind()) {
            case "nonos" -> "ESP8266 NONOS SDK user image";
            case "idf" -> "ESP32 ESP-IDF app";
            default -> target.chip().equals("esp32") ? "Arduino-ESP32 sketch" : "Arduino ESP8266 sketch";
        };
    }

    /** {@code relay-1.1.0.bin} + {@code -user1} → {@code relay-1.1.0-user1.bin}. */
    static Path sibling(Path file, String suffix) {
        String name = file.getFileName().toString();
        int dot = name.toLowerCase(Locale.ROOT).endsWith(".bin") ? name.length() - 4 : name.length();
        return file.resolveSibling(name.substring(0, dot) + suffix + name.substring(dot));
    }

    /** Whole or not at all: a temporary file next to the target, then a rename. */
    private static void write(Path file, byte[] image) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            throw new CommandFailure("cannot write " + file + ": no such directory " + dir);
        }
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.write(tmp, image);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
