// PolyNorm's CPU kernels (ops/act/polynorm.h), written once over an ISA's LoadStore, instantiated per
// ISA and storage type by learnable_table.h with the signatures of the learnable kernels. A call covers
// whole rows (the entry points check first = 0 and n a multiple of channels). Each row is read three
// times (twice forward): its norms, then (backward) its sums per group, then the outputs; a row within
// the cache costs its memory traffic once. Every sum is in a fixed order within the row, and the
// parameter gradients are added row after row: the same call gives the same bits on any thread.
#pragma once
#include <cstdint>
#include <type_traits>

#include "../../ops/act/learnable.h"
#include "../loops.h"
#include "learnable_kernels.h"

namespace ak::cpu {

// Runs body(i, count) over [0, n) one vector at a time (count < kWidth for the last one). Inlined, so
// the body's sums stay in registers.
template <class LoadStore, class Body>
AK_BODY inline void for_each_read(int64_t n, Body body) {
    constexpr int W = LoadStore::kWidth;
    int64_t i = 0;
    for (; i + W <= n; i += W) body(i, int64_t(W));
    if (i < n) body(i, n - i);
}

// Each pass over a row is one stream (two for backward's sums), which the hardware prefetcher picks up
// anew at every row. So each pass asks for the lines the next one will read from memory (the row's dy
// while its x is summed, the next row's x while this one is written), at the same offset i: a stream
// that runs at once (prefetch_lines, loops.h).

// Vectors summed in float lanes before the lanes are added into the row's doubles: 32 terms per lane
// keep each lane's sum within 2^-19 of its terms (a row's norms set every element of it).
constexpr int kRowFlushVectors = 32;

// sums[k - 1] = the sum of x^(2k) over a row, k = 1..order. Float lanes, added into doubles every
// kRowFlushVectors vectors; a row whose float sums overflow, or are so small that terms below float's
// normal range could matter (less than 1e-30 per element), is summed again in double.
template <class LoadStore, int order, class T>
void polynorm_sums(const T* x, int64_t channels, const T* next, double* sums) {
    using Values = typename LoadStore::Values;
    Values acc[act::kPolyNormMaxOrder] = {Values(0.0f), Values(0.0f), Values(0.0f)};
    for (int k = 0; k < order; ++k) sums[k] = 0;
    int steps = 0;
    auto flush = [&]() AK_BODY {
        for (int k = 0; k < order; ++k) {
            sums[k] += lane_sum<LoadStore>(acc[k]);
            acc[k] = Values(0.0f);
        }
        steps = 0;
    };
    for_each_read<LoadStore>(channels, [&](int64_t i, int64_t count) AK_BODY {
        if (next) prefetch_lines(next, i, count);
        Values v = load_n<LoadStore>(x + i, count), v2 = v * v;
        acc[0] = acc[0] + v2;
        if (order >= 2) {
            Values v4 = v2 * v2;
            acc[1] = acc[1] + v4;
            if (order >= 3) acc[2] = acc[2] + v4 * v2;
        }
        if (++steps == kRowFlushVectors) flush();
    });
    flush();
    bool exact = true;
    for (int k = 0; k < order; ++k) exact = exact && sums[k] >= 1e-30 * double(channels) && sums[k] <= 1e300;
    if (exact) return;
    for (int k = 0; k < order; ++k) sums[k] = 0;
    for_each_read<LoadStore>(channels, [&](int64_t i, int64_t count) {
        float lanes[LoadStore::kWidth];
        LoadStore::store(lanes, load_n<LoadStore>(x + i, count));
        for (int64_t l = 0; l < count; ++l) {
            const double v2 = double(lanes[l]) * lanes[l];
            sums[0] += v2;
            if (order >= 2) sums[1] += v2 * v2;
            if (order >= 3) sums[2] += v2 * v2 * v2;
        }
    });
}

// One row's scales as vectors.
template <class LoadStore, int order, class T>
act::PolyNormScales polynorm_row(const T* x, int64_t channels, const T* next, float eps,
                                 typename LoadStore::Values* s) {
    double sums[act::kPolyNormMaxOrder];
    polynorm_sums<LoadStore, order>(x, channels, next, sums);
    act::PolyNormScales scales;
    act::polynorm_scales(sums, channels, eps, order, scales);
    for (int k = 0; k < order; ++k) s[k] = typename LoadStore::Values(scales.s[k]);
    return scales;
}

// a0..am of group g, broadcast.
template <class LoadStore, int order>
void polynorm_coefficients(const float* params, int64_t groups, int64_t g, typename LoadStore::Values* a) {
    for (int k = 0; k <= order; ++k) a[k] = typename LoadStore::Values(params[1 + k * groups + g]);
}

// Runs body(std::integral_constant<int, order>): the kernels' loops over the powers unroll and their
// vectors stay in registers.
template <class Body>
inline void with_order(int order, Body body) {
    if (order == 1) body(std::integral_constant<int, 1>{});
    else if (order == 2) body(std::integral_constant<int, 2>{});
    else body(std::integral_constant<int, 3>{});
}

template <class LoadStore, class T, int order>
void polynorm_forward_rows(const float* params, int64_t groups, const T* x, T* y, int64_t n, int64_t channels,
                           int32_t flags) {
    using Values = typename LoadStore::Values;
    const int64_t size = channels / groups;
    Values s[act::kPolyNormMaxOrder], a[act::kPolyNormMaxOrder + 1];
    for (int64_t row = 0; row < n; row += channels) {
        polynorm_row<LoadStore, order>(x + row, channels, static_cast<const T*>(nullptr), params[0], s);
        for (int64_t g = 0; g < groups; ++g) {
            polynorm_coefficients<LoadStore, order>(params, groups, g, a);
            const T* xg = x + row + g * size;
            T* yg = y + row + g * size;
            for_each_vector<LoadStore>(yg, size, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
                prefetch_lines(x, row + g * size + channels + i, count);
                put(yg + i, act::polynorm_forward(load_n<LoadStore>(xg + i, count), a, s, order));
            });
        }
    }
}

template <class LoadStore, class T, int order>
void polynorm_backward_rows(const float* params, int64_t groups, const T* x, const T* dy, T* dx, double* dparams,
                            int64_t n, int64_t channels, int32_t flags) {
    using Values = typename LoadStore::Values;
    const int64_t size = channels / groups;
    for (int64_t k = 0; k < 1 + (order + 1) * groups; ++k) dparams[k] = 0.0;
    Values s[act::kPolyNormMaxOrder], a[act::kPolyNormMaxOrder + 1], d[act::kPolyNormMaxOrder];
    for (int64_t row = 0; row < n; row += channels) {
        const act::PolyNormScales scales = polynorm_row<LoadStore, order>(x + row, channels, dy + row, params[0], s);
        // Per group: sum dy n_k (da_k) and sum dy (da_0); T_k = sum over groups of a_k sum dy n_k.
        double t[act::kPolyNormMaxOrder] = {};
        for (int64_t g = 0; g < groups; ++g) {
            const int64_t at = row + g * size;
            Values acc[act::kPolyNormMaxOrder + 1];
            double sums[act::kPolyNormMaxOrder + 1] = {};
            for (Values& v : acc) v = Values(0.0f);
            int steps = 0;
            auto flush = [&]() AK_BODY {
                for (int k = 0; k <= order; ++k) {
                    sums[k] += lane_sum<LoadStore>(acc[k]);
                    acc[k] = Values(0.0f);
                }
                steps = 0;
            };
            for_each_read<LoadStore>(size, [&](int64_t i, int64_t count) AK_BODY {
                Values dyv = load_n<LoadStore>(dy + at + i, count), terms[act::kPolyNormMaxOrder];
                act::polynorm_terms(load_n<LoadStore>(x + at + i, count), s, order, terms);
                acc[0] = acc[0] + dyv;
                for (int k = 1; k <= order; ++k) acc[k] = mul_add(dyv, terms[k - 1], acc[k]);
                if (++steps == kFlushVectors) flush();
            });
            flush();
            for (int k = 0; k <= order; ++k) dparams[1 + k * groups + g] += sums[k];
            for (int k = 1; k <= order; ++k) t[k - 1] += double(params[1 + k * groups + g]) * sums[k];
        }
        for (int k = 0; k < order; ++k) {
            d[k] = Values(float(t[k] / double(channels)));
            dparams[0] -= 0.5 * scales.r[k] * scales.r[k] * t[k];
        }
        for (int64_t g = 0; g < groups; ++g) {
            polynorm_coefficients<LoadStore, order>(params, groups, g, a);
            const int64_t at = row + g * size;
            for_each_vector<LoadStore>(dx + at, size, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
                prefetch_lines(x, at + channels + i, count);
                put(dx + at + i, act::polynorm_backward(load_n<LoadStore>(x + at + i, count),
                                                        load_n<LoadStore>(dy + at + i, count), a, s, d, order));
            });
        }
    }
}

// The table's signatures: polynorm takes no bias (the entry points refuse one) and whole rows.
template <class LoadStore, class T>
void polynorm_forward(act::Degrees deg, const float* params, int64_t groups, const void* x, const void*, void* y,
                      int64_t n, int64_t channels, int64_t, int32_t flags) {
    with_order(deg.num, [&](auto order) {
        polynorm_forward_rows<LoadStore, T, order()>(params, groups, static_cast<const T*>(x), static_cast<T*>(y), n,
                                                     channels, flags);
    });
}

template <class LoadStore, class T>
void polynorm_backward(act::Degrees deg, const float* params, int64_t groups, const void* x, const void*,
                       const void* dy, void* dx, double* dparams, int64_t n, int64_t channels, int64_t,
                       int32_t flags) {
    with_order(deg.num, [&](auto order) {
        polynorm_backward_rows<LoadStore, T, order()>(params, groups, static_cast<const T*>(x),
                                                      static_cast<const T*>(dy), static_cast<T*>(dx), dparams, n,
                                                      channels, flags);
    });
}

}  // namespace ak::cpu
