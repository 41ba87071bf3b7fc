package dev.actinium;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.actinium.act.Activation;
import dev.actinium.act.ActivationFunction;
import dev.actinium.act.Activations;
import dev.actinium.act.Reference;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
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
 * Every element-wise activation x every ISA this CPU runs x F32/BF16/F16 x forward, backward
 * (from the input, and from the output where offered), bias-fused forward and backward, against
 * the float64 reference of OpInfo, at edge sizes and unaligned offsets, with poisoned outputs and
 * guards, each once on the calling thread with plain stores and once split over two threads with
 * streaming stores; then every parametric op with parameters other than its defaults.
 * Gated ops: GatedActivationsTest; stochastic ones: StochasticActivationTest.
 */
class ActivationsTest {
    static final int[] SIZES = {0, 1, 15, 16, 17, 63, 64, 65, 1000, 30_011};
    static final int[] OFFSETS = {0, 1, 3};
    static final DType[] DTYPES = {DType.F32, DType.BF16, DType.F16};
    static final Parallel SERIAL = Parallel.serial().withStreamThreshold(Long.MAX_VALUE);
    static final Parallel SPLIT_STREAMING = Parallel.of(Parallel.newPool(2)).withGrain(4096).withStreamThreshold(0);

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Isa isa : Actinium.supportedIsas())
            for (Activation op : Activation.values())
                if (!op.isGated() && !op.isSeeded()) for (DType dtype : DTYPES) list.add(Arguments.of(isa, op, dtype));
        return list.stream();
    }

    /** Each parametric op with parameters other than its defaults, on the best ISA, F32. */
    static Stream<Arguments> parametric() {
        List<Arguments> list = new ArrayList<>();
        for (Activation op : Activation.values()) {
            if (!op.isGated() && !op.isSeeded() && !op.parameters().isEmpty()) list.add(Arguments.of(other(op)));
        }
        return list.stream();
    }

    /** Valid parameters away from the defaults: 1.7 default + 0.3, or 3.5 for an infinite default. */
    static ActivationFunction other(Activation op) {
        float[] p = op.params();
        for (int i = 0; i < p.length; i++) {
            Activation.Parameter par = op.parameters().get(i);
            p[i] = Float.isInfinite(p[i]) ? 3.5f : Math.min(par.max(), 1.7f * p[i] + 0.3f);
        }
        return op.with(p);
    }

    @Test
    void everyActivationHasARow() {
        for (Activation op : Activation.values()) if (!op.isGated()) assertEquals(op, OpInfo.of(op).op());
    }

    @Test
    void everyIsaTheCpuSupportsIsTested() {
        // With AVX512_BF16 all four variants run; the list comes from cpuid, not from here.
        List<Isa> supported = Actinium.supportedIsas();
        assertEquals(Isa.SCALAR, supported.get(0));
        System.out.println("ISA variants tested on this machine: " + supported);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void forward(Isa isa, Activation op, DType dtype) {
        Actinium.useIsa(isa);
        checkForward(isa + " " + op + " " + dtype, op, dtype);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parametric")
    void forwardWithParameters(ActivationFunction f) {
        checkForward(f.toString(), f, DType.F32);
    }

    static void checkForward(String name, ActivationFunction f, DType dtype) {
        OpInfo info = OpInfo.of(f.op());
        long seed = Harness.SEEDS.nextLong();
        for (int n : SIZES) {
            float[] x = Harness.stored(Harness.inputs(seed + n, n, true), dtype);
            double[] ref = new double[n], extra = new double[n];
            for (int i = 0; i < n; i++) {
                ref[i] = Reference.forward(f, x[i]);
                extra[i] = info.conditioning().at(f, x[i], false);
            }
            for (int offset : OFFSETS) {
                for (Parallel p : new Parallel[] {SERIAL, SPLIT_STREAMING}) {
                    String what = String.format("%s forward n=%d offset=%d threads=%d seed=%d", name, n, offset,
                            p.parallelism(), seed);
                    try (Arena arena = Arena.ofConfined()) {
                        Harness.Placed in = Harness.place(arena, dtype, x, offset, n);
                        Harness.Placed out = Harness.poisoned(arena, dtype, n, (offset + 1) % 4, n);
                        Activations.forward(f, in.tensor(), out.tensor(), p);
                        Harness.compare(what, info, dtype, "forward", x, Harness.read(out, what), ref, null, extra);
                        // in place gives the same bits
                        Activations.forward(f, in.tensor(), in.tensor(), p);
                        assertEquals(Arrays.toString(Harness.read(out, what)), Arrays.toString(Harness.read(in, what
                                + " in place")), what
                                        + " in place");
                    }
                }
            }
        }
    }

    /**
     * Every parametric op with each parameter at the extremes of its range (and near them, where
     * it is divided by), the others at their defaults: finite inputs never give NaN, forward or
     * backward (infinities may: the true value overflows).
     */
    @Test
    void extremeParametersGiveNoNaNForFiniteInputs() {
        float[] x = Harness.inputs(17, 4099, false);
        for (int k = 0; k < 64; k++) x[k * 61] = (float) Math.scalb(1.0, -126 + 4 * k) * (k % 2 == 0 ? 1 : -1);
        float[] dy = Harness.gradients(18, x.length);
        for (Activation op : Activation.values()) {
            if (op.isGated() || op.isSeeded()) continue;
            for (int i = 0; i < op.parameters().size(); i++) {
                Activation.Parameter par = op.parameters().get(i);
                float[] candidates = {par.min(), par.max(), Float.MIN_NORMAL, -Float.MIN_NORMAL, 1e-30f, -1e30f, 1e30f,
                        Float.MAX_VALUE, -Float.MAX_VALUE};
                for (float v : candidates) {
                    if (!(v >= par.min() && v <= par.max()) || Float.isInfinite(v)) continue;
                    float[] p = op.params();
                    p[i] = v;
                    ActivationFunction f;
                    try {
                        f = op.with(p);
                    } catch (IllegalArgumentException e) {
                        continue;  // a rule between parameters (max_val > min_val, beta != 0)
                    }
                    float[] y = new float[x.length], dx = new float[x.length];
                    Activations.forward(f, Tensor.wrap(x, x.length), Tensor.wrap(y, y.length));
                    Activations.backward(f, Tensor.wrap(x, x.length), Tensor.wrap(dy, dy.length), Tensor.wrap(dx,
                            dx.length));
                    for (int j = 0; j < x.length; j++) {
                        String at = f + " at x = " + x[j] + ", dy = " + dy[j];
                        assertEquals(false, Float.isNaN(y[j]), at + ": forward NaN");
                        assertEquals(false, Float.isNaN(dx[j]) && !Float.isInfinite(dy[j]), at + ": backward NaN");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void backward(Isa isa, Activation op, DType dtype) {
        Actinium.useIsa(isa);
        checkBackward(isa + " " + op + " " + dtype, op, dtype);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("parametric")
    void backwardWithParameters(ActivationFunction f) {
        checkBackward(f.toString(), f, DType.F32);
    }

    /** Backward from x, and from y = f(x) as the kernel stored it where the op offers that. */
    static void checkBackward(String name, ActivationFunction f, DType dtype) {
        OpInfo info = OpInfo.of(f.op());
        long seed = Harness.SEEDS.nextLong();
        boolean fromOutput = f.op().hasBackwardFromOutput() && !(f.op() == Activation.LEAKY_RELU && f.params()[0] < 0);
        double unit = dtype == DType.F32 ? 0x1p-24 : dtype == DType.BF16 ? 0x1p-9 : 0x1p-12;
        for (int n : SIZES) {
            float[] x = Harness.stored(Harness.inputs(seed + n, n, true), dtype);
            float[] dy = Harness.stored(Harness.gradients(seed + n, n), dtype);
            double[] ref = new double[n], extra = new double[n];
            for (int i = 0; i < n; i++) {
                ref[i] = info.gradient(f, x[i], dy[i]);
                extra[i] = info.conditioning().at(f, x[i], true) + OpInfo.gradientClaim(f, x[i], dy[i]);
            }
            for (int offset : OFFSETS) {
                for (Parallel p : new Parallel[] {SERIAL, SPLIT_STREAMING}) {
                    String what = String.format("%s backward n=%d offset=%d threads=%d seed=%d", name, n, offset,
                            p.parallelism(), seed);
                    try (Arena arena = Arena.ofConfined()) {
                        Harness.Placed xin = Harness.place(arena, dtype, x, offset, n);
                        Harness.Placed gin = Harness.place(arena, dtype, dy, (offset + 2) % 4, n);
                        Harness.Placed out = Harness.poisoned(arena, dtype, n, (offset + 1) % 4, n);
                        Activations.backward(f, xin.tensor(), gin.tensor(), out.tensor(), p);
                        Harness.compare(what, info, dtype, "backward", x, Harness.read(out, what), ref, dy, extra);
                        if (!fromOutput) continue;
                        // y as the forward stores it; f' from y errs by what y's own error does to it:
                        // |d f'/dy| times the rounding u plus the forward's fp32 error (tanh's rational
                        // forward errs by several u), at most 2 (1 + y^2) for these ops.
                        Activations.forward(f, xin.tensor(), out.tensor(), p);
                        float[] y = Harness.read(out, what + " y");
                        double[] fromY = new double[n];
                        boolean flushing = dtype == DType.BF16 && Harness.flushesBf16Subnormals("backward");
                        for (int i = 0; i < n; i++) {
                            double yError = unit + info.rtolF32() * Math.abs(y[i]) + info.atolF32();
                            fromY[i] = 2 * (1 + (double) y[i] * y[i]) * yError + extra[i];
                            // A result below 2^-126 stored as 0 (avx512_bf16) names the point y = 0:
                            // relu's gradient there is 0, not dy. No claim for those elements.
                            double fx = Reference.forward(f, x[i]);
                            if (flushing && y[i] == 0 && fx != 0 && Math.abs(fx) < 0x1p-126) {
                                fromY[i] = Double.POSITIVE_INFINITY;
                            }
                        }
                        Harness.Placed yin = Harness.place(arena, dtype, y, offset, n);
                        Harness.Placed out2 = Harness.poisoned(arena, dtype, n, (offset + 3) % 4, n);
                        Activations.backwardFromOutput(f, yin.tensor(), gin.tensor(), out2.tensor(), p);
                        Harness.compare(what + " from output", info, dtype, "backward from output", x,
                                Harness.read(out2, what), ref, dy, fromY);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void bias(Isa isa, Activation op, DType dtype) {
        Actinium.useIsa(isa);
        OpInfo info = OpInfo.of(op);
        long seed = Harness.SEEDS.nextLong();
        int[][] shapes = {{1, 1}, {3, 7}, {5, 16}, {4, 17}, {2, 65}, {97, 33}, {300, 100}, {1, 0}, {0, 5}};
        for (int[] rc : shapes) {
            int rows = rc[0], cols = rc[1], n = rows * cols;
            float[] x = Harness.stored(Harness.inputs(seed + n, n, true), dtype);
            float[] b = Harness.stored(Harness.gradients(seed + cols, cols), dtype);
            float[] dy = Harness.stored(Harness.gradients(seed + n + 1, n), dtype);
            float[] sum = new float[n];
            double[] ref = new double[n], grad = new double[n], extra = new double[n], extraGrad = new double[n];
            for (int i = 0; i < n; i++) {
                sum[i] = x[i] + b[i % cols];  // the add is fp32
                ref[i] = Reference.forward(op, sum[i]);
                grad[i] = info.gradient(op, sum[i], dy[i]);
                extra[i] = info.conditioning().at(op, sum[i], false);
                extraGrad[i] = info.conditioning().at(op, sum[i], true) + OpInfo.gradientClaim(op, sum[i], dy[i]);
            }
            for (int offset : OFFSETS) {
                for (Parallel p : new Parallel[] {SERIAL, SPLIT_STREAMING.withGrain(1024)}) {
                    String what = String.format("%s %s %s bias %dx%d offset=%d threads=%d seed=%d", isa, op, dtype,
                            rows, cols, offset, p.parallelism(),
                                    seed);
                    try (Arena arena = Arena.ofConfined()) {
                        Harness.Placed xin = Harness.place(arena, dtype, x, offset, rows, cols);
                        Harness.Placed bin = Harness.place(arena, dtype, b, (offset + 1) % 4, cols);
                        Harness.Placed gin = Harness.place(arena, dtype, dy, (offset + 3) % 4, rows, cols);
                        Harness.Placed out = Harness.poisoned(arena, dtype, n, (offset + 2) % 4, rows, cols);
                        Activations.forwardBias(op, xin.tensor(), bin.tensor(), out.tensor(), p);
                        Harness.compare(what, info, dtype, "bias", sum, Harness.read(out, what), ref, null, extra);
                        Activations.backwardBias(op, xin.tensor(), bin.tensor(), gin.tensor(), out.tensor(), p);
                        Harness.compare(what + " backward", info, dtype, "bias backward", sum, Harness.read(out, what),
                                grad, dy, extraGrad);
                    }
                }
            }
        }
    }

    @AfterAll
    static void report() {
        Actinium.useIsa(Actinium.supportedIsas().get(Actinium.supportedIsas().size() - 1));
        Map<String, double[]> sorted = new TreeMap<>(Harness.MEASURED);
        System.out.println("Measured max error against float64 (relative where |ref| >= 1e-6 * scale; "
                + "fraction of the bound used):");
        sorted.forEach((k, v) -> System.out.printf("  %-40s rel %.3g  bound used %.2f%n", k, v[0], v[1]));
    }
}
