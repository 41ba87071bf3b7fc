// The avx512 kernel table. This file is compiled with the flags of its ISA alone
// (cmake/ActiniumIsa.cmake), so nothing else may be defined here.
#include "simd/vec_avx512.h"
#include "isa_table.h"

namespace ak::cpu {
const KernelTable& avx512_table() {
    static const KernelTable table = make_table<AK_ISA_AVX512, avx512::LoadStore>("avx512");
    return table;
}
}  // namespace ak::cpu
