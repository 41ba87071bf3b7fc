// Vector-friendly exp, erfc, normal CDF, sigmoid and tanh, written once over a value type V
// (float, or a SIMD type from native/cpu) that provides the primitives of scalar_float.h.
// Coefficients come from native/ops/tools/fit_coefficients.py (relative-error least squares).
// Every function here is branch-free: both sides of a range split are computed and selected.
// NaN inputs are not handled here: native/ops/activations.h passes NaN through once for all.
#pragma once
#include "scalar_float.h"

namespace ak {

template <class V>
AK_HD V horner(V x, const float* c, int n) {  // c[0] is the highest power
    V p = V(c[0]);
    for (int i = 1; i < n; ++i) p = mul_add(p, x, V(c[i]));
    return p;
}

// exp(x), relative error about 2 ulp for results >= FLT_MIN, gradual underflow below,
// +inf above 88.72. Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, degree-6 polynomial.
template <class V>
AK_HD V exp_(V x) {
    constexpr float kC[] = {1.382942060e-03f, 8.374771520e-03f, 4.166835803e-02f,
                            1.666642083e-01f, 4.999999149e-01f, 1.000000036e+00f,
                            1.000000001e+00f};
    V xc = vmin(vmax(x, V(-104.5f)), V(88.72284f));
    V n = rint_(xc * V(1.44269504f));
    V r = mul_add(n, V(-0.693359375f), xc);  // ln2 split in two: the high part is exact in n*hi
    r = mul_add(n, V(2.12194440e-4f), r);
    V p = horner(r, kC, 7);
    // n spans [-151, 128]: scale by two powers of two so neither leaves the normal range.
    V n1 = rint_(n * V(0.5f));
    V y = p * exp2i(n1) * exp2i(n - n1);
    return select(x > V(88.72284f), V(bits_to_float(0x7f800000)), y);
}

// exp(-(hi + lo)) for a small correction lo (|lo| <= ulp(hi)): exp(-hi) * (1 - lo).
template <class V>
AK_HD V exp_neg_split(V hi, V lo) {
    return exp_(-hi) * (V(1.0f) - lo);
}

// erfc(a) for a >= 0 given a*a = a2_hi + a2_lo exactly, so that the Gaussian factor keeps full
// relative accuracy far into the tail (erfc(9) = 4e-37). About 4 ulp relative.
template <class V>
AK_HD V erfc_nonneg(V a, V a2_hi, V a2_lo) {
    constexpr float kSmall[] = {4.728139993e-03f, -2.676265949e-02f, 1.128291895e-01f,
                                -3.761261450e-01f, 1.128379166e+00f};  // erf(a)/a in a^2, [0, 0.5]
    constexpr float kLarge[] = {-7.389774301e-02f, 3.489513586e-01f, -6.065960418e-01f,
                                4.017049664e-01f,  -1.050498466e-01f, 2.341406712e-01f,
                                2.351630289e-01f,  2.835870975e-01f,  2.819853413e-01f,
                                3.500637859e-06f};  // erfc(a) exp(a^2) in 1/(1+a/2), [0.5, 10.5]
    V small = V(1.0f) - a * horner(a2_hi, kSmall, 5);
    V ac = vmin(a, V(10.5f));
    V t = div_(V(1.0f), mul_add(ac, V(0.5f), V(1.0f)));
    V large = exp_neg_split(a2_hi, a2_lo) * horner(t, kLarge, 10);
    return select(a < V(0.5f), small, large);
}

// exp(-x^2/2) with the square taken exactly; x must be finite.
template <class V>
AK_HD V gauss_(V x) {
    V hi, lo;
    square_split(x, hi, lo);
    return exp_neg_split(hi * V(0.5f), lo * V(0.5f));
}

// Standard normal CDF Phi(x) for finite x, relative accuracy kept in the left tail
// (Phi = erfc(-x/sqrt2)/2 is never formed as 1 + erf, which cancels).
template <class V>
AK_HD V normal_cdf(V x) {
    V hi, lo;
    square_split(x, hi, lo);
    V a = vabs(x) * V(0.70710678f);
    V half_erfc = V(0.5f) * erfc_nonneg(a, hi * V(0.5f), lo * V(0.5f));
    return select(x < V(0.0f), half_erfc, V(1.0f) - half_erfc);
}

// sigmoid(z) and 1 - sigmoid(z), each with full relative accuracy and no overflow for any z:
// with e = exp(-|z|) <= 1, sigmoid = 1/(1+e) or e/(1+e) by the sign of z.
template <class V>
AK_HD void sigmoid_pair(V z, V& s, V& one_minus_s) {
    V e = exp_(-vabs(z));
    V d = div_(V(1.0f), V(1.0f) + e);
    V ed = e * d;
    auto pos = z >= V(0.0f);
    s = select(pos, d, ed);
    one_minus_s = select(pos, ed, d);
}

// tanh(x): odd polynomial near 0 (where 1 - 2/(e^2x + 1) would cancel), else via exp.
template <class V>
AK_HD V tanh_(V x) {
    constexpr float kC[] = {2.142236067e-03f, -8.176164405e-03f, 2.169989735e-02f,
                            -5.394650786e-02f, 1.333320199e-01f, -3.333333052e-01f,
                            9.999999999e-01f};  // tanh(x)/x in x^2 on [0, 0.625]
    V ax = vabs(x);
    V small = x * horner(x * x, kC, 7);
    V e = exp_(V(-2.0f) * ax);
    V t = div_(V(1.0f) - e, V(1.0f) + e);
    V large = select(x < V(0.0f), -t, t);
    return select(ax < V(0.625f), small, large);
}

}  // namespace ak
