package dev.actinium;

import java.util.EnumMap;
import java.util.Map;

/**
 * One row per activation: the error it is held to against {@link Reference}, per dtype. This
 * table drives every activation test; an op added to the native list without a row here fails
 * {@link ActivationsTest#everyActivationHasAReference()}.
 *
 * <p>Error bound: |got - ref| <= rtol * |ref| + atol * scale + 4 subnormal ulps of the dtype,
 * scale = 1 forward and |dy| backward. F32 bounds sit at about twice the error measured over
 * these tests (printed by ActivationsTest); BF16 bounds are the half-ulp of the bf16 output (2^-8)
 * plus the F32 bound.
 */
record OpInfo(Activation op, double rtolF32, double atolF32) {

    static final double RTOL_BF16 = 0x1p-8;

    double rtol(DType dtype) {
        return dtype == DType.BF16 ? RTOL_BF16 + rtolF32 : rtolF32;
    }

    double atol(DType dtype) {
        return dtype == DType.BF16 ? 2 * atolF32 : atolF32;
    }

    double forward(double x) {
        return Reference.forward(op, x);
    }

    double derivative(double x) {
        return Reference.derivative(op, x);
    }

    static final Map<Activation, OpInfo> TABLE = new EnumMap<>(Activation.class);

    private static void row(Activation op, double rtol, double atol) {
        TABLE.put(op, new OpInfo(op, rtol, atol));
    }

    static {
        row(Activation.RELU, 0, 0);
        row(Activation.GELU_ERF, 8e-7, 1.5e-7);
        row(Activation.GELU_TANH, 6e-6, 1.5e-7);  // the fp32 rounding of u costs |2u| ulps in the left tail
        row(Activation.SILU, 5e-7, 1.5e-7);
    }

    static OpInfo of(Activation op) {
        OpInfo info = TABLE.get(op);
        if (info == null) throw new AssertionError("no row for " + op + " in OpInfo.TABLE");
        return info;
    }
}
