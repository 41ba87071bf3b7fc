#include "cpu_features.h"

#include <cpuid.h>

#include "../include/actinium.h"

namespace ak::cpu {
namespace {

struct Features {
    bool avx2 = false;
    bool avx512 = false;
    bool avx512_bf16 = false;
};

uint64_t xgetbv0() {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t(hi) << 32) | lo;
}

Features probe() {
    Features f;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    const bool osxsave = c & (1u << 27), fma = c & (1u << 12), f16c = c & (1u << 29),
               avx = c & (1u << 28);
    if (!osxsave || !avx) return f;
    const uint64_t xcr0 = xgetbv0();
    const bool ymm_state = (xcr0 & 0x6) == 0x6;         // SSE + AVX state
    const bool zmm_state = (xcr0 & 0xe6) == 0xe6;       // + opmask, ZMM_Hi256, Hi16_ZMM
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
    const unsigned max_subleaf = a;
    const bool avx2 = b & (1u << 5), avx512f = b & (1u << 16), avx512dq = b & (1u << 17),
               avx512bw = b & (1u << 30), avx512vl = b & (1u << 31);
    f.avx2 = ymm_state && avx2 && fma && f16c;
    f.avx512 = f.avx2 && zmm_state && avx512f && avx512dq && avx512bw && avx512vl;
    if (max_subleaf < 1 || !__get_cpuid_count(7, 1, &a, &b, &c, &d)) return f;
    f.avx512_bf16 = f.avx512 && (a & (1u << 5));  // AVX512_BF16: leaf 7, subleaf 1, eax bit 5
#if defined(AK_NO_AVX512_BF16)
    f.avx512_bf16 = false;  // the compiler could not build its kernels (cmake/ActiniumIsa.cmake)
#endif
    return f;
}

}  // namespace

bool cpu_supports(int32_t isa) {
    static const Features f = probe();
    switch (isa) {
        case AK_ISA_SCALAR: return true;
        case AK_ISA_AVX2: return f.avx2;
        case AK_ISA_AVX512: return f.avx512;
        case AK_ISA_AVX512_BF16: return f.avx512_bf16;
        default: return false;
    }
}

}  // namespace ak::cpu
