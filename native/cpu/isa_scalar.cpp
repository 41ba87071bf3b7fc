// The scalar kernel table. This file is compiled with the flags of its ISA alone
// (cmake/ActiniumIsa.cmake), so nothing else may be defined here.
#include "simd/vec_scalar.h"
#include "isa_table.h"

namespace ak::cpu {
const KernelTable& scalar_table() {
    static const KernelTable table = make_table<AK_ISA_SCALAR, scalar::LoadStore>("scalar");
    return table;
}
}  // namespace ak::cpu
