package dev.actinium;

import dev.actinium.act.Activation;
import dev.actinium.act.Activations;
import dev.actinium.act.Learnable;
import dev.actinium.act.LearnableActivation;
import dev.actinium.act.LearnableActivations;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.actinium.bindings.NativeLibraries;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CUDA path end to end from Java, against the same float64 reference and bounds as the CPU.
 * Runs on a GPU, and in every build on the CUDA library built against the CPU emulation of CUDA
 * (java-api's pom runs it a second time with {@code actinium.cuda.emulation}); skipped, with the
 * reason, where neither is there.
 */
class CudaTest {
    static final Device GPU = Device.cuda(0);
    // Large enough for many grid strides: 1M on a GPU; the emulated device has 2 multiprocessors (and
    // the C++ test_cuda runs the emulated kernels on larger sizes at a fraction of the cost).
    static final int LARGE = System.getProperty(NativeLibraries.CUDA_EMULATION_PROPERTY) != null ? 1 << 16 : 1 << 20;

    @BeforeEach
    void requireGpu() {
        Actinium.Info info = Actinium.info();
        if (System.getProperty(NativeLibraries.CUDA_EMULATION_PROPERTY) != null) {
            // The emulated run must run: a library that failed to load is a failure, not a skip.
            assertTrue(info.cudaAvailable(), () -> "the emulated CUDA library: " + info.cudaUnavailableReason());
            assertEquals("CUDA emulation on the CPU", info.cudaDevices().get(0).name());
        }
        assumeTrue(info.cudaAvailable(), () -> "no GPU: " + info.cudaUnavailableReason());
    }

    @Test
    void everyActivationForwardBackwardBiasOnTheGpu() {
        for (Activation op : Activation.values()) {
            if (op.isGated() || op.isSeeded()) continue;  // GatedActivationsTest, StochasticActivationTest
            OpInfo info = OpInfo.of(op);
            for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                for (int n : new int[] {1, 15, 17, 65, 4097, LARGE, LARGE + 3}) {
                    for (int offset : new int[] {0, 1}) check(info, dtype, n, offset);
                }
            }
        }
    }

    /**
     * Every learnable activation on the device, one parameter set, groups and per channel, against the
     * float64 reference with the CPU's bounds; the parameter gradient the same bits on a second run. With a
     * fused bias too, against the reference at fp32(x + bias).
     */
    @Test
    void learnableActivationsOnTheGpu() {
        for (LearnableActivation spec : LearnableActivationsTest.specs()) {
            for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                for (long[] grouping : new long[][] {{96, 1}, {96, 4}, {40, LearnableActivation.PER_CHANNEL}}) {
                    checkLearnable(LearnableActivationsTest.grouped(spec, grouping[1]), dtype, grouping[0], 37, false);
                }
            }
            checkLearnable(spec.withGroups(4), DType.F32, 96, 37, true);
            checkLearnable(spec.perChannel(), DType.BF16, 40, 37, true);
        }
        // Many grid strides and blocks for the one-group reduction.
        checkLearnable(LearnableActivation.rational(5, 4), DType.F32, 512, LARGE / 512, false);
        checkLearnable(LearnableActivation.rational(5, 4), DType.F32, 512, LARGE / 512, true);
        checkLearnable(LearnableActivation.of(Learnable.DYT).perChannel(), DType.F32, 512, LARGE / 512, false);
        for (int order = 1; order <= 3; order++) {
            for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                for (long[] grouping : PolyNormTest.GROUPINGS) {
                    LearnableActivation f = LearnableActivationsTest.grouped(LearnableActivation.polynorm(order),
                            grouping[1]);
                    PolyNormTest.check(f, dtype, grouping[0], 37, order * 101L + grouping[0], GPU, "gpu");
                }
            }
        }
        PolyNormTest.checkInPlace(GPU, "gpu");
        // Rows longer than a block's threads, and more rows than blocks.
        PolyNormTest.check(LearnableActivation.polynorm(3), DType.F32, 1000, LARGE / 1000, 5, GPU, "gpu");
    }

    private static void checkLearnable(LearnableActivation f, DType dtype, long channels, int rows, boolean withBias) {
        int n = (int) (rows * channels);
        java.util.Random r = new java.util.Random(n * 31L + f.hashCode());
        float[] params = LearnableActivationsTest.randomParams(f, channels, r);
        float[] x = Harness.stored(LearnableActivationsTest.moderateInputs(r, n), dtype);
        float[] dy = new float[n];
        for (int i = 0; i < n; i++) dy[i] = (float) r.nextGaussian();
        dy = Harness.stored(dy, dtype);
        float[] bias = new float[(int) channels];
        for (int c = 0; c < channels && withBias; c++) bias[c] = (float) (r.nextGaussian() * 0.5);
        bias = Harness.stored(bias, dtype);
        float[] z = x.clone();  // what f is applied to: fp32(x + bias)
        for (int i = 0; i < n && withBias; i++) z[i] = x[i] + bias[(int) (i % channels)];
        try (Arena arena = Arena.ofShared()) {
            Tensor pd = Tensor.allocate(arena, DType.F32, GPU, params.length);
            pd.copyFrom(Tensor.wrap(params, params.length));
            Tensor xd = Tensor.allocate(arena, dtype, GPU, rows, channels);
            Tensor dyd = Tensor.allocate(arena, dtype, GPU, rows, channels);
            Tensor out = Tensor.allocate(arena, dtype, GPU, rows, channels);
            Tensor dpd = Tensor.allocate(arena, DType.F32, GPU, params.length);
            xd.copyFrom(host(arena, dtype, x).reshape(rows, channels));
            dyd.copyFrom(host(arena, dtype, dy).reshape(rows, channels));
            Tensor bd = Tensor.allocate(arena, dtype, GPU, channels);
            bd.copyFrom(host(arena, dtype, bias));
            if (withBias) LearnableActivations.forwardBias(f, pd, xd, bd, out);
            else LearnableActivations.forward(f, pd, xd, out);
            float[] y = out.toFloatArray();
            Runnable backward = withBias ? () -> LearnableActivations.backwardBias(f, pd, xd, bd, dyd, out, dpd)
                    : () -> LearnableActivations.backward(f, pd, xd, dyd, out, dpd);
            backward.run();
            float[] dx = out.toFloatArray(), dp = dpd.toFloatArray();
            try {
                LearnableActivationsTest.verify(f, dtype, channels, params, z, dy, y, dx, dp, withBias ? "gpu-bias"
                        : "gpu");
            } catch (AssertionError e) {
                throw new AssertionError(f + " " + dtype + " rows=" + rows + (withBias ? " with a bias" : "") + ": "
                        + e.getMessage(), e);
            }
            backward.run();
            assertArrayEquals(dp, dpd.toFloatArray(), f + " " + dtype + ": a second run's parameter gradient");
        }
    }

    private static void check(OpInfo info, DType dtype, int n, int offset) {
        String what = info.op() + " " + dtype + " n=" + n + " offset=" + offset;
        float[] x = Harness.stored(Harness.inputs(n + offset, n + 8, true), dtype);
        float[] dy = Harness.stored(Harness.gradients(n, n + 8), dtype);
        try (Arena arena = Arena.ofShared()) {
            // device buffers with room for the offset, so views start misaligned for the packet path
            Tensor xd = Tensor.allocate(arena, dtype, GPU, n + 8).slice(offset, offset + n);
            Tensor dyd = Tensor.allocate(arena, dtype, GPU, n + 8).slice(offset, offset + n);
            Tensor yd = Tensor.allocate(arena, dtype, GPU, n + 8).slice(offset, offset + n);
            float[] xs = java.util.Arrays.copyOfRange(x, 0, n), dys = java.util.Arrays.copyOfRange(dy, 0, n);
            xd.copyFrom(host(arena, dtype, xs));
            dyd.copyFrom(host(arena, dtype, dys));
            yd.copyFrom(host(arena, dtype, filled(n, Harness.POISON)));

            Activations.forward(info.op(), xd, yd);
            double[] ref = new double[n], extra = new double[n];
            for (int i = 0; i < n; i++) {
                ref[i] = info.forward(xs[i]);
                extra[i] = info.conditioning().at(info.op(), xs[i], false);
            }
            Harness.compare(what + " forward", info, dtype, "gpu forward", xs, yd.toFloatArray(), ref, null, extra);

            Activations.backward(info.op(), xd, dyd, yd);
            for (int i = 0; i < n; i++) {
                ref[i] = info.gradient(info.op(), xs[i], dys[i]);
                extra[i] = info.conditioning().at(info.op(), xs[i], true) + OpInfo.gradientClaim(info.op(), xs[i],
                        dys[i]);
            }
            Harness.compare(what + " backward", info, dtype, "gpu backward", xs, yd.toFloatArray(), ref, dys, extra);

            int cols = java.util.stream.IntStream.of(17, 16, 13, 5, 3, 1)
                    .filter(c -> n % c == 0).findFirst().getAsInt();  // odd row lengths where n allows
            Tensor bias = dyd.slice(0, cols);
            Tensor y2 = Tensor.allocate(arena, dtype, GPU, n / cols, cols);
            Activations.forwardBias(info.op(), xd.reshape(n / cols, cols), bias, y2);
            float[] sum = new float[n];
            for (int i = 0; i < n; i++) {
                sum[i] = xs[i] + dys[i % cols];
                ref[i] = info.forward(sum[i]);
                extra[i] = info.conditioning().at(info.op(), sum[i], false);
            }
            Harness.compare(what + " bias", info, dtype, "gpu bias", sum, y2.toFloatArray(), ref, null, extra);
        }
    }

    private static Tensor host(Arena arena, DType dtype, float[] values) {
        Tensor f32 = Tensor.wrap(values, values.length);
        return dtype == DType.F32 ? f32 : f32.to(dtype, arena);
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Test
    void copiesRoundTrip() {
        float[] data = Harness.inputs(7, 100_003, false);
        try (Arena arena = Arena.ofShared()) {
            Tensor d = Tensor.wrap(data, data.length).to(GPU, arena);
            Tensor d2 = Tensor.allocate(arena, DType.F32, GPU, data.length);
            d2.copyFrom(d);
            assertArrayEquals(data, d2.toFloatArray());
        }
    }
}
