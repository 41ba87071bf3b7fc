// K vectors of an ISA as one value: every primitive of native/ops/math.h applied to each, with
// the K instructions side by side in program order. The activations are long dependency chains
// (clamp -> exp polynomial -> scale -> reciprocal -> polynomial); written one vector at a time,
// the out-of-order window fills with one chain's waiting instructions and the FMA pipes idle.
// Interleaving K independent chains by construction lets them issue together.
#pragma once
#include <cstdint>
#include <type_traits>

#include "../../ops/scalar_float.h"
#include "../../ops/storage.h"

#include "inline.h"

namespace ak::cpu::multi {

// The float primitives, for K floats (the scalar ISA): floats have no namespace for ADL to search,
// and the templates below would hide them.
using ak::any_lane;
using ak::exp2i;
using ak::in_register;
using ak::is_nan;
using ak::ldexp_;
using ak::mul_add;
using ak::mul_nan_first;
using ak::add_nan_first;
using ak::negate_where;
using ak::rcp_;
using ak::rint_;
using ak::select;
using ak::square_split;
using ak::vabs;
using ak::vmax;
using ak::vmin;

// C: the values are results to be stored as bf16 or f16 (kNarrowResults, scalar_float.h).
template <class V, int K, bool C = false>
struct Vecs {
    V v[K];
    Vecs() = default;
    AK_V Vecs(float s) {
        for (int k = 0; k < K; ++k) v[k] = V(s);
    }
};

template <class M, int K>
struct Masks {
    M m[K];
};

}  // namespace ak::cpu::multi

namespace ak {
template <class V, int K>
constexpr bool kNarrowResults<cpu::multi::Vecs<V, K, true>> = true;
}  // namespace ak

namespace ak::cpu::multi {

#define AK_MULTI_BINARY(op)                                                          \
    template <class V, int K, bool C>                                                \
    AK_V Vecs<V, K, C> operator op(Vecs<V, K, C> a, Vecs<V, K, C> b) {               \
        Vecs<V, K, C> r;                                                             \
        for (int k = 0; k < K; ++k) r.v[k] = a.v[k] op b.v[k];                       \
        return r;                                                                    \
    }
AK_MULTI_BINARY(+)
AK_MULTI_BINARY(-)
AK_MULTI_BINARY(*)
AK_MULTI_BINARY(/)
#undef AK_MULTI_BINARY

// Scalar operands broadcast (x * 0.5f, 2.0f * e): the base type's float constructor does the rest.
template <class V, int K, bool C>
AK_V Vecs<V, K, C> operator*(float a, Vecs<V, K, C> b) { return Vecs<V, K, C>(a) * b; }
template <class V, int K, bool C>
AK_V Vecs<V, K, C> operator*(Vecs<V, K, C> a, float b) { return a * Vecs<V, K, C>(b); }

template <class V, int K, bool C>
AK_V Vecs<V, K, C> operator-(Vecs<V, K, C> a) {
    Vecs<V, K, C> r;
    for (int k = 0; k < K; ++k) r.v[k] = -a.v[k];
    return r;
}

#define AK_MULTI_COMPARE(op)                                                         \
    template <class V, int K, bool C>                                                \
    AK_V auto operator op(Vecs<V, K, C> a, Vecs<V, K, C> b) {                        \
        Masks<decltype(a.v[0] op b.v[0]), K> r;                                      \
        for (int k = 0; k < K; ++k) r.m[k] = a.v[k] op b.v[k];                       \
        return r;                                                                    \
    }
AK_MULTI_COMPARE(<)
AK_MULTI_COMPARE(>)
AK_MULTI_COMPARE(>=)
AK_MULTI_COMPARE(<=)
#undef AK_MULTI_COMPARE

#define AK_MULTI_UNARY(fn)                                                           \
    template <class V, int K, bool C>                                                \
    AK_V Vecs<V, K, C> fn(Vecs<V, K, C> a) {                                         \
        Vecs<V, K, C> r;                                                             \
        for (int k = 0; k < K; ++k) r.v[k] = fn(a.v[k]);                             \
        return r;                                                                    \
    }
AK_MULTI_UNARY(vabs)
AK_MULTI_UNARY(rint_)
AK_MULTI_UNARY(exp2i)
AK_MULTI_UNARY(rcp_)
AK_MULTI_UNARY(in_register)
#undef AK_MULTI_UNARY

#define AK_MULTI_BINARY_FN(fn)                                                       \
    template <class V, int K, bool C>                                                \
    AK_V Vecs<V, K, C> fn(Vecs<V, K, C> a, Vecs<V, K, C> b) {                        \
        Vecs<V, K, C> r;                                                             \
        for (int k = 0; k < K; ++k) r.v[k] = fn(a.v[k], b.v[k]);                     \
        return r;                                                                    \
    }
AK_MULTI_BINARY_FN(vmin)
AK_MULTI_BINARY_FN(vmax)
AK_MULTI_BINARY_FN(ldexp_)
AK_MULTI_BINARY_FN(mul_nan_first)
AK_MULTI_BINARY_FN(add_nan_first)
#undef AK_MULTI_BINARY_FN

template <class V, int K, bool C>
AK_V Vecs<V, K, C> mul_add(Vecs<V, K, C> a, Vecs<V, K, C> b, Vecs<V, K, C> c) {
    Vecs<V, K, C> r;
    for (int k = 0; k < K; ++k) r.v[k] = mul_add(a.v[k], b.v[k], c.v[k]);
    return r;
}

template <class V, int K, bool C>
AK_V void square_split(Vecs<V, K, C> a, Vecs<V, K, C>& hi, Vecs<V, K, C>& lo) {
    for (int k = 0; k < K; ++k) square_split(a.v[k], hi.v[k], lo.v[k]);
}

template <class V, int K, bool C>
AK_V auto is_nan(Vecs<V, K, C> a) {
    Masks<decltype(is_nan(a.v[0])), K> r;
    for (int k = 0; k < K; ++k) r.m[k] = is_nan(a.v[k]);
    return r;
}

// Any lane of the K masks: one branch for the step (every lane's result is its own either way).
template <class M, int K>
AK_V bool any_lane(Masks<M, K> m) {
    bool any = false;
    for (int k = 0; k < K; ++k) any = any | any_lane(m.m[k]);
    return any;
}

template <class M, class V, int K, bool C>
AK_V Vecs<V, K, C> select(Masks<M, K> m, Vecs<V, K, C> a, Vecs<V, K, C> b) {
    Vecs<V, K, C> r;
    for (int k = 0; k < K; ++k) r.v[k] = select(m.m[k], a.v[k], b.v[k]);
    return r;
}

template <class M, class V, int K, bool C>
AK_V Vecs<V, K, C> negate_where(Masks<M, K> m, Vecs<V, K, C> a) {
    Vecs<V, K, C> r;
    for (int k = 0; k < K; ++k) r.v[k] = negate_where(m.m[k], a.v[k]);
    return r;
}

// Whether a base LoadStore moves bf16 as pairs of vectors, even and odd elements apart
// (vec_avx512_bf16.h: load_pair, store_pair, stream_pair).
template <class Base, class = void>
struct HasBf16Pairs : std::false_type {};
template <class Base>
struct HasBf16Pairs<Base, std::void_t<decltype(&Base::load_pair)>> : std::true_type {};

// Loads and stores K consecutive vectors of the base LoadStore. With kAllowPairs, bf16 goes
// through the base's pairs where it has them: the lanes then hold the elements in another order,
// the same for every bf16 operand and undone by the store, which suits kernels whose operands
// are all of the storage type (not the seeded ones, whose uniforms come as floats in order).
template <class BaseLoadStore, int K, bool kAllowPairs = true, bool kNarrowMath = false>
struct LoadStore {
    using Base = BaseLoadStore;
    static constexpr int kCount = K;
    using V = decltype(BaseLoadStore::load(static_cast<const float*>(nullptr)));
    using Values = Vecs<V, K, kNarrowMath>;
    static constexpr int kWidth = BaseLoadStore::kWidth * K;
    static constexpr int W = BaseLoadStore::kWidth;
    template <class T>
    static constexpr bool kPairs = std::is_same_v<T, bf16> && kAllowPairs && K % 2 == 0 &&
                                   HasBf16Pairs<BaseLoadStore>::value;
    template <class T>
    static AK_V Values load(const T* p) {
        Values r;
        if constexpr (kPairs<T>) {
            for (int k = 0; k < K; k += 2) BaseLoadStore::load_pair(p + k * W, r.v[k], r.v[k + 1]);
        } else {
            for (int k = 0; k < K; ++k) r.v[k] = BaseLoadStore::load(p + k * W);
        }
        return r;
    }
    template <class T>
    static AK_V void store(T* p, Values x) {
        if constexpr (kPairs<T>) {
            for (int k = 0; k < K; k += 2) BaseLoadStore::store_pair(p + k * W, x.v[k], x.v[k + 1]);
        } else {
            for (int k = 0; k < K; ++k) BaseLoadStore::store(p + k * W, x.v[k]);
        }
    }
    template <class T>
    static AK_V void stream(T* p, Values x) {
        if constexpr (kPairs<T>) {
            for (int k = 0; k < K; k += 2) BaseLoadStore::stream_pair(p + k * W, x.v[k], x.v[k + 1]);
        } else {
            for (int k = 0; k < K; ++k) BaseLoadStore::stream(p + k * W, x.v[k]);
        }
    }
    static AK_V void fence() { BaseLoadStore::fence(); }
};

}  // namespace ak::cpu::multi
