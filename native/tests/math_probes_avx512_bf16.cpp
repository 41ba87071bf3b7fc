// The avx512_bf16 math probes (math_probes.h), compiled with the flags of the ISA alone: avx512's
// math, with the hardware bf16 store.
#include "cpu/simd/vec_avx512_bf16.h"
#define AK_PROBE_ISA_NAMESPACE avx512_bf16
#include "math_probes.h"

const MathProbes& math_probes_avx512_bf16() {
    static const MathProbes probes = ak::cpu::make_probes<ak::cpu::avx512_bf16::LoadStore>(
        "avx512_bf16", std::make_index_sequence<size_t(MathFunction::kCount)>{});
    return probes;
}
