// The avx2 math probes (math_probes.h), compiled with the flags of the ISA alone.
#include "cpu/simd/vec_avx2.h"
#define AK_PROBE_ISA_NAMESPACE avx2
#include "math_probes.h"

const MathProbes& math_probes_avx2() {
    static const MathProbes probes = ak::cpu::make_probes<ak::cpu::avx2::LoadStore>(
        "avx2", std::make_index_sequence<size_t(MathFunction::kCount)>{});
    return probes;
}
