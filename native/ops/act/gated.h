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
        // f'(gate) dy and f(gate) can overflow to inf from finite inputs (sreglu: 2 gate dy and
        // gate^2 at gate = 1e30); where the other factor is 0 the exact result is then 0, not the
        // inf * 0 = NaN of the plain product. Infinite or NaN inputs keep IEEE's answer.
        // inf where either input is inf, NaN where dy is NaN (vmax gives its second operand then);
        // a NaN gate gives |dy| here, and the NaN rule below puts the gate's NaN back.
        V finite_inputs = vmax(vabs(gate), vabs(dy));
        V dg;
        if constexpr (select_gradient<Gate>::value) dg = Gate::bwd(gate, mul_nan_first(dy, g), p);
        else dg = zero_where_factor_zero(g, finite_inputs, mul_nan_first(Gate::bwd(gate, dy, p), g));
        V gf = zero_where_factor_zero(dy, finite_inputs, mul_nan_first(dy, f));
        dgate = quiet_nan_or(gate, quiet_nan_or(up, dg));
        dup = quiet_nan_or(gate, quiet_nan_or(up, Up::bwd(up, gf, NoParams{})));
    }
    // 0 where factor is 0 and magnitude (the largest input of the other factors) is finite, else
    // product. A NaN dy makes magnitude NaN and keeps the product; a NaN g (a NaN up) gives 0 here,
    // and the NaN rule above puts up's NaN back.
    template <class V> AK_HD static V zero_where_factor_zero(V factor, V magnitude, V product) {
        return select(magnitude < V(bits_to_float(0x7f800000)), select(vabs(factor) > V(0.0f), product, V(0.0f)),
                      product);
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
