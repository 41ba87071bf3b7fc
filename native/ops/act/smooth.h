// The smooth ReLU family: GELU (erf and tanh forms, two ops), QuickGELU, SiLU, Swish(beta), Mish,
// SAU and CRReLU. Functor contract and NaN rule: functor.h.
#pragma once
#include "functor.h"

namespace ak::act {

// x * Phi(x), Phi the standard normal CDF (erf form). x <= -20: Phi is 0 in float. x >= 13:
// Phi is 1 and x phi(x) < 1e-35, and capping there keeps exp(-x^2/2) a normal number (a
// subnormal one costs a microcode assist; see sigmoid_pair).
struct gelu_erf {
    using Params = NoParams;
    template <class V> AK_HD static V fwd(V x, const Params&) {
        V xl = vmax(V(-20.0f), x);
        return xl * normal_cdf(vmin(xl, V(13.0f)));
    }
    // d/dx = Phi(x) + x * phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi): one exp serves both.
    template <class V> AK_HD static V bwd(V x, V dy, const Params&) {
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
    using Params = NoParams;
    static constexpr float kK2 = 1.5957691216f;  // 2 sqrt(2/pi)
    static constexpr float kC = 0.044715f;
    template <class V> AK_HD static V fwd(V x, const Params&) {
        V xl = vmax(V(-20.0f), x);
        V z = xl * mul_add(xl * xl, V(kK2 * kC), V(kK2));  // of the sign of xl
        V s, one_minus_s;
        sigmoid_pair(z, xl >= V(0.0f), s, one_minus_s);
        return xl * s;
    }
    // d/dx = s + x s (1 - s) dz/dx, dz/dx = 2 sqrt(2/pi) (1 + 3c x^2).
    template <class V> AK_HD static V bwd(V x, V dy, const Params&) {
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
    using Params = NoParams;
    template <class V> AK_HD static V fwd(V x, const Params&) {
        V s, one_minus_s;
        sigmoid_pair(x, s, one_minus_s);
        return vmax(V(-200.0f), x) * s;
    }
    // d/dx = s (1 + x (1 - s)).
    template <class V> AK_HD static V bwd(V x, V dy, const Params&) {
        V xc = vmin(V(200.0f), vmax(V(-200.0f), x));
        V s, one_minus_s;
        sigmoid_pair(xc, s, one_minus_s);
        return mul_nan_first(s * mul_add(xc, one_minus_s, V(1.0f)), dy);
    }
};

// x * sigmoid(beta x) for any beta: silu at beta 1, QuickGELU at 1.702. Where sigmoid underflows
// to 0 the product is a zero of x's sign, also for x = +-inf (where x * 0 would be NaN).
// d/dx = s (1 + z (1 - s)), z = beta x, clamped to +-200 where it no longer changes anything.
template <class V, class B>
AK_HD V swish_forward(V x, B beta) {
    V s, one_minus_s;
    sigmoid_pair(x * V(beta), s, one_minus_s);
    V xs = select(s > V(0.0f), x, vmax(V(-1.0f), vmin(V(1.0f), x)));
    return with_nan_of(x, xs * s);
}

// What swish's derivatives share: z = beta x clamped, s = sigmoid(z) and 1 - s (learnable_swish's
// gradient in beta reads them too).
template <class V>
struct SwishTerms {
    V z, s, one_minus_s;
};

template <class V, class B>
AK_HD SwishTerms<V> swish_terms(V x, B beta) {
    SwishTerms<V> t;
    t.z = vmin(V(200.0f), vmax(V(-200.0f), x * V(beta)));
    sigmoid_pair(t.z, t.s, t.one_minus_s);
    return t;
}

template <class V>
AK_HD V swish_backward(V x, V dy, const SwishTerms<V>& t) {
    return times_dy(x, t.s * mul_add(t.z, t.one_minus_s, V(1.0f)), dy);
}

template <class V, class B>
AK_HD V swish_backward(V x, V dy, B beta) {
    return swish_backward(x, dy, swish_terms(x, beta));
}

struct swish {
    struct Params {
        float beta;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) { return swish_forward(x, p.beta); }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) { return swish_backward(x, dy, p.beta); }
};

struct quick_gelu {
    using Params = NoParams;
    template <class V> AK_HD static V fwd(V x, const Params&) { return swish_forward(x, 1.702f); }
    template <class V> AK_HD static V bwd(V x, V dy, const Params&) { return swish_backward(x, dy, 1.702f); }
};

// x * tanh(softplus(x)). With e = exp(x) and n = e (e + 2), tanh(log(1 + e)) = n / (n + 2): no
// log, no tanh, and no cancellation in the left tail (there n / (n + 2) ~ e). x is capped at 20,
// where that ratio is 1 in float, and floored at -200 for the product (mish(-200) is -0).
// d/dx = t + x sech^2(softplus(x)) sigmoid(x) = t + x * 4 e (1 + e) / (n + 2)^2: with x <= 20,
// (n + 2)^2 <= 6e34, so nothing overflows for any x.
struct mish {
    using Params = NoParams;
    template <class V> AK_HD static V fwd(V x, const Params&) {
        V e = exp_(vmin(V(20.0f), x));
        V n = e * (e + V(2.0f));
        return with_nan_of(x, vmax(V(-200.0f), x) * (n / (n + V(2.0f))));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params&) {
        V xc = vmin(V(20.0f), vmax(V(-200.0f), x));
        V e = exp_(xc);
        V n = e * (e + V(2.0f));
        V r = V(1.0f) / (n + V(2.0f));
        V t = n * r;
        return times_dy(x, mul_add(xc * V(4.0f) * e * (V(1.0f) + e), r * r, t), dy);
    }
};

// SAU: LeakyReLU(negative_slope) smoothed by a Gaussian of width sigma, in closed form:
// a x + (1 - a) E[relu(x + sigma Z)] = x (a + (1 - a) Phi(u)) + (1 - a) sigma phi(u), u = x / sigma.
// d/dx = a + (1 - a) Phi(u). Where the factor of x is 0 (a = 0, u <= -20) the product is 0, also
// for x = -inf. Far left with a = 0 the two terms cancel in relative terms; the absolute error
// stays below 1e-7 sigma (a documented region of the tests).
struct sau {
    struct Params {
        float negative_slope, sigma;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        V u = vmin(V(13.0f), vmax(V(-20.0f), x * V(1.0f / p.sigma)));
        V cdf, gauss;
        normal_cdf_gauss(u, cdf, gauss);
        V factor = mul_add(V(1.0f - p.negative_slope), cdf, V(p.negative_slope));
        V linear = select(factor > V(0.0f), x * factor, V(0.0f));
        V tail = gauss * V((1.0f - p.negative_slope) * p.sigma * 0.39894228f);
        return with_nan_of(x, linear + tail);
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        V u = vmin(V(13.0f), vmax(V(-20.0f), x * V(1.0f / p.sigma)));
        V cdf = normal_cdf(u);
        return times_dy(x, mul_add(V(1.0f - p.negative_slope), cdf, V(p.negative_slope)), dy);
    }
};

// CRReLU: relu(x) + eps x exp(-x^2/2). The Gaussian term is 0 in float beyond |x| = 20, where x is
// clamped for it (so +-inf give relu's limits); exp(-x^2/2) is taken with the square split exactly.
// d/dx = [x > 0] + eps exp(-x^2/2) (1 - x^2).
// What the bump and the slope share: x clamped to +-20 (beyond, exp(-x^2/2) underflows anyway), the
// high part of its square and exp(-x^2/2) from the exact square.
template <class V>
struct CrreluTerms {
    V xt, hi, gauss;
};

template <class V>
AK_HD CrreluTerms<V> crrelu_terms(V x) {
    CrreluTerms<V> t;
    V lo;
    t.xt = vmin(V(20.0f), vmax(V(-20.0f), x));
    square_split(t.xt, t.hi, lo);
    t.gauss = exp_scaled_split(t.hi, lo, -0.5f);
    return t;
}

// x exp(-x^2/2), the bump that CRReLU scales by eps.
template <class V>
AK_HD V crrelu_bump(V x) {
    CrreluTerms<V> t = crrelu_terms(x);
    return t.xt * t.gauss;
}

template <class V, class E>
AK_HD V crrelu_forward(V x, E eps) {
    return with_nan_of(x, mul_add(V(eps), crrelu_bump(x), vmax(x, V(0.0f))));
}

template <class V, class E>
AK_HD V crrelu_backward(V x, V dy, E eps, const CrreluTerms<V>& t) {
    V g = t.gauss * (V(1.0f) - t.hi);
    V step = select(x > V(0.0f), V(1.0f), V(0.0f));
    return times_dy(x, mul_add(V(eps), g, step), dy);
}

template <class V, class E>
AK_HD V crrelu_backward(V x, V dy, E eps) {
    return crrelu_backward(x, dy, eps, crrelu_terms(x));
}

struct crrelu {
    struct Params {
        float eps;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) { return crrelu_forward(x, p.eps); }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) { return crrelu_backward(x, dy, p.eps); }
};

}  // namespace ak::act
