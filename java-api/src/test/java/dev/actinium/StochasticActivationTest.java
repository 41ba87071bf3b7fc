package dev.actinium;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actinium.act.Activation;
import dev.actinium.act.ActivationFunction;
import dev.actinium.act.Activations;
import dev.actinium.act.Reference;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The stochastic activation on every ISA and dtype: each element's choice against the Java Philox
 * of the reference (so every ISA and CUDA agree with one independent implementation), forward and
 * backward against float64 for the chosen function, the same bits for any split and offset of the
 * tensor, and p = 0 / p = 1 exactly ReLU / SiLU.
 */
class StochasticActivationTest {
    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Isa isa : Actinium.supportedIsas()) for (DType dtype : ActivationsTest.DTYPES) list.add(Arguments.of(isa,
                dtype));
        return list.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesTheReferenceChoiceAndFunction(Isa isa, DType dtype) {
        Actinium.useIsa(isa);
        OpInfo info = OpInfo.of(Activation.STOCHASTIC_SILU);
        long seed = Harness.SEEDS.nextLong();
        for (float p : new float[] {0.3f, 0.5f, 0.9f}) {
            ActivationFunction f = Activation.STOCHASTIC_SILU.with(p);
            for (int n : ActivationsTest.SIZES) {
                for (long offset : new long[] {0, 3, 1L << 40}) {
                    float[] x = Harness.stored(Harness.inputs(seed + n, n, true), dtype);
                    float[] dy = Harness.stored(Harness.gradients(seed + n, n), dtype);
                    double[] ref = new double[n], grad = new double[n], extra = new double[n];
                    for (int i = 0; i < n; i++) {
                        Activation chosen = Reference.seededChoice(f, seed, offset + i);
                        ref[i] = Reference.forward(chosen, x[i]);
                        grad[i] = OpInfo.of(chosen).gradient(chosen, x[i], dy[i]);
                        extra[i] = OpInfo.gradientClaim(chosen, x[i], dy[i]);
                    }
                    float[] serial = null;
                    for (Parallel par : new Parallel[] {ActivationsTest.SERIAL,
                            ActivationsTest.SPLIT_STREAMING.withGrain(1000)}) {
                        String what = String.format("%s %s %s n=%d offset=%d threads=%d seed=%d", isa, dtype, f, n,
                                offset,
                                par.parallelism(), seed);
                        try (Arena arena = Arena.ofConfined()) {
                            Harness.Placed in = Harness.place(arena, dtype, x, 1, n);
                            Harness.Placed gin = Harness.place(arena, dtype, dy, 2, n);
                            Harness.Placed out = Harness.poisoned(arena, dtype, n, 3, n);
                            Activations.forwardSeeded(f, seed, offset, in.tensor(), out.tensor(), par);
                            float[] y = Harness.read(out, what);
                            Harness.compare(what + " forward", info, dtype, "stochastic forward", x, y, ref, null);
                            if (serial == null) serial = y;
                            else assertArrayEquals(serial, y, what + ": another split gave other bits");
                            Activations.backwardSeeded(f, seed, offset, in.tensor(), gin.tensor(), out.tensor(), par);
                            Harness.compare(what + " backward", info, dtype, "stochastic backward", x,
                                    Harness.read(out, what),
                                    grad, dy, extra);
                        }
                    }
                    // The second half of the tensor alone, at its offset, gives the same bits as in the whole.
                    if (n >= 2) {
                        try (Arena arena = Arena.ofConfined()) {
                            int h = n / 2;
                            Harness.Placed in = Harness.place(arena, dtype, java.util.Arrays.copyOfRange(x, h, n), 0,
                                    n - h);
                            Harness.Placed out = Harness.poisoned(arena, dtype, n - h, 1, n - h);
                            Activations.forwardSeeded(f, seed, offset + h, in.tensor(), out.tensor(),
                                    ActivationsTest.SERIAL);
                            float[] part = Harness.read(out, "part");
                            assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOfRange(serial, h, n), part),
                                    isa + " " + dtype + " n=" + n + ": a part at its offset differs from the whole");
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void pZeroIsReluAndPOneIsSilu(Isa isa, DType dtype) {
        Actinium.useIsa(isa);
        int n = 10_007;
        float[] x = Harness.stored(Harness.inputs(Harness.SEEDS.nextLong(), n, true), dtype);
        try (Arena arena = Arena.ofConfined()) {
            Harness.Placed in = Harness.place(arena, dtype, x, 0, n);
            for (float p : new float[] {0f, 1f}) {
                Harness.Placed a = Harness.poisoned(arena, dtype, n, 0, n), b = Harness.poisoned(arena, dtype, n, 0, n);
                Activations.forwardSeeded(Activation.STOCHASTIC_SILU.with(p), 12345, 0, in.tensor(), a.tensor());
                Activations.forward(p == 0 ? Activation.RELU : Activation.SILU, in.tensor(), b.tensor());
                float[] got = Harness.read(a, "stochastic"), want = Harness.read(b, "plain");
                for (int i = 0; i < n; i++) {
                    assertTrue(Float.floatToRawIntBits(got[i]) == Float.floatToRawIntBits(want[i]),
                            isa + " " + dtype + " p=" + p + " element " + i + ": " + got[i] + " vs " + want[i]);
                }
            }
        }
    }
}
