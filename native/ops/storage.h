// Storage element types of the kernels. bf16 and f16 are distinct types so that loads and
// stores overload on them (both are 16 bits).
#pragma once
#include <cstdint>

namespace ak {
struct bf16 { uint16_t bits; };
struct f16 { uint16_t bits; };
}  // namespace ak
