// The activation kernels, written once over an ISA's LoadStore (native/cpu/simd) and a functor
// (native/ops/act), instantiated per ISA and op by shard.h. Each is single-threaded over the range
// it is given; the entry points (dispatch/act.cpp) have checked every argument.
#pragma once
#include <array>
#include <cstdint>
#include <type_traits>

#include "../../ops/act/list.h"
#include "../../ops/philox.h"
#include "../../ops/storage.h"
#include "../loops.h"

namespace ak::cpu {

template <class LoadStore, class Op, class T>
void act_forward(const float* params, const void* xv, void* yv, int64_t n, int32_t flags) {
    const auto p = act::read_params<typename Op::Params>(params);
    auto x = static_cast<const T*>(xv);
    auto y = static_cast<T*>(yv);
    for_each_vector<LoadStore>(y, n, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
        put(y + i, Op::fwd(load_n<LoadStore>(x + i, count), p));
    });
}

template <class LoadStore, class Op, class T>
void act_backward(const float* params, const void* xv, const void* dyv, void* dxv, int64_t n, int32_t flags) {
    const auto p = act::read_params<typename Op::Params>(params);
    auto x = static_cast<const T*>(xv);
    auto dy = static_cast<const T*>(dyv);
    auto dx = static_cast<T*>(dxv);
    for_each_vector<LoadStore>(dx, n, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
        put(dx + i, Op::bwd(load_n<LoadStore>(x + i, count), load_n<LoadStore>(dy + i, count), p));
    });
}

template <class LoadStore, class Op, class T>
void act_backward_from_output(const float* params, const void* yv, const void* dyv, void* dxv, int64_t n,
                              int32_t flags) {
    const auto p = act::read_params<typename Op::Params>(params);
    auto y = static_cast<const T*>(yv);
    auto dy = static_cast<const T*>(dyv);
    auto dx = static_cast<T*>(dxv);
    for_each_vector<LoadStore>(dx, n, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
        put(dx + i, Op::bwd_from_output(load_n<LoadStore>(y + i, count), load_n<LoadStore>(dy + i, count), p));
    });
}

// y = f(x + bias) row by row; the bias add is done in fp32.
template <class LoadStore, class Op, class T>
void act_forward_bias(const float* params, const void* xv, const void* bv, void* yv, int64_t rows, int64_t cols,
                      int32_t flags) {
    const auto p = act::read_params<typename Op::Params>(params);
    auto b = static_cast<const T*>(bv);
    for (int64_t r = 0; r < rows; ++r) {
        auto x = static_cast<const T*>(xv) + r * cols;
        auto y = static_cast<T*>(yv) + r * cols;
        for_each_vector<LoadStore>(y, cols, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
            put(y + i, Op::fwd(add_bias(load_n<LoadStore>(x + i, count), load_n<LoadStore>(b + i, count)), p));
        });
    }
}

// dx = dy * f'(x + bias) row by row.
template <class LoadStore, class Op, class T>
void act_backward_bias(const float* params, const void* xv, const void* bv, const void* dyv, void* dxv,
                       int64_t rows, int64_t cols, int32_t flags) {
    const auto p = act::read_params<typename Op::Params>(params);
    auto b = static_cast<const T*>(bv);
    for (int64_t r = 0; r < rows; ++r) {
        auto x = static_cast<const T*>(xv) + r * cols;
        auto dy = static_cast<const T*>(dyv) + r * cols;
        auto dx = static_cast<T*>(dxv) + r * cols;
        for_each_vector<LoadStore>(dx, cols, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
            auto z = add_bias(load_n<LoadStore>(x + i, count), load_n<LoadStore>(b + i, count));
            put(dx + i, Op::bwd(z, load_n<LoadStore>(dy + i, count), p));
        });
    }
}

// The gated kernels' gate and up halves are rows in_stride apart (a projection's [rows, 2 cols]
// output): each half is a stream that restarts at every row, and the hardware prefetcher ramps up
// again at each restart. With rows of 16 KiB the kernels took 1.3x (forward) and 1.5x (backward) the
// time they take on the same halves stored one after the other (AMD EPYC, 16M elements, 1 thread;
// bench/results/*-gated-prefetch.md). So they prefetch every line of each half 2 KiB ahead of the
// line they load, running into the next row near the end of this one: forward 1.16-1.62x faster,
// backward 0.73-1.30x (the prefetches cost issue slots where a kernel is compute-bound: geglu_erf
// with 1 thread). Past the last row the address may not be the caller's memory: a prefetch never
// faults, and the address is formed as an integer, not as a pointer past the array.
template <class T>
AK_V void prefetch_row_ahead(const T* row, int64_t in_stride, int64_t cols, int64_t i, int64_t count) {
    constexpr int64_t kLine = 64 / sizeof(T), kAhead = 2048 / sizeof(T);
    const uintptr_t base = reinterpret_cast<uintptr_t>(row);
    for (int64_t j = i + kAhead; j < i + kAhead + count; j += kLine) {
        const int64_t at = j < cols ? j : in_stride + (j - cols);
        __builtin_prefetch(reinterpret_cast<const void*>(base + uintptr_t(at) * sizeof(T)));
    }
}

// y[r][c] = f(gate[r][c] (+ bias_gate[c])) * g(up[r][c] (+ bias_up[c])); gate and up rows
// in_stride elements apart, y rows cols apart. The bias branch is taken once per call.
template <class LoadStore, class Op, class T>
void act_gated_forward(const float* params, const void* gv, const void* uv, int64_t in_stride, const void* bgv,
                       const void* buv, void* yv, int64_t rows, int64_t cols, int32_t flags) {
    const auto p = act::read_params<typename Op::Params>(params);
    auto bg = static_cast<const T*>(bgv);
    auto bu = static_cast<const T*>(buv);
    auto run = [&](auto with_bias) {
        for (int64_t r = 0; r < rows; ++r) {
            auto g = static_cast<const T*>(gv) + r * in_stride;
            auto u = static_cast<const T*>(uv) + r * in_stride;
            auto y = static_cast<T*>(yv) + r * cols;
            for_each_vector<LoadStore>(y, cols, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
                prefetch_row_ahead(g, in_stride, cols, i, count);
                prefetch_row_ahead(u, in_stride, cols, i, count);
                auto gate = load_n<LoadStore>(g + i, count), up = load_n<LoadStore>(u + i, count);
                if constexpr (decltype(with_bias)::value) {
                    gate = add_bias(gate, load_n<LoadStore>(bg + i, count));
                    up = add_bias(up, load_n<LoadStore>(bu + i, count));
                }
                put(y + i, Op::fwd(gate, up, p));
            });
        }
    };
    if (bg) run(std::true_type{});
    else run(std::false_type{});
}

// Both halves' gradients, written with the input's layout. Two outputs: no streaming stores.
template <class LoadStore, class Op, class T>
void act_gated_backward(const float* params, const void* gv, const void* uv, int64_t in_stride, const void* bgv,
                        const void* buv, const void* dyv, void* dgv, void* duv, int64_t rows, int64_t cols,
                        int32_t flags) {
    const auto p = act::read_params<typename Op::Params>(params);
    auto bg = static_cast<const T*>(bgv);
    auto bu = static_cast<const T*>(buv);
    auto run = [&](auto with_bias) {
        for (int64_t r = 0; r < rows; ++r) {
            auto g = static_cast<const T*>(gv) + r * in_stride;
            auto u = static_cast<const T*>(uv) + r * in_stride;
            auto dy = static_cast<const T*>(dyv) + r * cols;
            auto dg = static_cast<T*>(dgv) + r * in_stride;
            auto du = static_cast<T*>(duv) + r * in_stride;
            for_each_vector<LoadStore>(dg, cols, flags & ~AK_FLAG_STREAM,
                                       [&](int64_t i, int64_t count, auto put) AK_BODY {
                prefetch_row_ahead(g, in_stride, cols, i, count);
                prefetch_row_ahead(u, in_stride, cols, i, count);
                auto gate = load_n<LoadStore>(g + i, count), up = load_n<LoadStore>(u + i, count);
                if constexpr (decltype(with_bias)::value) {
                    gate = add_bias(gate, load_n<LoadStore>(bg + i, count));
                    up = add_bias(up, load_n<LoadStore>(bu + i, count));
                }
                decltype(gate) dgate, dup;
                Op::bwd(gate, up, load_n<LoadStore>(dy + i, count), p, dgate, dup);
                put(dg + i, dgate);
                put(du + i, dup);
            });
        }
    };
    if (bg) run(std::true_type{});
    else run(std::false_type{});
}

// Whether an ISA's LoadStore has 32-bit word lanes for the vector Philox (native/cpu/simd: Words).
template <class Base, class = void>
struct HasWords : std::false_type {};
template <class Base>
struct HasWords<Base, std::void_t<typename Base::Words>> : std::true_type {};

// The uniforms of the 4W elements first .. first + 4W - 1 (W lanes, 4 interleaved vectors) with one
// Philox block per lane, when first is a multiple of 4 and the W blocks' low counter words do not
// wrap; false otherwise (the caller draws them block by block). Lane 4q + j draws block
// W/4 j + q, so that the 4 x 4 transposes within 128-bit lanes leave vector k holding elements
// W k .. W k + W - 1 in order.
template <class LoadStore>
inline bool seeded_uniforms_in_lanes(uint64_t seed, uint64_t first, int64_t count, typename LoadStore::Values& u) {
    using Base = typename LoadStore::Base;
    if constexpr (LoadStore::kCount != 4 || !HasWords<Base>::value) {
        return false;
    } else {
        using Words = typename Base::Words;
        constexpr int W = Base::kWidth;
        const uint64_t block = first >> 2;
        if (count != 4 * W || (first & 3) != 0 || uint32_t(block) > UINT32_MAX - uint32_t(W - 1)) return false;
        static constexpr std::array<uint32_t, W> kLaneBlock = [] {
            std::array<uint32_t, W> b{};
            for (int lane = 0; lane < W; ++lane) b[lane] = uint32_t(W / 4 * (lane % 4) + lane / 4);
            return b;
        }();
        Words c0 = Words::broadcast(uint32_t(block)) + Words::load(kLaneBlock.data());
        Words c1 = Words::broadcast(uint32_t(block >> 32)), c2 = Words::broadcast(0), c3 = c2;
        philox_rounds(c0, c1, c2, c3, uint32_t(seed), uint32_t(seed >> 32));
        transpose4(c0, c1, c2, c3);
        u.v[0] = unit_floats(c0), u.v[1] = unit_floats(c1), u.v[2] = unit_floats(c2), u.v[3] = unit_floats(c3);
        return true;
    }
}

// The uniforms of elements offset + i .. offset + i + count of a seeded call, as one vector: in
// lanes where the ISA has them, else one scalar Philox block per 4 elements.
template <class LoadStore>
inline auto seeded_uniforms(uint64_t seed, uint64_t first, int64_t count) {
    typename LoadStore::Values lanes;
    if (seeded_uniforms_in_lanes<LoadStore>(seed, first, count, lanes)) return lanes;
    constexpr int W = LoadStore::kWidth;
    float u[W + 4] = {};  // lanes past count stay 0: they are computed and never stored
    float block[4];
    const uint64_t start = first & ~uint64_t(3);
    for (int64_t k = 0; k < count + int64_t(first - start); k += 4) {
        philox_uniforms(seed, (start + uint64_t(k)) >> 2, block);
        for (int j = 0; j < 4; ++j) u[k + j] = block[j];
    }
    return LoadStore::load(u + (first - start));
}

template <class LoadStore, class Op, class T>
void act_seeded_forward(const float* params, int64_t seed, int64_t offset, const void* xv, void* yv, int64_t n,
                        int32_t flags) {
    const auto p = act::read_params<typename Op::Params>(params);
    auto x = static_cast<const T*>(xv);
    auto y = static_cast<T*>(yv);
    for_each_vector<LoadStore>(y, n, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
        auto u = seeded_uniforms<LoadStore>(uint64_t(seed), uint64_t(offset + i), count);
        put(y + i, Op::fwd(load_n<LoadStore>(x + i, count), u, p));
    });
}

template <class LoadStore, class Op, class T>
void act_seeded_backward(const float* params, int64_t seed, int64_t offset, const void* xv, const void* dyv, void* dxv,
                         int64_t n, int32_t flags) {
    const auto p = act::read_params<typename Op::Params>(params);
    auto x = static_cast<const T*>(xv);
    auto dy = static_cast<const T*>(dyv);
    auto dx = static_cast<T*>(dxv);
    for_each_vector<LoadStore>(dx, n, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
        auto u = seeded_uniforms<LoadStore>(uint64_t(seed), uint64_t(offset + i), count);
        put(dx + i, Op::bwd(load_n<LoadStore>(x + i, count), u, load_n<LoadStore>(dy + i, count), p));
    });
}

}  // namespace ak::cpu
