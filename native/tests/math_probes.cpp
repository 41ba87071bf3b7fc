#include "math_probes.h"

#include "include/actinium.h"

const MathProbes& math_probes_scalar();
const MathProbes& math_probes_avx2();
const MathProbes& math_probes_avx512();
const MathProbes& math_probes_avx512_bf16();

const MathProbes& math_probes(int32_t isa) {
    switch (isa) {
        case AK_ISA_AVX2: return math_probes_avx2();
        case AK_ISA_AVX512: return math_probes_avx512();
#if !defined(AK_NO_AVX512_BF16)
        case AK_ISA_AVX512_BF16: return math_probes_avx512_bf16();
#endif
        default: return math_probes_scalar();
    }
}
