// One ISA's kernels as a table of function pointers: built once per ISA (isa_*.cpp, with the
// activations from act/shard.h) and chosen at run time by the entry points (dispatch/).
#pragma once
#include <cstdint>

#include "../common/dtype.h"
#include "../include/actinium.h"
#include "../ops/act/learnable.h"

namespace ak::cpu {

using ForwardFn = void (*)(const float* params, const void* x, void* y, int64_t n, int32_t flags);
using BackwardFn = void (*)(const float* params, const void* x_or_y, const void* dy, void* dx, int64_t n,
                            int32_t flags);
using BiasFn = void (*)(const float* params, const void* x, const void* bias, void* y, int64_t rows, int64_t cols,
                        int32_t flags);
using BiasBackwardFn = void (*)(const float* params, const void* x, const void* bias, const void* dy, void* dx,
                                int64_t rows, int64_t cols, int32_t flags);
using GatedFn = void (*)(const float* params, const void* gate, const void* up, int64_t in_stride,
                         const void* bias_gate, const void* bias_up, void* y, int64_t rows, int64_t cols,
                         int32_t flags);
using GatedBackwardFn = void (*)(const float* params, const void* gate, const void* up, int64_t in_stride,
                                 const void* bias_gate, const void* bias_up, const void* dy, void* dgate,
                                 void* dup, int64_t rows, int64_t cols, int32_t flags);
using SeededForwardFn = void (*)(const float* params, int64_t seed, int64_t offset, const void* x, void* y,
                                 int64_t n, int32_t flags);
using SeededBackwardFn = void (*)(const float* params, int64_t seed, int64_t offset, const void* x, const void* dy,
                                  void* dx, int64_t n, int32_t flags);
// bias: nullptr, or per channel (never given to polynorm's).
using LearnForwardFn = void (*)(act::Degrees deg, const float* params, int64_t groups, const void* x,
                               const void* bias, void* y, int64_t n, int64_t channels, int64_t first, int32_t flags);
using LearnBackwardFn = void (*)(act::Degrees deg, const float* params, int64_t groups, const void* x,
                                const void* bias, const void* dy, void* dx, double* dparams, int64_t n,
                                int64_t channels, int64_t first, int32_t flags);
using ConvertFn = void (*)(const void* x, void* y, int64_t n);
// Runs iterations rounds of independent FMA chains; returns the flops done (sink defeats DCE).
using FmaProbeFn = double (*)(int64_t iterations, float* sink);

// The kernels of one op and storage type; those its row does not offer are null (the entry
// points refuse such calls before they get here).
struct ActKernels {
    ForwardFn forward;
    BackwardFn backward;
    BackwardFn backward_from_output;
    BiasFn forward_bias;
    BiasBackwardFn backward_bias;
    GatedFn gated_forward;
    GatedBackwardFn gated_backward;
    SeededForwardFn seeded_forward;
    SeededBackwardFn seeded_backward;
};

// The kernels of one learnable op and storage type (act/learnable_kernels.h).
struct LearnKernels {
    LearnForwardFn forward;
    LearnBackwardFn backward;
    // The kernels built for the op's common degrees (act::CommonDegrees), null where it has none.
    LearnForwardFn fixed_forward;
    LearnBackwardFn fixed_backward;
    int32_t fixed_num, fixed_den;
};

struct KernelTable {
    const char* name;
    ActKernels act[AK_ACT_COUNT][kStorageCount];
    LearnKernels learn[AK_LEARN_COUNT][kStorageCount];
    ConvertFn f32_to_bf16, bf16_to_f32, f32_to_f16, f16_to_f32;
    FmaProbeFn fma_probe;  // compute peak (ak_cpu_measure_fma_peak)
};

// The activation kernels are built in kActShards translation units per ISA (act/shard.h); each
// fills its ops into the ISA's table.
constexpr int kActShards = 4;
template <int32_t Isa, int Shard>
void fill_act_shard(KernelTable& t);
#define AK_ACT_SHARDS_OF(isa)                                 \
    template <> void fill_act_shard<isa, 0>(KernelTable& t); \
    template <> void fill_act_shard<isa, 1>(KernelTable& t); \
    template <> void fill_act_shard<isa, 2>(KernelTable& t); \
    template <> void fill_act_shard<isa, 3>(KernelTable& t);
static_assert(kActShards == 4, "AK_ACT_SHARDS_OF declares 4 shards, and CMake builds 4");
AK_ACT_SHARDS_OF(AK_ISA_SCALAR)
AK_ACT_SHARDS_OF(AK_ISA_AVX2)
AK_ACT_SHARDS_OF(AK_ISA_AVX512)
AK_ACT_SHARDS_OF(AK_ISA_AVX512_BF16)
#undef AK_ACT_SHARDS_OF

// The learnable activation kernels of an ISA, in a translation unit of their own (act/learnable_table.h).
template <int32_t Isa>
void fill_learn(KernelTable& t);
template <> void fill_learn<AK_ISA_SCALAR>(KernelTable& t);
template <> void fill_learn<AK_ISA_AVX2>(KernelTable& t);
template <> void fill_learn<AK_ISA_AVX512>(KernelTable& t);
template <> void fill_learn<AK_ISA_AVX512_BF16>(KernelTable& t);

const KernelTable& scalar_table();
const KernelTable& avx2_table();
const KernelTable& avx512_table();
const KernelTable& avx512_bf16_table();  // avx512's, with hardware-rounded bf16 activation outputs

// The table of an ISA (AK_ISA_*), or nullptr if this CPU cannot run it.
const KernelTable* table_for(int32_t isa);

}  // namespace ak::cpu
