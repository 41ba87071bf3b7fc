// The CPU entry points of the C ABI: validate, then call the kernel of the active ISA.
// The ISA is the best one the CPU supports, chosen once; ACTINIUM_ISA (scalar|avx2|avx512) or
// ak_cpu_set_isa() forces a lower one, so tests can run every variant a machine supports.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "../include/actinium.h"
#include "cpu_features.h"
#include "errors.h"
#include "kernel_table.h"

#ifndef AK_VERSION
#define AK_VERSION "0.0.0-dev"
#endif

namespace ak::cpu {
namespace {

constexpr const char* kIsaNames[] = {"scalar", "avx2", "avx512"};
constexpr int32_t kIsaCount = 3;

int32_t best_isa() {
    for (int32_t isa = kIsaCount - 1; isa > 0; --isa)
        if (cpu_supports(isa)) return isa;
    return AK_ISA_SCALAR;
}

int32_t initial_isa() {
    int32_t isa = best_isa();
    if (const char* forced = std::getenv("ACTINIUM_ISA")) {
        for (int32_t i = 0; i < kIsaCount; ++i)
            if (std::strcmp(forced, kIsaNames[i]) == 0 && i < isa) isa = i;
    }
    return isa;
}

std::atomic<int32_t>& active_isa() {
    static std::atomic<int32_t> isa{initial_isa()};
    return isa;
}

const KernelTable& active() { return *table_for(active_isa().load(std::memory_order_relaxed)); }

bool overlaps_partially(const void* a, int64_t a_bytes, const void* b, int64_t b_bytes) {
    auto pa = reinterpret_cast<uintptr_t>(a), pb = reinterpret_cast<uintptr_t>(b);
    if (pa == pb) return false;
    return pa < pb + uintptr_t(b_bytes) && pb < pa + uintptr_t(a_bytes);
}

bool overlaps(const void* a, int64_t a_bytes, const void* b, int64_t b_bytes) {
    auto pa = reinterpret_cast<uintptr_t>(a), pb = reinterpret_cast<uintptr_t>(b);
    return a_bytes > 0 && b_bytes > 0 && pa < pb + uintptr_t(b_bytes) && pb < pa + uintptr_t(a_bytes);
}

int64_t dtype_size(int32_t dtype) {
    switch (dtype) {
        case AK_DTYPE_F32: return 4;
        case AK_DTYPE_BF16:
        case AK_DTYPE_F16: return 2;
        case AK_DTYPE_I8:
        case AK_DTYPE_U8: return 1;
        default: return 0;
    }
}

// Common checks of the activation entry points; sets the storage index on success.
int32_t check_activation(const char* fn, int32_t op, int32_t dtype, int32_t flags, int& storage) {
    if (op < 0 || op >= AK_ACT_COUNT)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: op %d is not an activation (0..%d)", fn, op,
                    AK_ACT_COUNT - 1);
    if (dtype == AK_DTYPE_F32) storage = kF32;
    else if (dtype == AK_DTYPE_BF16) storage = kBF16;
    else
        return fail(AK_ERR_UNSUPPORTED, "%s: dtype %d is not supported (F32 or BF16)", fn, dtype);
    if (flags & ~int32_t(AK_FLAG_STREAM))
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: unknown flags 0x%x", fn, unsigned(flags));
    return AK_OK;
}

}  // namespace

const KernelTable* table_for(int32_t isa) {
    if (!cpu_supports(isa)) return nullptr;
    switch (isa) {
        case AK_ISA_SCALAR: return &scalar_table();
        case AK_ISA_AVX2: return &avx2_table();
        case AK_ISA_AVX512: return &avx512_table();
        default: return nullptr;
    }
}

}  // namespace ak::cpu

using namespace ak;
using namespace ak::cpu;

extern "C" {

const char* ak_version(void) { return AK_VERSION; }
const char* ak_last_error(void) { return ak::last_error(); }

int32_t ak_cpu_isa(void) { return active_isa().load(); }
int32_t ak_cpu_isa_supported(int32_t isa) { return cpu_supports(isa) ? 1 : 0; }
const char* ak_cpu_isa_name(int32_t isa) {
    return isa >= 0 && isa < kIsaCount ? kIsaNames[isa] : "unknown";
}
int32_t ak_cpu_set_isa(int32_t isa) {
    clear_error();
    if (isa < 0 || isa >= kIsaCount)
        return fail(AK_ERR_INVALID_ARGUMENT, "ak_cpu_set_isa: isa %d is not an ISA (0..%d)", isa,
                    kIsaCount - 1);
    if (!cpu_supports(isa))
        return fail(AK_ERR_UNSUPPORTED, "ak_cpu_set_isa: this CPU cannot run %s", kIsaNames[isa]);
    active_isa().store(isa);
    return AK_OK;
}

int32_t ak_cpu_measure_fma_peak(int32_t isa, int64_t iterations, double* flops_per_second) {
    clear_error();
    if (!flops_per_second) return fail(AK_ERR_INVALID_ARGUMENT, "ak_cpu_measure_fma_peak: flops_per_second is null");
    if (iterations < 1) return fail(AK_ERR_INVALID_ARGUMENT, "ak_cpu_measure_fma_peak: iterations = %lld < 1", (long long)iterations);
    const KernelTable* t = table_for(isa);
    if (!t) return fail(AK_ERR_UNSUPPORTED, "ak_cpu_measure_fma_peak: this CPU cannot run isa %d", isa);
    float sink;
    t->fma_probe(iterations / 10 + 1, &sink);  // warm up the clock and the vector units
    auto start = std::chrono::steady_clock::now();
    double flops = t->fma_probe(iterations, &sink);
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    *flops_per_second = flops / elapsed.count();
    return AK_OK;
}

const char* ak_activation_name(int32_t op) {
#define AK_NAME_ROW(E, name, ff, bf) #name,
    static const char* const names[] = {AK_ACTIVATIONS(AK_NAME_ROW)};
#undef AK_NAME_ROW
    return op >= 0 && op < AK_ACT_COUNT ? names[op] : "unknown";
}

int32_t ak_activation_flops(int32_t op, int32_t direction) {
#define AK_FLOPS_ROW(E, name, ff, bf) {ff, bf},
    static const int32_t flops[][2] = {AK_ACTIVATIONS(AK_FLOPS_ROW)};
#undef AK_FLOPS_ROW
    if (op < 0 || op >= AK_ACT_COUNT || direction < 0 || direction > 1) return -1;
    return flops[op][direction];
}

int32_t ak_act_forward(int32_t op, int32_t dtype, const void* x, void* y, int64_t n,
                       int32_t flags) {
    clear_error();
    int storage = 0;
    if (int32_t s = check_activation("ak_act_forward", op, dtype, flags, storage)) return s;
    if (n < 0) return fail(AK_ERR_INVALID_ARGUMENT, "ak_act_forward: n = %lld < 0", (long long)n);
    if (n == 0) return AK_OK;
    if (!x || !y) return fail(AK_ERR_INVALID_ARGUMENT, "ak_act_forward: %s is null", !x ? "x" : "y");
    const int64_t bytes = n * dtype_size(dtype);
    if (overlaps_partially(x, bytes, y, bytes))
        return fail(AK_ERR_INVALID_ARGUMENT, "ak_act_forward: x and y overlap partially");
    active().forward[op][storage](x, y, n, flags);
    return AK_OK;
}

int32_t ak_act_backward(int32_t op, int32_t dtype, const void* x, const void* dy, void* dx,
                        int64_t n, int32_t flags) {
    clear_error();
    int storage = 0;
    if (int32_t s = check_activation("ak_act_backward", op, dtype, flags, storage)) return s;
    if (n < 0) return fail(AK_ERR_INVALID_ARGUMENT, "ak_act_backward: n = %lld < 0", (long long)n);
    if (n == 0) return AK_OK;
    if (!x || !dy || !dx)
        return fail(AK_ERR_INVALID_ARGUMENT, "ak_act_backward: %s is null",
                    !x ? "x" : !dy ? "dy" : "dx");
    const int64_t bytes = n * dtype_size(dtype);
    if (overlaps_partially(x, bytes, dx, bytes) || overlaps_partially(dy, bytes, dx, bytes))
        return fail(AK_ERR_INVALID_ARGUMENT, "ak_act_backward: dx overlaps %s partially",
                    overlaps_partially(x, bytes, dx, bytes) ? "x" : "dy");
    active().backward[op][storage](x, dy, dx, n, flags);
    return AK_OK;
}

int32_t ak_act_forward_bias(int32_t op, int32_t dtype, const void* x, const void* bias, void* y,
                            int64_t rows, int64_t cols, int32_t flags) {
    clear_error();
    int storage = 0;
    if (int32_t s = check_activation("ak_act_forward_bias", op, dtype, flags, storage)) return s;
    if (rows < 0 || cols < 0)
        return fail(AK_ERR_INVALID_ARGUMENT, "ak_act_forward_bias: rows = %lld, cols = %lld",
                    (long long)rows, (long long)cols);
    if (rows == 0 || cols == 0) return AK_OK;
    if (!x || !bias || !y)
        return fail(AK_ERR_INVALID_ARGUMENT, "ak_act_forward_bias: %s is null",
                    !x ? "x" : !bias ? "bias" : "y");
    const int64_t size = dtype_size(dtype), bytes = rows * cols * size;
    if (overlaps_partially(x, bytes, y, bytes))
        return fail(AK_ERR_INVALID_ARGUMENT, "ak_act_forward_bias: x and y overlap partially");
    if (overlaps(bias, cols * size, y, bytes))
        return fail(AK_ERR_INVALID_ARGUMENT, "ak_act_forward_bias: bias overlaps y");
    active().forward_bias[op][storage](x, bias, y, rows, cols, flags);
    return AK_OK;
}

int32_t ak_convert(int32_t src_dtype, const void* src, int32_t dst_dtype, void* dst, int64_t n) {
    clear_error();
    if (n < 0) return fail(AK_ERR_INVALID_ARGUMENT, "ak_convert: n = %lld < 0", (long long)n);
    const KernelTable& t = active();
    UnaryFn fn = nullptr;
    if (src_dtype == AK_DTYPE_F32 && dst_dtype == AK_DTYPE_BF16) fn = t.f32_to_bf16;
    if (src_dtype == AK_DTYPE_BF16 && dst_dtype == AK_DTYPE_F32) fn = t.bf16_to_f32;
    if (src_dtype == AK_DTYPE_F32 && dst_dtype == AK_DTYPE_F16) fn = t.f32_to_f16;
    if (src_dtype == AK_DTYPE_F16 && dst_dtype == AK_DTYPE_F32) fn = t.f16_to_f32;
    if (!fn)
        return fail(AK_ERR_UNSUPPORTED, "ak_convert: no conversion from dtype %d to dtype %d",
                    src_dtype, dst_dtype);
    if (n == 0) return AK_OK;
    if (!src || !dst) return fail(AK_ERR_INVALID_ARGUMENT, "ak_convert: %s is null", !src ? "src" : "dst");
    if (overlaps(src, n * dtype_size(src_dtype), dst, n * dtype_size(dst_dtype)))
        return fail(AK_ERR_INVALID_ARGUMENT, "ak_convert: src and dst overlap");
    fn(src, dst, n);
    return AK_OK;
}

}  // extern "C"
