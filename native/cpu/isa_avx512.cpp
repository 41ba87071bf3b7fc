// The avx512 kernel table. This file is compiled with the flags of its ISA alone
// (cmake/ActiniumIsa.cmake), so nothing else may be defined here.
#include "vec_avx512.h"
#include "kernels.h"

namespace ak::cpu {
const KernelTable& avx512_table() {
    static const KernelTable table = make_table<avx512::Io>("avx512");
    return table;
}
}  // namespace ak::cpu
