// The vector math of native/ops/math.h on float arrays, per ISA, for test_cpu_math.cpp: built
// only into the tests (math_probes_<isa>.cpp, each compiled with its ISA's flags), never shipped.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>

enum class MathFunction { kExp, kErf, kErfc, kNormalCdf, kTanh, kTanhRational, kSigmoid, kLog1pUnit, kExpm1Nonpos, kSin,
        kCos, kCount };

using MathProbeFn = void (*)(const float* x, float* y, int64_t n);
// The ISA's bf16 store (the rounding every bf16 activation output takes) applied to x.
using StoreProbeFn = void (*)(const float* x, uint16_t* y, int64_t n);

struct MathProbes {
    const char* isa;
    MathProbeFn fn[int(MathFunction::kCount)];
    MathProbeFn narrow_fn[int(MathFunction::kCount)];  // the math of 16-bit results (kNarrowResults)
    StoreProbeFn store_bf16;
    // Two vectors of x in element order stored as one bf16 pair where the ISA has pairs: the pair store
    // puts vector 0's lanes at the even positions of its 2W elements and vector 1's at the odd ones.
    StoreProbeFn store_bf16_pairs;
};

// The probes of an ISA (AK_ISA_*); the caller checks that the CPU runs it.
const MathProbes& math_probes(int32_t isa);

#if defined(AK_PROBE_ISA_NAMESPACE)
#include "cpu/loops.h"
#include "cpu/simd/vec_multi.h"
#include "ops/math.h"

namespace ak::cpu {

template <class LoadStore, MathFunction Fn>
void math_probe(const float* x, float* y, int64_t n) {
    for_each_vector<LoadStore>(y, n, AK_FLAG_NONE, [&](int64_t i, int64_t count, auto put) AK_BODY {
        auto v = load_n<LoadStore>(x + i, count);
        using V = decltype(v);
        if constexpr (Fn == MathFunction::kExp) put(y + i, exp_(v));
        if constexpr (Fn == MathFunction::kErf) put(y + i, erf_(v));
        if constexpr (Fn == MathFunction::kErfc) {
            V hi, lo;
            square_split(v, hi, lo);
            put(y + i, erfc_nonneg(v, hi, lo));
        }
        if constexpr (Fn == MathFunction::kNormalCdf) put(y + i, normal_cdf(v));
        if constexpr (Fn == MathFunction::kTanh) put(y + i, tanh_(v));
        if constexpr (Fn == MathFunction::kTanhRational) put(y + i, tanh_rational(v));
        if constexpr (Fn == MathFunction::kSigmoid) {
            V s, one_minus_s;
            sigmoid_pair(v, s, one_minus_s);
            put(y + i, s);
        }
        if constexpr (Fn == MathFunction::kLog1pUnit) put(y + i, log1p_unit(v));
        if constexpr (Fn == MathFunction::kExpm1Nonpos) put(y + i, expm1_nonpos(v));
        if constexpr (Fn == MathFunction::kSin) put(y + i, sin_quadrant(v, 0.0f));
        if constexpr (Fn == MathFunction::kCos) put(y + i, sin_quadrant(v, 1.0f));
    });
}

template <class LoadStore>
void store_probe(const float* x, uint16_t* y, int64_t n) {
    auto out = reinterpret_cast<bf16*>(y);
    for_each_vector<LoadStore>(out, n, AK_FLAG_NONE, [&](int64_t i, int64_t count, auto put) AK_BODY {
        put(out + i, load_n<LoadStore>(x + i, count));
    });
}

template <class LoadStore, size_t... Fn>
MathProbes make_probes(const char* isa, std::index_sequence<Fn...>) {
    using NarrowResults = multi::LoadStore<LoadStore, 1, false, true>;
    return MathProbes{isa, {&math_probe<LoadStore, MathFunction(Fn)>...},
                      {&math_probe<NarrowResults, MathFunction(Fn)>...}, &store_probe<LoadStore>,
                      &store_probe<multi::LoadStore<LoadStore, 2>>};
}

}  // namespace ak::cpu
#endif
