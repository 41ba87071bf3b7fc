package dev.actinium;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.actinium.act.Activation;
import dev.actinium.act.Learnable;
import dev.actinium.act.LearnableActivation;
import dev.actinium.act.LearnableActivations;
import dev.actinium.act.LearnableReference;
import dev.actinium.act.RationalFit;
import dev.actinium.act.Reference;
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
 * Every learnable activation, every ISA and storage type, three groupings (one set of parameters,
 * groups of 96 channels, one set per channel: the kernels' two ways through a call): forward against
 * {@link LearnableReference}, the input gradient against its central differences element by element,
 * and every parameter gradient against the central difference of the loss sum(dy * f) in float64,
 * gradcheck style. Then the same bits for any thread count and on every run, and bad arguments.
 */
class LearnableActivationsTest {
    static final DType[] DTYPES = {DType.F32, DType.BF16, DType.F16};
    static final Parallel SERIAL = Parallel.serial();

    /** channels, groups (PER_CHANNEL: one per channel) of each grouping tested. */
    static final long[][] GROUPINGS = {{50, 1}, {192, 2}, {40, LearnableActivation.PER_CHANNEL}};

    static List<LearnableActivation> specs() {
        List<LearnableActivation> list = new ArrayList<>();
        for (int[] d : new int[][] {{5, 4}, {3, 2}, {6, 5}, {0, 0}, {4, 0}, {1, 5}}) {
            list.add(LearnableActivation.rational(d[0], d[1]));
        }
        for (int order = 1; order <= 3; order++) list.add(LearnableActivation.polyrelu(order));
        for (Learnable op : Learnable.values()) {
            // polynorm normalizes rows: PolyNormTest
            if (op != Learnable.RATIONAL && op != Learnable.POLYRELU && op != Learnable.POLYNORM) {
                list.add(LearnableActivation.of(op));
            }
        }
        return list;
    }

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Isa isa : Actinium.supportedIsas())
            for (LearnableActivation f : specs())
                for (DType dtype : DTYPES) list.add(Arguments.of(isa, f, dtype));
        return list.stream();
    }

    /** Largest error / bound seen per (op, dtype, pass): printed, to keep the bounds honest. */
    static final java.util.Map<String, Double> USED = new java.util.concurrent.ConcurrentHashMap<>();

    @AfterAll
    static void printMeasured() {
        USED.entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                .forEach(e -> System.out.printf("learnable %-40s %.3f of the bound%n", e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void forwardAndGradientsMatchTheReference(Isa isa, LearnableActivation spec, DType dtype) {
        Actinium.useIsa(isa);
        long seed = Harness.SEEDS.nextLong();
        for (long[] grouping : GROUPINGS) {
            LearnableActivation f = grouped(spec, grouping[1]);
            try {
                check(f, dtype, grouping[0], seed);
            } catch (AssertionError e) {
                throw new AssertionError(isa + " " + f + " " + dtype + " seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }

    /** f with groups groups of channels (PER_CHANNEL: one per channel). */
    static LearnableActivation grouped(LearnableActivation f, long groups) {
        return groups == 1 ? f : groups == LearnableActivation.PER_CHANNEL ? f.perChannel() : f.withGroups(groups);
    }

    private static void check(LearnableActivation f, DType dtype, long channels, long seed) {
        int rows = 61;
        int n = (int) (rows * channels);
        Random r = new Random(seed);
        float[] params = randomParams(f, channels, r);
        float[] x = Harness.stored(moderateInputs(r, n), dtype);
        float[] dy = new float[n];
        for (int i = 0; i < n; i++) dy[i] = i % 97 == 0 ? 0 : (float) (r.nextGaussian() * 2);
        dy = Harness.stored(dy, dtype);
        try (Arena arena = Arena.ofConfined()) {
            Tensor p = Tensor.wrap(params.clone(), params.length);
            Harness.Placed xt = Harness.place(arena, dtype, x, 1, rows, channels);
            Harness.Placed yt = Harness.poisoned(arena, dtype, n, 3, rows, channels);
            LearnableActivations.forward(f, p, xt.tensor(), yt.tensor(), SERIAL);
            float[] y = Harness.read(yt, "y");
            Harness.Placed dyt = Harness.place(arena, dtype, dy, 0, rows, channels);
            Harness.Placed dxt = Harness.poisoned(arena, dtype, n, 1, rows, channels);
            float[] dparams = new float[params.length];
            java.util.Arrays.fill(dparams, Harness.POISON);
            Tensor dp = Tensor.wrap(dparams, dparams.length);
            LearnableActivations.backward(f, p, xt.tensor(), dyt.tensor(), dxt.tensor(), dp, SERIAL);
            float[] dx = Harness.read(dxt, "dx");
            verify(f, dtype, channels, params, x, dy, y, dx, dp.toFloatArray(), "cpu");
        }
    }

    /**
     * Checks a forward (y), input gradient (dx) and parameter gradient (got) of f over x and dy
     * against the float64 reference; where names the device in the keys of {@link #USED}.
     */
    static void verify(LearnableActivation f, DType dtype, long channels, float[] params, float[] x, float[] dy,
                       float[] y, float[] dx, float[] got, String where) {
        int n = x.length;
        {
            Model model = new Model(f, params, channels);
            double rtol = dtype == DType.F32 ? 4e-6 : dtype == DType.BF16 ? 0x1p-8 : 0x1p-11;
            // Results below the dtype's normal range have a fixed absolute spacing (avx512_bf16 flushes them).
            // Below 2^-126 no relative accuracy is claimed: intermediates there are subnormal (APA's
            // exp(-s / lambda)) and F16's subnormal spacing is 2^-24.
            double floor = dtype == DType.F16 ? 0x1p-24 : 0x1p-126;
            double narrow = dtype == DType.F32 ? 0 : 2e-4;  // 16-bit results take polynomials of ~2^-17 error
            for (int i = 0; i < n; i++) {
                double[] pg = model.group(i);
                double ref = LearnableReference.forward(f, pg, x[i]);
                double d1 = model.derivative(pg, x[i]);
                double mag = Math.abs(ref) + Math.abs(x[i] * d1) + model.terms(pg, x[i]);
                double bound = rtol * Math.abs(ref) + (4e-6 + narrow) * mag + floor;
                within(where + " forward", f, dtype, i, x[i], y[i], ref, bound);
                double magD = Math.abs(d1) + model.curvature(pg, x[i]) + model.slopeTerms(pg, x[i]);
                double refDx = dy[i] * d1;
                double boundDx = rtol * Math.abs(refDx) + (2e-5 + narrow) * Math.abs(dy[i]) * magD + floor;
                if (model.nearDenominatorRoot(pg, x[i])) boundDx += 4 * Math.abs(dy[i]) * magD;
                within(where + " backward dx", f, dtype, i, x[i], dx[i], refDx, boundDx);
            }
            for (int k = 0; k < params.length; k++) {
                double[] fd = model.parameterGradient(k, x, dy);
                double bound = (dtype == DType.F32 ? 2e-5 : 8e-4) * fd[1] + 4 * fd[2] + 1e-20;
                within(where + " backward d" + model.name(k), f, dtype, k, Float.NaN, got[k], fd[0], bound);
            }
        }
    }

    private static void within(String pass, LearnableActivation f, DType dtype, int i, float input, double got,
                               double ref, double bound) {
        double overflow = dtype == DType.BF16 ? 0x1.fefffep127 : dtype == DType.F16 ? 65519.99 : 0x1.ffffffp127;
        if (Math.abs(ref) > overflow && got == Math.copySign(Double.POSITIVE_INFINITY, ref)) return;  // rounds to inf
        double err = Math.abs(got - ref);
        if (!(err <= bound)) {
            fail(String.format("%s: element %d, input %s: got %s, expected %s (bound %.3g)", pass, i, input, got,
                    ref, bound));
        }
        String[] words = pass.split(" ");
        String key = f.op() + " " + dtype + " " + words[0] + " " + words[1] + (pass.contains(" dx") ? " dx"
                : words[1].equals("backward") ? " dparams" : "");
        USED.merge(key, bound > 0 ? err / bound : 0, Math::max);
    }

    /** Inputs where the float64 differences are meaningful: Gaussian and uniform within +-8, with zeros. */
    static float[] moderateInputs(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (i % 4) {
                case 0 -> (float) (r.nextGaussian() * 2);
                case 1 -> (float) (r.nextDouble() * 16 - 8);
                case 2 -> (float) (r.nextGaussian() * 0.3);
                default -> i % 8 == 3 ? 0f : (float) (r.nextDouble() * 4 - 2);
            };
        }
        return x;
    }

    /** Random parameters per group; the rational's last group has all denominator coefficients 0. */
    static float[] randomParams(LearnableActivation f, long channels, Random r) {
        float[] p = new float[(int) f.paramCount(channels)];
        long groups = f.groupsFor(channels);
        int shared = f.sharedCount();
        for (int k = 0; k < f.parameterNames().size(); k++) {
            for (long g = 0; g < (k < shared ? 1 : groups); g++) {
                p[(int) f.slot(k, g, channels)] = randomParam(f, f.parameterNames().get(k), g, groups, r);
            }
        }
        return p;
    }

    private static float randomParam(LearnableActivation f, String name, long group, long groups, Random r) {
        return switch (f.op()) {
            case RATIONAL -> name.startsWith("b") && group == groups - 1 && groups > 1 ? 0f
                    : (float) (r.nextGaussian() * (name.startsWith("a") ? 1.0 / (1 + name.charAt(1) - '0') : 0.6));
            case POLYRELU -> (float) (r.nextGaussian() / (1 + name.charAt(1) - '0'));
            case DYT -> switch (name) {
                case "alpha" -> (float) (0.2 + r.nextDouble() * 1.5);
                case "gamma" -> (float) (1 + r.nextGaussian() * 0.3);
                default -> (float) (r.nextGaussian() * 0.3);
            };
            // lambda: one group in three below the clamp at 1e-4, where its gradient is 0
            case APA -> name.equals("kappa") ? (float) (0.2 + r.nextDouble() * 1.8)
                    : group % 3 == 2 ? 5e-5f : (float) (0.05 + r.nextDouble() * 2);
            case SWISH -> (float) (r.nextDouble() * 4 - 1.5);
            case CRRELU -> (float) (r.nextGaussian() * 0.5);
            case TEMPERED_SIGMOID -> switch (name) {
                case "scale" -> (float) (0.5 + r.nextDouble() * 2.5);
                case "temperature" -> (float) (0.2 + r.nextDouble() * 2.8);
                default -> (float) r.nextGaussian();
            };
            case SINE -> (float) (0.5 + r.nextDouble() * 5);
            case CAUCHY -> name.equals("d") ? (float) ((r.nextBoolean() ? 1 : -1) * (0.3 + r.nextDouble() * 1.7))
                    : (float) r.nextGaussian();
            case POLYNORM -> throw new IllegalArgumentException("polynorm: PolyNormTest.randomParams");
        };
    }

    /** The reference seen per element: each element's group of parameters, and finite differences of it. */
    static final class Model {
        final LearnableActivation f;
        final float[] params;
        final long channels, groupSize;
        final int names;

        Model(LearnableActivation f, float[] params, long channels) {
            this.f = f;
            this.params = params;
            this.channels = channels;
            this.groupSize = channels / f.groupsFor(channels);
            this.names = f.parameterNames().size();
        }

        String name(int slot) {
            int shared = f.sharedCount();
            if (slot < shared) return f.parameterNames().get(slot);
            long groups = f.groupsFor(channels);
            return f.parameterNames().get(shared + (int) ((slot - shared) / groups)) + "[" + (slot - shared) % groups
                    + "]";
        }

        double[] group(int element) {
            long g = (element % channels) / groupSize;
            double[] p = new double[names];
            for (int k = 0; k < names; k++) p[k] = params[(int) f.slot(k, g, channels)];
            return p;
        }

        double derivative(double[] p, double x) {
            return LearnableReference.derivative(f, p, x);
        }

        /** |x f''(x)|: how the rounding of x-dependent intermediates moves f'. */
        double curvature(double[] p, double x) {
            double h = 1e-3 * Math.max(Math.abs(x), 1e-3);
            return Math.abs(derivative(p, x + h) - derivative(p, x - h)) / (2 * h) * Math.max(Math.abs(x), 1e-3);
        }

        /** What cancellation in the rational's and polyrelu's sums can cost, forward. */
        double terms(double[] p, double x) {
            return switch (f.op()) {
                case RATIONAL -> {
                    int m = f.numDegree(), n = f.denDegree();
                    double num = 0, den = 0, q = 1 + Math.abs(denominator(p, x));
                    for (int i = 0; i <= m; i++) num += Math.abs(p[i] * Math.pow(x, i));
                    for (int j = 1; j <= n; j++) den += Math.abs(p[m + j] * Math.pow(x, j));
                    double fx = Math.abs(LearnableReference.forward(f, p, x));
                    yield (num + fx * den) / q * 4;
                }
                case POLYRELU -> {
                    double s = 0;
                    for (int i = 0; i <= f.numDegree(); i++) s += Math.abs(p[i] * Math.pow(Math.max(x, 0), i));
                    yield s;
                }
                case DYT -> Math.abs(p[2]) + Math.abs(p[1]);
                case CRRELU -> Math.max(x, 0) + Math.abs(p[0] * x * Math.exp(-x * x / 2));
                case TEMPERED_SIGMOID -> Math.abs(p[0]) + Math.abs(p[2]);
                case CAUCHY -> Math.abs(p[0] * x) / (x * x + p[2] * p[2]) + Math.abs(p[1]) / (x * x + p[2] * p[2]);
                default -> 0;
            };
        }

        /**
         * How much the float evaluation of a parameter's term can lose to cancellation, relative to the
         * term: the sums' (rational, polyrelu) over f, and APA's s - sigmoid(z) in df/dlambda.
         */
        double parameterCondition(double[] p, double x) {
            if (f.op() == Learnable.APA) {
                double l = Math.max(p[1], (double) 1e-4f), z = Math.log(l) - p[0] * x;
                double sp = Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))), sig = 1 / (1 + Math.exp(-z));
                return (sp + sig) / Math.max(Math.abs(sp - sig), 1e-30);
            }
            return terms(p, x) / Math.max(Math.abs(LearnableReference.forward(f, p, x)), 1e-30);
        }

        /**
         * The same for the derivative's sums; for CRReLU, its step and eps's term, which cancel where eps is
         * near -1 and x just above 0 (f' = 1 + eps exp(-x^2/2) (1 - x^2)).
         */
        double slopeTerms(double[] p, double x) {
            if (f.op() == Learnable.CRRELU) {
                return (x > 0 ? 1 : 0) + Math.abs(p[0] * Math.exp(-x * x / 2) * (1 - x * x));
            }
            if (f.op() != Learnable.RATIONAL && f.op() != Learnable.POLYRELU) return 0;
            int m = f.numDegree(), n = f.op() == Learnable.RATIONAL ? f.denDegree() : 0;
            double xa = Math.abs(x), q = f.op() == Learnable.RATIONAL ? 1 + Math.abs(denominator(p, x)) : 1;
            double dnum = 0, dden = 0, den = 0;
            for (int i = 1; i <= m; i++) dnum += i * Math.abs(p[i]) * Math.pow(xa, i - 1);
            for (int j = 1; j <= n; j++) {
                dden += j * Math.abs(p[m + j]) * Math.pow(xa, j - 1);
                den += Math.abs(p[m + j]) * Math.pow(xa, j);
            }
            double fx = Math.abs(LearnableReference.forward(f, p, x));
            return (dnum + fx * dden + terms(p, x) / 4 * dden + dnum * den / q) / q * 4;
        }

        /**
         * The rational's ill-conditioned region: |A(x)| within 1e-4 of the size of its terms, where
         * float rounding (or a difference step) can flip sign(A), and with it the sign of f's
         * dependence on A.
         */
        boolean nearDenominatorRoot(double[] p, double x) {
            if (f.op() != Learnable.RATIONAL || f.denDegree() == 0) return false;
            double den = 0, powers = 0, largest = 1;
            for (int j = 1; j <= f.denDegree(); j++) {
                den += Math.abs(p[f.numDegree() + j] * Math.pow(x, j));
                powers += Math.pow(Math.abs(x), j);
                largest = Math.max(largest, Math.abs(p[f.numDegree() + j]));
            }
            // ... or within what a difference step (1e-6 of a coefficient) moves A by
            return Math.abs(denominator(p, x)) <= 1e-4 * (den + 1) + 4e-6 * largest * powers;
        }

        private double denominator(double[] p, double x) {
            int m = f.numDegree();
            double a = 0;
            for (int j = f.denDegree(); j >= 1; j--) a = a * x + p[m + j];
            return a * x;
        }

        /**
         * {sum_i dy_i df/dparam(x_i), sum_i |dy_i df/dparam(x_i)| (times the float evaluation's
         * conditioning), the differences' own rounding error} for the parameter at slot of the params
         * tensor, by central differences of the float64 reference over the elements it reaches.
         */
        double[] parameterGradient(int slot, float[] x, float[] dy) {
            int shared = f.sharedCount();
            long groups = f.groupsFor(channels);
            int k = slot < shared ? slot : shared + (int) ((slot - shared) / groups);
            long onlyGroup = slot < shared ? -1 : (slot - shared) % groups;
            double sum = 0, abs = 0, fdError = 0;
            for (int i = 0; i < x.length; i++) {
                if (onlyGroup >= 0 && (i % channels) / groupSize != onlyGroup) continue;
                if (dy[i] == 0) continue;
                double[] p = group(i);
                double h = 1e-6 * Math.max(1, Math.abs(p[k]));
                double v = p[k];
                p[k] = v + h;
                double up = LearnableReference.forward(f, p, x[i]);
                p[k] = v - h;
                double down = LearnableReference.forward(f, p, x[i]);
                double term = dy[i] * (up - down) / (2 * h);
                p[k] = v;
                sum += term;
                // The difference's own rounding: f's double ulps over the step (where the parameter moves f
                // by far less than f, as a_6 x^6 at small x).
                fdError += Math.abs(dy[i]) * (Math.abs(up) + Math.abs(down)) * 0x1p-52 / (2 * h);
                // Near a root of the rational's A, sign(A) in float may differ from float64's, and the
                // differences may cross the kink: there the term may be anything up to its one-sided slopes.
                if (nearDenominatorRoot(p, x[i])) {
                    double at = LearnableReference.forward(f, p, x[i]);
                    fdError += 2 * Math.abs(dy[i]) * Math.max(Math.abs(up - at), Math.abs(at - down)) / h;
                }
                // The float evaluation's error grows with the cancellation in the polynomial sums.
                abs += Math.abs(term) * (1 + parameterCondition(p, x[i]));
            }
            return new double[] {sum, abs, fdError};
        }

    }

    /**
     * Rows wider than one tile of the per-channel path (rational (6, 5) holds 24 columns a channel: 288
     * channels a tile with AVX-512, 312 with AVX2), APA's derived columns and polyrelu's groups of 2.
     */
    @Test
    void wideRowsGoThroughSeveralTiles() {
        for (Isa isa : Actinium.supportedIsas()) {
            Actinium.useIsa(isa);
            for (LearnableActivation f : List.of(LearnableActivation.rational(6, 5).perChannel(),
                    LearnableActivation.of(Learnable.APA).perChannel(),
                    LearnableActivation.polyrelu(2).withGroups(500))) {
                long channels = 1000;
                int rows = 4, n = (int) (rows * channels);
                Random r = new Random(isa.ordinal() * 7919L + f.hashCode());
                float[] params = randomParams(f, channels, r), x = moderateInputs(r, n), dy = new float[n];
                for (int i = 0; i < n; i++) dy[i] = (float) r.nextGaussian();
                float[] y = new float[n], dx = new float[n], dp = new float[params.length];
                Tensor p = Tensor.wrap(params, params.length);
                LearnableActivations.forward(f, p, Tensor.wrap(x, rows, channels), Tensor.wrap(y, rows, channels),
                        SERIAL);
                LearnableActivations.backward(f, p, Tensor.wrap(x, rows, channels), Tensor.wrap(dy, rows, channels),
                        Tensor.wrap(dx, rows, channels), Tensor.wrap(dp, dp.length), SERIAL);
                try {
                    verify(f, DType.F32, channels, params, x, dy, y, dx, dp, "cpu");
                } catch (AssertionError e) {
                    throw new AssertionError(isa + " " + f + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** Bit-identical outputs and parameter gradients for 1, 2 and 3 threads and on a second run. */
    @Test
    void sameBitsForAnyThreadCount() {
        Actinium.useIsa(Actinium.supportedIsas().get(Actinium.supportedIsas().size() - 1));
        long channels = 768;
        int rows = 1000;  // 768K elements: several pieces on every ISA
        int n = (int) (rows * channels);
        Random r = new Random(42);
        List<Parallel> ways = List.of(SERIAL, Parallel.of(Parallel.newPool(2)).withGrain(1),
                Parallel.of(Parallel.newPool(3)).withGrain(50_000), Parallel.of(Parallel.newPool(2)));
        for (LearnableActivation f : List.of(LearnableActivation.rational(5, 4).withGroups(8),
                LearnableActivation.of(Learnable.DYT).perChannel(), LearnableActivation.of(Learnable.APA))) {
            float[] params = randomParams(f, channels, r);
            float[] x = moderateInputs(r, n), dy = Harness.gradients(7, n);
            float[] firstDx = null, firstDp = null;
            for (Parallel way : ways) {
                for (int run = 0; run < 2; run++) {
                    float[] dx = new float[n], dp = new float[params.length];
                    LearnableActivations.backward(f, Tensor.wrap(params, params.length), Tensor.wrap(x, rows,
                            channels), Tensor.wrap(dy, rows, channels), Tensor.wrap(dx, rows, channels),
                            Tensor.wrap(dp, dp.length), way);
                    if (firstDx == null) {
                        firstDx = dx;
                        firstDp = dp;
                    } else {
                        assertArrayEquals(firstDx, dx, f + ": dx with " + way.parallelism() + " threads");
                        for (int k = 0; k < dp.length; k++) {
                            assertEquals(Float.floatToRawIntBits(firstDp[k]), Float.floatToRawIntBits(dp[k]),
                                    f + ": dparams[" + k + "] with " + way.parallelism() + " threads");
                        }
                    }
                }
            }
        }
    }

    /**
     * The rational unit evaluates a lane with |x| > 8 in t = 1/x, and a vector without such a lane in x
     * alone: a lane's bits must not depend on its neighbours. Every ISA, moderate inputs alone and with
     * every 7th element moved past 8 (up to 1e6): the other lanes keep their y and dx bits, and the wide
     * inputs meet the reference, parameter gradients included.
     */
    @Test
    void rationalLanesDoNotDependOnTheirNeighbours() {
        LearnableActivation f = LearnableActivation.rational(5, 4);
        long seed = Harness.SEEDS.nextLong();
        int channels = 96, rows = 43, n = rows * channels;
        for (Isa isa : Actinium.supportedIsas()) {
            Actinium.useIsa(isa);
            Random r = new Random(seed);
            float[] params = randomParams(f, 1, r);
            float[] x = moderateInputs(r, n);
            float[] wide = x.clone();
            for (int i = 3; i < n; i += 7) {
                wide[i] = (float) (Math.copySign(8 * Math.pow(1.25e5, r.nextDouble()), r.nextDouble() - 0.5));
            }
            float[] dy = new float[n];
            for (int i = 0; i < n; i++) dy[i] = (float) r.nextGaussian();
            float[][] moderate = run(f, params, x, dy), mixed = run(f, params, wide, dy);
            for (int i = 0; i < n; i++) {
                if (wide[i] != x[i]) continue;
                for (int k = 0; k < 2; k++) {
                    if (Float.floatToRawIntBits(moderate[k][i]) != Float.floatToRawIntBits(mixed[k][i])) {
                        fail(isa + " seed " + seed + ": " + (k == 0 ? "y" : "dx") + "[" + i + "] at x = " + x[i]
                                + ": " + moderate[k][i] + " alone, " + mixed[k][i] + " beside inputs past 8");
                    }
                }
            }
            try {
                verify(f, DType.F32, channels, params, wide, dy, mixed[0], mixed[1], mixed[2], "cpu wide");
            } catch (AssertionError e) {
                throw new AssertionError(isa + " seed " + seed + ": " + e.getMessage(), e);
            }
        }
    }

    /** y, dx and dparams of f over x and dy (F32, one thread). */
    private static float[][] run(LearnableActivation f, float[] params, float[] x, float[] dy) {
        int n = x.length;
        float[] y = new float[n], dx = new float[n], dparams = new float[params.length];
        Tensor p = Tensor.wrap(params.clone(), params.length);
        LearnableActivations.forward(f, p, Tensor.wrap(x.clone(), n), Tensor.wrap(y, n), SERIAL);
        Tensor dp = Tensor.wrap(dparams, dparams.length);
        LearnableActivations.backward(f, p, Tensor.wrap(x.clone(), n), Tensor.wrap(dy.clone(), n),
                Tensor.wrap(dx, n), dp, SERIAL);
        return new float[][] {y, dx, dp.toFloatArray()};
    }

    /** Non-finite inputs: NaN gives NaN; +-inf and huge values give finite limits (never NaN) forward. */
    @Test
    void edgeInputsGiveTheLimits() {
        float[] edges = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e30f, -1e30f, Float.MAX_VALUE,
                -Float.MAX_VALUE, 1e-40f, -0f, 0f, 3e5f, -3e5f};
        for (Isa isa : Actinium.supportedIsas()) {
            Actinium.useIsa(isa);
            for (LearnableActivation f : specs()) {
                if (f.op() == Learnable.POLYRELU) continue;  // a polynomial: +inf gives +-inf or NaN (0 * inf)
                float[] params = f.initialParams(1);
                if (f.op() == Learnable.RATIONAL) {
                    params = RationalFit.fit(f, Activation.GELU_ERF, -4, 4).coefficients();
                }
                float[] y = new float[edges.length];
                LearnableActivations.forward(f, Tensor.wrap(params, params.length), Tensor.wrap(edges.clone(),
                        edges.length), Tensor.wrap(y, edges.length), SERIAL);
                double[] p = new double[params.length];
                for (int k = 0; k < p.length; k++) p[k] = params[k];
                for (int i = 0; i < edges.length; i++) {
                    double ref = LearnableReference.forward(f.withGroups(1), p, edges[i]);
                    if (Math.abs(ref) > Float.MAX_VALUE) ref = Math.copySign(Double.POSITIVE_INFINITY, ref);
                    if (Double.isNaN(ref)) {
                        assertTrue(Float.isNaN(y[i]), isa + " " + f + " at " + edges[i] + ": got " + y[i]);
                        continue;
                    }
                    if (f.op() == Learnable.SINE && Math.abs(edges[i]) > 1e4) continue;  // only a sine's value there
                    double err = Math.abs(y[i] - ref);
                    assertTrue(err <= 1e-5 * Math.abs(ref) + 1e-6 || y[i] == ref,
                            isa + " " + f + " at " + edges[i] + ": got " + y[i] + ", expected " + ref);
                }
            }
        }
    }

    /**
     * The fit that initialises a rational unit: GELU, SiLU and ReLU on [-4, 4] with PAU's degrees (5, 4),
     * within about twice the errors measured, and the fitted unit through the kernels agreeing with the fit.
     */
    @Test
    void rationalFitsTheCommonActivations() {
        LearnableActivation pau = LearnableActivation.rational(5, 4);
        Object[][] targets = {{Activation.GELU_ERF, 5e-3}, {Activation.SILU, 5e-3}, {Activation.RELU, 1e-1}};
        for (Object[] t : targets) {
            Activation target = (Activation) t[0];
            RationalFit.Result fit = RationalFit.fit(pau, target, -4, 4);
            System.out.printf("rational (5, 4) fit to %s on [-4, 4]: max error %.3g, rms %.3g%n", target,
                    fit.maxError(), fit.rmsError());
            assertTrue(fit.maxError() <= (double) t[1], target + ": max error " + fit.maxError());
            float[] x = new float[801], y = new float[801];
            for (int i = 0; i < x.length; i++) x[i] = -4 + i / 100f;
            float[] c = fit.coefficients();
            LearnableActivations.forward(pau, Tensor.wrap(c, c.length), Tensor.wrap(x, x.length),
                    Tensor.wrap(y, y.length), SERIAL);
            for (int i = 0; i < x.length; i++) {
                double want = Reference.forward(target, x[i]);
                assertTrue(Math.abs(y[i] - want) <= fit.maxError() * 1.5 + 1e-5,
                        target + " at " + x[i] + ": " + y[i] + " against " + want);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> RationalFit.fit(pau, Activation.GELU_ERF, 3, -3));
        assertThrows(IllegalArgumentException.class,
                () -> RationalFit.fit(LearnableActivation.of(Learnable.DYT), Activation.GELU_ERF, -3, 3));
    }

    @Test
    void badArgumentsAreRefusedByName() {
        LearnableActivation rational = LearnableActivation.rational(5, 4);
        float[] x = new float[12];
        Tensor xt = Tensor.wrap(x, 3, 4), yt = Tensor.wrap(new float[12], 3, 4);
        Tensor good = Tensor.wrap(rational.initialParams(4), (int) rational.paramCount(4));
        assertMessage("degrees", () -> LearnableActivation.rational(-1, 2));
        assertMessage("degrees", () -> LearnableActivation.rational(7, 2));
        assertMessage("degrees", () -> LearnableActivation.rational(3, 6));
        assertMessage("degrees", () -> LearnableActivation.polyrelu(0));
        assertMessage("degrees", () -> LearnableActivation.polyrelu(4));
        assertMessage("groups", () -> rational.withGroups(0));
        assertMessage("groups", () -> LearnableActivations.forward(rational.withGroups(3), Tensor.wrap(new float[30],
                30), xt, yt));
        assertMessage("params", () -> LearnableActivations.forward(rational, Tensor.wrap(new float[9], 9), xt, yt));
        assertMessage("params", () -> LearnableActivations.forward(rational, Tensor.wrap(new short[10], DType.BF16,
                10), xt, yt));
        float[] nan = rational.initialParams(4);
        nan[3] = Float.NaN;
        assertMessage("a3", () -> LearnableActivations.forward(rational, Tensor.wrap(nan, nan.length), xt, yt));
        LearnableActivation cauchy = LearnableActivation.of(Learnable.CAUCHY);
        float[] zeroD = cauchy.initialParams(4);
        zeroD[2] = 0;
        assertMessage("|d|", () -> LearnableActivations.forward(cauchy, Tensor.wrap(zeroD, 3), xt, yt));
        assertMessage("dparams", () -> LearnableActivations.backward(rational, good, xt, xt, yt,
                Tensor.wrap(new float[3], 3)));
        assertMessage("dparams", () -> LearnableActivations.backward(rational, good, xt, xt, yt, good));
        assertMessage("y", () -> LearnableActivations.forward(rational, good, xt, Tensor.wrap(new float[12], 4, 3)));
        assertEquals(List.of("a0", "a1", "a2", "a3", "a4", "a5", "b1", "b2", "b3", "b4"), rational.parameterNames());
        assertEquals(List.of("alpha", "gamma", "beta"), LearnableActivation.of(Learnable.DYT).parameterNames());
        assertEquals(1 + 2 * 4, LearnableActivation.of(Learnable.DYT).perChannel().paramCount(4));
    }

    private static void assertMessage(String word, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(word), "message should name " + word + ": " + e.getMessage());
    }
}
