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
        case AK_ISA_AVX512_BF16: return math_probes_avx512_bf16();
        default: return math_probes_scalar();
    }
}
