package dev.actinium.act;

/**
 * The learnable activations in float64, written from their published definitions, not from the
 * native functors: what the tests hold the kernels to, and what their finite differences are taken
 * of. p holds one group's parameters in {@link LearnableActivation#parameterNames} order.
 */
public final class LearnableReference {
    private LearnableReference() {}

    /** Where the kernels take +-inf (and the rational unit every |x| beyond it): 2^60. */
    static final double RATIONAL_CLAMP = 0x1p60;

    public static double forward(LearnableActivation f, double[] p, double x) {
        if (Double.isNaN(x)) return Double.NaN;
        return switch (f.op()) {
            case POLYNORM -> throw new IllegalArgumentException("polynorm normalizes rows: polyNormForward");
            case RATIONAL -> rational(f.numDegree(), f.denDegree(), p, x);
            case POLYRELU -> {
                double r = Math.max(x, 0), sum = 0, power = 1;
                for (int i = 0; i <= f.numDegree(); i++, power *= r) sum += p[i] * power;
                yield sum;
            }
            case DYT -> p[1] * Math.tanh(p[0] * x) + p[2];
            case APA -> apa(p[0], p[1], x);
            case SWISH -> {
                double z = p[0] * x;
                // x sigmoid(z); where the sigmoid underflows the product is 0 (also for infinite x).
                double s = sigmoid(z);
                yield s == 0 ? 0 : x * s;
            }
            case CRRELU -> Math.max(x, 0) + (Math.abs(x) > 40 ? 0 : p[0] * x * Math.exp(-x * x / 2));
            case TEMPERED_SIGMOID -> p[0] * sigmoid(p[1] * x) - p[2];
            case SINE -> Math.sin(p[0] * x);
            case CAUCHY -> {
                double xc = Math.max(-1e18, Math.min(1e18, x));
                yield (p[0] * xc + p[1]) / (xc * xc + p[2] * p[2]);
            }
        };
    }

    /**
     * df/dx from the definitions (relu's slope at 0 taken as 0, as PyTorch does), for finite x within
     * 1e30; NaN for NaN.
     */
    public static double derivative(LearnableActivation f, double[] p, double x) {
        if (Double.isNaN(x)) return Double.NaN;
        return switch (f.op()) {
            case POLYNORM -> throw new IllegalArgumentException("polynorm normalizes rows: polyNormBackward");
            case RATIONAL -> {
                int m = f.numDegree(), n = f.denDegree();
                double num = 0, dnum = 0, den = 0, dden = 0;
                for (int i = m; i >= 0; i--) {
                    dnum = dnum * x + num;
                    num = num * x + p[i];
                }
                for (int j = n; j >= 1; j--) {
                    dden = dden * x + den;
                    den = den * x + p[m + j];
                }
                // A = x * den, A' = den + x * dden
                double a = x * den, da = den + x * dden, q = 1 + Math.abs(a);
                yield (dnum - num / q * Math.signum(a) * da) / q;
            }
            case POLYRELU -> {
                if (!(x > 0)) yield 0;
                double sum = 0;
                for (int i = f.numDegree(); i >= 1; i--) sum = sum * x + i * p[i];
                yield sum;
            }
            case DYT -> {
                double c = Math.cosh(p[0] * x);
                yield p[1] * p[0] / (c * c);
            }
            case APA -> {
                double l = Math.max(p[1], (double) 1e-4f);
                double z = Math.log(l) - p[0] * x;
                yield forward(f, p, x) * p[0] * sigmoid(z) / l;
            }
            case SWISH -> {
                double z = p[0] * x, s = sigmoid(z);
                yield s + z * s * sigmoid(-z);
            }
            case CRRELU -> (x > 0 ? 1 : 0) + p[0] * (1 - x * x) * Math.exp(-x * x / 2);
            case TEMPERED_SIGMOID -> p[0] * p[1] * sigmoid(p[1] * x) * sigmoid(-p[1] * x);
            case SINE -> p[0] * Math.cos(p[0] * x);
            case CAUCHY -> {
                double d2 = p[2] * p[2], q = x * x + d2;
                yield (p[0] * (d2 - x * x) - 2 * p[1] * x) / (q * q);
            }
        };
    }

    /**
     * PolyNorm over one row x by its definition, a0 + sum_k a_k x^k / sqrt(mean(x^(2k)) + eps), in double;
     * coefficient[c] holds a0..a_order of channel c's group.
     */
    public static double[] polyNormForward(double eps, double[][] coefficient, double[] x) {
        int order = coefficient[0].length - 1;
        double[] r = polyNormScales(eps, order, x), y = new double[x.length];
        for (int c = 0; c < x.length; c++) {
            y[c] = coefficient[c][0];
            for (int k = 1; k <= order; k++) y[c] += coefficient[c][k] * Math.pow(x[c], k) * r[k - 1];
        }
        return y;
    }

    /**
     * PolyNorm's backward over one row, in double: returns dx, and adds the row's sum of dy * df/dparam into
     * dEps[0] and dCoefficient[c][k] (the coefficient of channel c, as polyNormForward's; the caller sums a
     * group's channels). Derived from the definition with u_k = x^k, r_k = (mean(u_k^2) + eps)^(-1/2):
     * dL/du_kj = r_k a_k dy_j - r_k^3 u_kj mean_i(a_k dy_i u_ki).
     */
    public static double[] polyNormBackward(double eps, double[][] coefficient, double[] x, double[] dy,
                                            double[] dEps, double[][] dCoefficient) {
        int order = coefficient[0].length - 1, n = x.length;
        double[] r = polyNormScales(eps, order, x), dx = new double[n];
        for (int k = 1; k <= order; k++) {
            double rk = r[k - 1], mean = 0;
            for (int c = 0; c < n; c++) mean += coefficient[c][k] * dy[c] * Math.pow(x[c], k);
            mean /= n;
            dEps[0] += -0.5 * rk * rk * rk * mean * n;
            for (int c = 0; c < n; c++) {
                double du = rk * coefficient[c][k] * dy[c] - rk * rk * rk * Math.pow(x[c], k) * mean;
                dx[c] += du * k * Math.pow(x[c], k - 1);
                dCoefficient[c][k] += dy[c] * Math.pow(x[c], k) * rk;
            }
        }
        for (int c = 0; c < n; c++) dCoefficient[c][0] += dy[c];
        return dx;
    }

    /** r_k = (mean(x^(2k)) + eps)^(-1/2), k = 1..order. */
    private static double[] polyNormScales(double eps, int order, double[] x) {
        double[] r = new double[order];
        for (int k = 1; k <= order; k++) {
            double sum = 0;
            for (double v : x) sum += Math.pow(v, 2 * k);
            r[k - 1] = 1 / Math.sqrt(sum / x.length + eps);
        }
        return r;
    }

    /** P(x) / (1 + |A(x)|) by its definition, in double (x within 2^60: no power overflows a double). */
    private static double rational(int m, int n, double[] p, double x) {
        double xc = Math.max(-RATIONAL_CLAMP, Math.min(RATIONAL_CLAMP, x));
        if (Math.abs(xc) > 1e30) {
            // Beyond 1e30 the float kernels' powers of 1/x underflow: the value is the limit, taken
            // here as P and Q divided by x^k in double.
            int k = Math.max(m, n);
            double t = 1 / xc, pn = 0, an = 0;
            for (int i = 0; i <= m; i++) pn += p[i] * Math.pow(t, k - i);
            for (int j = 1; j <= n; j++) an += p[m + j] * Math.pow(t, k - j);
            double sigma = k % 2 == 1 && xc < 0 ? -1 : 1;
            return sigma * pn / (Math.pow(Math.abs(t), k) + Math.abs(an));
        }
        double num = 0, den = 0;
        for (int i = m; i >= 0; i--) num = num * xc + p[i];
        for (int j = n; j >= 1; j--) den = den * xc + p[m + j];
        den *= xc;
        return num / (1 + Math.abs(den));
    }

    /** (1 + lambda e^(-kappa x))^(-1/lambda), lambda taken as at least 1e-4 (the published module's clamp). */
    private static double apa(double kappa, double lambda, double x) {
        double l = Math.max(lambda, (double) 1e-4f);
        double z = Math.log(l) - kappa * x;  // log(lambda e^(-kappa x))
        double softplus = Double.isInfinite(z) ? Math.max(z, 0) : Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
        return Math.exp(-softplus / l);
    }

    private static double sigmoid(double z) {
        if (z >= 0) return 1 / (1 + Math.exp(-z));
        double e = Math.exp(z);
        return e / (1 + e);
    }
}
