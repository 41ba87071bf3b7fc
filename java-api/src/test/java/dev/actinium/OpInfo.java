package dev.actinium;

import static dev.actinium.ReferenceMath.phi;
import static dev.actinium.ReferenceMath.pdf;
import static dev.actinium.ReferenceMath.sigmoid;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

/**
 * One row per activation: its float64 reference f and f', and the error it is held to, per dtype.
 * This table drives every activation test; an op added to the native list without a row here
 * fails {@link ActivationsTest#everyActivationHasAReference()}.
 *
 * <p>Error bound: |got - ref| <= rtol * |ref| + atol * scale + 4 subnormal ulps of the dtype,
 * scale = 1 forward and |dy| backward.
 * F32 bounds sit at about twice the error measured over these tests (printed by ActivationsTest);
 * BF16 bounds are the half-ulp of the bf16 output (2^-8) plus the F32 bound.
 */
record OpInfo(Activation op, DoubleUnaryOperator f, DoubleUnaryOperator df, double rtolF32, double atolF32) {

    static final double RTOL_BF16 = 0x1p-8;

    double rtol(DType dtype) {
        return dtype == DType.BF16 ? RTOL_BF16 + rtolF32 : rtolF32;
    }

    double atol(DType dtype) {
        return dtype == DType.BF16 ? 2 * atolF32 : atolF32;
    }

    /** f(x) with the limits at +-inf taken exactly. */
    double forward(double x) {
        if (Double.isNaN(x)) return Double.NaN;
        if (x == Double.POSITIVE_INFINITY) return Double.POSITIVE_INFINITY;
        if (x == Double.NEGATIVE_INFINITY) return 0;
        return f.applyAsDouble(x);
    }

    /** f'(x); every f' here is constant in float64 beyond |x| = 1000. */
    double derivative(double x) {
        return df.applyAsDouble(Math.max(-1000, Math.min(1000, x)));
    }

    static final Map<Activation, OpInfo> TABLE = new EnumMap<>(Activation.class);

    private static void row(Activation op, DoubleUnaryOperator f, DoubleUnaryOperator df, double rtol, double atol) {
        TABLE.put(op, new OpInfo(op, f, df, rtol, atol));
    }

    static final double K = Math.sqrt(2 / Math.PI), C = 0.044715;

    static {
        row(Activation.RELU, x -> x > 0 ? x : 0, x -> x > 0 ? 1 : 0, 0, 0);
        row(Activation.GELU_ERF, x -> x * phi(x), x -> phi(x) + x * pdf(x), 8e-7, 1.5e-7);
        row(Activation.GELU_TANH,
                x -> x * sigmoid(2 * K * (x + C * x * x * x)),
                x -> {
                    double u = K * (x + C * x * x * x), s = sigmoid(2 * u);
                    return s + x * 2 * s * (1 - s) * K * (1 + 3 * C * x * x);
                }, 6e-6, 1.5e-7);  // the fp32 rounding of u costs |2u| ulps in the left tail
        row(Activation.SILU, x -> x * sigmoid(x), x -> {
            double s = sigmoid(x);
            return s * (1 + x * (1 - s));
        }, 5e-7, 1.5e-7);
    }

    static OpInfo of(Activation op) {
        OpInfo info = TABLE.get(op);
        if (info == null) throw new AssertionError("no reference row for " + op + " in OpInfo.TABLE");
        return info;
    }
}
