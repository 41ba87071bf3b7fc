// What this CPU and OS can run, from cpuid and xgetbv (the OS must save the vector state), and
// why not where they cannot: as Elasticsearch's vec_caps does, a CPU with AVX-512 whose OS left
// its register state disabled is reported as that, not as a CPU without AVX-512.
#pragma once
#include <cstdint>
#include <string>

namespace ak::cpu {

constexpr int32_t kIsaCount = 4;
constexpr const char* kIsaNames[kIsaCount] = {"scalar", "avx2", "avx512", "avx512_bf16"};

// The cpuid words and XCR0 the decision reads (xcr0 = 0 where OSXSAVE is off: xgetbv would fault).
struct CpuidWords {
    uint32_t leaf1_ecx = 0;
    uint32_t leaf7_ebx = 0;
    uint32_t leaf7_1_eax = 0;  // 0 where the CPU has no leaf 7 subleaf 1
    uint64_t xcr0 = 0;
};

// An ak_isa_support value for isa on a machine with these words and this build of the library,
// or -1 if isa names no ISA. Pure, so the tests can give it machines other than this one.
int32_t classify_isa(const CpuidWords& words, int32_t isa);
// Why not, as a sentence, for the same inputs ("" where it runs or isa names no ISA).
std::string explain_isa(const CpuidWords& words, int32_t isa);

// The same for this machine, and why not as a sentence ("" where it runs or isa names no ISA).
int32_t isa_support(int32_t isa);
const char* isa_support_reason(int32_t isa);
bool cpu_supports(int32_t isa);

}  // namespace ak::cpu
