package dev.actinium;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * How CPU kernels are spread over threads. Native kernels are single-threaded over a range; this
 * class splits a large range into contiguous chunks run by the calling thread and a
 * {@link ForkJoinPool}, so an embedding trainer decides which threads do the work and nothing
 * competes with OpenMP. Chunk boundaries depend only on the size and the grain, and every kernel
 * is element-wise per chunk, so results do not depend on the thread count.
 *
 * <p>The default uses a pool of {@code availableProcessors()} daemon threads, or
 * {@code -Dactinium.threads=N}; N-way work is the caller and N - 1 of them. Ranges up to the
 * grain run on the calling thread.
 */
public final class Parallel {
    /**
     * Elements up to which a range runs on the calling thread, and the smallest chunk above that.
     * Measured (2026-11-24, 2 shared vCPUs): handing 65,536 elements to two parked pool threads
     * cost about 35 us, against 3 us (relu) to 27 us (gelu) of kernel work. Splitting 64K of a
     * GELU in 32K chunks gained when the second vCPU was free (gelu_tanh 15.5 -> 10.5 us) and
     * lost when a neighbour held it (gelu_erf 21 -> 29 us), so one grain serves every op. At 16M,
     * 256K-element chunks ran as fast as two halves on two threads.
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
    /**
     * Most chunks a range is cut into: enough for the caller and the pool to even out a late
     * start or a preempted thread, few enough that a chunk outlasts its claim and downcall.
     */
    static final long MAX_CHUNKS = 64;

    private static volatile Parallel defaultParallel;

    private final ForkJoinPool pool;
    private final long grain;
    private final long streamThresholdBytes;

    private Parallel(ForkJoinPool pool, long grain, long streamThresholdBytes) {
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

    /** A copy with another grain: ranges of at most this many elements are not split, larger ones are split in chunks of it. */
    public Parallel withGrain(long elements) {
        if (elements < 1) throw new IllegalArgumentException("elements: grain " + elements + " < 1");
        return new Parallel(pool, elements, streamThresholdBytes);
    }

    /** A copy with another streaming threshold (output bytes; {@code Long.MAX_VALUE}: never stream). */
    public Parallel withStreamThreshold(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("bytes: streaming threshold " + bytes + " < 0");
        return new Parallel(pool, grain, bytes);
    }

    /** The property naming the default pool's thread count. */
    public static final String THREADS_PROPERTY = "actinium.threads";
    /** Most threads a pool can have (ForkJoinPool's limit). */
    public static final int MAX_THREADS = 0x7fff;

    /**
     * The instance used when an operation is not given one: a pool of {@code -Dactinium.threads}
     * threads, or {@code availableProcessors()}. A property outside [1, {@value #MAX_THREADS}] is
     * an {@link IllegalStateException} naming it, on every call that needs the default.
     */
    public static Parallel defaults() {
        Parallel p = defaultParallel;
        if (p == null) {
            synchronized (Parallel.class) {
                p = defaultParallel;
                if (p == null) defaultParallel = p = of(newPool(configuredThreads()));
            }
        }
        return p;
    }

    private static int configuredThreads() {
        String value = System.getProperty(THREADS_PROPERTY);
        if (value == null) return Runtime.getRuntime().availableProcessors();
        try {
            int threads = Integer.parseInt(value.trim());
            if (threads >= 1 && threads <= MAX_THREADS) return threads;
        } catch (NumberFormatException notAnInteger) {
            // reported below, with the accepted range
        }
        throw new IllegalStateException("-D" + THREADS_PROPERTY + "=" + value + ": must be an integer in [1, "
                + MAX_THREADS + "] (the CPU threads of the default pool)");
    }

    /** Replaces the default instance. */
    public static void setDefaults(Parallel parallel) {
        if (parallel == null) throw new NullPointerException("parallel");
        defaultParallel = parallel;
    }

    /** A pool of daemon threads named actinium-N; threads in [1, {@value #MAX_THREADS}]. */
    public static ForkJoinPool newPool(int threads) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads: " + threads + " is not in [1, " + MAX_THREADS + "]");
        }
        AtomicInteger created = new AtomicInteger();
        return new ForkJoinPool(threads, pool -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
            t.setName("actinium-" + created.getAndIncrement());  // getPoolIndex() is not set yet here
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

    /**
     * Chunks of the grain, or of n / MAX_CHUNKS when that is larger, rounded up to ALIGN_ELEMENTS:
     * a function of n and the grain only, never of the thread count, so a future reduction over
     * chunks gives the same bits on any pool. Overflow-safe for every n and grain >= 1.
     */
    static long chunkSize(long n, long grain) {
        long chunk = Math.max(grain, Math.ceilDiv(n, MAX_CHUNKS));
        long aligned = Math.ceilDiv(chunk, ALIGN_ELEMENTS) * ALIGN_ELEMENTS;
        return aligned > 0 ? aligned : chunk;  // within ALIGN_ELEMENTS of Long.MAX_VALUE: keep chunk
    }

    /** A range [start, end) of elements. */
    @FunctionalInterface
    public interface RangeBody {
        void run(long start, long end);
    }

    /**
     * Runs body over [0, n) in contiguous chunks ({@link #chunkSize}: the grain, or n / 64 when
     * larger; starts aligned to 64 elements), in parallel when n exceeds the grain. The calling
     * thread takes part, as OpenMP's master thread does: it and {@code parallelism() - 1} pool tasks each take a contiguous
     * region of the chunks, run it in order, then claim what is left of the others. So a pool of
     * N threads gives N-way work, each thread streams through memory like a static split, the
     * caller starts at once instead of waiting for a parked worker to wake, a late or preempted
     * thread's share is taken over chunk by chunk, and the work completes even when every pool
     * thread is busy (or the pool is shut down): the caller then runs it all.
     * Returns when every chunk has ended. The first exception from a chunk is rethrown to the
     * caller, and chunks not yet started are skipped.
     */
    public void forRange(long n, RangeBody body) {
        if (n < 0) throw new IllegalArgumentException("n: " + n + " < 0");
        if (body == null) throw new NullPointerException("body");
        if (n == 0) return;
        int threads = parallelism();
        if (pool == null || threads == 1 || n <= grain) {
            body.run(0, n);
            return;
        }
        long chunk = chunkSize(n, grain);
        split(n, chunk, Math.ceilDiv(n, chunk), body);
    }

    /**
     * Runs body over the indices [0, count) of chunks the caller has sized, split among the calling
     * thread and the pool as {@link #forRange} splits its chunks, without a grain: any count above 1
     * is spread. For work whose chunks each write a partial result of their own, which the caller
     * then reduces in index order (the learnable activations' parameter gradients): the chunks
     * depend on the caller alone, so the reduction gives the same bits on any pool.
     */
    public void forEachChunk(long count, RangeBody body) {
        if (count < 0) throw new IllegalArgumentException("count: " + count + " < 0");
        if (body == null) throw new NullPointerException("body");
        if (count == 0) return;
        if (pool == null || parallelism() == 1 || count == 1) {
            body.run(0, count);
            return;
        }
        split(count, 1, count, body);
    }

    /** Runs body over [0, n) in chunks of the given size on the caller and up to chunks - 1 helpers. */
    private void split(long n, long chunk, long chunks, RangeBody body) {
        int helpers = (int) Math.min(parallelism() - 1, chunks - 1);
        Job job = new Job(n, chunk, chunks, helpers + 1, body);
        Throwable submitFailure = null;
        try {
            for (int h = 0; h < helpers; h++) pool.execute(job);
        } catch (RejectedExecutionException shutDown) {
            // The helpers already queued and the caller claim every chunk between them.
        } catch (Throwable t) {
            // For example OutOfMemoryError: unable to create native thread. Helpers already queued
            // may start at any later time: claim every chunk not yet started, so that they find
            // none, and wait for those running, before the error reaches the caller.
            submitFailure = t;
            job.cancel();
        }
        job.runFrom(0);
        job.awaitChunks();
        if (submitFailure instanceof Error e) throw e;
        if (submitFailure instanceof RuntimeException r) throw r;
        job.rethrow();
    }

    /**
     * One forRange call: the chunks cut into one contiguous region per participant, each region
     * claimed through its own atomic counter, by its owner from the start and by the others once
     * theirs is done. Measured in one process (16M F32, 2 threads, 2026-11-24): 8 fork/join tasks
     * run by the pool while the caller blocked took gelu_tanh 3462 us against 2826 us for two
     * threads splitting the range in halves; one shared counter handing out 256K chunks in turn
     * took 2780 us, but gelu_erf stayed 7-12% behind the halves (the two threads' streams
     * interleaved in memory); regions brought it level (3347 vs 3413 us), and through the API
     * level with the C harness's halves (3161 vs 3077 us).
     */
    private static final class Job implements Runnable {
        /** Caller spin before parking: a helper's last chunk usually ends within a few us. */
        private static final long SPIN_NANOS = 20_000;

        final long n, chunk, chunks;
        final int participants;
        final RangeBody body;
        final Thread caller = Thread.currentThread();
        /** Next chunk to claim in each participant's region, and where each region ends. */
        final AtomicLongArray next;
        final long[] regionEnd;
        final AtomicInteger tickets = new AtomicInteger();
        final AtomicLong unfinished;
        volatile Throwable failure;
        volatile boolean failedOnCaller;

        Job(long n, long chunk, long chunks, int participants, RangeBody body) {
            this.n = n;
            this.chunk = chunk;
            this.chunks = chunks;
            this.participants = participants;
            this.body = body;
            this.next = new AtomicLongArray(participants);
            this.regionEnd = new long[participants];
            for (int r = 0; r < participants; r++) {
                next.set(r, chunks * r / participants);
                regionEnd[r] = chunks * (r + 1) / participants;
            }
            this.unfinished = new AtomicLong(chunks);
        }

        /** A helper: takes the next region, runs it, then helps with the others. */
        @Override
        public void run() {
            int region = tickets.incrementAndGet();
            if (region < participants) runFrom(region);
            else runFrom(0);  // more helpers than regions: never submitted so, but stealing is safe
        }

        /**
         * Claims and runs the chunks of region first, in order, then those left in the other
         * regions. A helper that starts late finds none left and touches nothing.
         */
        void runFrom(int region) {
            for (int k = 0; k < participants; k++) {
                int r = (region + k) % participants;
                for (long i; (i = next.getAndIncrement(r)) < regionEnd[r]; ) {
                    try {
                        long start = i * chunk;  // i < chunks = ceil(n / chunk): no overflow
                        if (failure == null) body.run(start, start + Math.min(chunk, n - start));
                    } catch (Throwable t) {
                        synchronized (this) {  // the first failure and where it happened, together
                            if (failure == null) {
                                failedOnCaller = Thread.currentThread() == caller;
                                failure = t;
                            }
                        }
                        cancel();  // the chunks no one started are skipped, without claiming them one by one
                    }
                    if (unfinished.decrementAndGet() == 0 && Thread.currentThread() != caller) LockSupport.unpark(caller);
                }
            }
        }

        /**
         * Claims every chunk that no one has started, so no participant starts another; the
         * chunks running now still end, counted down as usual.
         */
        void cancel() {
            for (int r = 0; r < participants; r++) {
                long first = next.getAndSet(r, regionEnd[r]);
                if (first < regionEnd[r]) unfinished.addAndGet(-(regionEnd[r] - first));
            }
        }

        /** Waits, uninterruptibly, until every chunk has ended: they use the caller's memory. */
        void awaitChunks() {
            long spinStart = System.nanoTime();
            while (unfinished.get() != 0 && System.nanoTime() - spinStart < SPIN_NANOS) Thread.onSpinWait();
            boolean interrupted = false;
            while (unfinished.get() != 0) {
                LockSupport.park(this);
                if (Thread.interrupted()) interrupted = true;  // park returns at once while the flag is set
            }
            if (interrupted) caller.interrupt();
        }

        void rethrow() {
            Throwable t = failure;
            if (t == null) return;
            // Thrown on a pool thread, its trace holds no frame of the caller: add them.
            if (!failedOnCaller) t.addSuppressed(new Exception("rethrown to " + caller + " by Parallel.forRange"));
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);
        }
    }
}
