package dev.actinium;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.actinium.act.Activation;
import dev.actinium.act.ActivationFunction;
import dev.actinium.act.Activations;
import dev.actinium.act.GateHalf;
import dev.actinium.act.Reference;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every gated op x every ISA x F32/BF16/F16 x both half conventions x with and without bias:
 * forward and both halves' gradients against the float64 reference of its gate function and
 * g(up), at shapes with odd widths, unaligned offsets, poisoned outputs and guards, serial and
 * split over two threads; the backward once more in place (dx = x).
 */
class GatedActivationsTest {
    static final int[][] SHAPES = {{1, 1}, {3, 7}, {5, 16}, {4, 17}, {97, 33}, {300, 65}, {0, 3}};

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Isa isa : Actinium.supportedIsas())
            for (Activation op : Activation.values())
                if (op.isGated()) for (DType dtype : ActivationsTest.DTYPES) list.add(Arguments.of(isa, op, dtype));
        return list.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void gated(Isa isa, Activation op, DType dtype) {
        Actinium.useIsa(isa);
        ActivationFunction gate = Reference.gate(op);
        // The gate's bound, plus the rounding of the product.
        OpInfo gateInfo = OpInfo.of(gate.op());
        OpInfo info = new OpInfo(op, gateInfo.rtolF32() + 1.2e-7, gateInfo.atolF32(), OpInfo.WELL);
        long seed = Harness.SEEDS.nextLong();
        for (int[] rc : SHAPES) {
            int rows = rc[0], cols = rc[1], n = rows * cols;
            float[] x = Harness.stored(Harness.inputs(seed + n, 2 * n, true), dtype);
            float[] bias = Harness.stored(Harness.gradients(seed + cols, 2 * cols), dtype);
            float[] dy = Harness.stored(Harness.gradients(seed + n + 7, n), dtype);
            for (GateHalf half : GateHalf.values()) {
                for (boolean withBias : new boolean[] {false, true}) {
                    int gateOff = half == GateHalf.FIRST ? 0 : cols, upOff = cols - gateOff;
                    float[] g = new float[n], u = new float[n], upScale = new float[n], forwardScale = new float[n];
                    double[] ref = new double[n], dgate = new double[2 * n], fwdExtra = new double[n];
                    double[] gradExtra = new double[2 * n];
                    float[] gradInput = new float[2 * n], gradScale = new float[2 * n];
                    for (int i = 0; i < n; i++) {
                        int r = i / cols, c = i % cols;
                        g[i] = x[r * 2 * cols + gateOff + c] + (withBias ? bias[gateOff + c] : 0);  // fp32 adds
                        u[i] = x[r * 2 * cols + upOff + c] + (withBias ? bias[upOff + c] : 0);
                        double up = Reference.up(op, u[i]), fg = Reference.forward(gate, g[i]);
                        ref[i] = fg * up;
                        upScale[i] = (float) Math.max(1, Math.abs(up));
                        int at = r * 2 * cols + c;
                        // ReLU's gradient is a select (0 where it is 0, even against an infinite factor).
                        double dfg = Reference.derivative(gate, g[i]), dgu = Reference.upDerivative(op, u[i]);
                        dgate[at + gateOff] = dfg == 0 && gate.op() == Activation.RELU ? 0 : dy[i] * up * dfg;
                        dgate[at + upOff] = dgu == 0 && op == Activation.DRELU ? 0 : dy[i] * fg * dgu;
                        // No claim where an infinite or overflowing factor meets a factor that fp32
                        // rounds to 0 (f(gate) or f'(gate) below 1e-30): float cannot hold the product.
                        // Likewise where f(gate) or f'(gate) itself is outside the normal float range, or dy
                        // is infinite.
                        boolean huge = Double.isInfinite(up) || Math.abs(dy[i] * up) > Float.MAX_VALUE;
                        boolean fgOutside = Math.abs(fg) > Float.MAX_VALUE || fg != 0
                                && Math.abs(fg) < Float.MIN_NORMAL;
                        if (Double.isInfinite(up) && Math.abs(fg) < 1e-30 || fgOutside) {
                            fwdExtra[i] = Double.POSITIVE_INFINITY;
                        }
                        if (huge && Math.abs(dfg * dy[i]) < 1e-30 || Math.abs(dfg) > Float.MAX_VALUE
                                || Float.isInfinite(dy[i])) {
                            gradExtra[at + gateOff] = Double.POSITIVE_INFINITY;
                        }
                        if (fgOutside || Float.isInfinite(dy[i])) gradExtra[at + upOff] = Double.POSITIVE_INFINITY;
                        // f'(gate) dy is formed first: where it is subnormal in float it holds only an
                        // absolute error of a unit or two of 2^-149, which g(up) multiplies (the bound's
                        // scale is |dy g(up)|).
                        double fdy = dfg * dy[i];
                        if (fdy != 0 && Math.abs(fdy) < Float.MIN_NORMAL) gradExtra[at
                                + gateOff] += 4 * Float.MIN_VALUE / Math.abs(dy[i]);
                        if (Float.isNaN(g[i]) || Float.isNaN(u[i])) dgate[at + gateOff] = dgate[at
                                + upOff] = Double.NaN;
                        gradInput[at + gateOff] = g[i];
                        gradInput[at + upOff] = u[i];
                        // dgate's error scales with |dy g(up)| (f' crosses 0), dup's with |dy|.
                        gradScale[at + gateOff] = (float) Math.min(Float.MAX_VALUE, Math.abs(dy[i] * up));
                        // A scale past the float range keeps its allowance through the extra term, which the
                        // bound multiplies by the (clamped) scale.
                        if (Math.abs(dy[i] * up) > Float.MAX_VALUE && Double.isFinite(dy[i] * up)) {
                            gradExtra[at + gateOff] += info.atol(dtype) * (Math.abs(dy[i] * up) / Float.MAX_VALUE - 1);
                        }
                        gradScale[at + upOff] = dy[i];
                        forwardScale[i] = upScale[i];
                    }
                    for (Parallel p : new Parallel[] {ActivationsTest.SERIAL,
                            ActivationsTest.SPLIT_STREAMING.withGrain(512)}) {
                        String what = String.format("%s %s %s %dx%d %s%s threads=%d seed=%d", isa, op, dtype, rows,
                                cols, half,
                                withBias ? " bias" : "", p.parallelism(), seed);
                        try (Arena arena = Arena.ofConfined()) {
                            Harness.Placed xin = Harness.place(arena, dtype, x, 1, rows, 2L * cols);
                            Harness.Placed bin = Harness.place(arena, dtype, bias, 2, 2L * cols);
                            Harness.Placed gin = Harness.place(arena, dtype, dy, 3, rows, cols);
                            Harness.Placed out = Harness.poisoned(arena, dtype, n, 0, rows, cols);
                            Tensor b = withBias ? bin.tensor() : null;
                            Activations.gatedForward(op, xin.tensor(), b, out.tensor(), half, p);
                            Harness.compare(what + " forward", info, dtype, "gated forward", g, Harness.read(out,
                                    what), ref, forwardScale,
                                            fwdExtra);
                            Harness.Placed grads = Harness.poisoned(arena, dtype, 2 * n, 1, rows, 2L * cols);
                            Activations.gatedBackward(op, xin.tensor(), b, gin.tensor(), grads.tensor(), half, p);
                            float[] got = Harness.read(grads, what);
                            Harness.compare(what + " backward", info, dtype, "gated backward", gradInput, got, dgate,
                                    gradScale, gradExtra);
                            // in place: dx = x gives the same bits
                            Activations.gatedBackward(op, xin.tensor(), b, gin.tensor(), xin.tensor(), half, p);
                            assertEquals(java.util.Arrays.toString(got), java.util.Arrays.toString(Harness.read(xin,
                                    what + " in place")),
                                    what + " in place");
                        }
                    }
                }
            }
        }
    }

    /**
     * sreglu's f'(gate) dy = 2 gate dy and f(gate) = gate^2 overflow to inf at gate = 1e30, where
     * the other factor 0 makes the exact gradient 0 (not inf * 0 = NaN); a NaN dy stays NaN.
     */
    @Test
    void overflowTimesZeroIsZero() {
        for (Isa isa : Actinium.supportedIsas()) {
            Actinium.useIsa(isa);
            for (DType dtype : new DType[] {DType.F32, DType.BF16}) {  // f16 has no 1e30 (it would be inf)
                float[][] cases = {{1e30f, 0f, 1e30f, 0f, Float.NaN}, {1e30f, 1f, 0f, Float.NaN, 0f},
                    {1e30f, 0f, Float.NaN, Float.NaN, Float.NaN}};
                for (float[] c : cases) {  // gate, up, dy, then dgate and dup wanted (NaN: any NaN)
                    try (Arena arena = Arena.ofConfined()) {
                        Tensor x = Tensor.wrap(new float[] {c[0], c[1]}, 1, 2).to(dtype, arena);
                        Tensor dy = Tensor.wrap(new float[] {c[2]}, 1, 1).to(dtype, arena);
                        Tensor dx = Tensor.allocate(arena, dtype, 1, 2);
                        Activations.gatedBackward(Activation.SREGLU, x, null, dy, dx, GateHalf.FIRST);
                        float[] got = dx.toFloatArray();
                        String what = isa + " " + dtype + " gate " + c[0] + " up " + c[1] + " dy " + c[2];
                        for (int k = 0; k < 2; k++) {
                            if (Float.isNaN(c[3 + k])) continue;
                            assertEquals(c[3 + k], got[k], 0f, what + (k == 0 ? ": dgate" : ": dup"));
                        }
                        if (Float.isNaN(c[2])) {
                            assertEquals(true, Float.isNaN(got[0]) && Float.isNaN(got[1]), what + ": " + got[0] + ", "
                                    + got[1]);
                        }
                    }
                }
            }
        }
        Actinium.useIsa(Actinium.supportedIsas().get(Actinium.supportedIsas().size() - 1));
    }
}
