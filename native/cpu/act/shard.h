// One shard of an ISA's activation kernels: the ops whose index % kActShards is AK_ACT_SHARD,
// for every storage type. CMake compiles this once per (ISA, shard) from a generated file that
// includes the ISA's vector header, defines AK_ISA_NAMESPACE (avx512), AK_ISA_ID (AK_ISA_AVX512)
// and AK_ACT_SHARD, then includes this; with the ISA's flags alone (cmake/ActiniumIsa.cmake).
// Shards keep each translation unit small enough to build in parallel.
#pragma once
#include <utility>

#include "../kernel_table.h"
#include "../simd/vec_multi.h"
#include "kernels.h"

namespace ak::cpu {

// Compute-bound kernels run kInterleave independent vectors per step (vec_multi.h): measured on
// AVX-512, 4 takes gelu_erf, gelu_tanh and silu 10-20% faster than 1. Rows marked
// AK_ACT_MEMORY_BOUND gain nothing and lose to the longer head and tail, so they run one. The
// scalar fallback runs one too: it exists for correctness on CPUs without AVX2, and four copies
// of every body would double the library's build time for it.
constexpr int kInterleave = AK_ISA_ID == AK_ISA_SCALAR ? 1 : 4;

template <class BaseLoadStore, size_t Op, class T>
ActKernels act_kernels() {
    using Fn = typename ActivationOf<Op>::type;
    constexpr int32_t flags = kActivationFlags[Op];
    // Seeded kernels load their uniforms as floats in element order: no bf16 pairs (vec_multi.h).
    // bf16 and f16 results take math of 16-bit accuracy (kNarrowResults, math.h).
    using LS = multi::LoadStore<BaseLoadStore, (flags & AK_ACT_MEMORY_BOUND) ? 1 : kInterleave,
                                (flags & AK_ACT_SEEDED) == 0,
                                std::is_same_v<T, bf16> || std::is_same_v<T, f16>>;
    ActKernels k{};
    if constexpr (flags & AK_ACT_GATED) {
        k.gated_forward = &act_gated_forward<LS, Fn, T>;
        k.gated_backward = &act_gated_backward<LS, Fn, T>;
    } else if constexpr (flags & AK_ACT_SEEDED) {
        k.seeded_forward = &act_seeded_forward<LS, Fn, T>;
        k.seeded_backward = &act_seeded_backward<LS, Fn, T>;
    } else {
        k.forward = &act_forward<LS, Fn, T>;
        k.backward = &act_backward<LS, Fn, T>;
        k.forward_bias = &act_forward_bias<LS, Fn, T>;
        k.backward_bias = &act_backward_bias<LS, Fn, T>;
        if constexpr ((flags & AK_ACT_FROM_OUTPUT) != 0) k.backward_from_output = &act_backward_from_output<LS, Fn, T>;
    }
    return k;
}

template <class BaseLoadStore, size_t... Op>
void fill_shard(KernelTable& t, std::index_sequence<Op...>) {
    auto fill = [&](auto op) {
        constexpr size_t kOp = decltype(op)::value;
        if constexpr (kOp % kActShards == AK_ACT_SHARD) {
            // avx512_bf16 differs from avx512 in its bf16 stores alone; its table keeps avx512's others.
            if constexpr (AK_ISA_ID != AK_ISA_AVX512_BF16) {
                t.act[kOp][kF32] = act_kernels<BaseLoadStore, kOp, float>();
                t.act[kOp][kF16] = act_kernels<BaseLoadStore, kOp, f16>();
            }
            t.act[kOp][kBF16] = act_kernels<BaseLoadStore, kOp, bf16>();
        }
    };
    (fill(std::integral_constant<size_t, Op>{}), ...);
}

template <>
void fill_act_shard<AK_ISA_ID, AK_ACT_SHARD>(KernelTable& t) {
    fill_shard<AK_ISA_NAMESPACE::LoadStore>(t, std::make_index_sequence<AK_ACT_COUNT>{});
}

}  // namespace ak::cpu
