// Gated activations: y = f(gate) * g(up) over the two halves of a projection (GLU and its
// descendants). f is one of the element-wise functors, g the identity or, for dReLU, ReLU. Both
// halves' gradients come from the two functors' own backward functions:
//   dgate = f'(gate) * (dy g(up)),  dup = g'(up) * (dy f(gate)).
// NaN rule: a NaN gate gives the gate's NaN; else a NaN up gives up's (mul_nan_first keeps the
// first operand's NaN when both are NaN).
#pragma once
#include "classic.h"
#include "smooth.h"
#include "sparsifying.h"

namespace ak::act {

struct identity {
    using Params = NoParams;
    template <class V> AK_HD static V fwd(V x, const Params&) { return x; }
    template <class V> AK_HD static V bwd(V, V dy, const Params&) { return dy; }
};

template <class Op, class = void>
struct select_gradient : std::false_type {};
template <class Op>
struct select_gradient<Op, std::enable_if_t<Op::kSelectGradient>> : std::true_type {};

template <class Gate, class Up = identity>
struct gated {
    static constexpr bool kGated = true;
    using Params = typename Gate::Params;
    template <class V> AK_HD static V fwd(V gate, V up, const Params& p) {
        return mul_nan_first(Gate::fwd(gate, p), Up::fwd(up, NoParams{}));
    }
    template <class V> AK_HD static void bwd(V gate, V up, V dy, const Params& p, V& dgate, V& dup) {
        V f = Gate::fwd(gate, p), g = Up::fwd(up, NoParams{});
        // f'(gate) dy first, then g(up): dy g(up) may overflow where f' is tiny. A select gradient
        // (ReLU) takes dy g(up) instead, so that a blocked gate gives 0 even against an infinite up.
        V dg;
        if constexpr (select_gradient<Gate>::value) dg = Gate::bwd(gate, mul_nan_first(dy, g), p);
        else dg = mul_nan_first(Gate::bwd(gate, dy, p), g);
        dgate = quiet_nan_or(gate, quiet_nan_or(up, dg));
        dup = quiet_nan_or(gate, quiet_nan_or(up, Up::bwd(up, mul_nan_first(dy, f), NoParams{})));
    }
    static const char* invalid(const Params& p) {
        if constexpr (has_invalid<Gate>::value) return Gate::invalid(p);
        return nullptr;
    }
};

// Names as in Shazeer, "GLU Variants Improve Transformer" (GLU's gate is a sigmoid), SReGLU's gate
// the squared ReLU of Primer, dReLU's both halves ReLU (Turbo Sparse).
struct glu : gated<sigmoid> {};
struct reglu : gated<relu> {};
struct geglu_erf : gated<gelu_erf> {};
struct geglu_tanh : gated<gelu_tanh> {};
struct swiglu : gated<silu> {};
struct sreglu : gated<relu_squared> {};
struct drelu : gated<relu, relu> {};

}  // namespace ak::act
