package dev.actinium;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every activation x every ISA this CPU runs x F32/BF16 x forward/backward/bias, against the
 * float64 reference of OpInfo, at edge sizes and unaligned offsets, with poisoned outputs and
 * guards, each once on the calling thread with plain stores and once split over two threads
 * with streaming stores.
 */
class ActivationsTest {
    static final int[] SIZES = {0, 1, 15, 16, 17, 63, 64, 65, 1000, 100_003};
    static final int[] OFFSETS = {0, 1, 3};
    static final Parallel SERIAL = Parallel.serial().withStreamThreshold(Long.MAX_VALUE);
    static final Parallel SPLIT_STREAMING = Parallel.of(Parallel.newPool(2)).withGrain(4096).withStreamThreshold(0);

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Isa isa : Actinium.supportedIsas())
            for (Activation op : Activation.values())
                for (DType dtype : new DType[] {DType.F32, DType.BF16}) list.add(Arguments.of(isa, op, dtype));
        return list.stream();
    }

    @Test
    void everyActivationHasAReference() {
        for (Activation op : Activation.values()) assertEquals(op, OpInfo.of(op).op());
    }

    @Test
    void everyIsaTheCpuSupportsIsTested() {
        // On an AVX-512 machine all three variants run; the list comes from cpuid, not from here.
        List<Isa> supported = Actinium.supportedIsas();
        assertEquals(Isa.SCALAR, supported.get(0));
        System.out.println("ISA variants tested on this machine: " + supported);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void forward(Isa isa, Activation op, DType dtype) {
        Actinium.useIsa(isa);
        OpInfo info = OpInfo.of(op);
        long seed = Harness.SEEDS.nextLong();
        for (int n : SIZES) {
            float[] x = Harness.stored(Harness.inputs(seed + n, n, true), dtype);
            double[] ref = new double[n];
            for (int i = 0; i < n; i++) ref[i] = info.forward(x[i]);
            for (int offset : OFFSETS) {
                for (Parallel p : new Parallel[] {SERIAL, SPLIT_STREAMING}) {
                    String what = String.format("%s %s %s forward n=%d offset=%d threads=%d seed=%d", isa, op, dtype, n, offset, p.parallelism(), seed);
                    try (Arena arena = Arena.ofConfined()) {
                        Harness.Placed in = Harness.place(arena, dtype, x, offset, n);
                        Harness.Placed out = Harness.poisoned(arena, dtype, n, (offset + 1) % 4, n);
                        Activations.forward(op, in.tensor(), out.tensor(), p);
                        Harness.compare(what, info, dtype, "forward", x, Harness.read(out, what), ref, null);
                        // in place gives the same bits
                        Activations.forward(op, in.tensor(), in.tensor(), p);
                        assertEquals(java.util.Arrays.toString(Harness.read(out, what)), java.util.Arrays.toString(Harness.read(in, what + " in place")), what + " in place");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void backward(Isa isa, Activation op, DType dtype) {
        Actinium.useIsa(isa);
        OpInfo info = OpInfo.of(op);
        long seed = Harness.SEEDS.nextLong();
        for (int n : SIZES) {
            float[] x = Harness.stored(Harness.inputs(seed + n, n, true), dtype);
            float[] dy = Harness.stored(Harness.gradients(seed + n, n), dtype);
            double[] ref = new double[n];
            for (int i = 0; i < n; i++) ref[i] = Float.isNaN(x[i]) ? Double.NaN : (double) dy[i] * info.derivative(x[i]);
            for (int offset : OFFSETS) {
                for (Parallel p : new Parallel[] {SERIAL, SPLIT_STREAMING}) {
                    String what = String.format("%s %s %s backward n=%d offset=%d threads=%d seed=%d", isa, op, dtype, n, offset, p.parallelism(), seed);
                    try (Arena arena = Arena.ofConfined()) {
                        Harness.Placed xin = Harness.place(arena, dtype, x, offset, n);
                        Harness.Placed gin = Harness.place(arena, dtype, dy, (offset + 2) % 4, n);
                        Harness.Placed out = Harness.poisoned(arena, dtype, n, (offset + 1) % 4, n);
                        Activations.backward(op, xin.tensor(), gin.tensor(), out.tensor(), p);
                        Harness.compare(what, info, dtype, "backward", x, Harness.read(out, what), ref, dy);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void forwardBias(Isa isa, Activation op, DType dtype) {
        Actinium.useIsa(isa);
        OpInfo info = OpInfo.of(op);
        long seed = Harness.SEEDS.nextLong();
        int[][] shapes = {{1, 1}, {3, 7}, {5, 16}, {4, 17}, {2, 65}, {97, 33}, {300, 1000}, {1, 0}, {0, 5}};
        for (int[] rc : shapes) {
            int rows = rc[0], cols = rc[1], n = rows * cols;
            float[] x = Harness.stored(Harness.inputs(seed + n, n, true), dtype);
            float[] b = Harness.stored(Harness.gradients(seed + cols, cols), dtype);
            double[] ref = new double[n];
            for (int i = 0; i < n; i++) ref[i] = info.forward((float) (x[i] + b[i % cols]));  // the add is fp32
            for (int offset : OFFSETS) {
                for (Parallel p : new Parallel[] {SERIAL, SPLIT_STREAMING.withGrain(1024)}) {
                    String what = String.format("%s %s %s bias %dx%d offset=%d threads=%d seed=%d", isa, op, dtype, rows, cols, offset, p.parallelism(), seed);
                    try (Arena arena = Arena.ofConfined()) {
                        Harness.Placed xin = Harness.place(arena, dtype, x, offset, rows, cols);
                        Harness.Placed bin = Harness.place(arena, dtype, b, (offset + 1) % 4, cols);
                        Harness.Placed out = Harness.poisoned(arena, dtype, n, (offset + 2) % 4, rows, cols);
                        Activations.forwardBias(op, xin.tensor(), bin.tensor(), out.tensor(), p);
                        float[] sum = new float[n];
                        for (int i = 0; i < n; i++) sum[i] = x[i] + b[i % cols];
                        Harness.compare(what, info, dtype, "bias", sum, Harness.read(out, what), ref, null);
                    }
                }
            }
        }
    }

    @AfterAll
    static void report() {
        Actinium.useIsa(Actinium.supportedIsas().get(Actinium.supportedIsas().size() - 1));
        Map<String, double[]> sorted = new TreeMap<>(Harness.MEASURED);
        System.out.println("Measured max error against float64 (relative where |ref| >= 1e-6 * scale; fraction of the bound used):");
        sorted.forEach((k, v) -> System.out.printf("  %-28s rel %.3g  bound used %.2f%n", k, v[0], v[1]));
    }
}
