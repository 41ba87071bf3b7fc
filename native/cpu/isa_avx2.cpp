// The avx2 kernel table. This file is compiled with the flags of its ISA alone
// (cmake/ActiniumIsa.cmake), so nothing else may be defined here.
#include "simd/vec_avx2.h"
#include "isa_table.h"

namespace ak::cpu {
const KernelTable& avx2_table() {
    static const KernelTable table = make_table<AK_ISA_AVX2, avx2::LoadStore>("avx2");
    return table;
}
}  // namespace ak::cpu
