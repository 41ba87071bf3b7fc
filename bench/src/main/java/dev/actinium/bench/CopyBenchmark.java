package dev.actinium.bench;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's copy bandwidth under the same conditions as ActivationBenchmark: n floats read
 * and n written (8n bytes), off-heap, split over the same pool. MemorySegment.copy is the JDK's
 * memcpy, which streams large copies. This is the denominator of "fraction of copy bandwidth".
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class CopyBenchmark extends PooledState {
    private MemorySegment src, dst;

    @Override
    protected void prepare() {
        src = arena.allocate(4L * size, 64);
        dst = arena.allocate(4L * size, 64);
        src.fill((byte) 1);
    }

    @Benchmark
    public void copy() {
        parallel.forRange(size, (s, e) -> MemorySegment.copy(src, 4 * s, dst, 4 * s, 4 * (e - s)));
    }
}
