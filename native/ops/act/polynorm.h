// PolyNorm (PolyCom, Zhuo et al. 2024): y = a0 + sum_{k=1..m} a_k N(x^k), N(u) = u / sqrt(mean(u^2) + eps),
// the mean over the row's channels (the last dimension), m = 1..3. Raw parameters: eps (shared), then
// a0..am (per group of channels). Written once for the CPU's vectors, its scalar code and CUDA; the
// kernels reduce the rows (cpu/act/polynorm_kernels.h, cuda/learn.cu).
//
// A row's norms are kept as r_k = (mean(x^(2k)) + eps)^(-1/2), summed in double, and s_k = r_k^(1/k),
// so that N(x^k) = (x s_k)^k: every value formed per element lies within sqrt(channels) of 1 in
// magnitude, for any finite x, and no power of x is formed in float.
//
// Backward, with g_kj = a_k dy_j and n_kj = N(x_j^k):
//   dL/d(x_j^k) = r_k (g_kj - n_kj D_k),  D_k = mean_j(g_kj n_kj)      (RMSNorm's backward)
//   dx_j = sum_k k s_k (x_j s_k)^(k-1) (g_kj - n_kj D_k)                (as x^(k-1) r_k = s_k (x s_k)^(k-1))
//   da_k = sum dy n_k, da_0 = sum dy, deps = sum over rows of sum_k -r_k^2 / 2 * channels * D_k.
#pragma once
#include <math.h>
#include <stdint.h>

#include "functor.h"

namespace ak::act {

constexpr int kPolyNormMaxOrder = 3;

// One row's norms: r_k in double (for the eps gradient), s_k as the kernels multiply by it.
struct PolyNormScales {
    double r[kPolyNormMaxOrder];
    float s[kPolyNormMaxOrder];
};

// sums[k - 1] = the row's sum of x^(2k).
AK_HD void polynorm_scales(const double* sums, int64_t channels, double eps, int order, PolyNormScales& out) {
    for (int k = 0; k < order; ++k) {
        const double r = 1.0 / sqrt(sums[k] / double(channels) + eps);
        out.r[k] = r;
        out.s[k] = float(k == 0 ? r : k == 1 ? sqrt(r) : cbrt(r));
    }
}

// n[k - 1] = N(x^k) = (x s_k)^k.
template <class V>
AK_HD void polynorm_terms(V x, const V* s, int order, V* n) {
    n[0] = x * s[0];
    if (order >= 2) {
        V t = x * s[1];
        n[1] = t * t;
    }
    if (order >= 3) {
        V t = x * s[2];
        n[2] = t * t * t;
    }
}

// y = a0 + sum a_k n_k; a = a0..am.
template <class V>
AK_HD V polynorm_forward(V x, const V* a, const V* s, int order) {
    V n[kPolyNormMaxOrder];
    polynorm_terms(x, s, order, n);
    V y = a[0];
    for (int k = 1; k <= order; ++k) y = mul_add(a[k], n[k - 1], y);
    return y;
}

// dx = sum_k k s_k (x s_k)^(k-1) (a_k dy - n_k D_k); d[k - 1] = D_k.
template <class V>
AK_HD V polynorm_backward(V x, V dy, const V* a, const V* s, const V* d, int order) {
    V t = x * s[0];
    V dx = s[0] * (a[1] * dy - t * d[0]);
    if (order >= 2) {
        V u = x * s[1];
        dx = mul_add(V(2.0f) * s[1] * u, a[2] * dy - u * u * d[1], dx);
    }
    if (order >= 3) {
        V w = x * s[2], w2 = w * w;
        dx = mul_add(V(3.0f) * s[2] * w2, a[3] * dy - w2 * w * d[2], dx);
    }
    return dx;
}

}  // namespace ak::act
