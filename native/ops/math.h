// Vector-friendly exp, erfc, normal CDF, sigmoid and tanh, written once over a value type V
// (float, or a SIMD type from native/cpu) that provides the primitives of scalar_float.h.
// Coefficients come from native/ops/tools/fit_coefficients.py (relative-error least squares).
// Every function here is branch-free: both sides of a range split are computed and selected.
// For results stored as bf16 or f16 (kNarrowResults<V>, scalar_float.h) the polynomials are of
// lower degree: about 2^-17 relative error where fp32 results need a few ulp. The reciprocal keeps
// its Newton step: the estimate alone (2^-14, amplified up to 16x by erfc) would be felt in bf16's
// rounding.
// NaN inputs are not handled here: native/ops/activations.h passes NaN through once for all.
#pragma once
#include "scalar_float.h"

namespace ak {

// x's NaN, quieted (x + x: sign and payload kept), where x is NaN, else r: the NaN rule of
// activations.h for an op whose result is a select rather than arithmetic on x.
template <class V>
AK_HD V quiet_nan_or(V x, V r) {
    return select(is_nan(x), x + x, r);
}

template <class V>
AK_HD V horner(V x, const float* c, int n) {  // c[0] is the highest power
    V p = V(c[0]);
    for (int i = 1; i < n; ++i) p = mul_add(p, x, V(c[i]));
    return p;
}


// exp(x) for |x| <= 1000: Cody-Waite x = n ln2 + r, |r| <= ln2/2, degree-6 polynomial, then
// p * 2^n (ldexp_ overflows to inf and underflows gradually). About 2 ulp for results >= FLT_MIN.
// 16-bit results: degree 4, 2.7e-6.
template <class V>
AK_HD V exp_reduced(V n, V r) {
    constexpr float kC[] = {1.382942060e-03f, 8.374771520e-03f, 4.166835803e-02f,
                            1.666642083e-01f, 4.999999149e-01f, 1.000000036e+00f,
                            1.000000001e+00f};
    constexpr float kNarrow[] = {4.141705601e-02f, 1.679066064e-01f, 5.000485045e-01f, 9.999636255e-01f,
                                 9.999991909e-01f};
    if constexpr (kNarrowResults<V>) return ldexp_(horner(r, kNarrow, 5), n);
    else return ldexp_(horner(r, kC, 7), n);
}

template <class V>
AK_HD V exp_core(V x) {
    V n = rint_(x * V(1.44269504f));
    V r = mul_add(n, V(-0.693359375f), x);  // ln2 split in two: the high part is exact in n*hi
    return exp_reduced(n, mul_add(n, V(2.12194440e-4f), r));
}

// exp(x) for any x: +-inf and NaN-free clamping first (the clamp at 89 still overflows to inf).
template <class V>
AK_HD V exp_(V x) {
    return exp_core(vmin(vmax(x, V(-104.5f)), V(89.0f)));
}

// exp(x) for x <= 0 (or NaN, which stays NaN): the one clamp that keeps the reduction finite.
// Below -104.5 the result is 0 in float.
template <class V>
AK_HD V exp_nonpos(V x) {
    return exp_core(vmax(V(-104.5f), x));
}

// exp(s * (hi + lo)) for s = -1 or -1/2 and a square split exactly into hi + lo, 0 <= hi <= 1000.
// The scaling by s is folded into the reduction: s * hi is exact, and n * ln2_hi is exact, so the
// FMA forming hi * s - n * ln2_hi rounds once, to the same r as the unfolded form.
template <class V>
AK_HD V exp_scaled_split(V hi, V lo, float s) {
    V n = rint_(hi * V(s * 1.44269504f));
    V r = mul_add(hi, V(s), n * V(-0.693359375f));
    r = mul_add(n, V(2.12194440e-4f), r);
    return exp_reduced(n, mul_add(lo, V(s), r));
}

// erfc(a) * exp(a^2) * scale for a >= 0: a degree-10 polynomial in t = 1/(1 + a/2), fitted on
// [0, 10.5] (beyond, erfc(a) underflows anyway); degree 7 (4.9e-7) for 16-bit results.
// a = |x| * a_per_x: callers fold constant factors of the argument (1/sqrt2) and of the result
// (1/2) into one FMA and the coefficients.
template <class V>
AK_HD V erfcx_nonneg(V abs_x, float a_per_x, float scale) {
    constexpr float kQ[] = {2.520277700e-02f, -1.955039954e-01f, 6.051444385e-01f,
                            -9.162205471e-01f, 6.388973005e-01f, -2.251466618e-01f,
                            2.747701596e-01f, 2.261068653e-01f, 2.848589086e-01f,
                            2.818837384e-01f, 7.008853831e-06f};
    constexpr float kNarrow[] = {9.867567770e-02f, -3.961824969e-01f, 4.498162095e-01f, -1.104749581e-02f,
                                 3.038320002e-01f, 2.718521032e-01f, 2.830952987e-01f, -4.081195418e-05f};
    constexpr bool kShort = kNarrowResults<V>;
    constexpr int kTerms = kShort ? 8 : 11;
    float q[kTerms];
    // Constant-folded after inlining.
    for (int i = 0; i < kTerms; ++i) q[i] = (kShort ? kNarrow[i] : kQ[i]) * scale;
    V t = rcp_(mul_add(vmin(abs_x, V(10.5f / a_per_x)), V(0.5f * a_per_x), V(1.0f)));
    return horner(t, q, kTerms);
}

// erfc(a) for a >= 0 given a*a = a2_hi + a2_lo exactly, so the Gaussian factor keeps full
// relative accuracy far into the tail (erfc(9) = 4e-37). About 7 ulp relative.
template <class V>
AK_HD V erfc_nonneg(V a, V a2_hi, V a2_lo) {
    return exp_scaled_split(a2_hi, a2_lo, -1.0f) * erfcx_nonneg(a, 1.0f, 1.0f);
}

// erf(x) for finite x: an odd polynomial below 0.5 (where 1 - erfc would cancel), else 1 - erfc.
template <class V>
AK_HD V erf_(V x) {
    constexpr float kSmall[] = {4.728139993e-03f, -2.676265949e-02f, 1.128291895e-01f,
                                -3.761261450e-01f, 1.128379166e+00f};  // erf(a)/a in a^2, [0, 0.5]
    V a = vabs(x), hi, lo;
    square_split(a, hi, lo);
    V small = x * horner(hi, kSmall, 5);
    V large = V(1.0f) - erfc_nonneg(a, hi, lo);
    return select(a < V(0.5f), small, select(x < V(0.0f), -large, large));
}

// Standard normal CDF Phi(x) and the Gaussian factor g = exp(-x^2/2) (so phi(x) = g/sqrt(2 pi)),
// for finite x, relative accuracy kept in the left tail: Phi = erfc(-x/sqrt2)/2 is never formed
// as 1 + erf, which cancels. The square is taken exactly.
template <class V>
AK_HD void normal_cdf_gauss(V x, V& cdf, V& gauss) {
    V hi, lo;
    square_split(x, hi, lo);
    gauss = exp_scaled_split(hi, lo, -0.5f);
    V half_erfc = gauss * erfcx_nonneg(vabs(x), 0.70710678f, 0.5f);
    cdf = select(x < V(0.0f), half_erfc, V(1.0f) - half_erfc);
}

template <class V>
AK_HD V normal_cdf(V x) {
    V cdf, gauss;
    normal_cdf_gauss(x, cdf, gauss);
    return cdf;
}

// sigmoid(z) and 1 - sigmoid(z), each with full relative accuracy and no overflow for any z:
// with e = exp(-|z|) <= 1 and r ~ 1/(1+e), the two are e*r and 1 - e*r by the sign of z. The
// error of 1 - e*r is proportional to e, so sigmoid(large) is exactly 1 even with an
// approximate reciprocal. NaN gives NaN. Callers that hold a value of the sign of z pass the
// mask z >= 0 computed from it, so z need not stay live (in registers) until the end.
// z is capped at 87 first, so that e stays a normal number where z > 0: a subnormal result costs
// a microcode assist per instruction on current x86 cores (measured: GELU-tanh 1.5x slower on
// inputs near 10). The cap leaves s = 1 exact and 1 - s >= exp(-87) instead of smaller: callers
// only ever add 1 - s to terms of order 1 (backward), where it vanishes either way.
// The pair from e = exp(-|z|) (a caller that needs e itself too, as softplus does, computes it once).
template <class V, class M>
AK_HD void sigmoid_pair_of_exp(V e, M z_nonneg, V& s, V& one_minus_s) {
    V small = e * rcp_(V(1.0f) + e);
    V large = V(1.0f) - small;
    s = select(z_nonneg, large, small);
    one_minus_s = select(z_nonneg, small, large);
}

template <class V, class M>
AK_HD void sigmoid_pair(V z, M z_nonneg, V& s, V& one_minus_s) {
    V e = exp_nonpos(negate_where(z_nonneg, vmin(V(87.0f), z)));  // -|z|, a NaN z as it is
    sigmoid_pair_of_exp(e, z_nonneg, s, one_minus_s);
}

template <class V>
AK_HD void sigmoid_pair(V z, V& s, V& one_minus_s) {
    sigmoid_pair(z, z >= V(0.0f), s, one_minus_s);
}

// tanh(x): odd polynomial near 0 (where 1 - 2/(e^2x + 1) would cancel), else 1 - 2e/(1+e) with
// e = exp(-2|x|), exact at the limits for the same reason as sigmoid_pair.
// tanh_terms holds what tanh shares with sech^2 = 4 e / (1 + e)^2 (DyT's backward needs both).
template <class V>
struct TanhTerms {
    V e, rcp;  // exp(-2|x|), 1 / (1 + e)
};

template <class V>
AK_HD TanhTerms<V> tanh_terms(V x) {
    TanhTerms<V> t;
    t.e = exp_nonpos(V(-2.0f) * vabs(x));
    t.rcp = rcp_(V(1.0f) + t.e);
    return t;
}

template <class V>
AK_HD V tanh_(V x, const TanhTerms<V>& terms) {
    constexpr float kC[] = {2.142236067e-03f, -8.176164405e-03f, 2.169989735e-02f,
                            -5.394650786e-02f, 1.333320199e-01f, -3.333333052e-01f,
                            9.999999999e-01f};  // tanh(x)/x in x^2 on [0, 0.625]
    constexpr float kNarrow[] = {-4.032250168e-02f, 1.303481364e-01f, -3.331276886e-01f,
                                 9.999985334e-01f};  // the same, degree 3: 3.3e-6
    V small = kNarrowResults<V> ? x * horner(x * x, kNarrow, 4) : x * horner(x * x, kC, 7);
    V t = V(1.0f) - V(2.0f) * terms.e * terms.rcp;
    V large = select(x < V(0.0f), -t, t);
    return select(vabs(x) < V(0.625f), small, large);
}

template <class V>
AK_HD V tanh_(V x) {
    return tanh_(x, tanh_terms(x));
}

// tanh(x) as x P(x^2) / Q(x^2), a rational fitted on |x| <= 9 (fit_coefficients.py): half the
// instructions of tanh_ (no exp, no second branch), at up to 6.5 ulp of the result against tanh_'s
// 1.6 (3.6e-7 relative; the rounding of P and Q, not the fit's 5.9e-8, decides it). x is clamped to
// +-9.5, where the rational has passed 1, and the result to [-1, 1]: +-inf and large |x| give +-1
// exactly, and the odd form keeps -0. 16-bit results take degrees (3, 3): 6.2e-6.
template <class V>
AK_HD V tanh_rational(V x) {
    constexpr float kP[] = {1.825664619e-11f, -1.278107326e-08f, 9.267659994e-06f, 2.920790638e-03f,
                            1.291925646e-01f, 9.999999412e-01f};
    constexpr float kQ[] = {2.281040161e-04f, 2.376329007e-02f, 4.625254047e-01f, 1.0f};
    constexpr float kNarrowP[] = {3.023444533e-06f, 2.066762956e-03f, 1.205838069e-01f, 9.999941476e-01f};
    constexpr float kNarrowQ[] = {1.203820863e-04f, 2.006786766e-02f, 4.538795312e-01f, 1.0f};
    V c = vmax(vmin(x, V(9.5f)), V(-9.5f));
    V t = c * c;
    V p = kNarrowResults<V> ? horner(t, kNarrowP, 4) : horner(t, kP, 6);
    V q = kNarrowResults<V> ? horner(t, kNarrowQ, 4) : horner(t, kQ, 4);
    return vmax(vmin(c * p * rcp_(q), V(1.0f)), V(-1.0f));
}

// log(1 + t) for t in [0, 1] (NaN stays NaN): 2 atanh(s), s = t / (2 + t) in [0, 1/3], an odd
// polynomial. No exponent extraction is needed on this range; about 2 ulp.
template <class V>
AK_HD V log1p_unit(V t) {
    constexpr float kC[] = {1.213582093e-01f, 1.071718915e-01f, 1.430822811e-01f,
                            1.999943896e-01f, 3.333333810e-01f, 1.000000000e+00f};
    constexpr float kNarrow[] = {2.252191721e-01f, 3.323502125e-01f, 1.000003658e+00f};  // 8.5e-6
    if constexpr (kNarrowResults<V>) {
        V s = t * rcp_(t + V(2.0f));  // a division is 4-6 times the throughput cost
        return V(2.0f) * s * horner(s * s, kNarrow, 3);
    } else {
        V s = t / (t + V(2.0f));
        return V(2.0f) * s * horner(s * s, kC, 6);
    }
}

// log(1 + exp(-|x|)) for any x: the tail term of softplus and log-sigmoid, with full relative
// accuracy where it is tiny (x large), as exp(-|x|) underflows gradually to 0.
template <class V>
AK_HD V log1p_exp_neg_abs(V x) {
    return log1p_unit(exp_nonpos(-vabs(x)));
}

// exp(x) - 1 for x <= 0 (NaN stays NaN): a polynomial near 0, where exp(x) - 1 would cancel, else
// exp(x) - 1, which loses at most a factor 2.4 of relative accuracy at the switch. About 4 ulp.
template <class V>
AK_HD V expm1_nonpos(V x) {
    constexpr float kC[] = {1.983281123e-04f, 1.394201461e-03f, 8.333421152e-03f, 4.166634233e-02f,
                            1.666666615e-01f, 5.000000049e-01f, 1.000000000e+00f};
    constexpr float kNarrow[] = {8.327244043e-03f, 4.187906866e-02f, 1.666701984e-01f, 4.999935367e-01f,
                                 9.999999321e-01f};  // degree 4: 4.7e-7
    V small = kNarrowResults<V> ? x * horner(x, kNarrow, 5) : x * horner(x, kC, 7);
    return select(x > V(-0.35f), small, exp_nonpos(x) - V(1.0f));
}

// sin(a) for |a| < 1e5 (error a few units of 2^-24): a = k pi/2 + r by Cody-Waite with pi/2 in
// four parts, the first three of 8 significant bits, so each k * part is exact for |k| < 2^16
// with or without FMA; then sin or cos of r in about [-pi/4, pi/4] by the quadrant k mod 4. Beyond 1e5,
// r keeps fewer correct bits; it is clamped to the quadrant, so the result stays in [-1, 1];
// +-inf give NaN.
// quadrant_shift 1 gives cos(a) = sin(a + pi/2) from the same reduction.
template <class V>
AK_HD V sin_quadrant(V a, float quadrant_shift) {
    constexpr float kSin[] = {2.717984028e-06f, -1.983928887e-04f, 8.333329168e-03f,
                              -1.666666664e-01f, 1.000000000e+00f};  // sin(r)/r in r^2
    constexpr float kCos[] = {-2.717470515e-07f, 2.479895550e-05f, -1.388888060e-03f,
                              4.166666655e-02f, -5.000000000e-01f, 1.000000000e+00f};  // in r^2
    V k = rint_(vmin(V(1.0e7f), vmax(V(-1.0e7f), a)) * V(0.636619772f));
    V r = mul_add(k, V(-1.5703125f), a);
    r = mul_add(k, V(-4.84466552734375e-4f), r);
    r = mul_add(k, V(6.407499313354492e-7f), r);
    r = mul_add(k, V(-9.92093629470503e-10f), r);
    // k = rint(a 2/pi) in float may be one off near a half quadrant, which leaves |r| up to
    // pi/4 + 0.004 here: the polynomials hold there; the clamp only bounds r for |a| >= 1e5.
    r = vmin(V(0.8f), vmax(V(-0.8f), r));
    V r2 = r * r;
    V sin_r = r * horner(r2, kSin, 5), cos_r = horner(r2, kCos, 6);
    // q = (k + shift) mod 4 in float: floor((k + shift) / 4) by rounding, exact for these values.
    V kq = k + V(quadrant_shift);
    V q = kq - V(4.0f) * rint_(mul_add(kq, V(0.25f), V(-0.375f)));
    V odd = q - V(2.0f) * rint_(mul_add(q, V(0.5f), V(-0.25f)));
    V s = negate_where(q > V(1.5f), select(odd > V(0.5f), cos_r, sin_r));
    return select(vabs(a) < V(bits_to_float(0x7f800000)), s, V(bits_to_float(0x7fc00000)));  // sin(+-inf): NaN
}

// x + bias for the fused bias kernels: a NaN x stays x's NaN even where bias is NaN too.
template <class V>
AK_HD V add_bias(V x, V bias) {
    return add_nan_first(x, bias);
}

}  // namespace ak
