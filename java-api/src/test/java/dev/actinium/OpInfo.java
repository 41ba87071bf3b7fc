package dev.actinium;

import dev.actinium.act.Activation;
import dev.actinium.act.ActivationFunction;
import dev.actinium.act.Reference;
import java.util.EnumMap;
import java.util.Map;

/**
 * One row per element-wise activation: the error it is held to against {@link Reference}, and
 * where the function itself is ill-conditioned (benchdnn's approach: the region is named, and
 * there the bound grows by what the function does to the input's own rounding). This table
 * drives every activation test; an op added to the native list without a row here fails
 * {@link ActivationsTest#everyActivationHasARow()}. Gated ops are held to their gate's row.
 *
 * <p>Error bound: |got - ref| <= rtol |ref| + atol scale + cond(x) scale + 4 subnormal ulps of the
 * dtype, scale = 1 forward and |dy| backward. F32 bounds sit at about twice the error measured over
 * these tests (printed by ActivationsTest). BF16 and F16 add the half-ulp of their rounding to 32
 * times the F32 bound plus 2^-16: the CPU kernels of 16-bit results take polynomials of about 2^-17
 * error (native/ops/math.h, kNarrowResults), which ill-conditioned ops amplify as they do the F32
 * error.
 */
record OpInfo(Activation op, double rtolF32, double atolF32, Conditioning conditioning) {

    /** The extra absolute error an ill-conditioned region allows at x (forward; backward passes true). */
    interface Conditioning {
        double at(ActivationFunction f, double x, boolean backward);
    }

    static final Conditioning WELL = (f, x, backward) -> 0;

    /**
     * sin(omega0 x): the fp32 product omega0 x is off by |omega0 x| 2^-24, which sin passes on,
     * times omega0 backward.
     */
    static final Conditioning SINE = (f, x, backward) -> {
        double w = f.params()[0], e = Math.abs(w * x) * 0x1p-23;
        // Beyond the accurate reduction the result is only a sine's value, in [-1, 1] (never NaN or
        // inf): |got - ref| <= 2, times |omega0| backward.
        if (Math.abs(w * x) >= 1e5) return backward ? 2 * Math.abs(w) : 2;
        return backward ? Math.abs(w) * e : e;
    };

    static final double RTOL_BF16 = 0x1p-8, RTOL_F16 = 0x1p-11;

    static final double NARROW_MATH = 0x1p-16, NARROW_MATH_AMPLIFICATION = 32;

    double rtol(DType dtype) {
        if (dtype == DType.F32) return rtolF32;
        return (dtype == DType.BF16 ? RTOL_BF16 : RTOL_F16) + NARROW_MATH + NARROW_MATH_AMPLIFICATION * rtolF32;
    }

    double atol(DType dtype) {
        return dtype == DType.F32 ? atolF32 : 2 * atolF32;
    }

    double forward(double x) {
        return Reference.forward(op, x);
    }

    double derivative(double x) {
        return Reference.derivative(op, x);
    }

    static final Map<Activation, OpInfo> TABLE = new EnumMap<>(Activation.class);

    private static void row(Activation op, double rtol, double atol) {
        TABLE.put(op, new OpInfo(op, rtol, atol, WELL));
    }

    static {
        // Piecewise linear: exact, or one rounding of a product or sum.
        row(Activation.RELU, 0, 0);
        row(Activation.LEAKY_RELU, 1.2e-7, 0);
        row(Activation.RELU6, 0, 0);
        row(Activation.HARDTANH, 0, 0);
        row(Activation.HARDSIGMOID, 2.4e-7, 0);
        row(Activation.HARDSWISH, 3.6e-7, 0);
        row(Activation.SOFTSHRINK, 1.2e-7, 0);
        row(Activation.HARDSHRINK, 0, 0);
        row(Activation.THRESHOLD, 0, 0);
        row(Activation.RELU_SQUARED, 1.2e-7, 0);
        row(Activation.SHIFTED_RELU, 1.2e-7, 0);
        row(Activation.SOFT_THRESHOLD, 1.2e-7, 0);
        row(Activation.HELU, 0, 0);
        // exp, expm1, log1p, tanh, erfc and their products.
        row(Activation.ELU, 6e-7, 1.5e-7);
        row(Activation.SELU, 6e-7, 1.5e-7);
        row(Activation.CELU, 6e-7, 1.5e-7);
        row(Activation.SIGMOID, 6e-7, 1.5e-7);
        row(Activation.TANH, 7e-7, 1.5e-7);  // forward: the rational of ONNX Runtime's kind, 3.6e-7
        row(Activation.SOFTPLUS, 8e-7, 1.5e-7);
        row(Activation.SOFTSIGN, 2.4e-7, 1.5e-7);
        row(Activation.LOGSIGMOID, 8e-7, 1.5e-7);
        row(Activation.TANHSHRINK, 2e-6, 1.5e-7);  // x - tanh x loses up to 13x just above 0.5
        row(Activation.GELU_ERF, 8e-7, 1.5e-7);
        row(Activation.GELU_TANH, 6e-6, 1.5e-7);  // the fp32 rounding of u costs |2u| ulps in the left tail
        row(Activation.QUICK_GELU, 6e-7, 1.5e-7);
        row(Activation.SILU, 5e-7, 1.5e-7);
        row(Activation.SWISH, 6e-7, 1.5e-7);
        row(Activation.MISH, 1e-6, 1.5e-7);
        row(Activation.SAU, 1e-6, 1.5e-7);  // far left the two terms cancel: the atol holds
        row(Activation.CRRELU, 8e-7, 1.5e-7);
        row(Activation.CAUCHY, 6e-7, 1.5e-7);
        row(Activation.STOCHASTIC_SILU, 5e-7, 1.5e-7);  // silu's or relu's, by element
        TABLE.put(Activation.SINE, new OpInfo(Activation.SINE, 4e-7, 2e-7, SINE));
    }

    /**
     * The ops whose gradient is a select: 0 where blocked even for an infinite or NaN dy (PyTorch's
     * threshold_backward).
     */
    static final java.util.Set<Activation> SELECT_GRADIENT = java.util.EnumSet.of(Activation.RELU, Activation.RELU6,
            Activation.HARDTANH, Activation.HARDSIGMOID, Activation.SOFTSHRINK, Activation.HARDSHRINK,
                    Activation.THRESHOLD,
            Activation.SHIFTED_RELU, Activation.SOFT_THRESHOLD, Activation.HELU);

    /** dy f'(x) as the kernels define it: 0 where a select gradient blocks. */
    double gradient(ActivationFunction f, float x, float dy) {
        if (Float.isNaN(x)) return Double.NaN;
        double d = Reference.derivative(f, x);
        return d == 0 && SELECT_GRADIENT.contains(op) ? 0 : dy * d;
    }

    /**
     * No accuracy claim for a gradient element whose dy is infinite (F16 stores the tests' 1e30 as
     * inf: inf times an f' that fp32 cannot make exactly 0 is inf, not NaN) or whose f' is beyond
     * the float range (the product overflows first): +inf, which Harness.compare reads as "any".
     */
    static double gradientClaim(ActivationFunction f, float x, float dy) {
        if (Float.isInfinite(dy)) return Double.POSITIVE_INFINITY;
        double d = Reference.derivative(f, x);
        return Math.abs(d) > Float.MAX_VALUE ? Double.POSITIVE_INFINITY : 0;
    }

    static OpInfo of(Activation op) {
        OpInfo info = TABLE.get(op);
        if (info == null) throw new AssertionError("no row for " + op + " in OpInfo.TABLE");
        return info;
    }
}
