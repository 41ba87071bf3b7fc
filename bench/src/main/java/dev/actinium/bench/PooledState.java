package dev.actinium.bench;

import dev.actinium.Parallel;
import java.lang.foreign.Arena;
import java.util.concurrent.ForkJoinPool;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What every benchmark here shares: a shared arena for off-heap data and a ForkJoinPool of
 * {@code threads} threads with the Parallel splitter over it, so Actinium, the Java baselines
 * and the copy all split work the same way.
 */
@State(Scope.Benchmark)
public abstract class PooledState {
    @Param({"65536", "16777216"})
    public int size;

    @Param({"1", "2"})
    public int threads;

    protected Arena arena;
    protected ForkJoinPool pool;
    protected Parallel parallel;

    /** The only @Setup: JMH does not order a base class's setup before a subclass's. */
    @Setup(Level.Trial)
    public final void setup() {
        arena = Arena.ofShared();
        pool = Parallel.newPool(threads);
        parallel = Parallel.of(pool);
        prepare();
    }

    /** Allocates and fills the benchmark's data, after the arena and pool exist. */
    protected abstract void prepare();

    @TearDown(Level.Trial)
    public void closePool() {
        pool.shutdown();
        arena.close();
    }
}
