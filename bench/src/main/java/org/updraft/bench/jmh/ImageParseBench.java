package org.updraft.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.updraft.bench.Fixture;
import org.updraft.core.image.FirmwareImage;

/**
 * Full validation of a ~1 MB Arduino ESP8266 sketch (eboot + app: both checksums, elf2bin length
 * and CRC) — what every upload and `updraft inspect` does. Target ≥ 1 GB/s: bytes / (µs per op).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ImageParseBench {

    byte[] image;

    @Setup
    public void setup() {
        image = Fixture.image("1.0.0");
    }

    @Benchmark
    public FirmwareImage parseArduino1MB() throws Exception {
        return FirmwareImage.parse(image);
    }
}
