package dev.actinium;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * How CPU kernels are spread over threads. Native kernels are single-threaded over a range; this
 * class splits a large range into contiguous chunks run on a {@link ForkJoinPool}, so an embedding
 * trainer decides which threads do the work and nothing competes with OpenMP. Chunk boundaries
 * depend only on the size and the settings, and every kernel is element-wise per chunk, so
 * results do not depend on the thread count.
 *
 * <p>The default uses a pool of {@code availableProcessors()} daemon threads, or
 * {@code -Dactinium.threads=N}. Ranges below the grain run on the calling thread.
 */
public final class Parallel {
    /**
     * Elements below which a range runs on the calling thread. Measured (bench/results,
     * 2026-11-24): handing 65,536 elements to two parked pool threads cost about 35 us, against
     * 3 us (relu) to 27 us (gelu) of kernel work; 256K elements is 100 us of GELU per chunk.
     */
    public static final long DEFAULT_GRAIN = 1L << 18;
    /**
     * Output bytes from which memory-bound kernels use non-temporal stores: far past the
     * last-level cache the output is not read back soon, and streaming saves the
     * read-for-ownership of each line (relu at 16M: 3.81 -> 3.20 ms). Compute-bound kernels
     * never stream: there the memory traffic is hidden anyway and streaming measured slower.
     */
    public static final long DEFAULT_STREAM_THRESHOLD_BYTES = 16L << 20;
    /** Chunk starts are multiples of this many elements, so chunks begin vector-aligned. */
    static final long ALIGN_ELEMENTS = 64;
    private static final int TASKS_PER_THREAD = 4;

    private static volatile Parallel defaultParallel;

    private final ForkJoinPool pool;
    private final long grain;
    private final long streamThresholdBytes;

    private Parallel(ForkJoinPool pool, long grain, long streamThresholdBytes) {
        if (grain < 1) throw new IllegalArgumentException("grain " + grain + " < 1");
        if (streamThresholdBytes < 0) throw new IllegalArgumentException("streamThresholdBytes " + streamThresholdBytes + " < 0");
        this.pool = pool;
        this.grain = grain;
        this.streamThresholdBytes = streamThresholdBytes;
    }

    /** Splits over the given pool with the default grain and streaming threshold. */
    public static Parallel of(ForkJoinPool pool) {
        if (pool == null) throw new NullPointerException("pool");
        return new Parallel(pool, DEFAULT_GRAIN, DEFAULT_STREAM_THRESHOLD_BYTES);
    }

    /** Runs every kernel on the calling thread. */
    public static Parallel serial() {
        return new Parallel(null, DEFAULT_GRAIN, DEFAULT_STREAM_THRESHOLD_BYTES);
    }

    /** A copy with another grain: ranges of at most this many elements are not split. */
    public Parallel withGrain(long elements) {
        return new Parallel(pool, elements, streamThresholdBytes);
    }

    /** A copy with another streaming threshold (output bytes; {@code Long.MAX_VALUE}: never stream). */
    public Parallel withStreamThreshold(long bytes) {
        return new Parallel(pool, grain, bytes);
    }

    /** The instance used when an operation is not given one. */
    public static Parallel defaults() {
        Parallel p = defaultParallel;
        if (p == null) {
            synchronized (Parallel.class) {
                p = defaultParallel;
                if (p == null) defaultParallel = p = of(newPool(Integer.getInteger("actinium.threads", Runtime.getRuntime().availableProcessors())));
            }
        }
        return p;
    }

    /** Replaces the default instance. */
    public static void setDefaults(Parallel parallel) {
        if (parallel == null) throw new NullPointerException("parallel");
        defaultParallel = parallel;
    }

    /** A pool of daemon threads named actinium-N. */
    public static ForkJoinPool newPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads " + threads + " < 1");
        return new ForkJoinPool(threads, pool -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName("actinium-" + t.getPoolIndex());
            t.setDaemon(true);
            return t;
        }, null, false);
    }

    public int parallelism() {
        return pool == null ? 1 : pool.getParallelism();
    }

    public long grain() {
        return grain;
    }

    public long streamThresholdBytes() {
        return streamThresholdBytes;
    }

    /** A range [start, end) of elements. */
    @FunctionalInterface
    public interface RangeBody {
        void run(long start, long end);
    }

    /**
     * Runs body over [0, n) in contiguous chunks (starts aligned to 64 elements), in parallel when
     * n exceeds the grain. Exceptions from any chunk are rethrown to the caller.
     */
    public void forRange(long n, RangeBody body) {
        if (n <= 0) return;
        int threads = parallelism();
        if (pool == null || threads == 1 || n <= grain) {
            body.run(0, n);
            return;
        }
        long tasks = Math.min((n + grain - 1) / grain, (long) threads * TASKS_PER_THREAD);
        long chunk = ((n + tasks - 1) / tasks + ALIGN_ELEMENTS - 1) / ALIGN_ELEMENTS * ALIGN_ELEMENTS;
        List<ForkJoinTask<?>> work = new ArrayList<>();
        for (long start = 0; start < n; start += chunk) {
            long s = start, e = Math.min(n, start + chunk);
            work.add(ForkJoinTask.adapt(() -> body.run(s, e)));
        }
        if (ForkJoinTask.inForkJoinPool() && ForkJoinTask.getPool() == pool) {
            ForkJoinTask.invokeAll(work);
            return;
        }
        // From outside the pool the caller only waits. ForkJoinPool.invoke would let it unpush the
        // root task and run it itself, and then its forks go to the common pool, not this one:
        // measured 10% slower at 16M with 2 threads, from a third thread sharing two cores.
        CountDownLatch done = new CountDownLatch(1);
        Throwable[] failure = new Throwable[1];
        pool.execute(() -> {
            try {
                ForkJoinTask.invokeAll(work);
            } catch (Throwable t) {
                failure[0] = t;
            } finally {
                done.countDown();
            }
        });
        boolean interrupted = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;  // the chunks use the caller's memory: never return before they end
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (failure[0] instanceof RuntimeException r) throw r;
        if (failure[0] instanceof Error err) throw err;
        if (failure[0] != null) throw new IllegalStateException(failure[0]);
    }
}
