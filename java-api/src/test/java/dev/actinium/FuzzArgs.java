package dev.actinium;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The tensor arguments of the API fuzz tests: random placements (confined, shared and heap memory at
 * odd offsets, closed arenas, arenas confined to another thread, CUDA addresses), aliases, and what
 * the oracle knows of each. Close it after the calls.
 */
final class FuzzArgs implements AutoCloseable {
    enum Where { CONFINED, SHARED, HEAP, CLOSED, OTHER_THREAD, CUDA }

    /** A tensor argument and what the oracle knows of it. */
    record Arg(String name, Tensor tensor, float[] values, Where where) {
        boolean usable() {
            return tensor != null && where != Where.CLOSED && where != Where.OTHER_THREAD;
        }
    }

    final Random random;
    final Arena arena = Arena.ofShared();
    private final boolean cuda;
    private final ExecutorService other = Executors.newSingleThreadExecutor();
    private final Arena otherArena;

    /** cuda: whether some tensors get CUDA addresses (never read: no device needs to exist). */
    FuzzArgs(Random random, boolean cuda) throws Exception {
        this.random = random;
        this.cuda = cuda;
        otherArena = other.submit(Arena::ofConfined).get();
    }

    /** One call of a fuzz test: true if its oracle found it valid. */
    @FunctionalInterface
    interface Fuzzer {
        boolean call(FuzzArgs args, int index) throws Exception;
    }

    /**
     * Runs up to calls calls of fuzzer within budgetNanos from a printed seed (-Dfuzz.seed=S replays it),
     * then asks for at least leastCalls calls, between a tenth and nine tenths of them valid.
     */
    static void drive(String name, int calls, long budgetNanos, int leastCalls, boolean cuda, Fuzzer fuzzer)
            throws Exception {
        long seed = Long.getLong("fuzz.seed", new Random().nextLong());
        System.out.println(name + " seed " + seed + " (replay with -Dfuzz.seed=" + seed + ")");
        long start = System.nanoTime();
        int done = 0, valid = 0;
        try (FuzzArgs args = new FuzzArgs(new Random(seed), cuda)) {
            for (; done < calls && System.nanoTime() - start < budgetNanos; done++) {
                if (fuzzer.call(args, done)) valid++;
            }
        }
        System.out.printf("%s: %d calls (%d valid, %d rejected) in %.1f s%n", name, done, valid, done - valid,
                (System.nanoTime() - start) / 1e9);
        assertTrue(done >= leastCalls, "only " + done + " calls in the time budget");
        assertTrue(valid > done / 10 && valid < done * 9 / 10, valid + " valid of " + done);
    }

    /** A tensor of random placement: values readable by the oracle (null when the test cannot read them). */
    Arg arg(String name, long[] dims, DType dtype) throws Exception {
        if (random.nextInt(60) == 0) return new Arg(name, null, null, Where.CONFINED);
        Where where = Where.values()[weighted()];
        Shape shape = Shape.of(dims);
        int n = (int) shape.numel();
        boolean floating = dtype == DType.F32 || dtype == DType.BF16 || dtype == DType.F16;
        float[] values = floating ? Harness.stored(Harness.inputs(random.nextLong(), n, true), dtype) : new float[n];
        return arg(name, dims, dtype, values, where);
    }

    /** A tensor holding values (as dtype stores them) in a random placement. */
    Arg arg(String name, long[] dims, DType dtype, float[] values) throws Exception {
        return arg(name, dims, dtype, values, Where.values()[weighted()]);
    }

    private Arg arg(String name, long[] dims, DType dtype, float[] values, Where where) throws Exception {
        int offset = random.nextInt(4);
        return switch (where) {
            case HEAP -> dtype == DType.F32 ? new Arg(name, Tensor.wrap(values.clone(), dims), values, where)
                    : new Arg(name, place(arena, dtype, values, offset, dims), values, Where.SHARED);
            case CONFINED, SHARED -> new Arg(name, place(arena, dtype, values, offset, dims), values, where);
            case CLOSED -> {
                Arena closed = Arena.ofConfined();
                Tensor t = place(closed, dtype, values, offset, dims);
                closed.close();
                yield new Arg(name, t, null, where);
            }
            case OTHER_THREAD -> {
                Tensor t = other.submit(() -> place(otherArena, dtype, values, offset, dims)).get();
                yield new Arg(name, t, null, where);
            }
            case CUDA -> new Arg(name, Tensor.wrapAddress(1L << 24, dtype, Device.cuda(0), dims), null, where);
        };
    }

    private int weighted() {
        int r = random.nextInt(cuda ? 100 : 95);
        return r < 35 ? 0 : r < 60 ? 1 : r < 85 ? 2 : r < 90 ? 3 : r < 95 ? 4 : 5;
    }

    static Tensor place(Arena arena, DType dtype, float[] values, int offset, long[] dims) {
        boolean readable = dtype == DType.F32 || dtype == DType.BF16 || dtype == DType.F16;
        if (readable) return Harness.place(arena, dtype, values, offset, dims).tensor();
        return Tensor.allocate(arena, dtype, dims);
    }

    /** Another view of a's memory: the same tensor (in place) or one shifted by an element (partial overlap). */
    Arg alias(Arg a, String name) {
        Tensor t = a.tensor();
        if (t == null || t.shape().rank() == 0 || t.shape().dim(0) < 2 || random.nextBoolean()) {
            return new Arg(name, a.tensor(), a.values(), a.where());
        }
        return new Arg(name, t.slice(1, t.shape().dim(0)), null, a.where());
    }

    static boolean overlaps(Tensor a, Tensor b) {
        if (!a.device().equals(b.device())) return false;
        long a0 = a.memory().address(), b0 = b.memory().address();
        boolean sameBase = a.memory().heapBase().equals(b.memory().heapBase());
        return sameBase && a.byteSize() > 0 && b.byteSize() > 0 && a0 < b0 + b.byteSize() && b0 < a0 + a.byteSize();
    }

    static boolean partial(Tensor out, Tensor in) {
        boolean exact = out.memory().address() == in.memory().address() && out.byteSize() == in.byteSize()
                && out.memory().heapBase().equals(in.memory().heapBase());
        return overlaps(out, in) && !exact;
    }

    static String describe(String what, Arg... args) {
        StringBuilder s = new StringBuilder(what);
        for (Arg a : args) {
            if (a != null) s.append(", ").append(a.name()).append('=').append(a.tensor()).append(' ').append(a.where());
        }
        return s.toString();
    }

    @Override
    public void close() throws InterruptedException {
        other.shutdown();
        other.awaitTermination(10, TimeUnit.SECONDS);
        arena.close();
    }
}
