package dev.actinium.act;

import java.util.Objects;
import java.util.function.DoubleUnaryOperator;

/**
 * Initial coefficients for a rational unit, fitted to an activation by least squares on an
 * interval, as PAU and KAT initialise theirs: first the linear problem P(x) - f(x) A(x) = f(x) (exact
 * where A >= 0), then Levenberg-Marquardt steps on the safe form's own residual
 * P(x) / (1 + |A(x)|) - f(x), from two starts (below); the better fit wins. In float64, over 2,001
 * evenly spaced points.
 */
public final class RationalFit {
    private static final int POINTS = 2001, ITERATIONS = 200;

    private RationalFit() {}

    /**
     * The fitted coefficients (one group: a0..am, b1..bn, {@link LearnableActivation#parameterNames}
     * order) and the fit's error on the interval's points.
     */
    public record Result(float[] coefficients, double maxError, double rmsError) {
        public Result {
            coefficients = coefficients.clone();
        }

        @Override
        public float[] coefficients() {
            return coefficients.clone();
        }
    }

    /** Fits rational to an activation's float64 reference (its parameters included) on [lo, hi]. */
    public static Result fit(LearnableActivation rational, ActivationFunction target, double lo, double hi) {
        Objects.requireNonNull(target, "target");
        return fit(rational, x -> Reference.forward(target, x), lo, hi);
    }

    /** Fits rational to target on [lo, hi]. */
    public static Result fit(LearnableActivation rational, DoubleUnaryOperator target, double lo, double hi) {
        Objects.requireNonNull(rational, "rational");
        Objects.requireNonNull(target, "target");
        if (rational.op() != Learnable.RATIONAL) {
            throw new IllegalArgumentException("rational: " + rational + " is not a rational unit");
        }
        if (!(lo < hi) || !Double.isFinite(lo) || !Double.isFinite(hi)) {
            throw new IllegalArgumentException("lo, hi: [" + lo + ", " + hi + "] is not a finite interval");
        }
        int m = rational.numDegree(), n = rational.denDegree(), count = m + 1 + n;
        double[] xs = new double[POINTS], ys = new double[POINTS];
        for (int i = 0; i < POINTS; i++) {
            xs[i] = lo + (hi - lo) * i / (POINTS - 1);
            ys[i] = target.applyAsDouble(xs[i]);
            if (!Double.isFinite(ys[i])) {
                throw new IllegalArgumentException("target: not finite at x = " + xs[i] + " (" + ys[i] + ")");
            }
        }
        // The linear problem: columns x^i (numerator) and -f(x) x^j (denominator), right side f(x).
        double[][] a = new double[POINTS][count];
        for (int i = 0; i < POINTS; i++) {
            for (int k = 0; k <= m; k++) a[i][k] = Math.pow(xs[i], k);
            for (int j = 1; j <= n; j++) a[i][m + j] = -ys[i] * Math.pow(xs[i], j);
        }
        // Two starts: the linear solution, and the one with even denominator powers only (whose A
        // keeps one sign where its coefficients are positive, so |A| has no kink to stall on).
        double[] p = refine(rational, leastSquares(a, ys, 0), xs, ys);
        if (n >= 2) {
            for (int i = 0; i < POINTS; i++) for (int j = 1; j <= n; j += 2) a[i][m + j] = 0;
            double[] even = refine(rational, leastSquares(a, ys, 0), xs, ys);
            if (cost(rational, even, xs, ys) < cost(rational, p, xs, ys)) p = even;
        }
        float[] coefficients = new float[count];
        for (int k = 0; k < count; k++) coefficients[k] = (float) p[k];
        double max = 0, sum = 0;
        double[] rounded = new double[count];
        for (int k = 0; k < count; k++) rounded[k] = coefficients[k];
        for (int i = 0; i < POINTS; i++) {
            double e = Math.abs(LearnableReference.forward(rational, rounded, xs[i]) - ys[i]);
            max = Math.max(max, e);
            sum += e * e;
        }
        return new Result(coefficients, max, Math.sqrt(sum / POINTS));
    }

    /** Levenberg-Marquardt on r_i = P / (1 + |A|) - f, with the safe form's Jacobian. */
    private static double[] refine(LearnableActivation rational, double[] p, double[] xs, double[] ys) {
        int m = rational.numDegree(), n = rational.denDegree(), count = p.length;
        double lambda = 1e-3, cost = cost(rational, p, xs, ys);
        double[][] jac = new double[xs.length][count];
        double[] r = new double[xs.length];
        for (int it = 0; it < ITERATIONS; it++) {
            for (int i = 0; i < xs.length; i++) {
                double x = xs[i], num = 0, den = 0;
                for (int k = m; k >= 0; k--) num = num * x + p[k];
                for (int j = n; j >= 1; j--) den = den * x + p[m + j];
                den *= x;
                double q = 1 + Math.abs(den), f = num / q, s = Math.signum(den);
                r[i] = ys[i] - f;
                for (int k = 0; k <= m; k++) jac[i][k] = Math.pow(x, k) / q;
                for (int j = 1; j <= n; j++) jac[i][m + j] = -f * s * Math.pow(x, j) / q;
            }
            double[] step = leastSquares(jac, r, lambda);
            double[] next = p.clone();
            for (int k = 0; k < count; k++) next[k] += step[k];
            double c = cost(rational, next, xs, ys);
            if (c < cost) {
                p = next;
                lambda = Math.max(lambda / 3, 1e-12);
                if (cost - c < 1e-15 * cost) break;
                cost = c;
            } else {
                lambda *= 4;
                if (lambda > 1e8) break;
            }
        }
        return p;
    }

    private static double cost(LearnableActivation rational, double[] p, double[] xs, double[] ys) {
        double sum = 0;
        for (int i = 0; i < xs.length; i++) {
            double e = LearnableReference.forward(rational, p, xs[i]) - ys[i];
            sum += e * e;
        }
        return sum;
    }

    /**
     * The least-squares solution of a p = b with damping (a^T a + damping diag(a^T a)) p = a^T b, by
     * Householder QR of the columns scaled to unit norm (the powers of x differ by orders of magnitude).
     */
    static double[] leastSquares(double[][] a, double[] b, double damping) {
        int rows = a.length, cols = a[0].length, total = rows + (damping > 0 ? cols : 0);
        double[] scale = new double[cols];
        for (int k = 0; k < cols; k++) {
            double s = 0;
            for (double[] row : a) s += row[k] * row[k];
            scale[k] = s > 0 ? 1 / Math.sqrt(s) : 1;
        }
        // Damping as extra rows sqrt(damping) e_k (in the scaled columns, whose norms are 1).
        double[][] q = new double[total][cols];
        double[] rhs = new double[total];
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < cols; k++) q[i][k] = a[i][k] * scale[k];
            rhs[i] = b[i];
        }
        for (int k = 0; k < total - rows; k++) q[rows + k][k] = Math.sqrt(damping);
        for (int k = 0; k < cols; k++) {
            double norm = 0;
            for (int i = k; i < total; i++) norm += q[i][k] * q[i][k];
            norm = Math.sqrt(norm);
            if (norm == 0) continue;
            double alpha = q[k][k] > 0 ? -norm : norm;
            double[] v = new double[total];
            for (int i = k; i < total; i++) v[i] = q[i][k];
            v[k] -= alpha;
            double vv = 0;
            for (int i = k; i < total; i++) vv += v[i] * v[i];
            if (vv == 0) continue;
            for (int c = k; c < cols; c++) {
                double dot = 0;
                for (int i = k; i < total; i++) dot += v[i] * q[i][c];
                double f = 2 * dot / vv;
                for (int i = k; i < total; i++) q[i][c] -= f * v[i];
            }
            double dot = 0;
            for (int i = k; i < total; i++) dot += v[i] * rhs[i];
            double f = 2 * dot / vv;
            for (int i = k; i < total; i++) rhs[i] -= f * v[i];
        }
        double[] p = new double[cols];
        for (int k = cols - 1; k >= 0; k--) {
            double s = rhs[k];
            for (int c = k + 1; c < cols; c++) s -= q[k][c] * p[c];
            p[k] = Math.abs(q[k][k]) > 1e-14 ? s / q[k][k] : 0;
        }
        for (int k = 0; k < cols; k++) p[k] *= scale[k];
        return p;
    }
}
