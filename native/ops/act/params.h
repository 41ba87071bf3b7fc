// How an activation's parameters reach its functor: the C ABI passes `const float* params` with
// the count of the op's row; each functor names them in a small struct (as Transformer Engine's
// util/math.h passes its parameter structs), read once per call and passed to fwd/bwd by
// reference, so the compiler keeps each one in a register across the loop.
#pragma once
#include <cstring>
#include <type_traits>

namespace ak::act {

// The parameter struct of an op without parameters.
struct NoParams {};

// The op's parameters from the ABI's float array (NULL when it has none).
template <class Params>
inline Params read_params(const float* params) {
    Params p{};
    if constexpr (!std::is_empty_v<Params>) {
        static_assert(std::is_trivially_copyable_v<Params> && sizeof(Params) % sizeof(float) == 0,
                      "a parameter struct holds floats only, in the order of AK_ACT_PARAMS");
        std::memcpy(&p, params, sizeof p);
    }
    return p;
}

// Floats in a parameter struct: the count its row must declare.
template <class Params>
constexpr int param_count() {
    return std::is_empty_v<Params> ? 0 : int(sizeof(Params) / sizeof(float));
}

}  // namespace ak::act
