// The CPU entry points of the C ABI: validate, then call the kernel of the ISA the call names
// in its flags, or of the active one. The active ISA is the best one the CPU supports until
// ak_cpu_set_isa() forces a lower one (tests run every variant a machine supports that way; the
// Java layer applies -Dactinium.isa and ACTINIUM_ISA through it, one parsing rule for both).
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <utility>

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

std::atomic<int32_t>& active_isa() {
    static std::atomic<int32_t> isa{best_isa()};
    return isa;
}

bool overlaps_partially(const void* a, int64_t a_bytes, const void* b, int64_t b_bytes) {
    auto pa = reinterpret_cast<uintptr_t>(a), pb = reinterpret_cast<uintptr_t>(b);
    if (pa == pb) return false;
    return pa < pb + uintptr_t(b_bytes) && pb < pa + uintptr_t(a_bytes);
}

bool overlaps(const void* a, int64_t a_bytes, const void* b, int64_t b_bytes) {
    auto pa = reinterpret_cast<uintptr_t>(a), pb = reinterpret_cast<uintptr_t>(b);
    return a_bytes > 0 && b_bytes > 0 && pa < pb + uintptr_t(b_bytes) && pb < pa + uintptr_t(a_bytes);
}

// True if [p, p + bytes) does not wrap around the address space (the overlap tests above and
// the kernels' pointer arithmetic rely on it).
bool fits_address_space(const void* p, int64_t bytes) {
    return reinterpret_cast<uintptr_t>(p) <= UINTPTR_MAX - uintptr_t(bytes);
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

// Checks flags against the ones an entry point accepts and sets the kernel table: the ISA named
// in flags, else the active one.
int32_t check_flags(const char* fn, int32_t flags, int32_t accepted, const KernelTable*& table) {
    if (flags & ~accepted)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: unknown flags 0x%x", fn, unsigned(flags));
    const int32_t isa = ((flags & AK_FLAG_ISA_MASK) >> AK_FLAG_ISA_SHIFT) - 1;
    if (isa < 0) {
        table = table_for(active_isa().load(std::memory_order_relaxed));
    } else if (isa >= kIsaCount) {
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: flags name isa %d, not an ISA (0..%d)", fn, isa,
                    kIsaCount - 1);
    } else if (!(table = table_for(isa))) {
        return fail(AK_ERR_UNSUPPORTED, "%s: flags name %s, which this CPU cannot run", fn,
                    kIsaNames[isa]);
    }
    return AK_OK;
}

// Common checks of the activation entry points; on success sets the storage index and the
// kernel table.
int32_t check_activation(const char* fn, int32_t op, int32_t dtype, int32_t flags, int& storage,
                         const KernelTable*& table) {
    if (op < 0 || op >= AK_ACT_COUNT)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: op %d is not an activation (0..%d)", fn, op,
                    AK_ACT_COUNT - 1);
    if (dtype == AK_DTYPE_F32) storage = kF32;
    else if (dtype == AK_DTYPE_BF16) storage = kBF16;
    else
        return fail(AK_ERR_UNSUPPORTED, "%s: dtype %d is not supported (F32 or BF16)", fn, dtype);
    return check_flags(fn, flags, AK_FLAG_STREAM | AK_FLAG_ISA_MASK, table);
}

// Checks that count elements of size bytes fit int64_t and stores the byte count.
int32_t check_bytes(const char* fn, const char* what, int64_t count, int64_t size, int64_t& bytes) {
    if (count > INT64_MAX / size)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s = %lld elements of %lld bytes overflow int64",
                    fn, what, (long long)count, (long long)size);
    bytes = count * size;
    return AK_OK;
}

// Checks that each non-null pointer's range stays inside the address space.
int32_t check_ranges(const char* fn, std::initializer_list<std::pair<const char*, const void*>> args,
                     int64_t bytes) {
    for (const auto& [name, p] : args)
        if (!fits_address_space(p, bytes))
            return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s + %lld bytes wraps the address space", fn,
                        name, (long long)bytes);
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
    constexpr const char* fn = "ak_act_forward";
    int storage = 0;
    const KernelTable* t = nullptr;
    if (int32_t s = check_activation(fn, op, dtype, flags, storage, t)) return s;
    if (n < 0) return fail(AK_ERR_INVALID_ARGUMENT, "%s: n = %lld < 0", fn, (long long)n);
    if (n == 0) return AK_OK;
    if (!x || !y) return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is null", fn, !x ? "x" : "y");
    int64_t bytes = 0;
    if (int32_t s = check_bytes(fn, "n", n, dtype_size(dtype), bytes)) return s;
    if (int32_t s = check_ranges(fn, {{"x", x}, {"y", y}}, bytes)) return s;
    if (overlaps_partially(x, bytes, y, bytes))
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: x and y overlap partially", fn);
    t->forward[op][storage](x, y, n, flags);
    return AK_OK;
}

int32_t ak_act_backward(int32_t op, int32_t dtype, const void* x, const void* dy, void* dx,
                        int64_t n, int32_t flags) {
    clear_error();
    constexpr const char* fn = "ak_act_backward";
    int storage = 0;
    const KernelTable* t = nullptr;
    if (int32_t s = check_activation(fn, op, dtype, flags, storage, t)) return s;
    if (n < 0) return fail(AK_ERR_INVALID_ARGUMENT, "%s: n = %lld < 0", fn, (long long)n);
    if (n == 0) return AK_OK;
    if (!x || !dy || !dx)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is null", fn, !x ? "x" : !dy ? "dy" : "dx");
    int64_t bytes = 0;
    if (int32_t s = check_bytes(fn, "n", n, dtype_size(dtype), bytes)) return s;
    if (int32_t s = check_ranges(fn, {{"x", x}, {"dy", dy}, {"dx", dx}}, bytes)) return s;
    if (overlaps_partially(x, bytes, dx, bytes) || overlaps_partially(dy, bytes, dx, bytes))
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: dx overlaps %s partially", fn,
                    overlaps_partially(x, bytes, dx, bytes) ? "x" : "dy");
    t->backward[op][storage](x, dy, dx, n, flags);
    return AK_OK;
}

int32_t ak_act_forward_bias(int32_t op, int32_t dtype, const void* x, const void* bias, void* y,
                            int64_t rows, int64_t cols, int32_t flags) {
    clear_error();
    constexpr const char* fn = "ak_act_forward_bias";
    int storage = 0;
    const KernelTable* t = nullptr;
    if (int32_t s = check_activation(fn, op, dtype, flags, storage, t)) return s;
    if (rows < 0 || cols < 0)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s = %lld < 0", fn, rows < 0 ? "rows" : "cols",
                    (long long)(rows < 0 ? rows : cols));
    if (rows == 0 || cols == 0) return AK_OK;
    if (!x || !bias || !y)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is null", fn, !x ? "x" : !bias ? "bias" : "y");
    const int64_t size = dtype_size(dtype);
    int64_t row_bytes = 0, bytes = 0;
    if (int32_t s = check_bytes(fn, "cols", cols, size, row_bytes)) return s;
    if (rows > INT64_MAX / row_bytes)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: rows x cols = %lld x %lld elements overflow int64",
                    fn, (long long)rows, (long long)cols);
    bytes = rows * row_bytes;
    if (int32_t s = check_ranges(fn, {{"x", x}, {"y", y}}, bytes)) return s;
    if (int32_t s = check_ranges(fn, {{"bias", bias}}, row_bytes)) return s;
    if (overlaps_partially(x, bytes, y, bytes))
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: x and y overlap partially", fn);
    if (overlaps(bias, row_bytes, y, bytes))
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: bias overlaps y", fn);
    t->forward_bias[op][storage](x, bias, y, rows, cols, flags);
    return AK_OK;
}

int32_t ak_convert(int32_t src_dtype, const void* src, int32_t dst_dtype, void* dst, int64_t n,
                   int32_t flags) {
    clear_error();
    constexpr const char* fn = "ak_convert";
    if (n < 0) return fail(AK_ERR_INVALID_ARGUMENT, "%s: n = %lld < 0", fn, (long long)n);
    const KernelTable* t = nullptr;
    if (int32_t s = check_flags(fn, flags, AK_FLAG_ISA_MASK, t)) return s;
    UnaryFn convert = nullptr;
    if (src_dtype == AK_DTYPE_F32 && dst_dtype == AK_DTYPE_BF16) convert = t->f32_to_bf16;
    if (src_dtype == AK_DTYPE_BF16 && dst_dtype == AK_DTYPE_F32) convert = t->bf16_to_f32;
    if (src_dtype == AK_DTYPE_F32 && dst_dtype == AK_DTYPE_F16) convert = t->f32_to_f16;
    if (src_dtype == AK_DTYPE_F16 && dst_dtype == AK_DTYPE_F32) convert = t->f16_to_f32;
    if (!convert)
        return fail(AK_ERR_UNSUPPORTED, "%s: no conversion from dtype %d to dtype %d", fn,
                    src_dtype, dst_dtype);
    if (n == 0) return AK_OK;
    if (!src || !dst) return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is null", fn, !src ? "src" : "dst");
    // One side is F32, the other 16-bit: checking the F32 side's bytes covers both.
    int64_t f32_bytes = 0;
    if (int32_t s = check_bytes(fn, "n", n, 4, f32_bytes)) return s;
    const int64_t src_bytes = n * dtype_size(src_dtype), dst_bytes = n * dtype_size(dst_dtype);
    if (int32_t s = check_ranges(fn, {{"src", src}}, src_bytes)) return s;
    if (int32_t s = check_ranges(fn, {{"dst", dst}}, dst_bytes)) return s;
    if (overlaps(src, src_bytes, dst, dst_bytes))
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: src and dst overlap", fn);
    convert(src, dst, n);
    return AK_OK;
}

}  // extern "C"
