// The scalar math probes (math_probes.h), compiled with the flags of the ISA alone.
#include "cpu/simd/vec_scalar.h"
#define AK_PROBE_ISA_NAMESPACE scalar
#include "math_probes.h"

const MathProbes& math_probes_scalar() {
    static const MathProbes probes = ak::cpu::make_probes<ak::cpu::scalar::LoadStore>(
        "scalar", std::make_index_sequence<size_t(MathFunction::kCount)>{});
    return probes;
}
