// The learnable activations (AK_LEARNABLES, native/include/actinium.h): their forward, their
// gradient in x and in every parameter, written once for the CPU's vectors, its scalar code and CUDA.
//
// A learnable functor is a struct named as its row with
//   static constexpr int kShared, kGrouped (-1: group_count(degrees) says), kExtra
//   AK_HD static void derive(const float* raw, float* derived, Degrees)    (scalar, once per group)
//   template <class V, class D> static V fwd(V x, const V* d, D)        f(x)
//   template <class V, class D> static V bwd(V x, V dy, const V* d, D, V* g)
// (D: Degrees, or FixedDegrees for the kernels of an op's common degrees)
// derive turns one group's raw parameters (the shared ones, then the group's own: kShared +
// group_count floats) into what the math reads: the raw values, then kExtra values computed once per
// group instead of per element (a logarithm, a reciprocal). d holds them as vectors: broadcast where
// a vector lies in one group, per lane where it does not. bwd returns dy * df/dx and writes
// g[k] = dy * df/draw_k for every raw parameter k. The NaN rule of functor.h holds for x; a
// gradient of a NaN x is NaN. Parameters are finite (the entry points check): with x = 0 and dy = 0
// every g[k] is 0, so the kernels may pad a short vector with zeros.
#pragma once
#include <math.h>

#include "../../include/actinium.h"
#include "fixed_forms.h"
#include "functor.h"
#include "polynorm.h"
#include "smooth.h"

namespace ak::act {

struct Degrees {
    int num, den;
};

// Degrees known at compile time: the kernels of an op's common degrees (CommonDegrees) take them, so
// the functor's loops over the coefficients unroll and keep their values in registers.
template <int M, int N>
struct FixedDegrees {
    static constexpr int num = M, den = N;
    AK_HD constexpr operator Degrees() const { return {M, N}; }
};

// The degrees a kernel computes with: the call's, or the constants of D (which the call's equal).
template <class D>
AK_HD D degrees_as(Degrees deg) {
    if constexpr (std::is_same_v<D, Degrees>) return deg;
    else return D{};
}

// The degrees an op's kernels are also built for with FixedDegrees (void: none): PAU's and KAT's
// rational (5, 4), PolyCom's polyrelu of order 3.
template <class Op>
struct CommonDegrees {
    using type = void;
};

// The most raw parameters of one group (rational (6, 5): 7 + 5) and of derived values.
constexpr int kMaxLearnParams = 12;
constexpr int kMaxLearnDerived = 16;

// derive for functors whose math reads the raw values alone.
AK_HD void copy_raw(const float* raw, float* d, int count) {
    for (int k = 0; k < count; ++k) d[k] = raw[k];
}

// The parameter members of a functor with a fixed count and nothing derived (all but rational,
// polyrelu and APA).
template <int Shared, int Grouped>
struct FixedParameters {
    static constexpr int kShared = Shared, kGrouped = Grouped, kExtra = 0;
    AK_HD static constexpr int group_count(Degrees) { return kGrouped; }
    AK_HD static void derive(const float* raw, float* d, Degrees) { copy_raw(raw, d, Shared + Grouped); }
};

// Rational (Pade) unit, the "safe" form of PAU and KAT: f = P(x) / Q(x), P = sum_{i<=m} a_i x^i,
// Q = 1 + |A(x)|, A = sum_{1<=j<=n} b_j x^j. Raw parameters a_0..a_m, b_1..b_n.
// df/dx = (P' - f s A') / Q, df/da_i = x^i / Q, df/db_j = -f s x^j / Q, s = sign(A) (0 at A = 0).
// (Scaled: x^i / Q = sigma t^(k-i) / Qn, and the same for x^j.)
// |x| > kScaledFrom (8) is evaluated in t = 1/x with both polynomials divided by x^k, k = max(m, n):
// with Pn = P / x^k, An = A / x^k and Qn = |t|^k + |An| = Q / |x|^k, f = sigma Pn / Qn (sigma =
// sign(x)^k), and every derivative has the same form in these terms, so no power of x larger than 8^6
// = 2^18 is formed: nothing overflows for any x and coefficients below 2^100, and +-inf (taken as
// +-2^60) give the limits. Horner runs once, over u = x or t, each step selecting its coefficient by
// the lane's side; a vector with no lane past 8 (nearly all: activations rarely are) takes the
// unscaled side alone, without the selects (kTwoSided false). Its lanes then get the bits the
// two-sided form gives them (its unscaled side multiplies by exact ones), so a lane's result does not
// depend on the lanes beside it. The two-sided form took 2.4x the time forward and 1.4x backward
// (rational (5, 4), AVX-512, 64K F32 in the L2).
struct rational {
    static constexpr int kShared = 0, kGrouped = -1, kExtra = 0;
    AK_HD static constexpr int group_count(Degrees deg) { return deg.num + 1 + deg.den; }
    AK_HD static void derive(const float* raw, float* d, Degrees deg) { copy_raw(raw, d, group_count(deg)); }

    // The values every pass needs: u, the sides' powers u^e (e <= k), P~, A~ and Q~ (tilde: the
    // unscaled value, or the scaled one times sigma).
    template <class V>
    struct Eval {
        V t, pw[AK_LEARN_MAX_NUM_DEGREE + 1], p, a, q, sigma;
        decltype(V(0.0f) > V(0.0f)) big;
    };
    static constexpr float kScaledFrom = 8.0f;

    // select(big, a, b) in the two-sided form, b where no lane is big.
    template <bool kTwoSided, class M, class V>
    AK_HD static V side(M big, V a, V b) {
        if constexpr (kTwoSided) return select(big, a, b);
        else return b;
    }

    template <bool kTwoSided, class V, class D>
    AK_HD static void eval(V x, const V* d, D deg, Eval<V>& e) {
        const int m = deg.num, n = deg.den, k = m > n ? m : n;
        const V* a = d;
        const V* b = d + m + 1;  // b[j - 1] = b_j
        e.big = vabs(x) > V(kScaledFrom);
        V xc = vmin(V(1.152921504606846976e18f), vmax(V(-1.152921504606846976e18f), x));
        e.t = V(1.0f) / side<kTwoSided>(e.big, xc, V(1.0f));
        V u = side<kTwoSided>(e.big, e.t, x);
        e.pw[0] = V(1.0f);
        for (int i = 1; i <= k; ++i) e.pw[i] = e.pw[i - 1] * u;
        // sigma = sign(x)^k on the scaled side, 1 on the other.
        V sign = select(x < V(0.0f), V(-1.0f), V(1.0f));
        e.sigma = (k % 2 == 1) ? side<kTwoSided>(e.big, sign, V(1.0f)) : V(1.0f);
        // P~: Horner in u over a_m..a_0 (unscaled) or a_0..a_m (scaled), then t^(k-m) on the scaled side.
        V p = side<kTwoSided>(e.big, a[0], a[m]);
        for (int j = 1; j <= m; ++j) p = mul_add(p, u, side<kTwoSided>(e.big, a[j], a[m - j]));
        e.p = e.sigma * side<kTwoSided>(e.big, p * e.pw[k - m], p);
        // A~: Horner over b_n..b_1 (unscaled, then times x) or b_1..b_n (scaled, then times t^(k-n)).
        V s = V(0.0f);
        if (n > 0) {
            s = side<kTwoSided>(e.big, b[0], b[n - 1]);
            for (int j = 1; j < n; ++j) s = mul_add(s, u, side<kTwoSided>(e.big, b[j], b[n - 1 - j]));
            s = s * side<kTwoSided>(e.big, e.pw[k - n], x);
        }
        e.a = e.sigma * s;
        e.q = side<kTwoSided>(e.big, vabs(e.pw[k]), V(1.0f)) + vabs(e.a);
    }

    template <class V, class D> AK_HD static V fwd(V x, const V* d, D deg) {
        if (any_lane(vabs(x) > V(kScaledFrom))) return fwd_as<true>(x, d, deg);
        return fwd_as<false>(x, d, deg);
    }
    template <class V, class D> AK_HD static V bwd(V x, V dy, const V* d, D deg, V* g) {
        if (any_lane(vabs(x) > V(kScaledFrom))) return bwd_as<true>(x, dy, d, deg, g);
        return bwd_as<false>(x, dy, d, deg, g);
    }

    template <bool kTwoSided, class V, class D> AK_HD static V fwd_as(V x, const V* d, D deg) {
        Eval<V> e;
        eval<kTwoSided>(x, d, deg, e);
        return with_nan_of(x, e.p / e.q);
    }

    template <bool kTwoSided, class V, class D> AK_HD static V bwd_as(V x, V dy, const V* d, D deg, V* g) {
        const int m = deg.num, n = deg.den, k = m > n ? m : n;
        const V* a = d;
        const V* b = d + m + 1;
        Eval<V> e;
        eval<kTwoSided>(x, d, deg, e);
        V r = V(1.0f) / e.q;
        V f = e.p * r;
        V s = select(e.a > V(0.0f), V(1.0f), select(e.a < V(0.0f), V(-1.0f), V(0.0f)));
        V u = side<kTwoSided>(e.big, e.t, x);
        // P'~ and A'~: Horner over (i a_i): unscaled P' (m terms, highest first), scaled Dn; then
        // t^(k-m) (scaled) and sigma.
        V dp = V(0.0f);
        if (m > 0) {
            dp = side<kTwoSided>(e.big, a[1], V(float(m)) * a[m]);
            for (int j = 1; j < m; ++j)
                dp = mul_add(dp, u, side<kTwoSided>(e.big, V(float(j + 1)) * a[j + 1], V(float(m - j)) * a[m - j]));
            dp = e.sigma * side<kTwoSided>(e.big, dp * e.pw[k - m], dp);
        }
        V da = V(0.0f);
        if (n > 0) {
            da = side<kTwoSided>(e.big, b[0], V(float(n)) * b[n - 1]);
            for (int j = 1; j < n; ++j)
                da = mul_add(da, u, side<kTwoSided>(e.big, V(float(j + 1)) * b[j], V(float(n - j)) * b[n - 1 - j]));
            da = e.sigma * side<kTwoSided>(e.big, da * e.pw[k - n], da);
        }
        V slope = side<kTwoSided>(e.big, e.t, V(1.0f)) * ((dp - f * s * da) * r);
        // Powers x^i (unscaled) or t^(k-i) (scaled), over Q~; a_i's carries sigma on the scaled side.
        // A NaN x is on the unscaled side: its powers x^i (i >= 1) are NaN, and so is r where the unit
        // has a denominator, so every gradient is NaN without with_nan_of but a_0's where n = 0 (ten
        // blends less per vector: 13.0 to 11.3 ns per vector, as above).
        V dyr = dy * r;
        for (int i = 0; i <= m; ++i) {
            V w = side<kTwoSided>(e.big, e.pw[k - i] * e.sigma, e.pw[i]);
            g[i] = i == 0 && n == 0 ? with_nan_of(x, dyr * w) : dyr * w;
        }
        V fs = f * s * dyr;
        for (int j = 1; j <= n; ++j) {
            V w = side<kTwoSided>(e.big, e.pw[k - j] * e.sigma, e.pw[j]);
            g[m + j] = -(fs * w);
        }
        return times_dy(x, slope, dy);
    }
};

// PolyReLU (PolyCom): sum_{i<=n} a_i relu(x)^i, order n in 1..3. relu(x)^0 = 1 for every x.
struct polyrelu {
    static constexpr int kShared = 0, kGrouped = -1, kExtra = 0;
    AK_HD static constexpr int group_count(Degrees deg) { return deg.num + 1; }
    AK_HD static void derive(const float* raw, float* d, Degrees deg) { copy_raw(raw, d, group_count(deg)); }
    template <class V, class D> AK_HD static V fwd(V x, const V* a, D deg) {
        V r = vmax(x, V(0.0f));
        V p = a[deg.num];
        for (int i = deg.num - 1; i >= 0; --i) p = mul_add(p, r, a[i]);
        return with_nan_of(x, p);
    }
    template <class V, class D> AK_HD static V bwd(V x, V dy, const V* a, D deg, V* g) {
        V r = vmax(x, V(0.0f));
        V dp = V(float(deg.num)) * a[deg.num];
        for (int i = deg.num - 1; i >= 1; --i) dp = mul_add(dp, r, V(float(i)) * a[i]);
        V w = V(1.0f);
        for (int i = 0; i <= deg.num; ++i) {
            g[i] = with_nan_of(x, dy * w);
            w = w * r;
        }
        return times_dy(x, select(x > V(0.0f), dp, V(0.0f)), dy);
    }
};

// Dynamic tanh (DyT): gamma tanh(alpha x) + beta; alpha shared, gamma and beta per group.
// Forward takes the rational tanh (as the catalogue's tanh forward: half the instructions of the
// exponential's two branches, within 3.6e-7). Backward keeps the exponential: sech^2(z) = 4 e /
// (1 + e)^2 with e = exp(-2|z|), tanh's own, keeps its relative accuracy where 1 - tanh^2 would
// cancel; x sech^2 is 0 where sech^2 underflows (x = +-inf).
struct dyt : FixedParameters<1, 2> {
    template <class V, class D> AK_HD static V fwd(V x, const V* p, D) {
        return with_nan_of(x, mul_add(p[1], tanh_rational(p[0] * x), p[2]));
    }
    template <class V, class D> AK_HD static V bwd(V x, V dy, const V* p, D, V* g) {
        V z = p[0] * x;
        TanhTerms<V> t = tanh_terms(z);
        V sech2 = V(4.0f) * t.e * t.rcp * t.rcp;
        V xs = select(sech2 > V(0.0f), x, V(0.0f));
        V gdy = p[1] * dy;
        g[0] = with_nan_of(x, gdy * (xs * sech2));
        g[1] = with_nan_of(x, dy * tanh_(z, t));
        g[2] = with_nan_of(x, dy);
        return times_dy(x, p[0] * p[1] * sech2, dy);
    }
};

// Adaptive parametric activation (APA): (1 + lambda exp(-kappa x))^(-1/lambda), the unit of the
// AGLU module; lambda 1 gives the sigmoid of kappa x, lambda -> 0 the Gumbel CDF. lambda is taken as
// max(lambda, 1e-4), as the published module clamps it (no gradient to lambda below). With
// z = log(lambda) - kappa x and s = softplus(z): f = exp(-s / lambda), df/dx = f kappa sigma(z) / lambda,
// df/dkappa = f x sigma(z) / lambda, df/dlambda = f (s - sigma(z)) / lambda^2.
struct apa {
    static constexpr int kShared = 0, kGrouped = 2, kExtra = 3;
    static constexpr float kMinLambda = 1e-4f;
    AK_HD static constexpr int group_count(Degrees) { return kGrouped; }
    AK_HD static void derive(const float* raw, float* d, Degrees) {
        const float lambda = raw[1] > kMinLambda ? raw[1] : kMinLambda;
        d[0] = raw[0];
        d[1] = raw[1];
        d[2] = logf(lambda);
        d[3] = 1.0f / lambda;
        d[4] = raw[1] >= kMinLambda ? 1.0f : 0.0f;
    }
    // d: kappa, lambda (raw), log(lambda'), 1/lambda', 1 where lambda is not clamped else 0.
    // One exp(-|z|) serves softplus and the sigmoid (not capped at z = 87 as sigmoid_pair's: softplus
    // needs the true value, subnormal or not).
    template <class V> AK_HD static void core(V x, const V* d, V& f, V& s, V& sig) {
        V z = mul_add(-d[0], x, d[2]);
        V e = exp_nonpos(-vabs(z));
        V one_minus;
        sigmoid_pair_of_exp(e, z >= V(0.0f), sig, one_minus);
        s = vmax(z, V(0.0f)) + log1p_unit(e);
        f = exp_nonpos(-(s * d[3]));
    }
    template <class V, class D> AK_HD static V fwd(V x, const V* d, D) {
        V f, s, sig;
        core(x, d, f, s, sig);
        return with_nan_of(x, f);
    }
    template <class V, class D> AK_HD static V bwd(V x, V dy, const V* d, D, V* g) {
        V f, s, sig;
        core(x, d, f, s, sig);
        V fs = f * sig * d[3];
        V xs = select(fs > V(0.0f), x, V(0.0f));
        g[0] = with_nan_of(x, dy * (fs * xs));
        V spread = select(f > V(0.0f), s - sig, V(0.0f));  // f -> 0 faster than s grows
        g[1] = with_nan_of(x, dy * (f * spread * (d[3] * d[3]) * d[4]));
        return times_dy(x, fs * d[0], dy);
    }
};

// Swish with a learnable beta: x sigmoid(beta x) (smooth.h's swish); df/dbeta = x^2 s (1 - s),
// 0 where s (1 - s) underflows (x = +-inf).
struct learnable_swish : FixedParameters<0, 1> {
    template <class V, class D> AK_HD static V fwd(V x, const V* p, D) { return swish_forward(x, p[0]); }
    template <class V, class D> AK_HD static V bwd(V x, V dy, const V* p, D, V* g) {
        SwishTerms<V> t = swish_terms(x, p[0]);
        V w = t.s * t.one_minus_s;
        V xs = select(w > V(0.0f), x, V(0.0f));
        g[0] = with_nan_of(x, dy * (xs * xs * w));
        return swish_backward(x, dy, t);
    }
};

// CRReLU with a learnable eps: relu(x) + eps x exp(-x^2/2) (smooth.h's crrelu); df/deps = x exp(-x^2/2).
struct learnable_crrelu : FixedParameters<0, 1> {
    template <class V, class D> AK_HD static V fwd(V x, const V* p, D) { return crrelu_forward(x, p[0]); }
    template <class V, class D> AK_HD static V bwd(V x, V dy, const V* p, D, V* g) {
        CrreluTerms<V> t = crrelu_terms(x);
        g[0] = with_nan_of(x, dy * (t.xt * t.gauss));
        return crrelu_backward(x, dy, p[0], t);
    }
};

// Tempered sigmoid: scale sigmoid(temperature x) - offset (scale 2, temperature 2, offset 1: tanh).
struct tempered_sigmoid : FixedParameters<0, 3> {
    template <class V, class D> AK_HD static V fwd(V x, const V* p, D) {
        V s, one_minus_s;
        sigmoid_pair(x * p[1], s, one_minus_s);
        return with_nan_of(x, mul_add(p[0], s, -p[2]));
    }
    template <class V, class D> AK_HD static V bwd(V x, V dy, const V* p, D, V* g) {
        V s, one_minus_s;
        sigmoid_pair(x * p[1], s, one_minus_s);
        V w = s * one_minus_s;
        V xs = select(w > V(0.0f), x, V(0.0f));
        g[0] = with_nan_of(x, dy * s);
        g[1] = with_nan_of(x, dy * (p[0] * w * xs));
        g[2] = with_nan_of(x, -dy);
        return times_dy(x, p[0] * p[1] * w, dy);
    }
};

// SIREN's sine with a learnable omega: sin(omega x) (fixed_forms.h's sine); df/domega = x cos(omega x).
struct learnable_sine : FixedParameters<0, 1> {
    template <class V, class D> AK_HD static V fwd(V x, const V* p, D) {
        return with_nan_of(x, sin_quadrant(sine_argument(x, p[0]), 0.0f));
    }
    template <class V, class D> AK_HD static V bwd(V x, V dy, const V* p, D, V* g) {
        V c = sin_quadrant(sine_argument(x, p[0]), 1.0f);
        g[0] = with_nan_of(x, dy * (x * c));
        return times_dy(x, p[0] * c, dy);
    }
};

// Cauchy activation with learnable lambda1, lambda2, d (fixed_forms.h's cauchy); with r = 1 / (x^2 + d^2):
// df/dlambda1 = x r, df/dlambda2 = r, df/dd = -2 d r f.
struct learnable_cauchy : FixedParameters<0, 3> {
    template <class V, class D> AK_HD static V fwd(V x, const V* p, D) {
        return cauchy_forward(x, p[0], p[1], p[2] * p[2]);
    }
    template <class V, class D> AK_HD static V bwd(V x, V dy, const V* p, D, V* g) {
        V d2 = p[2] * p[2];
        CauchyTerms<V> t = cauchy_terms(x, d2);
        V xr = t.xc * t.r;
        V f = mul_add(p[0], xr, p[1] * t.r);
        g[0] = with_nan_of(x, dy * xr);
        g[1] = with_nan_of(x, dy * t.r);
        g[2] = with_nan_of(x, dy * (V(-2.0f) * p[2] * t.r * f));
        return cauchy_backward(x, dy, p[0], p[1], d2, t);
    }
};

// PolyNorm (polynorm.h): eps shared, a0..am per group. It normalizes rows, so it has no per-element
// fwd and bwd: its kernels are its own (cpu/act/polynorm_kernels.h, cuda/learn.cu).
struct polynorm {
    static constexpr int kShared = 1, kGrouped = -1, kExtra = 0;
    AK_HD static constexpr int group_count(Degrees deg) { return deg.num + 1; }
    AK_HD static void derive(const float* raw, float* d, Degrees deg) { copy_raw(raw, d, 1 + group_count(deg)); }
};

}  // namespace ak::act

namespace ak {

// LearnableOf<AK_LEARN_DYT>::type is act::dyt.
template <int Op> struct LearnableOf;
#define AK_LEARN_FUNCTOR_ROW(E, name, shared, grouped, degrees, ff, bf) \
    template <> struct LearnableOf<AK_LEARN_##E> { using type = act::name; };
AK_LEARNABLES(AK_LEARN_FUNCTOR_ROW)
#undef AK_LEARN_FUNCTOR_ROW

#define AK_LEARN_CHECK_ROW(E, name, shared, grouped, degrees, ff, bf)                                  \
    static_assert(act::name::kShared == (shared) && act::name::kGrouped == (grouped),                \
                  #name ": its row's parameter counts are not its functor's");                        \
    static_assert(act::name::kShared + act::name::kExtra + ((grouped) < 0 ? act::kMaxLearnParams : (grouped)) \
                      <= act::kMaxLearnDerived, #name ": more derived values than the kernels hold");
AK_LEARNABLES(AK_LEARN_CHECK_ROW)
#undef AK_LEARN_CHECK_ROW

}  // namespace ak

namespace ak::act {
template <>
struct CommonDegrees<rational> {
    using type = FixedDegrees<5, 4>;
};
template <>
struct CommonDegrees<polyrelu> {
    using type = FixedDegrees<3, 0>;
};
}  // namespace ak::act
