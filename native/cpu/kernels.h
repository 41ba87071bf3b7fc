// The CPU kernels, written once over an ISA's Io (vec_scalar.h, vec_avx2.h, vec_avx512.h) and
// instantiated per ISA in isa_*.cpp. Each kernel is single-threaded over the range it is given.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "../include/actinium.h"
#include "../ops/activations.h"
#include "../ops/storage.h"
#include "kernel_table.h"
#include "vec_multi.h"

// Lambdas that form a kernel's loop body: GCC otherwise outlines the large ones and pays a call
// (and reloads every constant) per vector.
#define AK_BODY __attribute__((always_inline))

namespace ak::cpu {

// Elements before p is aligned for a streaming store of one vector of T (kWidth * sizeof(T)
// bytes: 16 to 64), or -1 if it never can be (p not aligned to its element size). Always less
// than kWidth, so the head fits the one-vector buffer of for_each_vector.
template <class Io, class T>
inline int64_t elements_to_alignment(const T* p) {
    constexpr uintptr_t kAlign = Io::kWidth * sizeof(T);
    auto addr = reinterpret_cast<uintptr_t>(p);
    if (addr % sizeof(T) != 0) return -1;
    return static_cast<int64_t>(((kAlign - addr % kAlign) % kAlign) / sizeof(T));
}

// Runs body(vector index i, store) over [0, n) one vector at a time, storing to out with
// streaming stores when asked and possible; the ragged head and tail go through stack buffers so
// every ISA handles any length and offset with the same full-width code.
template <class Io, class T, class Body>
inline void for_each_vector(T* out, int64_t n, int32_t flags, Body body) {
    constexpr int W = Io::kWidth;
    int64_t i = 0;
    auto partial = [&](int64_t at, int64_t count) {  // 0 < count < W elements
        T buf[W];
        std::memset(static_cast<void*>(buf), 0, sizeof buf);
        body(at, count, [&](T*, auto v) { Io::store(buf, v); });
        std::memcpy(static_cast<void*>(out + at), buf, static_cast<size_t>(count) * sizeof(T));
    };
    // Two vectors per iteration: the activations are long dependency chains (exp, polynomials),
    // and two independent ones side by side keep the FMA pipes busier than out-of-order
    // execution alone manages (GELU-erf on AVX-512: 27.6 -> 25.9 cycles per vector).
    auto run = [&](int64_t from, auto put) AK_BODY {
        int64_t j = from;
        for (; j + 2 * W <= n; j += 2 * W) {
            body(j, W, put);
            body(j + W, W, put);
        }
        if (j + W <= n) body(j, W, put), j += W;
        return j;
    };
    int64_t head = (flags & AK_FLAG_STREAM) ? elements_to_alignment<Io>(out) : -1;
    if (head >= 0 && n >= head + W) {
        if (head > 0) partial(0, head);
        i = run(head, [](T* p, auto v) AK_BODY { Io::stream(p, v); });
        Io::fence();
    } else {
        i = run(0, [](T* p, auto v) AK_BODY { Io::store(p, v); });
    }
    if (i < n) partial(i, n - i);
}

// Loads count (< W allowed) elements at p as one vector, zero-padding a short read.
template <class Io, class T>
inline auto load_n(const T* p, int64_t count) {
    constexpr int W = Io::kWidth;
    if (W == 1 || count == W) return Io::load(p);  // one lane: never short
    T buf[W];
    std::memset(static_cast<void*>(buf), 0, sizeof buf);
    std::memcpy(static_cast<void*>(buf), p, static_cast<size_t>(count) * sizeof(T));
    return Io::load(buf);
}

template <class Io, class Op, class T>
void act_forward(const void* xv, void* yv, int64_t n, int32_t flags) {
    auto x = static_cast<const T*>(xv);
    auto y = static_cast<T*>(yv);
    for_each_vector<Io>(y, n, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
        put(y + i, Op::fwd(load_n<Io>(x + i, count)));
    });
}

template <class Io, class Op, class T>
void act_backward(const void* xv, const void* dyv, void* dxv, int64_t n, int32_t flags) {
    auto x = static_cast<const T*>(xv);
    auto dy = static_cast<const T*>(dyv);
    auto dx = static_cast<T*>(dxv);
    for_each_vector<Io>(dx, n, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
        put(dx + i, Op::bwd(load_n<Io>(x + i, count), load_n<Io>(dy + i, count)));
    });
}

// y = f(x + bias) row by row; the bias add is done in fp32.
template <class Io, class Op, class T>
void act_forward_bias(const void* xv, const void* bv, void* yv, int64_t rows, int64_t cols,
                      int32_t flags) {
    auto b = static_cast<const T*>(bv);
    for (int64_t r = 0; r < rows; ++r) {
        auto x = static_cast<const T*>(xv) + r * cols;
        auto y = static_cast<T*>(yv) + r * cols;
        for_each_vector<Io>(y, cols, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
            put(y + i, Op::fwd(add_bias(load_n<Io>(x + i, count), load_n<Io>(b + i, count))));
        });
    }
}

// Storage conversion; a NaN comes out quieted. The SIMD bf16 load is a plain widening that keeps a
// signalling NaN (activations quiet it in their result), so bf16 sources are quieted here; the
// f16 load (vcvtph2ps) and the 16-bit stores quiet by themselves.
template <class Io, class From, class To>
void convert(const void* xv, void* yv, int64_t n) {
    auto x = static_cast<const From*>(xv);
    auto y = static_cast<To*>(yv);
    for_each_vector<Io>(y, n, AK_FLAG_NONE, [&](int64_t i, int64_t count, auto put) AK_BODY {
        auto v = load_n<Io>(x + i, count);
        if constexpr (std::is_same_v<From, bf16>) v = quiet_nan_or(v, v);
        put(y + i, v);
    });
}

// The math functions of native/ops/math.h on float arrays, for the accuracy tests.
template <class Io, MathFunction Fn>
void math_probe(const void* xv, void* yv, int64_t n) {
    auto x = static_cast<const float*>(xv);
    auto y = static_cast<float*>(yv);
    for_each_vector<Io>(y, n, AK_FLAG_NONE, [&](int64_t i, int64_t count, auto put) AK_BODY {
        auto v = load_n<Io>(x + i, count);
        using V = decltype(v);
        if constexpr (Fn == MathFunction::kExp) put(y + i, exp_(v));
        if constexpr (Fn == MathFunction::kErf) put(y + i, erf_(v));
        if constexpr (Fn == MathFunction::kErfc) {
            V hi, lo;
            square_split(v, hi, lo);
            put(y + i, erfc_nonneg(v, hi, lo));
        }
        if constexpr (Fn == MathFunction::kNormalCdf) put(y + i, normal_cdf(v));
        if constexpr (Fn == MathFunction::kTanh) put(y + i, tanh_(v));
        if constexpr (Fn == MathFunction::kSigmoid) {
            V s, one_minus_s;
            sigmoid_pair(v, s, one_minus_s);
            put(y + i, s);
        }
    });
}

// 12 independent chains of y = y * m + c: enough to cover FMA latency x pipes on current cores.
template <class Io>
double fma_probe(int64_t iterations, float* sink) {
    using V = decltype(Io::load(static_cast<const float*>(nullptr)));
    constexpr int kChains = 12;
    V acc[kChains];
    for (int k = 0; k < kChains; ++k) acc[k] = V(1.0f + 0.01f * k);
    const V m(0.9999999f), c(1e-7f);
    for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
        for (int k = 0; k < kChains; ++k) {
            acc[k] = mul_add(acc[k], m, c);
            // Plain floats: keep each chain in a register as written, or GCC folds the loop.
            if constexpr (std::is_same_v<V, float>) __asm__ volatile("" : "+x"(acc[k]));
        }
    }
    V total = acc[0];
    for (int k = 1; k < kChains; ++k) total = total + acc[k];
    float lanes[Io::kWidth];
    Io::store(lanes, total);
    *sink = lanes[0];
    return double(iterations) * kChains * Io::kWidth * 2;
}

// Flops per element of each activation, from the op list.
constexpr int activation_flops(size_t op, int direction) {
#define AK_FLOPS_ROW(E, name, ff, bf) ff, bf,
    constexpr int flops[] = {AK_ACTIVATIONS(AK_FLOPS_ROW)};
#undef AK_FLOPS_ROW
    return flops[2 * op + direction];
}

// Compute-bound kernels run kInterleave independent vectors per step (vec_multi.h): measured on
// AVX-512, 4 takes gelu_erf, gelu_tanh and silu 10-20% faster than 1. Memory-bound ones (at most
// kMemoryBoundFlops per element, like relu) gain nothing and lose to the longer head and tail, so
// they run one vector per step.
constexpr int kInterleave = 4;
constexpr int kMemoryBoundFlops = 8;

template <class BaseIo, int K>
using IoOf = multi::Io<BaseIo, K>;

template <class BaseIo, size_t Op, int Direction>
using ActivationIo = IoOf<BaseIo, (activation_flops(Op, Direction) <= kMemoryBoundFlops ? 1 : kInterleave)>;

template <class BaseIo, size_t... Op>
KernelTable make_table(const char* name, std::index_sequence<Op...>) {
    using Dtype = StorageIndex;
    using Io = IoOf<BaseIo, 1>;
    KernelTable t{};
    t.name = name;
    ((t.forward[Op][Dtype::kF32] = &act_forward<ActivationIo<BaseIo, Op, 0>, typename ActivationOf<Op>::type, float>), ...);
    ((t.forward[Op][Dtype::kBF16] = &act_forward<ActivationIo<BaseIo, Op, 0>, typename ActivationOf<Op>::type, bf16>), ...);
    ((t.backward[Op][Dtype::kF32] = &act_backward<ActivationIo<BaseIo, Op, 1>, typename ActivationOf<Op>::type, float>), ...);
    ((t.backward[Op][Dtype::kBF16] = &act_backward<ActivationIo<BaseIo, Op, 1>, typename ActivationOf<Op>::type, bf16>), ...);
    ((t.forward_bias[Op][Dtype::kF32] = &act_forward_bias<ActivationIo<BaseIo, Op, 0>, typename ActivationOf<Op>::type, float>), ...);
    ((t.forward_bias[Op][Dtype::kBF16] = &act_forward_bias<ActivationIo<BaseIo, Op, 0>, typename ActivationOf<Op>::type, bf16>), ...);
    t.f32_to_bf16 = &convert<Io, float, bf16>;
    t.bf16_to_f32 = &convert<Io, bf16, float>;
    t.f32_to_f16 = &convert<Io, float, f16>;
    t.f16_to_f32 = &convert<Io, f16, float>;
    t.math[int(MathFunction::kExp)] = &math_probe<Io, MathFunction::kExp>;
    t.math[int(MathFunction::kErf)] = &math_probe<Io, MathFunction::kErf>;
    t.math[int(MathFunction::kErfc)] = &math_probe<Io, MathFunction::kErfc>;
    t.math[int(MathFunction::kNormalCdf)] = &math_probe<Io, MathFunction::kNormalCdf>;
    t.math[int(MathFunction::kTanh)] = &math_probe<Io, MathFunction::kTanh>;
    t.math[int(MathFunction::kSigmoid)] = &math_probe<Io, MathFunction::kSigmoid>;
    t.fma_probe = &fma_probe<BaseIo>;
    return t;
}

// The kernel table of an ISA, from its vector Io (vec_scalar.h, vec_avx2.h, vec_avx512.h).
template <class BaseIo>
KernelTable make_table(const char* name) {
    return make_table<BaseIo>(name, std::make_index_sequence<AK_ACT_COUNT>{});
}

}  // namespace ak::cpu
