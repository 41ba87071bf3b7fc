// Storage conversion and the FMA peak probe: the CPU kernels that are not activations, written
// once over an ISA's LoadStore and instantiated per ISA in isa_*.cpp.
#pragma once
#include <cstdint>
#include <type_traits>

#include "../ops/math.h"
#include "../ops/storage.h"
#include "loops.h"

namespace ak::cpu {

// Storage conversion; a NaN comes out quieted. The SIMD bf16 load is a plain widening that keeps a
// signalling NaN (activations quiet it in their result), so bf16 sources are quieted here; the
// f16 load (vcvtph2ps) and the 16-bit stores quiet by themselves.
template <class LoadStore, class From, class To>
void convert(const void* xv, void* yv, int64_t n) {
    auto x = static_cast<const From*>(xv);
    auto y = static_cast<To*>(yv);
    for_each_vector<LoadStore>(y, n, AK_FLAG_NONE, [&](int64_t i, int64_t count, auto put) AK_BODY {
        auto v = load_n<LoadStore>(x + i, count);
        if constexpr (std::is_same_v<From, bf16>) v = quiet_nan_or(v, v);
        put(y + i, v);
    });
}

// 12 independent chains of y = y * m + c: enough to cover FMA latency x pipes on current cores.
template <class LoadStore>
double fma_probe(int64_t iterations, float* sink) {
    using V = decltype(LoadStore::load(static_cast<const float*>(nullptr)));
    constexpr int kChains = 12;
    V acc[kChains];
    for (int k = 0; k < kChains; ++k) acc[k] = V(1.0f + 0.01f * k);
    const V m(0.9999999f), c(1e-7f);
    for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
        for (int k = 0; k < kChains; ++k) {
            acc[k] = mul_add(acc[k], m, c);
            // Plain floats: keep each chain in a register as written, or GCC folds the loop.
            if constexpr (std::is_same_v<V, float>) __asm__ volatile("" : "+x"(acc[k]));
        }
    }
    V total = acc[0];
    for (int k = 1; k < kChains; ++k) total = total + acc[k];
    float lanes[LoadStore::kWidth];
    LoadStore::store(lanes, total);
    *sink = lanes[0];
    return double(iterations) * kChains * LoadStore::kWidth * 2;
}

}  // namespace ak::cpu
