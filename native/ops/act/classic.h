// The classic activations: piecewise-linear ones, the exponential-linear family, sigmoid, tanh
// and their hard and soft relatives. Functor contract and NaN rule: functor.h. Where an op
// has a kink, its gradient at the kink is PyTorch's.
#pragma once
#include "functor.h"

namespace ak::act {

// Memory-bound: the explicit NaN selects cost nothing here, and keep relu(-0) = +0. The gradient
// is a select, not a product, as in PyTorch's threshold_backward: where x <= 0 it is 0 even for
// dy = NaN or inf.
struct relu {
    using Params = NoParams;
    static constexpr bool kSelectGradient = true;  // gated.h: 0 where blocked, whatever multiplies dy
    template <class V> AK_HD static V fwd(V x, const Params&) { return with_nan_of(x, vmax(x, V(0.0f))); }
    template <class V> AK_HD static V bwd(V x, V dy, const Params&) { return pass_where(x, x > V(0.0f), dy); }
    template <class V> AK_HD static V bwd_from_output(V y, V dy, const Params&) {
        return pass_where(y, y > V(0.0f), dy);
    }
};

struct leaky_relu {
    struct Params {
        float negative_slope;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        return with_nan_of(x, select(x > V(0.0f), x, x * V(p.negative_slope)));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        return with_nan_of(x, select(x > V(0.0f), dy, dy * V(p.negative_slope)));
    }
    template <class V> AK_HD static V bwd_from_output(V y, V dy, const Params& p) { return bwd(y, dy, p); }
    // y > 0 if and only if x > 0 needs a slope >= 0 (PyTorch refuses the same).
    static const char* invalid_from_output(const Params& p) {
        return p.negative_slope < 0.0f ? "negative_slope < 0: the output does not tell the sign of x" : nullptr;
    }
};

// clamp(x, lo, hi); the gradient passes strictly inside (PyTorch's hardtanh_backward), which the
// output tells as well as the input.
struct hardtanh {
    struct Params {
        float min_val, max_val;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        return with_nan_of(x, vmin(V(p.max_val), vmax(V(p.min_val), x)));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        return with_nan_of(x, inside(x, V(p.min_val), V(p.max_val), dy));
    }
    template <class V> AK_HD static V bwd_from_output(V y, V dy, const Params& p) { return bwd(y, dy, p); }
    static const char* invalid(const Params& p) {
        return p.max_val > p.min_val ? nullptr : "max_val must be greater than min_val";
    }
};

struct relu6 {
    using Params = NoParams;
    template <class V> AK_HD static V fwd(V x, const Params&) { return hardtanh::fwd(x, hardtanh::Params{0.0f, 6.0f}); }
    template <class V> AK_HD static V bwd(V x, V dy, const Params&) {
        return hardtanh::bwd(x, dy, hardtanh::Params{0.0f, 6.0f});
    }
    template <class V> AK_HD static V bwd_from_output(V y, V dy, const Params&) {
        return hardtanh::bwd(y, dy, hardtanh::Params{0.0f, 6.0f});
    }
};

// x > 0: x; else alpha * (exp(x) - 1), with expm1 so that small |x| keep their relative accuracy.
struct elu {
    struct Params {
        float alpha;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        return with_nan_of(x, select(x > V(0.0f), x, V(p.alpha) * expm1_nonpos(vmin(V(0.0f), x))));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        V slope = V(p.alpha) * exp_nonpos(vmin(V(0.0f), x));
        return times_dy(x, select(x > V(0.0f), V(1.0f), slope), dy);
    }
    // f' = y + alpha where x <= 0 (PyTorch's elu_backward with is_result).
    template <class V> AK_HD static V bwd_from_output(V y, V dy, const Params& p) {
        return times_dy(y, select(y > V(0.0f), V(1.0f), y + V(p.alpha)), dy);
    }
    static const char* invalid_from_output(const Params& p) {
        return p.alpha < 0.0f ? "alpha < 0: the output does not tell the sign of x" : nullptr;
    }
};

// scale * elu(x, alpha) with the constants of Klambauer et al. (PyTorch's).
struct selu {
    using Params = NoParams;
    static constexpr float kAlpha = 1.6732632423543772f, kScale = 1.0507009873554805f;
    template <class V> AK_HD static V fwd(V x, const Params&) {
        return V(kScale) * elu::fwd(x, elu::Params{kAlpha});
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params&) {
        V slope = V(kScale * kAlpha) * exp_nonpos(vmin(V(0.0f), x));
        return times_dy(x, select(x > V(0.0f), V(kScale), slope), dy);
    }
    template <class V> AK_HD static V bwd_from_output(V y, V dy, const Params&) {
        return times_dy(y, select(y > V(0.0f), V(kScale), y + V(kScale * kAlpha)), dy);
    }
};

// max(0, x) + min(0, alpha (exp(x / alpha) - 1)). alpha >= FLT_MIN (its row's range; PyTorch only
// refuses 0, but a negative alpha turns the left branch into a growing exponential, which no one
// trains with, and a subnormal one would make 1/alpha infinite).
struct celu {
    struct Params {
        float alpha;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        V e = expm1_nonpos(vmin(V(0.0f), x) * V(1.0f / p.alpha));
        return with_nan_of(x, select(x > V(0.0f), x, V(p.alpha) * e));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        V slope = exp_nonpos(vmin(V(0.0f), x) * V(1.0f / p.alpha));
        return times_dy(x, select(x > V(0.0f), V(1.0f), slope), dy);
    }
    template <class V> AK_HD static V bwd_from_output(V y, V dy, const Params& p) {
        return times_dy(y, select(y > V(0.0f), V(1.0f), mul_add(y, V(1.0f / p.alpha), V(1.0f))), dy);
    }
};

struct sigmoid {
    using Params = NoParams;
    template <class V> AK_HD static V fwd(V x, const Params&) {
        V s, one_minus_s;
        sigmoid_pair(x, s, one_minus_s);
        return with_nan_of(x, s);
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params&) {
        V s, one_minus_s;
        sigmoid_pair(x, s, one_minus_s);
        return times_dy(x, s * one_minus_s, dy);
    }
    template <class V> AK_HD static V bwd_from_output(V y, V dy, const Params&) {
        return times_dy(y, y * (V(1.0f) - y), dy);
    }
};

// tanh forward is the rational tanh_rational (math.h), as ONNX Runtime's: 6.5 ulp, and half the
// instructions of the exp form, which left the F32 kernel compute-bound with 1 thread.
// tanh's derivative from the input is 1 - tanh^2 = 4e / (1 + e)^2, e = exp(-2|x|): no
// cancellation where tanh is near +-1, unlike 1 - t^2 (which the output leaves no choice about).
struct tanh {
    using Params = NoParams;
    template <class V> AK_HD static V fwd(V x, const Params&) { return with_nan_of(x, tanh_rational(x)); }
    template <class V> AK_HD static V bwd(V x, V dy, const Params&) {
        V e = exp_nonpos(V(-2.0f) * vabs(x));
        V r = rcp_(V(1.0f) + e);
        return times_dy(x, V(4.0f) * e * r * r, dy);
    }
    template <class V> AK_HD static V bwd_from_output(V y, V dy, const Params&) {
        return times_dy(y, (V(1.0f) - y) * (V(1.0f) + y), dy);
    }
};

// relu6(x + 3) / 6; gradient 1/6 strictly inside (-3, 3), as PyTorch.
struct hardsigmoid {
    using Params = NoParams;
    template <class V> AK_HD static V fwd(V x, const Params&) {
        return with_nan_of(x, vmin(V(6.0f), vmax(V(0.0f), x + V(3.0f))) * V(1.0f / 6.0f));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params&) {
        return with_nan_of(x, inside(x, V(-3.0f), V(3.0f), dy * V(1.0f / 6.0f)));
    }
};

// x * relu6(x + 3) / 6; gradient 0 below -3, x/3 + 1/2 up to 3, 1 above (PyTorch's branches).
struct hardswish {
    using Params = NoParams;
    template <class V> AK_HD static V fwd(V x, const Params&) {
        V xl = vmax(V(-3.0f), x);  // 0 below -3, also at -inf (where x * 0 would be NaN)
        return with_nan_of(x, xl * (vmin(V(6.0f), vmax(V(0.0f), xl + V(3.0f))) * V(1.0f / 6.0f)));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params&) {
        V mid = (x + V(1.5f)) * V(1.0f / 3.0f);  // x/3 + 1/2, exactly 0 at x = -1.5 with or without FMA
        V slope = select(x < V(-3.0f), V(0.0f), select(x <= V(3.0f), mid, V(1.0f)));
        return times_dy(x, slope, dy);
    }
};

// log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's linear tail).
// Written max(z, 0) + log1p(exp(-|z|)), which neither overflows nor loses the left tail.
struct softplus {
    struct Params {
        float beta, threshold;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        V z = x * V(p.beta);
        V soft = (vmax(z, V(0.0f)) + log1p_exp_neg_abs(z)) * V(1.0f / p.beta);
        return with_nan_of(x, select(z > V(p.threshold), x, soft));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        V z = x * V(p.beta), s, one_minus_s;
        sigmoid_pair(z, s, one_minus_s);
        return times_dy(x, select(z > V(p.threshold), V(1.0f), s), dy);
    }
    static const char* invalid(const Params& p) { return p.beta != 0.0f ? nullptr : "beta must not be 0"; }
};

// x / (1 + |x|); x is clamped to 1e30 first so that +-inf give +-1 (1e30 / (1 + 1e30) is 1 in
// float). Gradient 1 / (1 + |x|)^2 as r * r, which reaches 0 at +-inf by itself.
struct softsign {
    using Params = NoParams;
    template <class V> AK_HD static V fwd(V x, const Params&) {
        V xc = vmin(V(1e30f), vmax(V(-1e30f), x));
        return with_nan_of(x, xc / (V(1.0f) + vabs(xc)));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params&) {
        V r = V(1.0f) / (V(1.0f) + vabs(x));
        return times_dy(x, r * r, dy);
    }
};

// log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|)); gradient 1 - sigmoid(x), computed directly.
struct logsigmoid {
    using Params = NoParams;
    template <class V> AK_HD static V fwd(V x, const Params&) {
        return with_nan_of(x, vmin(V(0.0f), x) - log1p_exp_neg_abs(x));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params&) {
        V s, one_minus_s;
        sigmoid_pair(x, s, one_minus_s);
        return times_dy(x, one_minus_s, dy);
    }
};

// x - tanh(x). Below |x| = 0.5 the difference cancels, so it is its Taylor series there,
// x^3 (1/3 - 2x^2/15 + ...), whose terms are exact rationals (nine reach 1e-8 at 0.5, six 1e-5
// for 16-bit results); above, the subtraction loses at most a factor 13 of relative accuracy (at
// 0.5). Gradient tanh(x)^2.
struct tanhshrink {
    using Params = NoParams;
    template <class V> AK_HD static V fwd(V x, const Params&) {
        constexpr float kC[] = {443861162.0f / 1856156927625.0f, -6404582.0f / 10854718875.0f,
                                929569.0f / 638512875.0f, -21844.0f / 6081075.0f, 1382.0f / 155925.0f,
                                -62.0f / 2835.0f, 17.0f / 315.0f, -2.0f / 15.0f, 1.0f / 3.0f};
        V x2 = x * x;
        V small = kNarrowResults<V> ? x * x2 * horner(x2, kC + 3, 6) : x * x2 * horner(x2, kC, 9);
        return with_nan_of(x, select(vabs(x) < V(0.5f), small, x - tanh_(x)));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params&) {
        V t = tanh_rational(x);  // no cancellation here: the rational's error only doubles in t^2
        return times_dy(x, t * t, dy);
    }
};

// x - lambda above lambda, x + lambda below -lambda, 0 between; gradient 1 outside, 0 inside.
struct softshrink {
    struct Params {
        float lambda;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        V l(p.lambda);
        return with_nan_of(x, select(x > l, x - l, select(x < -l, x + l, V(0.0f))));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        V l(p.lambda);
        return pass_where(x, vabs(x) > l, dy);
    }
};

// x where |x| > lambda, else 0.
struct hardshrink {
    struct Params {
        float lambda;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        return with_nan_of(x, select(vabs(x) > V(p.lambda), x, V(0.0f)));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        return pass_where(x, vabs(x) > V(p.lambda), dy);
    }
};

// x where x > threshold, else value (PyTorch's F.threshold; both are required there, relu here).
struct threshold {
    struct Params {
        float threshold, value;
    };
    template <class V> AK_HD static V fwd(V x, const Params& p) {
        return with_nan_of(x, select(x > V(p.threshold), x, V(p.value)));
    }
    template <class V> AK_HD static V bwd(V x, V dy, const Params& p) {
        return pass_where(x, x > V(p.threshold), dy);
    }
};

}  // namespace ak::act
