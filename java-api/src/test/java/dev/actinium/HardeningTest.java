package dev.actinium;

import dev.actinium.act.Activation;
import dev.actinium.act.Activations;
import dev.actinium.internal.CpuCalls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/** What an adversarial caller tried: each case once crashed the JVM or gave wrong or unstable results. */
class HardeningTest {

    static <T extends Throwable> T fails(Class<T> type, String fragment, Executable call) {
        T e = assertThrows(type, call);
        assertTrue(e.getMessage() != null && e.getMessage().contains(fragment),
                "expected a message containing '" + fragment + "', got: " + e.getMessage());
        return e;
    }

    /** Runs call on another thread and returns what it threw (null if nothing). */
    static Throwable onAnotherThread(Executable call) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                call.execute();
                return null;
            } catch (Throwable t) {
                return t;
            }
        }, r -> new Thread(r).start()).get(30, TimeUnit.SECONDS);
    }

    static void assertWrongThread(String arg, Executable call) throws Exception {
        Throwable t = onAnotherThread(call);
        assertTrue(t instanceof WrongThreadException && t.getMessage().startsWith(arg + ":"),
                "expected WrongThreadException naming " + arg + ", got " + t);
    }

    @Test
    void confinedTensorsRefuseOtherThreadsOnEveryEntryPoint() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            int n = 1 << 20;  // large enough to be split over the pool
            Tensor x = Tensor.allocate(arena, DType.F32, n), y = Tensor.allocate(arena, DType.F32, n);
            Tensor b = Tensor.allocate(arena, DType.F32, n / 4), h = Tensor.allocate(arena, DType.BF16, n);
            Tensor free = Tensor.wrap(new float[n], n), freeBias = Tensor.wrap(new float[n / 4], n / 4);
            assertWrongThread("x", () -> Activations.forward(Activation.GELU_ERF, x, free));
            assertWrongThread("y", () -> Activations.forward(Activation.GELU_ERF, free, y));
            assertWrongThread("dy", () -> Activations.backward(Activation.SILU, free, y, free.reshape(n)));
            Tensor x2 = x.reshape(4, n / 4), free2 = free.reshape(4, n / 4);
            assertWrongThread("x", () -> Activations.forwardBias(Activation.RELU, x2, freeBias, free2));
            assertWrongThread("bias", () -> Activations.forwardBias(Activation.RELU, free2, b, free2));
            try (Arena shared = Arena.ofShared()) {
                assertWrongThread("x", () -> Activations.forward(Activation.RELU, x, shared));
                assertWrongThread("this", () -> x.to(DType.BF16, shared));
            }
            assertWrongThread("this", h::toFloatArray);
            assertWrongThread("src", () -> free.copyFrom(x));
            assertWrongThread("this", () -> x.copyFrom(free));
            assertWrongThread("this", x::segment);
            Activations.forward(Activation.GELU_ERF, x, y);  // the owner still may
        }
    }

    /** A pool whose first helper is queued but starts only when the test says, and whose second submission fails. */
    static final class FailingPool extends ForkJoinPool {
        final ConcurrentLinkedQueue<Runnable> held = new ConcurrentLinkedQueue<>();
        final AtomicInteger submissions = new AtomicInteger();

        FailingPool() {
            super(3);
        }

        @Override
        public void execute(Runnable task) {
            if (submissions.incrementAndGet() == 1) held.add(task);
            else throw new OutOfMemoryError("unable to create native thread: possibly out of memory");
        }
    }

    @Test
    void noWorkOfAForRangeRunsAfterItThrows() {
        FailingPool pool = new FailingPool();
        AtomicBoolean returned = new AtomicBoolean();
        AtomicInteger lateChunks = new AtomicInteger();
        Parallel parallel = Parallel.of(pool).withGrain(64);
        fails(OutOfMemoryError.class, "native thread", () -> parallel.forRange(100_000, (s, e) -> {
            if (returned.get()) lateChunks.incrementAndGet();
        }));
        returned.set(true);
        assertEquals(1, pool.held.size());
        pool.held.forEach(Runnable::run);  // the queued helper starts late
        assertEquals(0, lateChunks.get(), "chunks ran after forRange threw");
    }

    @Test
    void everyDowncallIsBoundedOnTheSerialPathAndAcrossRowsAndColumns() {
        int n = (1 << 20) + 5, cols = n / 2;  // two rows longer than a downcall: the bound holds across columns too
        float[] x = Harness.inputs(7, n, true), y = new float[n], bias = Harness.gradients(8, cols);
        List<Isa> isas = Actinium.supportedIsas();
        try {
            for (Isa isa : isas) {
                Actinium.useIsa(isa);
                CpuCalls.LARGEST_CALL.reset();
                Activations.forward(Activation.GELU_TANH, Tensor.wrap(x, n), Tensor.wrap(y, n), Parallel.serial());
                Activations.backward(Activation.SILU, Tensor.wrap(x, n), Tensor.wrap(y, n),
                        Tensor.wrap(new float[n], n), Parallel.serial().withGrain(Long.MAX_VALUE));
                Activations.forwardBias(Activation.GELU_ERF, Tensor.wrap(new float[2 * cols], 2, cols),
                        Tensor.wrap(bias, cols), Tensor.wrap(new float[2 * cols], 2, cols), Parallel.serial());
                try (Arena arena = Arena.ofConfined()) {
                    Tensor.wrap(x, n).to(DType.BF16, arena);
                }
                long largest = CpuCalls.LARGEST_CALL.get(), bound = CpuCalls.callElements(isa.code());
                assertTrue(largest > 0 && largest <= bound, isa + ": a downcall of " + largest + ", bound " + bound);
                assertTrue(bound <= CpuCalls.MAX_CALL_ELEMENTS);
            }
        } finally {
            Actinium.useIsa(isas.get(isas.size() - 1));
        }
    }

    @Test
    void biasSplitInsideRowsGivesTheBitsOfWholeRows() {
        for (int[] rc : new int[][] {{2, 300_001}, {3, 70_000}, {1000, 17}, {1, 5}}) {
            int rows = rc[0], cols = rc[1], n = rows * cols;
            float[] x = Harness.inputs(rows, n, true), b = Harness.gradients(cols, cols);
            float[] whole = new float[n], split = new float[n];
            Tensor xt = Tensor.wrap(x, rows, cols), bt = Tensor.wrap(b, cols);
            Activations.forwardBias(Activation.GELU_TANH, xt, bt, Tensor.wrap(whole, rows, cols),
                    Parallel.serial().withGrain(Long.MAX_VALUE));
            Activations.forwardBias(Activation.GELU_TANH, xt, bt, Tensor.wrap(split, rows, cols),
                    Parallel.of(Parallel.newPool(3)).withGrain(1000));
            assertArrayEquals(whole, split, rows + "x" + cols);
        }
    }

    @Test
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)  // an overflow used to park for ever
    void hugeRangesSplitWithoutOverflow() {
        Parallel p = Parallel.of(Parallel.newPool(2)).withGrain(1 << 20);
        for (long n : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1, Long.MAX_VALUE - 64, (1L << 62) + 3}) {
            AtomicLong covered = new AtomicLong();
            AtomicInteger chunks = new AtomicInteger();
            p.forRange(n, (s, e) -> {
                assertTrue(0 <= s && s < e && e <= n, s + ".." + e);
                covered.addAndGet(e - s);
                // an overflowed chunk size once meant 2^43 chunks: fail at once instead of running them
                assertTrue(chunks.incrementAndGet() <= Parallel.MAX_CHUNKS, "more than " + Parallel.MAX_CHUNKS);
            });
            assertEquals(n, covered.get());
            assertTrue(chunks.get() <= Parallel.MAX_CHUNKS, chunks + " chunks");
        }
        assertTrue(Parallel.chunkSize(Long.MAX_VALUE, Long.MAX_VALUE - 3) > 0);
        fails(IllegalArgumentException.class, "n: -1 < 0", () -> p.forRange(-1, (s, e) -> {}));
    }

    static final int[] NANS = {0x7fc00000, 0xffc00000, 0x7fc12345, 0xffd00001, 0x7f800001};

    /** NaNs of every kind at chunk and vector edges; the bits must not depend on the thread count. */
    @Test
    void nanBitsDoNotDependOnTheThreadCount() {
        int grain = 1024, n = 3 * grain + 37;
        float[] x = Harness.inputs(11, n, false), dy = Harness.gradients(12, n);
        for (int chunk = 0; chunk <= n; chunk += grain) {
            for (int d = -17; d <= 17; d++) {
                int i = chunk + d;
                if (i >= 0 && i < n) x[i] = Float.intBitsToFloat(NANS[Math.floorMod(i, NANS.length)]);
                if (i >= 0 && i < n && d % 3 == 0) {
                    dy[i] = Float.intBitsToFloat(NANS[Math.floorMod(i + 1, NANS.length)]);
                }
            }
        }
        Parallel serial = Parallel.serial(), split = Parallel.of(Parallel.newPool(3)).withGrain(grain);
        for (Isa isa : Actinium.supportedIsas()) {
            Actinium.useIsa(isa);
            for (Activation op : Activation.values()) {
                if (op.isGated() || op.isSeeded()) continue;  // GatedActivationsTest, StochasticActivationTest
                for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                    List<int[]> outs = new ArrayList<>();
                    for (Parallel p : new Parallel[] {serial, split}) {
                        try (Arena arena = Arena.ofConfined()) {
                            Tensor xt = Tensor.wrap(x, n).to(dtype, arena), dyt = Tensor.wrap(dy, n).to(dtype, arena);
                            Tensor y = Tensor.allocate(arena, dtype, n), dx = Tensor.allocate(arena, dtype, n);
                            Activations.forward(op, xt, y, p);
                            Activations.backward(op, xt, dyt, dx, p);
                            int[] bits = new int[2 * n];
                            float[] f = y.toFloatArray(), g = dx.toFloatArray();
                            for (int i = 0; i < n; i++) {
                                bits[i] = Float.floatToRawIntBits(f[i]);
                                bits[n + i] = Float.floatToRawIntBits(g[i]);
                            }
                            outs.add(bits);
                        }
                    }
                    assertArrayEquals(outs.get(0), outs.get(1), isa + " " + op + " " + dtype);
                }
            }
        }
        Actinium.useIsa(Actinium.supportedIsas().get(Actinium.supportedIsas().size() - 1));
    }

    @Test
    void oneCallRunsOnOneIsaWhileAnotherThreadSwitches() throws Exception {
        List<Isa> isas = Actinium.supportedIsas();
        Isa best = isas.get(isas.size() - 1), scalar = isas.get(0);
        if (best == scalar) return;  // nothing to switch between on this CPU
        int n = 1 << 19;
        float[] x = Harness.inputs(5, n, false);
        float[][] expected = new float[2][n];
        Actinium.useIsa(scalar);
        Activations.forward(Activation.GELU_ERF, Tensor.wrap(x, n), Tensor.wrap(expected[0], n), Parallel.serial());
        Actinium.useIsa(best);
        Activations.forward(Activation.GELU_ERF, Tensor.wrap(x, n), Tensor.wrap(expected[1], n), Parallel.serial());
        assertFalse(java.util.Arrays.equals(expected[0], expected[1]), "the ISAs must differ for a mix to show");
        AtomicBoolean stop = new AtomicBoolean();
        Thread switcher = new Thread(() -> {
            for (int k = 0; !stop.get(); k++) Actinium.useIsa(k % 2 == 0 ? scalar : best);
        });
        switcher.start();
        try {
            Parallel p = Parallel.of(Parallel.newPool(2)).withGrain(4096);
            for (int call = 0; call < 12; call++) {
                float[] y = new float[n];
                Activations.forward(Activation.GELU_ERF, Tensor.wrap(x, n), Tensor.wrap(y, n), p);
                assertTrue(java.util.Arrays.equals(y, expected[0]) || java.util.Arrays.equals(y, expected[1]),
                        "call " + call + " mixed elements of two ISAs");
            }
        } finally {
            stop.set(true);
            switcher.join();
            Actinium.useIsa(best);
        }
    }

    @Test
    void reluBackwardIsASelectAsInPyTorch() {
        float[] x = {-1f, 0f, 2f, Float.NaN}, dx = new float[4];
        float[] dy = {Float.NaN, Float.POSITIVE_INFINITY, Float.NaN, 3f};
        Activations.backward(Activation.RELU, Tensor.wrap(x, 4), Tensor.wrap(dy, 4), Tensor.wrap(dx, 4));
        assertEquals(0f, dx[0]);
        assertEquals(0f, dx[1]);
        assertTrue(Float.isNaN(dx[2]) && Float.isNaN(dx[3]));
    }

    /** A pool that closes an arena when the split call hands it work: after the checks, before the chunks. */
    static Parallel closingOnSubmit(Arena arena) {
        return Parallel.of(new ForkJoinPool(2) {
            @Override
            public void execute(Runnable task) {
                if (arena.scope().isAlive()) arena.close();
                super.execute(task);
            }
        }).withGrain(64);
    }

    @Test
    void anArenaClosedDuringACallIsNamedByItsTensor() {
        int n = 10_000;
        Arena a1 = Arena.ofShared();
        Tensor x1 = Tensor.allocate(a1, DType.F32, n);
        IllegalStateException e = fails(IllegalStateException.class, "x: the tensor's arena was closed during the call",
                () -> Activations.forward(Activation.SILU, x1, Tensor.wrap(new float[n], n), closingOnSubmit(a1)));
        assertTrue(e.getCause() != null);
        Arena a2 = Arena.ofShared();
        Tensor dx = Tensor.allocate(a2, DType.F32, n);
        fails(IllegalStateException.class, "dx: the tensor's arena was closed during the call",
                () -> Activations.backward(Activation.SILU, Tensor.wrap(new float[n], n), Tensor.wrap(new float[n], n),
                        dx, closingOnSubmit(a2)));
    }

    @Test
    void cudaWhereCudaIsAbsentFailsTheSameWayOnEveryCall() {
        if (Actinium.info().cudaAvailable()) return;
        Tensor g = Tensor.wrapAddress(1L << 20, DType.F32, Device.cuda(0), 16);
        List<String> messages = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            ActiniumException e = assertThrows(ActiniumException.class,
                    () -> Activations.forward(Activation.RELU, g, g));
            assertEquals(dev.actinium.bindings.ActiniumNative.AK_ERR_NO_DEVICE, e.status());
            messages.add(e.getMessage());
        }
        assertTrue(messages.get(0).startsWith("x: device cuda:0 is not available: "), messages.get(0));
        assertEquals(messages.get(0), messages.get(2));
        try (Arena arena = Arena.ofConfined()) {
            for (int k = 0; k < 2; k++) {
                fails(ActiniumException.class, "device cuda:0 is not available",
                        () -> Tensor.allocate(arena, DType.F32, Device.cuda(0), 4));
            }
        }
        RuntimeException sync = assertThrows(RuntimeException.class, () -> Actinium.synchronize(Device.cuda(0)));
        assertSame(ActiniumException.class, sync.getClass());
    }
}
