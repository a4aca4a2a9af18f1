package org.updraft.bench.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.updraft.server.http.ByteRange;

/**
 * Range header parsing ({@link ByteRange#parse}). The shapes esp_https_ota and resuming clients send.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RangeParseBench {

    @Param({"bytes=65536-", "bytes=0-4095", "bytes=-1024"})
    public String header;

    @Benchmark
    public Object parse() {
        return ByteRange.parse(header, 1_000_000);
    }
}
