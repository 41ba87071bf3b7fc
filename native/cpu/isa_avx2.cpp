// The avx2 kernel table. This file is compiled with the flags of its ISA alone
// (cmake/ActiniumIsa.cmake), so nothing else may be defined here.
#include "vec_avx2.h"
#include "kernels.h"

namespace ak::cpu {
const KernelTable& avx2_table() {
    static const KernelTable table = make_table<avx2::Io>("avx2");
    return table;
}
}  // namespace ak::cpu
