package dev.actinium.act;

/**
 * The float64 reference of every activation, written independently of the native kernels (no
 * shared algorithm or coefficient): Java's Math for exp, log1p, expm1, tanh, sin and cos; erfc by
 * its Taylor series below 2.5 and its continued fraction above. Each op is written as its
 * definition (PyTorch's where PyTorch has it), with the gradient PyTorch gives at kinks. Tests,
 * the demo and the benchmarks measure the kernels against it; users can too.
 */
public final class Reference {
    private Reference() {}

    private static final double K = Math.sqrt(2 / Math.PI), C = 0.044715;
    private static final double SELU_ALPHA = 1.6732632423543772848170429916717;
    private static final double SELU_SCALE = 1.0507009873554804934193349852946;

    /** f(x) in float64 with f's parameters; limits at +-inf taken exactly, NaN kept. Element-wise ops only. */
    public static double forward(ActivationFunction f, double x) {
        Activation op = requireElementwise(f);
        float[] p = f.params();
        if (Double.isNaN(x)) return Double.NaN;
        if (Double.isInfinite(x)) return limit(op, p, x);
        return switch (op) {
            case RELU -> Math.max(x, 0);
            case LEAKY_RELU -> x > 0 ? x : p[0] * x;
            case RELU6 -> Math.min(Math.max(x, 0), 6);
            case HARDTANH -> Math.min(Math.max(x, p[0]), p[1]);
            case ELU -> x > 0 ? x : p[0] * Math.expm1(x);
            case SELU -> SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x));
            case CELU -> Math.max(0, x) + Math.min(0, p[0] * Math.expm1(x / p[0]));
            case SIGMOID -> sigmoid(x);
            case TANH -> Math.tanh(x);
            case HARDSIGMOID -> Math.min(Math.max(x + 3, 0), 6) / 6;
            case HARDSWISH -> x * Math.min(Math.max(x + 3, 0), 6) / 6;
            case SOFTPLUS -> p[0] * x > p[1] ? x : softplus(p[0] * x) / p[0];
            case SOFTSIGN -> x / (1 + Math.abs(x));
            case LOGSIGMOID -> -softplus(-x);
            case TANHSHRINK -> tanhshrink(x);
            case SOFTSHRINK -> x > p[0] ? x - p[0] : x < -p[0] ? x + p[0] : 0;
            case HARDSHRINK -> Math.abs(x) > p[0] ? x : 0;
            case THRESHOLD -> x > p[0] ? x : p[1];
            case GELU_ERF -> x * phi(x);
            case GELU_TANH -> x * sigmoid(2 * K * (x + C * x * x * x));
            case QUICK_GELU -> x * sigmoid(1.702 * x);
            case SILU -> x * sigmoid(x);
            case SWISH -> x * sigmoid(p[0] * x);
            case MISH -> x * Math.tanh(softplus(x));
            case SAU -> {
                double a = p[0], s = p[1], u = x / s;
                yield a * x + (1 - a) * (x * phi(u) + s * pdf(u));
            }
            case CRRELU -> Math.max(x, 0) + p[0] * x * Math.exp(-x * x / 2);
            case RELU_SQUARED -> Math.min(x > 0 ? x * x : 0, p[0]);
            case SHIFTED_RELU -> Math.min(Math.max(x - p[0], 0), p[1]);
            case SOFT_THRESHOLD -> Math.signum(x) * Math.min(Math.max(Math.abs(x) - p[0], 0), p[1]);
            case HELU -> Math.max(x, 0);
            case SINE -> Math.sin((double) p[0] * x);
            case CAUCHY -> (p[0] * x + p[1]) / (x * x + (double) p[2] * p[2]);
            default -> throw new AssertionError(op);
        };
    }

    /** f'(x) in float64 (PyTorch's value at kinks); NaN kept. Element-wise ops only. */
    public static double derivative(ActivationFunction f, double x) {
        Activation op = requireElementwise(f);
        float[] p = f.params();
        if (Double.isNaN(x)) return Double.NaN;
        return switch (op) {
            case RELU, HELU -> x > (op == Activation.HELU ? -p[0] : 0) ? 1 : 0;
            case LEAKY_RELU -> x > 0 ? 1 : p[0];
            case RELU6 -> x > 0 && x < 6 ? 1 : 0;
            case HARDTANH -> x > p[0] && x < p[1] ? 1 : 0;
            case ELU -> x > 0 ? 1 : p[0] * Math.exp(x);
            case SELU -> SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x));
            case CELU -> x > 0 ? 1 : Math.exp(x / p[0]);
            case SIGMOID -> sigmoid(x) * sigmoid(-x);
            case TANH -> 1 / (Math.cosh(x) * Math.cosh(x));
            case HARDSIGMOID -> x > -3 && x < 3 ? 1.0 / 6 : 0;
            case HARDSWISH -> x < -3 ? 0 : x <= 3 ? x / 3 + 0.5 : 1;
            case SOFTPLUS -> p[0] * x > p[1] ? 1 : sigmoid(p[0] * x);
            case SOFTSIGN -> 1 / ((1 + Math.abs(x)) * (1 + Math.abs(x)));
            case LOGSIGMOID -> sigmoid(-x);
            case TANHSHRINK -> Math.tanh(x) * Math.tanh(x);
            case SOFTSHRINK, HARDSHRINK -> Math.abs(x) > p[0] ? 1 : 0;
            case THRESHOLD -> x > p[0] ? 1 : 0;
            case GELU_ERF -> {
                double xc = Math.max(-1000, Math.min(1000, x));  // f' is constant in float64 beyond
                yield phi(xc) + xc * pdf(xc);
            }
            case GELU_TANH -> {
                double xc = Math.max(-1000, Math.min(1000, x)), u = K * (xc + C * xc * xc * xc), s = sigmoid(2 * u);
                yield s + xc * 2 * s * sigmoid(-2 * u) * K * (1 + 3 * C * xc * xc);
            }
            case QUICK_GELU -> swishDerivative(x, 1.702);
            case SILU -> swishDerivative(x, 1);
            case SWISH -> swishDerivative(x, p[0]);
            case MISH -> {
                double sp = softplus(x), t = Math.tanh(sp);
                yield t + (Double.isInfinite(x) ? 0 : x * (1 - t * t) * sigmoid(x));
            }
            case SAU -> p[0] + (1 - p[0]) * phi(x / p[1]);
            case CRRELU -> (x > 0 ? 1 : 0) + (Double.isInfinite(x) ? 0 : p[0] * Math.exp(-x * x / 2) * (1 - x * x));
            // An infinite clip never holds the output, not even at x = +inf.
            case RELU_SQUARED -> x > 0 && (x * x < p[0] || p[0] == Float.POSITIVE_INFINITY) ? 2 * x : 0;
            case SHIFTED_RELU -> x - p[0] > 0 && (x - p[0] < p[1] || p[1] == Float.POSITIVE_INFINITY) ? 1 : 0;
            case SOFT_THRESHOLD -> Math.abs(x) - p[0] > 0 && (Math.abs(x) - p[0] < p[1]
                    || p[1] == Float.POSITIVE_INFINITY) ? 1
                            : 0;
            case SINE -> (double) p[0] * Math.cos((double) p[0] * x);
            case CAUCHY -> {
                if (Double.isInfinite(x)) yield 0;
                double d2 = (double) p[2] * p[2], q = x * x + d2;
                yield (p[0] * (d2 - x * x) - 2 * p[1] * x) / (q * q);
            }
            default -> throw new AssertionError(op);
        };
    }

    /**
     * A stochastic op at element `element` of a tensor under seed (Philox4x32-10, written here from
     * the paper, as the native one): SiLU where the element's uniform is below p, else ReLU.
     */
    public static double forwardSeeded(ActivationFunction f, long seed, long element, double x) {
        return forward(seededChoice(f, seed, element), x);
    }

    public static double derivativeSeeded(ActivationFunction f, long seed, long element, double x) {
        return derivative(seededChoice(f, seed, element), x);
    }

    /** The element-wise op a stochastic op chose for element under seed. */
    public static Activation seededChoice(ActivationFunction f, long seed, long element) {
        if (f.op() != Activation.STOCHASTIC_SILU) throw new IllegalArgumentException("f: " + f.op()
                + " is not stochastic");
        return uniform(seed, element) < f.params()[0] ? Activation.SILU : Activation.RELU;
    }

    /**
     * The uniform in [0, 1) of element under seed: the 24 high bits of Philox word element % 4 of
     * block element / 4.
     */
    public static double uniform(long seed, long element) {
        int[] words = philox4x32x10(new int[] {(int) (element >>> 2), (int) (element >>> 34), 0, 0},
                new int[] {(int) seed, (int) (seed >>> 32)});
        return (words[(int) (element & 3)] >>> 8) * 0x1p-24;
    }

    /** Philox4x32-10 (Salmon et al., SC 2011) on a 128-bit counter and 64-bit key, as unsigned ints. */
    public static int[] philox4x32x10(int[] counter, int[] key) {
        long c0 = counter[0] & 0xffffffffL, c1 = counter[1] & 0xffffffffL, c2 = counter[2] & 0xffffffffL;
        long c3 = counter[3] & 0xffffffffL, k0 = key[0] & 0xffffffffL, k1 = key[1] & 0xffffffffL;
        for (int round = 0; round < 10; round++) {
            long a = 0xD2511F53L * c0, b = 0xCD9E8D57L * c2;  // 32 x 32 -> 64 bits: exact in a long
            long n0 = ((b >>> 32) ^ c1 ^ k0) & 0xffffffffL, n2 = ((a >>> 32) ^ c3 ^ k1) & 0xffffffffL;
            c1 = b & 0xffffffffL;
            c3 = a & 0xffffffffL;
            c0 = n0;
            c2 = n2;
            k0 = (k0 + 0x9E3779B9L) & 0xffffffffL;
            k1 = (k1 + 0xBB67AE85L) & 0xffffffffL;
        }
        return new int[] {(int) c0, (int) c1, (int) c2, (int) c3};
    }

    /** f(x) at +-inf: the limit of the definition. */
    private static double limit(Activation op, float[] p, double x) {
        boolean plus = x > 0;
        return switch (op) {
            case SIGMOID -> plus ? 1 : 0;
            case TANH, SOFTSIGN -> plus ? 1 : -1;
            case HARDSIGMOID -> plus ? 1 : 0;
            case RELU6 -> plus ? 6 : 0;
            case HARDTANH -> plus ? p[1] : p[0];
            case ELU -> plus ? x : -p[0];
            case CELU -> plus ? x : -p[0];
            case SELU -> plus ? x : -SELU_SCALE * SELU_ALPHA;
            case LEAKY_RELU -> plus ? x : p[0] == 0 ? 0 : p[0] * x;
            case THRESHOLD -> plus ? x : p[1];
            case LOGSIGMOID -> plus ? 0 : x;
            case TANHSHRINK -> plus ? x : x;
            case SINE -> Double.NaN;
            case CAUCHY -> 0;
            case SAU -> plus ? x : p[0] == 0 ? 0 : x;
            case SWISH -> p[0] > 0 ? (plus ? x : 0) : p[0] == 0 ? x / 2 : (plus ? 0 : x);
            case RELU_SQUARED -> plus ? p[0] : 0;
            case SHIFTED_RELU -> plus ? p[1] : 0;
            case SOFT_THRESHOLD -> plus ? p[1] : -p[1];
            case HARDSHRINK, SOFTSHRINK -> x;
            default -> plus ? x : 0;  // relu, helu, hardswish, softplus, the smooth ReLUs, crrelu
        };
    }

    private static Activation requireElementwise(ActivationFunction f) {
        Activation op = f.op();
        if (op.isGated()) throw new IllegalArgumentException("f: " + op + " is gated: use gate() and up()");
        if (op.isSeeded()) throw new IllegalArgumentException("f: " + op + " is stochastic: use forwardSeeded()");
        return op;
    }

    /** The element-wise function a gated op applies to its gate half, with the gated op's parameters. */
    public static ActivationFunction gate(ActivationFunction gated) {
        Activation gate = switch (gated.op()) {
            case GLU -> Activation.SIGMOID;
            case REGLU, DRELU -> Activation.RELU;
            case GEGLU_ERF -> Activation.GELU_ERF;
            case GEGLU_TANH -> Activation.GELU_TANH;
            case SWIGLU -> Activation.SILU;
            case SREGLU -> Activation.RELU_SQUARED;
            default -> throw new IllegalArgumentException("f: " + gated.op() + " is not gated");
        };
        float[] p = gated.params();
        return p.length == 0 ? gate : gate.with(p);
    }

    /** g(up) of a gated op: ReLU for dReLU, else the identity. */
    public static double up(ActivationFunction gated, double u) {
        return gated.op() == Activation.DRELU ? (Double.isNaN(u) ? u : Math.max(u, 0)) : u;
    }

    /** g'(up) of a gated op. */
    public static double upDerivative(ActivationFunction gated, double u) {
        if (Double.isNaN(u)) return u;
        return gated.op() == Activation.DRELU ? (u > 0 ? 1 : 0) : 1;
    }

    private static double swishDerivative(double x, double beta) {
        double z = beta * x;
        if (Double.isInfinite(z)) return z > 0 ? 1 : 0;
        double s = sigmoid(z);
        return s * (1 + z * sigmoid(-z));
    }

    /** log(1 + e^z) without overflow. */
    private static double softplus(double z) {
        return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    }

    /** x - tanh(x), by its Taylor series where the subtraction would cancel. */
    private static double tanhshrink(double x) {
        if (Math.abs(x) >= 0.1) return x - Math.tanh(x);
        // x - tanh x = sum_{n>=2} 2^{2n} (2^{2n} - 1) |B_2n| x^{2n-1} / (2n)!, the first terms:
        double x2 = x * x;
        return x * x2 * (1.0 / 3 - x2 * (2.0 / 15 - x2 * (17.0 / 315 - x2 * (62.0 / 2835 - x2 * 1382.0 / 155925))));
    }

    private static final double SQRT_PI = Math.sqrt(Math.PI);

    public static double erfc(double z) {
        if (Double.isNaN(z)) return Double.NaN;
        if (z < 0) return 2 - erfc(-z);
        if (z < 2.5) {
            // erf(z) = 2/sqrt(pi) * sum_n (-1)^n z^(2n+1) / (n! (2n+1))
            double sum = 0, term = z;
            for (int n = 0; n < 400; n++) {
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.abs(t) < 1e-18 * Math.abs(sum)) break;
                term *= -z * z / (n + 1);
            }
            return 1 - 2 / SQRT_PI * sum;
        }
        if (z > 27) return 0;  // below the smallest double
        // erfc(z) = exp(-z^2)/sqrt(pi) / (z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...))))), backward.
        double f = z;
        for (int k = 300; k >= 1; k--) f = z + (k / 2.0) / f;
        return Math.exp(-z * z) / (SQRT_PI * f);
    }

    /** Standard normal CDF. */
    public static double phi(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2));
    }

    /** Standard normal density. */
    public static double pdf(double x) {
        return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    }

    public static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** bf16 code of f, round to nearest even (NaN kept NaN). */
    public static short toBf16(float f) {
        int b = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((b >>> 16) | 0x40);
        int lsb = (b >>> 16) & 1;
        return (short) ((b + 0x7fff + lsb) >>> 16);
    }

    public static float fromBf16(short h) {
        return Float.intBitsToFloat((h & 0xffff) << 16);
    }

    public static float roundBf16(float f) {
        return fromBf16(toBf16(f));
    }
}
