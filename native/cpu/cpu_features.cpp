#include "cpu_features.h"

#include <cpuid.h>

#include <cstdio>

#include "../include/actinium.h"

namespace ak::cpu {
namespace {

uint64_t xgetbv0() {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t(hi) << 32) | lo;
}

constexpr uint32_t kOsxsave = 1u << 27;
constexpr uint64_t kYmmState = 0x6;   // SSE + AVX state
constexpr uint64_t kZmmState = 0xe6;  // + opmask, ZMM_Hi256, Hi16_ZMM

CpuidWords read_cpuid() {
    CpuidWords w;
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return w;
    w.leaf1_ecx = c;
    if (c & kOsxsave) w.xcr0 = xgetbv0();
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return w;
    w.leaf7_ebx = b;
    if (a >= 1 && __get_cpuid_count(7, 1, &a, &b, &c, &d)) w.leaf7_1_eax = a;
    return w;
}

// What each ISA needs from the CPU, in words, for the reasons.
constexpr const char* kNeeds[kIsaCount] = {"", "AVX, AVX2, FMA and F16C",
                                           "AVX, AVX2, FMA, F16C and AVX-512 F, BW, DQ, VL",
                                           "AVX, AVX2, FMA, F16C, AVX-512 F, BW, DQ, VL and AVX512_BF16"};
static_assert(kIsaCount == AK_ISA_AVX512_BF16 + 1, "kIsaNames and kNeeds list every ak_isa");

}  // namespace

std::string explain_isa(const CpuidWords& w, int32_t isa) {
    char text[256];
    switch (classify_isa(w, isa)) {
        case AK_SUPPORT_CPU_LACKS:
            std::snprintf(text, sizeof text, "this CPU lacks %s (it needs %s)", kIsaNames[isa], kNeeds[isa]);
            return text;
        case AK_SUPPORT_OS_DISABLED:
            if (!(w.leaf1_ecx & kOsxsave)) {
                std::snprintf(text, sizeof text,
                              "this CPU has %s, but the OS has not enabled XSAVE (OSXSAVE is off), so it "
                              "saves no vector registers",
                              kIsaNames[isa]);
            } else {
                std::snprintf(text, sizeof text,
                              "this CPU has %s, but the OS has not enabled its register state (XCR0 = 0x%llx; "
                              "%s needs bits 0x%llx)",
                              kIsaNames[isa], (unsigned long long)w.xcr0, kIsaNames[isa],
                              (unsigned long long)(isa == AK_ISA_AVX2 ? kYmmState : kZmmState));
            }
            return text;
        case AK_SUPPORT_NOT_BUILT:
            std::snprintf(text, sizeof text,
                          "this CPU and OS run %s, but this library was built without its kernels (its "
                          "compiler did not accept -mavx512bf16)",
                          kIsaNames[isa]);
            return text;
        default: return "";
    }
}

namespace {

// Plain arrays: the reasons stay readable by a thread still calling while the process exits (a
// static std::string would be destroyed then).
struct MachineSupport {
    int32_t support[kIsaCount];
    char reason[kIsaCount][320];
};

const MachineSupport& machine() {
    static const MachineSupport m = [] {
        MachineSupport s;
        const CpuidWords w = read_cpuid();
        for (int32_t isa = 0; isa < kIsaCount; ++isa) {
            s.support[isa] = classify_isa(w, isa);
            std::snprintf(s.reason[isa], sizeof s.reason[isa], "%s", explain_isa(w, isa).c_str());
        }
        return s;
    }();
    return m;
}

}  // namespace

int32_t classify_isa(const CpuidWords& w, int32_t isa) {
    if (isa < 0 || isa >= kIsaCount) return -1;
    if (isa == AK_ISA_SCALAR) return AK_SUPPORT_RUNS;
    const uint32_t c = w.leaf1_ecx, b = w.leaf7_ebx;
    const bool avx2 = (c & (1u << 28)) && (c & (1u << 12)) && (c & (1u << 29)) && (b & (1u << 5));
    const bool avx512 = avx2 && (b & (1u << 16)) && (b & (1u << 17)) && (b & (1u << 30)) && (b & (1u << 31));
    const bool osxsave = c & kOsxsave;
    const bool has = isa == AK_ISA_AVX2 ? avx2 : isa == AK_ISA_AVX512 ? avx512 : avx512 && (w.leaf7_1_eax & (1u << 5));
    const uint64_t state = isa == AK_ISA_AVX2 ? kYmmState : kZmmState;
    if (!has) return AK_SUPPORT_CPU_LACKS;
    if (!osxsave || (w.xcr0 & state) != state) return AK_SUPPORT_OS_DISABLED;
#if defined(AK_NO_AVX512_BF16)
    if (isa == AK_ISA_AVX512_BF16) return AK_SUPPORT_NOT_BUILT;  // cmake/ActiniumIsa.cmake
#endif
    return AK_SUPPORT_RUNS;
}

int32_t isa_support(int32_t isa) { return isa < 0 || isa >= kIsaCount ? -1 : machine().support[isa]; }

const char* isa_support_reason(int32_t isa) {
    return isa < 0 || isa >= kIsaCount ? "" : machine().reason[isa];
}

bool cpu_supports(int32_t isa) { return isa_support(isa) == AK_SUPPORT_RUNS; }

}  // namespace ak::cpu
