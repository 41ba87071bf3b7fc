// The activation functors: the math of each op, written once. Instantiated by the scalar,
// AVX2 and AVX-512 kernels (native/cpu) and by CUDA (native/cuda) with V = float or a SIMD type.
//
// Each functor (named as its row in AK_ACTIVATIONS) has  fwd(x) -> f(x)  and  bwd(x, dy) -> dy * f'(x)  for finite or infinite x;
// forward()/backward() below add the one NaN rule shared by all ops (NaN in gives NaN out).
// Where a product like x * Phi(x) would meet inf * 0 at the ends of the range, x is clamped
// first to a point past which the result no longer changes in float, so limits come out exact.
#pragma once
#include "math.h"
#include "../include/actinium.h"

namespace ak {
namespace act {

struct relu {
    template <class V> AK_HD static V fwd(V x) { return vmax(x, V(0.0f)); }
    template <class V> AK_HD static V bwd(V x, V dy) { return select(x > V(0.0f), dy, V(0.0f)); }
};

// x * Phi(x), Phi the standard normal CDF (erf form). |x| >= 20: Phi is 0 or 1 in float.
struct gelu_erf {
    template <class V> AK_HD static V fwd(V x) {
        V xc = vmin(vmax(x, V(-20.0f)), V(20.0f));
        return vmax(x, V(-20.0f)) * normal_cdf(xc);
    }
    // d/dx = Phi(x) + x * phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi): one exp serves both.
    template <class V> AK_HD static V bwd(V x, V dy) {
        V xc = vmin(vmax(x, V(-20.0f)), V(20.0f));
        V cdf, gauss;
        normal_cdf_gauss(xc, cdf, gauss);
        return dy * mul_add(xc * V(0.39894228f), gauss, cdf);
    }
};

// The tanh approximation: 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3), written as
// x * sigmoid(2u) so the left tail does not cancel. |x| >= 20: sigmoid(2u) is 0 or 1 in float,
// and clamping keeps x^3 from overflowing.
struct gelu_tanh {
    static constexpr float kK2 = 1.5957691216f;  // 2 sqrt(2/pi)
    static constexpr float kC = 0.044715f;
    template <class V> AK_HD static V fwd(V x) {
        V xc = vmin(vmax(x, V(-20.0f)), V(20.0f));
        V z = kK2 * xc * mul_add(V(kC) * xc, xc, V(1.0f));
        V s, one_minus_s;
        sigmoid_pair(z, s, one_minus_s);
        return vmax(x, V(-20.0f)) * s;
    }
    // d/dx = s + x s (1 - s) dz/dx, dz/dx = 2 sqrt(2/pi) (1 + 3c x^2).
    template <class V> AK_HD static V bwd(V x, V dy) {
        V xc = vmin(vmax(x, V(-20.0f)), V(20.0f));
        V x2 = xc * xc;
        V z = kK2 * xc * mul_add(V(kC), x2, V(1.0f));
        V dz = kK2 * mul_add(V(3.0f * kC), x2, V(1.0f));
        V s, one_minus_s;
        sigmoid_pair(z, s, one_minus_s);
        return dy * mul_add(xc * s * one_minus_s, dz, s);
    }
};

// x * sigmoid(x). |x| >= 200: sigmoid is 0 or 1 in float.
struct silu {
    template <class V> AK_HD static V fwd(V x) {
        V s, one_minus_s;
        sigmoid_pair(x, s, one_minus_s);
        return vmax(x, V(-200.0f)) * s;
    }
    // d/dx = s (1 + x (1 - s)).
    template <class V> AK_HD static V bwd(V x, V dy) {
        V xc = vmin(vmax(x, V(-200.0f)), V(200.0f));
        V s, one_minus_s;
        sigmoid_pair(xc, s, one_minus_s);
        return dy * s * mul_add(xc, one_minus_s, V(1.0f));
    }
};

}  // namespace act

template <class Op, class V>
AK_HD V forward(V x) {
    return select(is_nan(x), x, Op::fwd(x));
}

template <class Op, class V>
AK_HD V backward(V x, V dy) {
    return select(is_nan(x), x, Op::bwd(x, dy));
}

// Maps each row of AK_ACTIVATIONS to its functor: ActivationOf<AK_ACT_GELU_ERF> is act::gelu_erf.
template <int Op> struct ActivationOf;
#define AK_ACT_FUNCTOR_ROW(E, name, ff, bf) \
    template <> struct ActivationOf<AK_ACT_##E> { using type = act::name; };
AK_ACTIVATIONS(AK_ACT_FUNCTOR_ROW)
#undef AK_ACT_FUNCTOR_ROW

}  // namespace ak
