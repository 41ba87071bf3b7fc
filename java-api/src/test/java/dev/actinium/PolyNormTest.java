package dev.actinium;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.actinium.act.LearnableActivation;
import dev.actinium.act.LearnableActivations;
import dev.actinium.act.LearnableReference;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PolyNorm, the learnable activation that normalizes rows: every ISA, storage type, order and three
 * groupings, forward, input gradient and parameter gradients against {@link LearnableReference}'s
 * float64 row functions; those functions themselves against central differences of the float64
 * forward (gradcheck style); rows that take the kernels' double sums (zeros, a huge element, tiny
 * values); non-finite rows that stay in their row; the same bits for any thread count.
 */
class PolyNormTest {
    static final Parallel SERIAL = Parallel.serial();
    static final DType[] DTYPES = {DType.F32, DType.BF16, DType.F16};
    /** channels, groups (PER_CHANNEL: one per channel). */
    static final long[][] GROUPINGS = {{50, 1}, {96, 4}, {12, LearnableActivation.PER_CHANNEL}};
    static final java.util.Map<String, Double> USED = new java.util.concurrent.ConcurrentHashMap<>();

    @AfterAll
    static void printMeasured() {
        USED.entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> System.out.printf("polynorm %-30s %.3f of the bound%n", e.getKey(), e.getValue()));
    }

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Isa isa : Actinium.supportedIsas())
            for (int order = 1; order <= 3; order++)
                for (DType dtype : DTYPES) list.add(Arguments.of(isa, order, dtype));
        return list.stream();
    }

    @ParameterizedTest(name = "{0} order {1} {2}")
    @MethodSource("cases")
    void forwardAndGradientsMatchTheReference(Isa isa, int order, DType dtype) {
        Actinium.useIsa(isa);
        long seed = Harness.SEEDS.nextLong();
        for (long[] grouping : GROUPINGS) {
            LearnableActivation f = LearnableActivationsTest.grouped(LearnableActivation.polynorm(order), grouping[1]);
            check(f, dtype, grouping[0], 23, seed, Device.CPU, "cpu");
        }
    }

    /**
     * Runs f forward and backward on device over random rows (the first three: zeros, one huge element,
     * tiny values) and checks every output against the float64 reference.
     */
    static void check(LearnableActivation f, DType dtype, long channels, int rows, long seed, Device device,
                      String where) {
        int n = (int) (rows * channels);
        Random r = new Random(seed);
        float[] params = randomParams(f, channels, r);
        float[] x = Harness.stored(inputs(r, rows, (int) channels, dtype == DType.F16 ? 6e4f : 1e30f), dtype);
        float[] dy = new float[n];
        for (int i = 0; i < n; i++) dy[i] = i % 53 == 0 ? 0 : (float) (r.nextGaussian() * 2);
        dy = Harness.stored(dy, dtype);
        float[][] out = run(f, dtype, rows, channels, params, x, dy, device);
        try {
            verify(f, dtype, rows, (int) channels, params, x, dy, out[0], out[1], out[2], where);
        } catch (AssertionError e) {
            throw new AssertionError(where + " " + f + " " + dtype + " seed " + seed + ": " + e.getMessage(), e);
        }
    }

    /** y, dx and dparams of f on device, outputs poisoned first (and misaligned on the CPU). */
    static float[][] run(LearnableActivation f, DType dtype, int rows, long channels, float[] params, float[] x,
                         float[] dy, Device device) {
        int n = x.length;
        try (Arena arena = Arena.ofShared()) {
            Tensor p, xt, yt, dyt, dxt, dp;
            if (device.isCuda()) {
                p = Tensor.allocate(arena, DType.F32, device, params.length);
                p.copyFrom(Tensor.wrap(params, params.length));
                xt = Tensor.allocate(arena, dtype, device, rows, channels);
                xt.copyFrom(Harness.place(arena, dtype, x, 0, rows, channels).tensor());
                dyt = Tensor.allocate(arena, dtype, device, rows, channels);
                dyt.copyFrom(Harness.place(arena, dtype, dy, 0, rows, channels).tensor());
                yt = Tensor.allocate(arena, dtype, device, rows, channels);
                yt.copyFrom(Harness.poisoned(arena, dtype, n, 0, rows, channels).tensor());
                dxt = Tensor.allocate(arena, dtype, device, rows, channels);
                dxt.copyFrom(Harness.poisoned(arena, dtype, n, 0, rows, channels).tensor());
                dp = Tensor.allocate(arena, DType.F32, device, params.length);
                LearnableActivations.forward(f, p, xt, yt);
                LearnableActivations.backward(f, p, xt, dyt, dxt, dp);
                return new float[][] {yt.toFloatArray(), dxt.toFloatArray(), dp.toFloatArray()};
            }
            p = Tensor.wrap(params.clone(), params.length);
            Harness.Placed xp = Harness.place(arena, dtype, x, 1, rows, channels);
            Harness.Placed yp = Harness.poisoned(arena, dtype, n, 3, rows, channels);
            Harness.Placed dyp = Harness.place(arena, dtype, dy, 0, rows, channels);
            Harness.Placed dxp = Harness.poisoned(arena, dtype, n, 1, rows, channels);
            float[] dparams = new float[params.length];
            java.util.Arrays.fill(dparams, Harness.POISON);
            dp = Tensor.wrap(dparams, dparams.length);
            LearnableActivations.forward(f, p, xp.tensor(), yp.tensor(), SERIAL);
            LearnableActivations.backward(f, p, xp.tensor(), dyp.tensor(), dxp.tensor(), dp, SERIAL);
            return new float[][] {Harness.read(yp, "y"), Harness.read(dxp, "dx"), dp.toFloatArray()};
        }
    }

    /**
     * The kernels against the float64 reference. Every value the kernels form per element lies within
     * sqrt(channels) of 1 in magnitude times its coefficient, so the bounds are relative to the row's
     * terms: the storage type's rounding of the result, plus float's error over the row's sums.
     */
    static void verify(LearnableActivation f, DType dtype, int rows, int channels, float[] params, float[] x,
                       float[] dy, float[] y, float[] dx, float[] got, String where) {
        long groups = f.groupsFor(channels);
        int order = f.numDegree(), size = (int) (channels / groups);
        double eps = params[0];
        double[][] coefficient = new double[channels][order + 1];
        for (int c = 0; c < channels; c++)
            for (int k = 0; k <= order; k++) coefficient[c][k] = params[(int) f.slot(1 + k, c / size, channels)];
        double rtol = dtype == DType.F32 ? 0 : dtype == DType.BF16 ? 0x1p-8 : 0x1p-11;
        // F16's results below its normal range have its subnormals' fixed spacing, 2^-24.
        double floor = dtype == DType.F16 ? 0x1p-24 : 0x1p-126;
        double[] dEps = new double[1], dEpsMagnitude = new double[1];
        double[][] dCoefficient = new double[channels][order + 1], magnitude = new double[channels][order + 1];
        for (int row = 0; row < rows; row++) {
            double[] xr = new double[channels], dyr = new double[channels];
            double[] xAbs = new double[channels], dyAbs = new double[channels];
            for (int c = 0; c < channels; c++) {
                xr[c] = x[row * channels + c];
                dyr[c] = dy[row * channels + c];
                xAbs[c] = Math.abs(xr[c]);
                dyAbs[c] = Math.abs(dyr[c]);
            }
            double[] ref = LearnableReference.polyNormForward(eps, coefficient, xr);
            double[] refDx = LearnableReference.polyNormBackward(eps, coefficient, xr, dyr, dEps, dCoefficient);
            // The same sums over absolute values: the size of the terms each gradient adds up.
            double[][] absCoefficient = new double[channels][];
            for (int c = 0; c < channels; c++) {
                absCoefficient[c] = coefficient[c].clone();
                for (int k = 0; k <= order; k++) absCoefficient[c][k] = Math.abs(absCoefficient[c][k]);
            }
            double[] terms = LearnableReference.polyNormForward(eps, absCoefficient, xAbs);
            LearnableReference.polyNormBackward(eps, absCoefficient, xAbs, dyAbs, dEpsMagnitude, magnitude);
            double rowDx = 0;
            for (double v : refDx) rowDx = Math.max(rowDx, Math.abs(v));
            for (int c = 0; c < channels; c++) {
                int i = row * channels + c;
                double bound = rtol * Math.abs(ref[c]) + 4e-6 * terms[c] + floor;
                within(where + " forward", f, dtype, i, y[i], ref[c], bound);
                // dx_j adds the row's mean D_k, itself a sum: its error is the row's, not the element's.
                double dxBound = rtol * Math.abs(refDx[c]) + 2e-5 * (rowDx + Math.abs(dyr[c]) * terms[c]) + floor;
                within(where + " backward dx", f, dtype, i, dx[i], refDx[c], dxBound);
            }
        }
        double tol = dtype == DType.F32 ? 2e-5 : 8e-4;
        within(where + " backward deps", f, dtype, 0, got[0], dEps[0], tol * Math.abs(dEpsMagnitude[0]) + 1e-20);
        for (long g = 0; g < groups; g++) {
            for (int k = 0; k <= order; k++) {
                double want = 0, size2 = 0;
                for (int c = (int) (g * size); c < (g + 1) * size; c++) {
                    want += dCoefficient[c][k];
                    size2 += magnitude[c][k];
                }
                int slot = (int) f.slot(1 + k, g, channels);
                within(where + " backward da" + k, f, dtype, slot, got[slot], want, tol * size2 + 1e-20);
            }
        }
    }

    private static void within(String pass, LearnableActivation f, DType dtype, int i, double got, double ref,
                               double bound) {
        if (Double.isNaN(ref)) {
            if (!Double.isNaN(got)) fail(pass + ": element " + i + ": got " + got + ", expected NaN");
            return;
        }
        double err = Math.abs(got - ref);
        if (!(err <= bound)) {
            fail(String.format("%s: element %d: got %s, expected %s (bound %.3g)", pass, i, got, ref, bound));
        }
        String[] words = pass.split(" ");
        String key = dtype + " " + words[0] + " " + words[1] + (words.length > 2 ? " " + words[2] : "");
        USED.merge(key.replaceAll("da[0-9]", "da"), bound > 0 ? err / bound : 0, Math::max);
    }

    /**
     * Rows: zeros, one huge element among moderate ones (1e30 makes the kernels sum x^6 in double; F16 holds
     * 6e4 at most), values near 1e-12, then moderate rows.
     */
    static float[] inputs(Random r, int rows, int channels, float huge) {
        float[] x = LearnableActivationsTest.moderateInputs(r, rows * channels);
        for (int c = 0; c < channels; c++) {
            x[c] = 0;
            if (rows > 2) x[2 * channels + c] = (float) (r.nextGaussian() * 1e-12);
        }
        if (rows > 1) x[channels + channels / 2] = huge;
        return x;
    }

    /** eps between 1e-6 and 0.5, coefficients Gaussian. */
    static float[] randomParams(LearnableActivation f, long channels, Random r) {
        float[] p = new float[(int) f.paramCount(channels)];
        p[0] = (float) Math.pow(10, -6 + r.nextDouble() * 5.7);
        for (int k = 1; k < p.length; k++) p[k] = (float) r.nextGaussian();
        return p;
    }

    /**
     * The reference's backward against central differences of its forward, in float64: dx element by
     * element, eps and every coefficient through the loss sum(dy * y).
     */
    @Test
    void referenceGradientsAreTheForwardsDifferences() {
        Random r = new Random(7);
        for (int order = 1; order <= 3; order++) {
            int channels = 9;
            double eps = 0.01;
            double[][] coefficient = new double[channels][order + 1];
            double[] x = new double[channels], dy = new double[channels];
            for (int c = 0; c < channels; c++) {
                x[c] = r.nextGaussian();
                dy[c] = r.nextGaussian();
                for (int k = 0; k <= order; k++) coefficient[c][k] = r.nextGaussian();
            }
            double[] dEps = new double[1];
            double[][] dCoefficient = new double[channels][order + 1];
            double[] dx = LearnableReference.polyNormBackward(eps, coefficient, x, dy, dEps, dCoefficient);
            for (int c = 0; c < channels; c++) {
                double h = 1e-6, keep = x[c];
                x[c] = keep + h;
                double up = loss(eps, coefficient, x, dy);
                x[c] = keep - h;
                double down = loss(eps, coefficient, x, dy);
                x[c] = keep;
                assertEquals((up - down) / (2 * h), dx[c], 1e-7 * (1 + Math.abs(dx[c])), "order " + order + " dx" + c);
                for (int k = 0; k <= order; k++) {
                    double a = coefficient[c][k];
                    coefficient[c][k] = a + 1e-4;
                    up = loss(eps, coefficient, x, dy);
                    coefficient[c][k] = a - 1e-4;
                    down = loss(eps, coefficient, x, dy);
                    coefficient[c][k] = a;
                    assertEquals((up - down) / 2e-4, dCoefficient[c][k], 1e-8, "order " + order + " da" + k);
                }
            }
            double h = 1e-7;
            double fd = (loss(eps + h, coefficient, x, dy) - loss(eps - h, coefficient, x, dy)) / (2 * h);
            assertEquals(fd, dEps[0], 1e-6 * (1 + Math.abs(fd)), "order " + order + " deps");
        }
    }

    private static double loss(double eps, double[][] coefficient, double[] x, double[] dy) {
        double[] y = LearnableReference.polyNormForward(eps, coefficient, x);
        double sum = 0;
        for (int c = 0; c < y.length; c++) sum += dy[c] * y[c];
        return sum;
    }

    /**
     * A NaN element makes its row NaN; an infinite one zeroes the row's normalized powers (its norm is
     * infinite: y = a0 there) and is NaN itself, and dx of its row is NaN, as the float64 definition
     * gives. No other row is touched.
     */
    @Test
    void nonFiniteElementsStayInTheirRow() {
        LearnableActivation f = LearnableActivation.polynorm(3);
        int channels = 40, rows = 4;
        for (Isa isa : Actinium.supportedIsas()) {
            Actinium.useIsa(isa);
            float[] x = LearnableActivationsTest.moderateInputs(new Random(3), rows * channels);
            x[channels + 5] = Float.NaN;
            x[2 * channels + 7] = Float.POSITIVE_INFINITY;
            float[] params = f.initialParams(channels), dy = Harness.gradients(5, x.length);
            float[][] out = run(f, DType.F32, rows, channels, params, x, dy, Device.CPU);
            double[][] coefficient = new double[channels][];
            for (int c = 0; c < channels; c++) {
                coefficient[c] = new double[] {params[1], params[2], params[3], params[4]};
            }
            for (int row = 0; row < rows; row++) {
                double[] xr = new double[channels], dyr = new double[channels];
                for (int c = 0; c < channels; c++) {
                    xr[c] = x[row * channels + c];
                    dyr[c] = dy[row * channels + c];
                }
                double[] y = LearnableReference.polyNormForward(params[0], coefficient, xr);
                double[] dx = LearnableReference.polyNormBackward(params[0], coefficient, xr, dyr, new double[1],
                        new double[channels][4]);
                for (int c = 0; c < channels; c++) {
                    int i = row * channels + c;
                    assertEquals(Double.isNaN(y[c]), Float.isNaN(out[0][i]), isa + " y[" + i + "] = " + out[0][i]);
                    assertEquals(Double.isNaN(dx[c]), Float.isNaN(out[1][i]), isa + " dx[" + i + "] = " + out[1][i]);
                    assertEquals(row == 1 || row == 2, Double.isNaN(dx[c]), "the reference's dx[" + i + "]");
                }
            }
        }
    }

    /** Bit-identical outputs and parameter gradients for 1, 2 and 3 threads and on a second run. */
    @Test
    void sameBitsForAnyThreadCount() {
        Actinium.useIsa(Actinium.supportedIsas().get(Actinium.supportedIsas().size() - 1));
        long channels = 768;
        int rows = 1000;
        int n = (int) (rows * channels);
        Random r = new Random(42);
        List<Parallel> ways = List.of(SERIAL, Parallel.of(Parallel.newPool(2)).withGrain(1),
                Parallel.of(Parallel.newPool(3)).withGrain(50_000), Parallel.of(Parallel.newPool(2)));
        for (LearnableActivation f : List.of(LearnableActivation.polynorm(3), LearnableActivation.polynorm(2)
                .withGroups(8))) {
            float[] params = randomParams(f, channels, r);
            float[] x = LearnableActivationsTest.moderateInputs(r, n), dy = Harness.gradients(7, n);
            float[] firstY = null, firstDx = null, firstDp = null;
            for (Parallel way : ways) {
                for (int run = 0; run < 2; run++) {
                    float[] y = new float[n], dx = new float[n], dp = new float[params.length];
                    Tensor pt = Tensor.wrap(params, params.length), xt = Tensor.wrap(x, rows, channels);
                    LearnableActivations.forward(f, pt, xt, Tensor.wrap(y, rows, channels), way);
                    LearnableActivations.backward(f, pt, xt, Tensor.wrap(dy, rows, channels),
                            Tensor.wrap(dx, rows, channels), Tensor.wrap(dp, dp.length), way);
                    if (firstDx == null) {
                        firstY = y;
                        firstDx = dx;
                        firstDp = dp;
                        // Many pieces of whole rows on every ISA: the sums over pieces against the reference.
                        verify(f, DType.F32, rows, (int) channels, params, x, dy, y, dx, dp, "cpu pieces");
                        continue;
                    }
                    String what = f + " with " + way.parallelism() + " threads";
                    Harness.assertSameBits(firstY, y, what + ": y");
                    Harness.assertSameBits(firstDx, dx, what + ": dx");
                    Harness.assertSameBits(firstDp, dp, what + ": dparams");
                }
            }
        }
    }

    /** dx written over dy, or over x, is the dx written to a buffer of its own; the parameter gradients too. */
    @Test
    void inPlaceBackwardGivesTheSameBits() {
        for (Isa isa : Actinium.supportedIsas()) {
            Actinium.useIsa(isa);
            checkInPlace(Device.CPU, isa.toString());
        }
    }

    static void checkInPlace(Device device, String where) {
        int rows = 9, channels = 40;
        Random r = new Random(11);
        for (LearnableActivation f : List.of(LearnableActivation.polynorm(3), LearnableActivation.polynorm(2)
                .withGroups(4))) {
            float[] params = randomParams(f, channels, r);
            float[] x = LearnableActivationsTest.moderateInputs(r, rows * channels);
            float[] dy = Harness.gradients(3, x.length);
            try (Arena arena = Arena.ofShared()) {
                Tensor p = on(device, arena, params, params.length);
                float[][] separate = backward(f, device, arena, p, x, dy, 0, rows, channels);
                for (int over = 1; over <= 2; over++) {
                    float[][] inPlace = backward(f, device, arena, p, x, dy, over, rows, channels);
                    String what = where + " " + f + " dx over " + (over == 1 ? "dy" : "x");
                    assertArrayEquals(separate[0], inPlace[0], what);
                    assertArrayEquals(separate[1], inPlace[1], what + ": dparams");
                }
            }
        }
    }

    /** dx and dparams of f's backward; over: 0 dx in a buffer of its own, 1 over dy, 2 over x. */
    private static float[][] backward(LearnableActivation f, Device device, Arena arena, Tensor p, float[] x,
                                      float[] dy, int over, long rows, long channels) {
        Tensor xt = on(device, arena, x, rows, channels), dyt = on(device, arena, dy, rows, channels);
        Tensor dx = over == 1 ? dyt : over == 2 ? xt : on(device, arena, new float[x.length], rows, channels);
        Tensor dp = on(device, arena, new float[(int) p.numel()], p.numel());
        LearnableActivations.backward(f, p, xt, dyt, dx, dp);
        return new float[][] {dx.toFloatArray(), dp.toFloatArray()};
    }

    private static Tensor on(Device device, Arena arena, float[] values, long... dims) {
        Tensor host = Tensor.wrap(values.clone(), dims);
        if (!device.isCuda()) return host;
        Tensor t = Tensor.allocate(arena, DType.F32, device, dims);
        t.copyFrom(host);
        return t;
    }

    @Test
    void badArgumentsAreRefusedByName() {
        assertThrows(IllegalArgumentException.class, () -> LearnableActivation.polynorm(0));
        assertThrows(IllegalArgumentException.class, () -> LearnableActivation.polynorm(4));
        LearnableActivation f = LearnableActivation.polynorm(3);
        assertEquals(List.of("eps", "a0", "a1", "a2", "a3"), f.parameterNames());
        float[] initial = f.initialParams(8);
        assertEquals(1e-6f, initial[0]);
        assertArrayEquals(new float[] {0, 1 / 3f, 1 / 3f, 1 / 3f}, java.util.Arrays.copyOfRange(initial, 1, 5));
        Tensor x = Tensor.wrap(new float[16], 2, 8), y = Tensor.wrap(new float[16], 2, 8);
        for (float eps : new float[] {0, -1e-6f, Float.NaN}) {
            float[] bad = initial.clone();
            bad[0] = eps;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LearnableActivations.forward(f, Tensor.wrap(bad, bad.length), x, y));
            assertTrue(e.getMessage().contains("eps"), e.getMessage());
        }
        assertEquals(1 + 4 * 8, f.perChannel().paramCount(8));
    }
}
