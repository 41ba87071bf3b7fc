package dev.actinium;

/**
 * float64 reference math, written independently of the native code (no shared algorithm or
 * coefficients): erfc by its Taylor series below 2.5 and by its continued fraction above.
 */
final class ReferenceMath {
    private ReferenceMath() {}

    static final double SQRT_PI = Math.sqrt(Math.PI);

    static double erfc(double z) {
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
    static double phi(double x) {
        return 0.5 * erfc(-x / Math.sqrt(2));
    }

    /** Standard normal density. */
    static double pdf(double x) {
        return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** bf16 code of f, round to nearest even (NaN kept NaN). */
    static short toBf16(float f) {
        int b = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((b >>> 16) | 0x40);
        int lsb = (b >>> 16) & 1;
        return (short) ((b + 0x7fff + lsb) >>> 16);
    }

    static float fromBf16(short h) {
        return Float.intBitsToFloat((h & 0xffff) << 16);
    }

    static float roundBf16(float f) {
        return fromBf16(toBf16(f));
    }
}
