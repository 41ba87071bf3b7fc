package dev.actinium;

/**
 * The float64 reference of every activation, written independently of the native kernels (no
 * shared algorithm or coefficient): erfc by its Taylor series below 2.5 and its continued
 * fraction above, sigmoid and tanh forms evaluated in double. Tests, the demo and the benchmarks
 * measure the kernels against it; users can too.
 */
public final class Reference {
    private Reference() {}

    private static final double K = Math.sqrt(2 / Math.PI), C = 0.044715;

    /** f(x) in float64, with the limits at +-inf taken exactly and NaN kept. */
    public static double forward(Activation op, double x) {
        if (Double.isNaN(x)) return Double.NaN;
        if (x == Double.POSITIVE_INFINITY) return Double.POSITIVE_INFINITY;
        if (x == Double.NEGATIVE_INFINITY) return 0;
        return switch (op) {
            case RELU -> x > 0 ? x : 0;
            case GELU_ERF -> x * phi(x);
            case GELU_TANH -> x * sigmoid(2 * K * (x + C * x * x * x));
            case SILU -> x * sigmoid(x);
        };
    }

    /** f'(x) in float64; every f' here is constant in float64 beyond |x| = 1000. */
    public static double derivative(Activation op, double x) {
        if (Double.isNaN(x)) return Double.NaN;
        double xc = Math.max(-1000, Math.min(1000, x));
        return switch (op) {
            case RELU -> xc > 0 ? 1 : 0;
            case GELU_ERF -> phi(xc) + xc * pdf(xc);
            case GELU_TANH -> {
                double u = K * (xc + C * xc * xc * xc), s = sigmoid(2 * u);
                yield s + xc * 2 * s * (1 - s) * K * (1 + 3 * C * xc * xc);
            }
            case SILU -> {
                double s = sigmoid(xc);
                yield s * (1 + xc * (1 - s));
            }
        };
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
