package dev.actinium;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actinium.act.Learnable;
import dev.actinium.act.LearnableActivation;
import dev.actinium.act.LearnableActivations;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The learnable activations with a fused bias: f applied to x + bias[channel], the sum taken in fp32.
 * Forward, dx and every parameter gradient are held to the float64 reference at z = fp32(x + bias), with
 * the bounds of {@link LearnableActivationsTest}; rows of 50 channels (short runs), 1100 (a run per row
 * on the vector ISAs), two groups and one set per channel; the same bits for any thread count; bad
 * biases refused by name.
 */
class LearnableBiasTest {
    /** channels, groups and rows of each grouping tested. */
    static final long[][] GROUPINGS = {{50, 1, 61}, {1100, 1, 13}, {192, 2, 31},
        {40, LearnableActivation.PER_CHANNEL, 61}};

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Isa isa : Actinium.supportedIsas())
            for (LearnableActivation f : LearnableActivationsTest.specs())
                for (DType dtype : LearnableActivationsTest.DTYPES) list.add(Arguments.of(isa, f, dtype));
        return list.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void biasIsAddedBeforeTheActivation(Isa isa, LearnableActivation spec, DType dtype) {
        Actinium.useIsa(isa);
        long seed = Harness.SEEDS.nextLong();
        for (long[] grouping : GROUPINGS) {
            LearnableActivation f = LearnableActivationsTest.grouped(spec, grouping[1]);
            try {
                check(f, dtype, grouping[0], (int) grouping[2], seed);
            } catch (AssertionError e) {
                throw new AssertionError(isa + " " + f + " " + dtype + " seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }

    private static void check(LearnableActivation f, DType dtype, long channels, int rows, long seed) {
        int n = (int) (rows * channels);
        Random r = new Random(seed);
        float[] params = LearnableActivationsTest.randomParams(f, channels, r);
        float[] x = Harness.stored(LearnableActivationsTest.moderateInputs(r, n), dtype);
        float[] bias = new float[(int) channels];
        for (int c = 0; c < channels; c++) bias[c] = (float) (r.nextGaussian() * 0.5);
        bias = Harness.stored(bias, dtype);
        float[] dy = new float[n];
        for (int i = 0; i < n; i++) dy[i] = i % 97 == 0 ? 0 : (float) (r.nextGaussian() * 2);
        dy = Harness.stored(dy, dtype);
        float[] z = new float[n];
        for (int i = 0; i < n; i++) z[i] = x[i] + bias[(int) (i % channels)];  // the kernels' fp32 add
        try (Arena arena = Arena.ofConfined()) {
            Tensor p = Tensor.wrap(params.clone(), params.length);
            Harness.Placed xt = Harness.place(arena, dtype, x, 1, rows, channels);
            Harness.Placed bt = Harness.place(arena, dtype, bias, 2, channels);
            Harness.Placed yt = Harness.poisoned(arena, dtype, n, 3, rows, channels);
            LearnableActivations.forwardBias(f, p, xt.tensor(), bt.tensor(), yt.tensor(),
                    LearnableActivationsTest.SERIAL);
            float[] y = Harness.read(yt, "y");
            Harness.Placed dyt = Harness.place(arena, dtype, dy, 0, rows, channels);
            Harness.Placed dxt = Harness.poisoned(arena, dtype, n, 1, rows, channels);
            float[] dparams = new float[params.length];
            java.util.Arrays.fill(dparams, Harness.POISON);
            Tensor dp = Tensor.wrap(dparams, dparams.length);
            LearnableActivations.backwardBias(f, p, xt.tensor(), bt.tensor(), dyt.tensor(), dxt.tensor(), dp,
                    LearnableActivationsTest.SERIAL);
            float[] dx = Harness.read(dxt, "dx");
            LearnableActivationsTest.verify(f, dtype, channels, params, z, dy, y, dx, dp.toFloatArray(), "bias");
        }
    }

    /** Calls cut rows at piece edges: the bias is read by channel wherever a piece starts. */
    @Test
    void sameBitsForAnyThreadCount() {
        Actinium.useIsa(Actinium.supportedIsas().get(Actinium.supportedIsas().size() - 1));
        long channels = 700;
        int rows = 1000, n = (int) (rows * channels);
        Random r = new Random(17);
        List<Parallel> ways = List.of(LearnableActivationsTest.SERIAL, Parallel.of(Parallel.newPool(2)).withGrain(1),
                Parallel.of(Parallel.newPool(3)).withGrain(50_000));
        for (LearnableActivation f : List.of(LearnableActivation.rational(5, 4), LearnableActivation.rational(5, 4)
                .withGroups(7), LearnableActivation.of(Learnable.DYT).perChannel())) {
            float[] params = LearnableActivationsTest.randomParams(f, channels, r);
            float[] x = LearnableActivationsTest.moderateInputs(r, n), dy = Harness.gradients(9, n);
            float[] bias = LearnableActivationsTest.moderateInputs(r, (int) channels);
            Tensor p = Tensor.wrap(params, params.length), xt = Tensor.wrap(x, rows, channels);
            Tensor bt = Tensor.wrap(bias, channels), dyt = Tensor.wrap(dy, rows, channels);
            float[] firstY = null, firstDx = null, firstDp = null;
            for (Parallel way : ways) {
                float[] y = new float[n], dx = new float[n], dp = new float[params.length];
                LearnableActivations.forwardBias(f, p, xt, bt, Tensor.wrap(y, rows, channels), way);
                LearnableActivations.backwardBias(f, p, xt, bt, dyt, Tensor.wrap(dx, rows, channels),
                        Tensor.wrap(dp, dp.length), way);
                if (firstY == null) {
                    firstY = y;
                    firstDx = dx;
                    firstDp = dp;
                    continue;
                }
                String with = f + " with " + way.parallelism() + " threads: ";
                Harness.assertSameBits(firstY, y, with + "y");
                Harness.assertSameBits(firstDx, dx, with + "dx");
                Harness.assertSameBits(firstDp, dp, with + "dparams");
            }
        }
    }

    @Test
    void badBiasesAreRefusedByName() {
        LearnableActivation rational = LearnableActivation.rational(5, 4);
        float[] x = new float[12];
        Tensor xt = Tensor.wrap(x, 3, 4), yt = Tensor.wrap(new float[12], 3, 4);
        Tensor params = Tensor.wrap(rational.initialParams(4), (int) rational.paramCount(4));
        Tensor dparams = Tensor.wrap(new float[(int) rational.paramCount(4)], (int) rational.paramCount(4));
        assertMessage("bias", () -> LearnableActivations.forwardBias(rational, params, xt, Tensor.wrap(new float[3], 3),
                yt));
        assertMessage("bias", () -> LearnableActivations.forwardBias(rational, params, xt,
                Tensor.wrap(new short[4], DType.BF16, 4), yt));
        assertMessage("bias", () -> LearnableActivations.forwardBias(rational, params, xt, Tensor.wrap(new float[4],
                1, 4), yt));
        float[] shared = new float[12];
        Tensor out = Tensor.wrap(shared, 3, 4);
        assertMessage("bias", () -> LearnableActivations.forwardBias(rational, params, xt, out.reshape(12)
                .slice(4, 8), out));
        assertMessage("bias", () -> LearnableActivations.backwardBias(rational, params, xt, out.reshape(12)
                .slice(0, 4), xt, out, dparams));
        LearnableActivation polyNorm = LearnableActivation.polynorm(2);
        Tensor normParams = Tensor.wrap(polyNorm.initialParams(4), (int) polyNorm.paramCount(4));
        assertMessage("bias", () -> LearnableActivations.forwardBias(polyNorm, normParams, xt,
                Tensor.wrap(new float[4], 4), yt));
        assertThrows(NullPointerException.class, () -> LearnableActivations.forwardBias(rational, params, xt, null,
                yt));
    }

    private static void assertMessage(String word, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(word), "message should name " + word + ": " + e.getMessage());
    }
}
