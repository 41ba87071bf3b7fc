package dev.actinium;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The CUDA path end to end from Java, against the same float64 reference and bounds as the CPU.
 * Skipped, with the reason, where there is no usable GPU.
 */
class CudaTest {
    static final Device GPU = Device.cuda(0);

    @BeforeEach
    void requireGpu() {
        Actinium.Info info = Actinium.info();
        assumeTrue(info.cudaAvailable(), () -> "no GPU: " + info.cudaUnavailableReason());
    }

    @Test
    void everyActivationForwardBackwardBiasOnTheGpu() {
        for (Activation op : Activation.values()) {
            OpInfo info = OpInfo.of(op);
            for (DType dtype : new DType[] {DType.F32, DType.BF16}) {
                for (int n : new int[] {1, 15, 17, 65, 1 << 20, (1 << 20) + 3}) {
                    for (int offset : new int[] {0, 1}) check(info, dtype, n, offset);
                }
            }
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
            double[] ref = new double[n];
            for (int i = 0; i < n; i++) ref[i] = info.forward(xs[i]);
            Harness.compare(what + " forward", info, dtype, "gpu forward", xs, yd.toFloatArray(), ref, null);

            Activations.backward(info.op(), xd, dyd, yd);
            for (int i = 0; i < n; i++) ref[i] = Float.isNaN(xs[i]) ? Double.NaN : dys[i] * info.derivative(xs[i]);
            Harness.compare(what + " backward", info, dtype, "gpu backward", xs, yd.toFloatArray(), ref, dys);

            int cols = n % 16 == 0 ? 16 : 1;
            Tensor bias = dyd.slice(0, cols);
            Tensor y2 = Tensor.allocate(arena, dtype, GPU, n / cols, cols);
            Activations.forwardBias(info.op(), xd.reshape(n / cols, cols), bias, y2);
            float[] sum = new float[n];
            for (int i = 0; i < n; i++) {
                sum[i] = xs[i] + dys[i % cols];
                ref[i] = info.forward(sum[i]);
            }
            Harness.compare(what + " bias", info, dtype, "gpu bias", sum, y2.toFloatArray(), ref, null);
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
