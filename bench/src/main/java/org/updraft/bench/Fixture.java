package org.updraft.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.updraft.core.image.FirmwareImage;
import org.updraft.core.image.ImageBuilder;

/**
 * Writes the benchmark's firmware: a valid Arduino ESP8266 sketch of about 1 MB (eboot + app,
 * real checksums and elf2bin CRC), the size of a large real sketch and just under the arduino-4m
 * update slot. {@code java -cp updraft-bench.jar org.updraft.bench.Fixture OUT.bin [VERSION]}.
 */
public final class Fixture {

    /** Same bytes every run (ImageBuilder is deterministic). */
    public static byte[] image(String version) {
        return ImageBuilder.arduino().version(version).payload(7, 1_000_000).build();
    }

    public static void main(String[] args) throws Exception {
        byte[] img = image(args.length > 1 ? args[1] : "1.0.0");
        FirmwareImage.parse(img); // refuse to benchmark with an image the server would refuse
        Files.write(Path.of(args[0]), img);
        System.out.println(img.length);
    }
}
