package dev.actinium.bench;

import dev.actinium.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
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
public class CopyBenchmark {
    @Param({"65536", "16777216"})
    public int size;

    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private ForkJoinPool pool;
    private Parallel parallel;
    private MemorySegment src, dst;

    @Setup(Level.Trial)
    public void setup() {
        arena = Arena.ofShared();
        pool = Parallel.newPool(threads);
        parallel = Parallel.of(pool);
        src = arena.allocate(4L * size, 64);
        dst = arena.allocate(4L * size, 64);
        src.fill((byte) 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdown();
        arena.close();
    }

    @Benchmark
    public void copy() {
        parallel.forRange(size, (s, e) -> MemorySegment.copy(src, 4 * s, dst, 4 * s, 4 * (e - s)));
    }
}
