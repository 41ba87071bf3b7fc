// An ISA's kernel table: its activation shards, conversions and FMA probe. Included by
// isa_<isa>.cpp after the ISA's vector header, compiled with that ISA's flags alone.
#pragma once
#include <utility>

#include "convert.h"
#include "kernel_table.h"

namespace ak::cpu {

template <int32_t Isa, int... Shard>
void fill_act_shards(KernelTable& t, std::integer_sequence<int, Shard...>) {
    (fill_act_shard<Isa, Shard>(t), ...);
}

template <int32_t Isa, class LoadStore>
KernelTable make_table(const char* name) {
    KernelTable t{};
    t.name = name;
    fill_act_shards<Isa>(t, std::make_integer_sequence<int, kActShards>{});
    fill_learn<Isa>(t);
    t.f32_to_bf16 = &convert<LoadStore, float, bf16>;
    t.bf16_to_f32 = &convert<LoadStore, bf16, float>;
    t.f32_to_f16 = &convert<LoadStore, float, f16>;
    t.f16_to_f32 = &convert<LoadStore, f16, float>;
    t.fma_probe = &fma_probe<LoadStore>;
    return t;
}

}  // namespace ak::cpu
