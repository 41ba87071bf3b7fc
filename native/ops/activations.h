// The activation functors: the math of each op, written once. Instantiated by the scalar,
// AVX2 and AVX-512 kernels (native/cpu) and by CUDA (native/cuda) with V = float or a SIMD type.
//
// Each functor (named as its row in AK_ACTIVATIONS) has  fwd(x) -> f(x)  and
// bwd(x, dy) -> dy * f'(x)  for any x, NaN included.
// - Where a product like x * Phi(x) would meet inf * 0 at the ends of the range, x is clamped
//   first to a point past which the result no longer changes in float, so limits come out exact.
// - NaN: a NaN x gives x's NaN (quieted), the same bits wherever the element lies in the loop.
//   The clamps are written vmax(lo, x) and vmin(hi, x), which return a NaN x (scalar_float.h),
//   and every primitive on the way keeps the NaN's sign (vabs too), so each product
//   that meets two NaNs meets two copies of x's, and the order the compiler gave its operands
//   cannot change the result; no per-element NaN test is needed (a compare and a blend per
//   vector, keeping x live to the end, cost 5-18% here). Backward ends in f'(x) * dy, where dy
//   may be a NaN of other bits: mul_nan_first keeps f'(x)'s, which is x's.
#pragma once
#include "math.h"
#include "../include/actinium.h"

namespace ak {
namespace act {

// Memory-bound: the explicit NaN selects cost nothing here, and keep relu(-0) = +0. The gradient
// is a select, not a product, as in PyTorch's threshold_backward: where x <= 0 it is 0 even for
// dy = NaN or inf.
struct relu {
    template <class V> AK_HD static V fwd(V x) { return quiet_nan_or(x, vmax(x, V(0.0f))); }
    template <class V> AK_HD static V bwd(V x, V dy) {
        return quiet_nan_or(x, select(x > V(0.0f), dy, V(0.0f)));
    }
};

// x * Phi(x), Phi the standard normal CDF (erf form). x <= -20: Phi is 0 in float. x >= 13:
// Phi is 1 and x phi(x) < 1e-35, and capping there keeps exp(-x^2/2) a normal number (a
// subnormal one costs a microcode assist; see sigmoid_pair).
struct gelu_erf {
    template <class V> AK_HD static V fwd(V x) {
        V xl = vmax(V(-20.0f), x);
        return xl * normal_cdf(vmin(xl, V(13.0f)));
    }
    // d/dx = Phi(x) + x * phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi): one exp serves both.
    template <class V> AK_HD static V bwd(V x, V dy) {
        V xc = vmin(V(13.0f), vmax(V(-20.0f), x));
        V cdf, gauss;
        normal_cdf_gauss(xc, cdf, gauss);
        return mul_nan_first(mul_add(xc * V(0.39894228f), gauss, cdf), dy);
    }
};

// The tanh approximation: 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3), written as
// x * sigmoid(2u) so the left tail does not cancel. x <= -20: sigmoid(2u) is 0 in float. The
// forward needs no upper clamp: 2u overflows to +inf, where sigmoid is exactly 1.
struct gelu_tanh {
    static constexpr float kK2 = 1.5957691216f;  // 2 sqrt(2/pi)
    static constexpr float kC = 0.044715f;
    template <class V> AK_HD static V fwd(V x) {
        V xl = vmax(V(-20.0f), x);
        V z = xl * mul_add(xl * xl, V(kK2 * kC), V(kK2));  // of the sign of xl
        V s, one_minus_s;
        sigmoid_pair(z, xl >= V(0.0f), s, one_minus_s);
        return xl * s;
    }
    // d/dx = s + x s (1 - s) dz/dx, dz/dx = 2 sqrt(2/pi) (1 + 3c x^2).
    template <class V> AK_HD static V bwd(V x, V dy) {
        V xc = vmin(V(20.0f), vmax(V(-20.0f), x));
        V x2 = xc * xc;
        V z = xc * mul_add(x2, V(kK2 * kC), V(kK2));
        V dz = mul_add(x2, V(3.0f * kK2 * kC), V(kK2));
        V s, one_minus_s;
        sigmoid_pair(z, xc >= V(0.0f), s, one_minus_s);
        return mul_nan_first(mul_add(xc * s * one_minus_s, dz, s), dy);
    }
};

// x * sigmoid(x). x <= -200: sigmoid is 0 in float; +inf gives sigmoid exactly 1.
struct silu {
    template <class V> AK_HD static V fwd(V x) {
        V s, one_minus_s;
        sigmoid_pair(x, s, one_minus_s);
        return vmax(V(-200.0f), x) * s;
    }
    // d/dx = s (1 + x (1 - s)).
    template <class V> AK_HD static V bwd(V x, V dy) {
        V xc = vmin(V(200.0f), vmax(V(-200.0f), x));
        V s, one_minus_s;
        sigmoid_pair(xc, s, one_minus_s);
        return mul_nan_first(s * mul_add(xc, one_minus_s, V(1.0f)), dy);
    }
};

}  // namespace act

// x + bias for the fused bias kernels: a NaN x stays x's NaN even where bias is NaN too.
template <class V>
AK_HD V add_bias(V x, V bias) {
    return add_nan_first(x, bias);
}

// Maps each row of AK_ACTIVATIONS to its functor: ActivationOf<AK_ACT_GELU_ERF> is act::gelu_erf.
template <int Op> struct ActivationOf;
#define AK_ACT_FUNCTOR_ROW(E, name, ff, bf) \
    template <> struct ActivationOf<AK_ACT_##E> { using type = act::name; };
AK_ACTIVATIONS(AK_ACT_FUNCTOR_ROW)
#undef AK_ACT_FUNCTOR_ROW

}  // namespace ak
