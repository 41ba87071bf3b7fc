// The CPU entry points of the C ABI other than the activations (act.cpp): the library, ISA
// dispatch, storage conversion and the FMA peak. Each validates, then calls the kernel of the ISA
// the call names in its flags, or of the active one. The active ISA is the best one the CPU supports until
// ak_cpu_set_isa() forces a lower one (tests run every variant a machine supports that way; the
// Java layer applies -Dactinium.isa and ACTINIUM_ISA through it, one parsing rule for both).
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "../../common/dtype.h"
#include "../../common/errors.h"
#include "../../common/operands.h"
#include "../../include/actinium.h"
#include "../cpu_features.h"
#include "../kernel_table.h"
#include "flags.h"

#ifndef AK_VERSION
#define AK_VERSION "0.0.0-dev"
#endif

namespace ak::cpu {
namespace {

int32_t best_isa() {
    for (int32_t isa = kIsaCount - 1; isa > 0; --isa)
        if (cpu_supports(isa)) return isa;
    return AK_ISA_SCALAR;
}

std::atomic<int32_t>& active_isa() {
    static std::atomic<int32_t> isa{best_isa()};
    return isa;
}

}  // namespace

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
        return fail(AK_ERR_UNSUPPORTED, "%s: flags name %s, which cannot run here: %s", fn, kIsaNames[isa],
                    isa_support_reason(isa));
    }
    return AK_OK;
}

const KernelTable* table_for(int32_t isa) {
    if (!cpu_supports(isa)) return nullptr;
    switch (isa) {
        case AK_ISA_SCALAR: return &scalar_table();
        case AK_ISA_AVX2: return &avx2_table();
        case AK_ISA_AVX512: return &avx512_table();
#if !defined(AK_NO_AVX512_BF16)
        case AK_ISA_AVX512_BF16: return &avx512_bf16_table();
#endif
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
int32_t ak_cpu_isa_support(int32_t isa) { return isa_support(isa); }
const char* ak_cpu_isa_support_reason(int32_t isa) { return isa_support_reason(isa); }
const char* ak_cpu_isa_name(int32_t isa) {
    return isa >= 0 && isa < kIsaCount ? kIsaNames[isa] : "unknown";
}
int32_t ak_cpu_set_isa(int32_t isa) {
    clear_error();
    if (isa < 0 || isa >= kIsaCount)
        return fail(AK_ERR_INVALID_ARGUMENT, "ak_cpu_set_isa: isa %d is not an ISA (0..%d)", isa,
                    kIsaCount - 1);
    if (!cpu_supports(isa))
        return fail(AK_ERR_UNSUPPORTED, "ak_cpu_set_isa: %s cannot run here: %s", kIsaNames[isa],
                    isa_support_reason(isa));
    active_isa().store(isa);
    return AK_OK;
}

int32_t ak_cpu_measure_fma_peak(int32_t isa, int64_t iterations, double* flops_per_second) {
    clear_error();
    if (!flops_per_second) return fail(AK_ERR_INVALID_ARGUMENT, "ak_cpu_measure_fma_peak: flops_per_second is null");
    if (iterations < 1) return fail(AK_ERR_INVALID_ARGUMENT, "ak_cpu_measure_fma_peak: iterations = %lld < 1",
            (long long)iterations);
    const KernelTable* t = table_for(isa);
    if (!t) return fail(AK_ERR_UNSUPPORTED, "ak_cpu_measure_fma_peak: isa %d cannot run here%s%s", isa,
                        *isa_support_reason(isa) ? ": " : "", isa_support_reason(isa));
    float sink;
    t->fma_probe(iterations / 10 + 1, &sink);  // warm up the clock and the vector units
    auto start = std::chrono::steady_clock::now();
    double flops = t->fma_probe(iterations, &sink);
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    *flops_per_second = flops / elapsed.count();
    return AK_OK;
}

int32_t ak_convert(int32_t src_dtype, const void* src, int32_t dst_dtype, void* dst, int64_t n,
                   int32_t flags) {
    clear_error();
    constexpr const char* fn = "ak_convert";
    if (n < 0) return fail(AK_ERR_INVALID_ARGUMENT, "%s: n = %lld < 0", fn, (long long)n);
    const KernelTable* t = nullptr;
    if (int32_t s = check_flags(fn, flags, AK_FLAG_ISA_MASK, t)) return s;
    ConvertFn convert = nullptr;
    if (src_dtype == AK_DTYPE_F32 && dst_dtype == AK_DTYPE_BF16) convert = t->f32_to_bf16;
    if (src_dtype == AK_DTYPE_BF16 && dst_dtype == AK_DTYPE_F32) convert = t->bf16_to_f32;
    if (src_dtype == AK_DTYPE_F32 && dst_dtype == AK_DTYPE_F16) convert = t->f32_to_f16;
    if (src_dtype == AK_DTYPE_F16 && dst_dtype == AK_DTYPE_F32) convert = t->f16_to_f32;
    if (!convert)
        return fail(AK_ERR_UNSUPPORTED, "%s: no conversion from dtype %d to dtype %d", fn,
                    src_dtype, dst_dtype);
    if (n == 0) return AK_OK;
    if (!src || !dst) return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is null", fn, !src ? "src" : "dst");
    // One side is F32, the other 16-bit: the F32 side's byte count bounds both.
    if (n > INT64_MAX / 4)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: n = %lld elements overflow int64 bytes", fn, (long long)n);
    const int64_t src_bytes = n * dtype_size(src_dtype), dst_bytes = n * dtype_size(dst_dtype);
    // As bytes, since the two sides differ in element size; no overlap at all is allowed.
    if (int32_t s = check_operands(fn, 1, {vector_operand("src", src, src_bytes, false, false),
                                           vector_operand("dst", dst, dst_bytes, true)}))
        return s;
    convert(src, dst, n);
    return AK_OK;
}

}  // extern "C"
