// What every activation functor of native/ops/act provides, and the helpers they share.
//
// A functor is a struct named as its row in AK_ACTIVATIONS (native/include/actinium.h) with
//   using Params = ...;                       its parameters (params.h), NoParams if none
//   template <class V> static V fwd(V x, const Params&)           f(x)
//   template <class V> static V bwd(V x, V dy, const Params&)     dy * f'(x), from the input
// and, where its row says so or its parameters have rules of their own,
//   template <class V> static V bwd_from_output(V y, V dy, const Params&)   (AK_ACT_FROM_OUTPUT)
//   static const char* invalid(const Params&)              a message if the parameters are bad
//   static const char* invalid_from_output(const Params&)  a message if y cannot give f'(x)
// V is float (scalar CPU kernels, CUDA) or a SIMD type of native/cpu/simd; the same source
// serves all of them. Gated functors (gated.h) have their own pair of functions.
//
// Rules every functor keeps, for any x:
// - Where a product like x * Phi(x) would meet inf * 0 at the ends of the range, x is clamped
//   first to a point past which the result no longer changes in float, so limits come out exact.
// - NaN: a NaN x gives x's NaN (quieted), the same bits wherever the element lies in the loop.
//   The fast ops (gelu, silu) get it by construction: the clamps are written vmax(lo, x) and
//   vmin(hi, x), which return a NaN x (scalar_float.h), and every primitive on the way keeps the
//   NaN's sign (vabs too), so each product that meets two NaNs meets two copies of x's (a compare
//   and a blend per vector cost them 5-18%). The others end in with_nan_of(x, ...), which costs
//   a compare and a blend and holds whatever the formula does. Backward ends in f'(x) * dy, where
//   dy may be a NaN of other bits: mul_nan_first keeps f'(x)'s, which is x's.
#pragma once
#include "../math.h"
#include "params.h"

#include <type_traits>
#include <utility>

namespace ak::act {

// r, or x's NaN (quieted) where x is NaN.
template <class V>
AK_HD V with_nan_of(V x, V r) {
    return quiet_nan_or(x, r);
}

// dy * fprime, or x's NaN (quieted) where x is NaN: the end of most backward functions.
template <class V>
AK_HD V times_dy(V x, V fprime, V dy) {
    return quiet_nan_or(x, mul_nan_first(fprime, dy));
}

// dy where keep holds, else 0 (even for dy = NaN or inf, as PyTorch's threshold_backward), or x's
// NaN where x is NaN: the gradient of the piecewise-linear ops whose slope is 0 or 1. dy is loaded
// whole (in_register): a masked load of it measured slower.
template <class V, class M>
AK_HD V pass_where(V x, M keep, V dy) {
    return quiet_nan_or(x, select(keep, in_register(dy), V(0.0f)));
}

// v where lo < x < hi, else 0 (a NaN x: 0; callers apply the NaN rule).
template <class V>
AK_HD V inside(V x, V lo, V hi, V v) {
    v = in_register(v);  // see pass_where
    return select(x > lo, select(x < hi, v, V(0.0f)), V(0.0f));
}

// Whether a functor has rules of its own for its parameters (invalid) or for its backward from
// the output (invalid_from_output).
template <class Op, class = void>
struct has_invalid : std::false_type {};
template <class Op>
struct has_invalid<Op, std::void_t<decltype(Op::invalid(std::declval<const typename Op::Params&>()))>>
    : std::true_type {};
template <class Op, class = void>
struct has_invalid_from_output : std::false_type {};
template <class Op>
struct has_invalid_from_output<
    Op, std::void_t<decltype(Op::invalid_from_output(std::declval<const typename Op::Params&>()))>>
    : std::true_type {};

}  // namespace ak::act
