// The avx512 math probes (math_probes.h), compiled with the flags of the ISA alone.
#include "cpu/simd/vec_avx512.h"
#define AK_PROBE_ISA_NAMESPACE avx512
#include "math_probes.h"

const MathProbes& math_probes_avx512() {
    static const MathProbes probes = ak::cpu::make_probes<ak::cpu::avx512::LoadStore>(
        "avx512", std::make_index_sequence<size_t(MathFunction::kCount)>{});
    return probes;
}
