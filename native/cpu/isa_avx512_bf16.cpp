// The avx512_bf16 kernel table: the avx512 table with its bf16 activation kernels replaced by
// ones that store through the hardware conversion. Conversions (ak_convert, Tensor.to) stay the
// bit-exact software rounding. Compiled with the flags of its ISA alone (cmake/ActiniumIsa.cmake).
#include "simd/vec_avx512_bf16.h"
#include "isa_table.h"

namespace ak::cpu {
const KernelTable& avx512_bf16_table() {
    static const KernelTable table = [] {
        KernelTable t = avx512_table();
        t.name = "avx512_bf16";
        fill_act_shards<AK_ISA_AVX512_BF16>(t, std::make_integer_sequence<int, kActShards>{});
        fill_learn<AK_ISA_AVX512_BF16>(t);
        return t;
    }();
    return table;
}
}  // namespace ak::cpu
