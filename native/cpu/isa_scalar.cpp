// The scalar kernel table. This file is compiled with the flags of its ISA alone
// (cmake/ActiniumIsa.cmake), so nothing else may be defined here.
#include "vec_scalar.h"
#include "kernels.h"

namespace ak::cpu {
const KernelTable& scalar_table() {
    static const KernelTable table = make_table<scalar::Io>("scalar");
    return table;
}
}  // namespace ak::cpu
