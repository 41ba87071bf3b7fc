// An ISA's learnable activation kernels, every op and storage type. CMake compiles this once per ISA
// from a generated file that includes the ISA's vector header and defines AK_ISA_NAMESPACE and
// AK_ISA_ID, with the ISA's flags alone (cmake/ActiniumIsa.cmake).
#pragma once
#include <utility>

#include "../kernel_table.h"
#include "../simd/vec_multi.h"
#include "learnable_kernels.h"
#include "polynorm_kernels.h"

namespace ak::cpu {

// Vectors per step: two, and four for APA, whose three exponentials per element leave the FMA pipes
// idle with two (measured on AVX-512: its backward 1.2-1.4x faster with four). Four make Cauchy's
// backward (a division) 1.5x and CRReLU's 1.1x slower, and spill rational's powers and coefficients
// (1.7x slower); the others gain nothing. Lanes in element order (no bf16 pairs): the lanes'
// parameters are gathered in that order. 16-bit results take the 16-bit polynomials, as the other
// activations do.
template <class Fn>
constexpr int kLearnInterleave = AK_ISA_ID == AK_ISA_SCALAR ? 1 : std::is_same_v<Fn, act::apa> ? 4 : 2;

template <class BaseLoadStore, class Fn, class T>
using LearnLoadStore = multi::LoadStore<BaseLoadStore, kLearnInterleave<Fn>, false,
                                        std::is_same_v<T, bf16> || std::is_same_v<T, f16>>;

template <class BaseLoadStore, size_t... Op>
void fill_learn_ops(KernelTable& t, std::index_sequence<Op...>) {
    auto fill = [&](auto op) {
        using Fn = typename LearnableOf<decltype(op)::value>::type;
        auto kernels = [](auto type) {
            using T = typename decltype(type)::type;
            using LS = LearnLoadStore<BaseLoadStore, Fn, T>;
            if constexpr (std::is_same_v<Fn, act::polynorm>) {
                return LearnKernels{&polynorm_forward<LS, T>, &polynorm_backward<LS, T>, nullptr, nullptr, 0, 0};
            } else {
                LearnKernels k{&learn_forward<LS, Fn, T>, &learn_backward<LS, Fn, T>, nullptr, nullptr, 0, 0};
                using Common = typename act::CommonDegrees<Fn>::type;
                if constexpr (!std::is_void_v<Common>) {
                    k.fixed_forward = &learn_forward<LS, Fn, T, Common>;
                    k.fixed_backward = &learn_backward<LS, Fn, T, Common>;
                    k.fixed_num = Common::num;
                    k.fixed_den = Common::den;
                }
                return k;
            }
        };
        constexpr size_t kOp = decltype(op)::value;
        // avx512_bf16 differs from avx512 in its bf16 stores alone.
        if constexpr (AK_ISA_ID != AK_ISA_AVX512_BF16) {
            t.learn[kOp][kF32] = kernels(std::common_type<float>{});
            t.learn[kOp][kF16] = kernels(std::common_type<f16>{});
        }
        t.learn[kOp][kBF16] = kernels(std::common_type<bf16>{});
    };
    (fill(std::integral_constant<size_t, Op>{}), ...);
}

template <>
void fill_learn<AK_ISA_ID>(KernelTable& t) {
    fill_learn_ops<AK_ISA_NAMESPACE::LoadStore>(t, std::make_index_sequence<AK_LEARN_COUNT>{});
}

}  // namespace ak::cpu
