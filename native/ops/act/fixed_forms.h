// Sine (SIREN) and Cauchy activations with fixed parameters; their learnable forms reuse these
// functors. Functor contract and NaN rule: functor.h.
#pragma once
#include "functor.h"

namespace ak::act {

// sin(omega0 x). Accurate while |omega0 x| < 1e5 (math.h, sin_quadrant); beyond, the result
// stays in [-1, 1] but its error grows (a documented region of the tests).
// omega x, kept finite for finite x (an overflow would give sin(inf) = NaN); +-inf stay.
template <class V, class W>
AK_HD V sine_argument(V x, W omega) {
    V a = vmin(V(3.4028235e38f), vmax(V(-3.4028235e38f), x * V(omega)));
    return select(vabs(x) < V(bits_to_float(0x7f800000)), a, x * V(omega));
}

struct sine {
    struct Params {
        float omega0;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        return with_nan_of(x, sin_quadrant(sine_argument(x, p.omega0), 0.0f));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        return times_dy(x, V(p.omega0) * sin_quadrant(sine_argument(x, p.omega0), 1.0f), dy);
    }
};

// (lambda1 x + lambda2) / (x^2 + d^2). x is clamped to +-1e18 (x^2 stays finite), where the
// result is already below 1e-18 |lambda1| + 1e-36 |lambda2|; the limits at +-inf are 0.
// d/dx = (lambda1 (d^2 - x^2) - 2 lambda2 x) / (x^2 + d^2)^2. Every term is scaled by r, the
// reciprocal of x^2 + d^2, before a parameter multiplies it, so no intermediate overflows for any
// lambda (forward: lambda1 (x r) + lambda2 r). d in [1e-18, 1e18] (only d^2
// matters, and it must stay a positive normal float).
// P: float (fixed parameters, broadcast) or V (learnable ones); d2 = d^2.
template <class V, class P>
AK_HD V cauchy_forward(V x, P lambda1, P lambda2, P d2) {
    V xc = vmin(V(1e18f), vmax(V(-1e18f), x));
    V r = V(1.0f) / mul_add(xc, xc, V(d2));
    return with_nan_of(x, mul_add(V(lambda1), xc * r, V(lambda2) * r));
}

// What the backward pass shares with the gradients in the parameters (learnable_cauchy): x clamped,
// its square and r.
template <class V>
struct CauchyTerms {
    V xc, x2, r;
};

template <class V, class P>
AK_HD CauchyTerms<V> cauchy_terms(V x, P d2) {
    CauchyTerms<V> t;
    t.xc = vmin(V(1e18f), vmax(V(-1e18f), x));
    t.x2 = t.xc * t.xc;
    t.r = V(1.0f) / (t.x2 + V(d2));
    return t;
}

template <class V, class P>
AK_HD V cauchy_backward(V x, V dy, P lambda1, P lambda2, P d2, const CauchyTerms<V>& t) {
    V slope = V(lambda1) * ((V(d2) - t.x2) * t.r) - V(2.0f) * (V(lambda2) * (t.xc * t.r));
    return times_dy(x, slope * t.r, dy);
}

template <class V, class P>
AK_HD V cauchy_backward(V x, V dy, P lambda1, P lambda2, P d2) {
    return cauchy_backward(x, dy, lambda1, lambda2, d2, cauchy_terms(x, d2));
}

struct cauchy {
    struct Params {
        float lambda1, lambda2, d;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        return cauchy_forward(x, p.lambda1, p.lambda2, p.d * p.d);
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        return cauchy_backward(x, dy, p.lambda1, p.lambda2, p.d * p.d);
    }
};

}  // namespace ak::act
