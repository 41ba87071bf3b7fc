// Sine (SIREN) and Cauchy activations with fixed parameters; their learnable forms reuse these
// functors. Functor contract and NaN rule: functor.h.
#pragma once
#include "functor.h"

namespace ak::act {

// sin(omega0 x). Accurate while |omega0 x| < 1e5 (math.h, sin_quadrant); beyond, the result
// stays in [-1, 1] but its error grows (a documented region of the tests).
struct sine {
    struct Params {
        float omega0;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        return with_nan_of(x, sin_quadrant(x * V(p.omega0), 0.0f));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        return times_dy(x, V(p.omega0) * sin_quadrant(x * V(p.omega0), 1.0f), dy);
    }
};

// (lambda1 x + lambda2) / (x^2 + d^2). x is clamped to +-1e18 (x^2 stays finite), where the
// result is already below 1e-18 |lambda1| + 1e-36 |lambda2|; the limits at +-inf are 0.
// d/dx = (lambda1 (d^2 - x^2) - 2 lambda2 x) / (x^2 + d^2)^2, formed as (.. * r) * r, r the
// reciprocal of the denominator, so no intermediate overflows. d in [1e-18, 1e18] (only d^2
// matters, and it must stay a positive normal float).
struct cauchy {
    struct Params {
        float lambda1, lambda2, d;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        V xc = vmin(V(1e18f), vmax(V(-1e18f), x));
        V r = V(1.0f) / mul_add(xc, xc, V(p.d * p.d));
        return with_nan_of(x, mul_add(V(p.lambda1), xc, V(p.lambda2)) * r);
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        V xc = vmin(V(1e18f), vmax(V(-1e18f), x));
        V x2 = xc * xc;
        V r = V(1.0f) / (x2 + V(p.d * p.d));
        V num = V(p.lambda1) * (V(p.d * p.d) - x2) - V(2.0f * p.lambda2) * xc;
        return times_dy(x, num * r * r, dy);
    }
};

}  // namespace ak::act
