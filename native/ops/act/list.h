// The activation list (AK_ACTIVATIONS, native/include/actinium.h) joined to its functors: every
// table of kernels, CPU and CUDA, and the argument checks are built from ActivationOf<op>.
#pragma once
#include "../../include/actinium.h"
#include "classic.h"
#include "fixed_forms.h"
#include "gated.h"
#include "smooth.h"
#include "sparsifying.h"
#include "stochastic.h"

namespace ak {

// ActivationOf<AK_ACT_GELU_ERF>::type is act::gelu_erf.
template <int Op> struct ActivationOf;
#define AK_ACT_FUNCTOR_ROW(E, name, np, flags, ff, bf) \
    template <> struct ActivationOf<AK_ACT_##E> { using type = act::name; };
AK_ACTIVATIONS(AK_ACT_FUNCTOR_ROW)
#undef AK_ACT_FUNCTOR_ROW

// The flags of each row (ak_act_flag), for choices made at compile time.
constexpr int32_t kActivationFlags[] = {
#define AK_ACT_FLAGS_ROW(E, name, np, flags, ff, bf) (flags),
    AK_ACTIVATIONS(AK_ACT_FLAGS_ROW)
#undef AK_ACT_FLAGS_ROW
};

namespace act {

// A row's parameter count is its functor's, and its gated flag says what the functor is.
template <class Op, class = void>
struct is_gated : std::false_type {};
template <class Op>
struct is_gated<Op, std::void_t<decltype(Op::kGated)>> : std::true_type {};

template <class Op, class = void>
struct is_seeded : std::false_type {};
template <class Op>
struct is_seeded<Op, std::void_t<decltype(Op::kSeeded)>> : std::true_type {};

#define AK_ACT_CHECK_ROW(E, name, np, flags, ff, bf)                                                  \
    static_assert(param_count<name::Params>() == (np), #name ": its row's parameter count is not its " \
                                                             "Params struct's");                       \
    static_assert(is_gated<name>::value == (((flags) & AK_ACT_GATED) != 0),                           \
                  #name ": AK_ACT_GATED on its row if and only if it is a gated functor");            \
    static_assert(is_seeded<name>::value == (((flags) & AK_ACT_SEEDED) != 0),                         \
                  #name ": AK_ACT_SEEDED on its row if and only if it is a seeded functor");
AK_ACTIVATIONS(AK_ACT_CHECK_ROW)
#undef AK_ACT_CHECK_ROW

}  // namespace act

}  // namespace ak
