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

// Vectors per step, per direction: four, whose independent chains keep the FMA pipes busy through the
// exponentials, sines and divisions; two for the rational unit and polyrelu (their coefficients and
// powers fill the registers: four spilled them, rational's backward 1.6x slower on AVX-512 and AVX2),
// Cauchy (its division: four made its backward 1.7x slower on AVX-512, its forward 1.5x on AVX2),
// CRReLU's backward (1.2x slower with four on AVX-512), DyT (per channel, its tiles' gamma and beta
// loads: four were 1.2-1.5x slower on AVX-512) and polynorm (memory-bound passes). Measured, 16M F32,
// 1 thread: four took the forward of learnable_swish 1.3x faster on AVX-512 and 1.2x on AVX2,
// tempered_sigmoid, sine and CRReLU 1.1-1.2x, and APA's backward 1.2x (AVX-512) and 1.5x (AVX2).
// Lanes in element order (no bf16 pairs): the lanes' parameters are gathered in that order. 16-bit
// results take the 16-bit polynomials, as the other activations do.
template <class Fn, bool kBackward>
constexpr int kLearnInterleave =
    AK_ISA_ID == AK_ISA_SCALAR ? 1
    : std::is_same_v<Fn, act::rational> || std::is_same_v<Fn, act::polyrelu> ||
              std::is_same_v<Fn, act::learnable_cauchy> || std::is_same_v<Fn, act::dyt> ||
              std::is_same_v<Fn, act::polynorm> ||
              (kBackward && std::is_same_v<Fn, act::learnable_crrelu>)
        ? 2
        : 4;

// Whether a call without a bias asks for x's (and dy's) lines kPrefetchBytes ahead (learnable_kernels.h):
// every op but the cheapest, polyrelu, Cauchy and CRReLU's forward, whose loads the hardware
// prefetcher keeps up with and where the prefetches cost issue slots. Measured (kernel_bench, 16M F32,
// AVX-512 on a Xeon, of the floor, 1 / 2 threads, without and with): rational's forward 62 to 86% / 67
// to 83%, DyT's backward 67 to 102% / 67 to 94%, the sine's forward 66 to 93% / 67 to 85%; and with
// them, Cauchy's backward 87-89 to 71-73% / 88-90 to 76-78%, polyrelu's backward 77-88 to 68-75%
// (2 threads), CRReLU's forward 84-90 to 73-81%. Scalar code asks for none (a prefetch per element).
template <class Fn, bool kBackward>
constexpr bool kLearnPrefetch = AK_ISA_ID != AK_ISA_SCALAR && !std::is_same_v<Fn, act::polyrelu> &&
                                !std::is_same_v<Fn, act::learnable_cauchy> &&
                                !(!kBackward && std::is_same_v<Fn, act::learnable_crrelu>);

template <class BaseLoadStore, class Fn, class T, bool kBackward>
using LearnLoadStore = multi::LoadStore<BaseLoadStore, kLearnInterleave<Fn, kBackward>, false,
                                        std::is_same_v<T, bf16> || std::is_same_v<T, f16>>;

template <class BaseLoadStore, size_t... Op>
void fill_learn_ops(KernelTable& t, std::index_sequence<Op...>) {
    auto fill = [&](auto op) {
        using Fn = typename LearnableOf<decltype(op)::value>::type;
        auto kernels = [](auto type) {
            using T = typename decltype(type)::type;
            using Forward = LearnLoadStore<BaseLoadStore, Fn, T, false>;
            using Backward = LearnLoadStore<BaseLoadStore, Fn, T, true>;
            if constexpr (std::is_same_v<Fn, act::polynorm>) {
                return LearnKernels{&polynorm_forward<Forward, T>, &polynorm_backward<Backward, T>, nullptr, nullptr, 0,
                                    0};
            } else {
                constexpr bool kForwardAhead = kLearnPrefetch<Fn, false>, kBackwardAhead = kLearnPrefetch<Fn, true>;
                LearnKernels k{&learn_forward<Forward, Fn, T, kForwardAhead>,
                               &learn_backward<Backward, Fn, T, kBackwardAhead>, nullptr, nullptr, 0, 0};
                using Common = typename act::CommonDegrees<Fn>::type;
                if constexpr (!std::is_void_v<Common>) {
                    k.fixed_forward = &learn_forward<Forward, Fn, T, kForwardAhead, Common>;
                    k.fixed_backward = &learn_backward<Backward, Fn, T, kBackwardAhead, Common>;
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
