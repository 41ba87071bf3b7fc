// One ISA's kernels as a table of function pointers: built once per ISA (isa_*.cpp) and chosen
// at run time by dispatch.cpp.
#pragma once
#include <cstdint>
#include "../include/actinium.h"

namespace ak::cpu {

using ForwardFn = void (*)(const void* x, void* y, int64_t n, int32_t flags);
using BackwardFn = void (*)(const void* x, const void* dy, void* dx, int64_t n, int32_t flags);
using BiasFn = void (*)(const void* x, const void* bias, void* y, int64_t rows, int64_t cols,
                        int32_t flags);
using UnaryFn = void (*)(const void* x, void* y, int64_t n);
// Runs iterations rounds of independent FMA chains; returns the flops done (sink defeats DCE).
using FmaProbeFn = double (*)(int64_t iterations, float* sink);

// Activation kernels exist for these storage types; index = position here.
enum StorageIndex { kF32 = 0, kBF16 = 1, kStorageCount = 2 };

enum class MathFunction { kExp, kErf, kErfc, kNormalCdf, kTanh, kSigmoid, kCount };

struct KernelTable {
    const char* name;
    ForwardFn forward[AK_ACT_COUNT][kStorageCount];
    BackwardFn backward[AK_ACT_COUNT][kStorageCount];
    BiasFn forward_bias[AK_ACT_COUNT][kStorageCount];
    UnaryFn f32_to_bf16, bf16_to_f32, f32_to_f16, f16_to_f32;
    UnaryFn math[int(MathFunction::kCount)];  // accuracy probes (native/tests)
    FmaProbeFn fma_probe;                     // compute peak (ak_cpu_measure_fma_peak)
};

const KernelTable& scalar_table();
const KernelTable& avx2_table();
const KernelTable& avx512_table();

// The table of an ISA (AK_ISA_*), or nullptr if this CPU cannot run it.
const KernelTable* table_for(int32_t isa);

}  // namespace ak::cpu
