// The learnable activation kernels (AK_LEARNABLES), written once over an ISA's LoadStore and a
// functor of native/ops/act/learnable.h, instantiated per ISA, op and storage type by
// learnable_table.h. Single-threaded over the range given; the entry points (dispatch/learn.cpp)
// have checked every argument.
//
// A call covers n elements of a tensor whose rows have `channels` elements in `groups` groups of
// S = channels / groups; element i is in channel (first + i) % channels. Two ways through it:
// - runs: where one group covers many vectors (groups = 1, or S >= 2 vectors), each run of elements
//   in one group has its parameters derived once and broadcast, and the parameter gradients summed
//   in vector registers, added into doubles every kFlushVectors vectors and at the run's end;
// - lanes: otherwise (per-channel parameters, small groups) every vector gathers each lane's
//   parameters, and each lane's gradients are added into the doubles of its group, lane by lane.
// Which way is taken depends on groups, channels and the ISA alone, and the order of every sum on
// the call's range alone: the same call gives the same bits on any thread.
#pragma once
#include <cstdint>

#include "../../ops/act/learnable.h"
#include "../../ops/storage.h"
#include "../loops.h"

namespace ak::cpu {

// Vectors summed in float lanes before they are added into the doubles: 256 terms per lane keep
// the float sum within about 2^-16 of its terms' magnitude.
constexpr int kFlushVectors = 256;

// How a call's parameters are laid out: shared values, then [grouped parameter][group].
template <class Op>
struct LearnLayout {
    act::Degrees deg;
    int shared, per_group, raw, derived;
    int64_t groups, channels, group_size;

    LearnLayout(act::Degrees d, int64_t g, int64_t c)
        : deg(d), shared(Op::kShared), per_group(Op::group_count(d)), raw(Op::kShared + per_group),
          derived(raw + Op::kExtra), groups(g), channels(c), group_size(c / g) {}

    // Where raw parameter k of group g lives in the params (and dparams) array.
    int64_t slot(int k, int64_t g) const { return k < shared ? k : shared + int64_t(k - shared) * groups + g; }

    void derive(const float* params, int64_t g, float* d) const {
        float raw_values[act::kMaxLearnParams];
        for (int k = 0; k < raw; ++k) raw_values[k] = params[slot(k, g)];
        Op::derive(raw_values, d, deg);
    }

    // Whether a call takes the runs: every vector of a run is in one group.
    template <class LoadStore>
    bool by_runs() const { return groups == 1 || group_size >= 2 * LoadStore::kWidth; }

    // The end of the run that starts at element i (channel c): the end of its group, or of the call.
    int64_t run_end(int64_t i, int64_t c, int64_t n) const {
        if (groups == 1) return n;
        int64_t left = group_size - c % group_size;
        return n - i < left ? n : i + left;
    }
};

// Adds each lane of v into sum as double, in lane order.
template <class LoadStore>
inline double lane_sum(typename LoadStore::Values v) {
    float lanes[LoadStore::kWidth];
    LoadStore::store(lanes, v);
    double s = 0;
    for (float f : lanes) s += f;
    return s;
}

// Runs body(start, end, group) over the call's runs, in order.
template <class Op, class Body>
inline void for_each_run(const LearnLayout<Op>& layout, int64_t n, int64_t first, Body body) {
    int64_t c = first;
    for (int64_t i = 0; i < n;) {
        int64_t end = layout.run_end(i, c, n);
        body(i, end, c / layout.group_size);
        c = (c + (end - i)) % layout.channels;
        i = end;
    }
}

// The lanes' parameters of the vector at element i (channel c): lane l of d[k] holds derived value k
// of its group; group[l] its group. Lanes past count repeat the last one (finite, so padded lanes
// give 0 gradients).
template <class LoadStore, class Op>
inline void gather_lanes(const LearnLayout<Op>& layout, const float* params, int64_t c, int64_t count,
                         typename LoadStore::Values* d, int64_t* group) {
    constexpr int W = LoadStore::kWidth;
    float lanes[act::kMaxLearnDerived][W];
    float values[act::kMaxLearnDerived];
    int64_t last = -1;
    for (int l = 0; l < W; ++l) {
        if (l < count) {
            int64_t g = c / layout.group_size;
            if (g != last) layout.derive(params, last = g, values);
            group[l] = g;
            if (++c == layout.channels) c = 0;
        }
        for (int k = 0; k < layout.derived; ++k) lanes[k][l] = values[k];
    }
    for (int k = 0; k < layout.derived; ++k) d[k] = LoadStore::load(&lanes[k][0]);
}

template <class LoadStore, class Op, class T>
void learn_forward(act::Degrees deg, const float* params, int64_t groups, const void* xv, void* yv, int64_t n,
                   int64_t channels, int64_t first, int32_t flags) {
    using Values = typename LoadStore::Values;
    const LearnLayout<Op> layout(deg, groups, channels);
    auto x = static_cast<const T*>(xv);
    auto y = static_cast<T*>(yv);
    Values d[act::kMaxLearnDerived];
    if (layout.template by_runs<LoadStore>()) {
        for_each_run(layout, n, first, [&](int64_t start, int64_t end, int64_t g) {
            float values[act::kMaxLearnDerived];
            layout.derive(params, g, values);
            for (int k = 0; k < layout.derived; ++k) d[k] = Values(values[k]);
            for_each_vector<LoadStore>(y + start, end - start, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
                put(y + start + i, Op::fwd(load_n<LoadStore>(x + start + i, count), d, deg));
            });
        });
        return;
    }
    int64_t group[LoadStore::kWidth];
    for_each_vector<LoadStore>(y, n, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
        gather_lanes<LoadStore>(layout, params, (first + i) % channels, count, d, group);
        put(y + i, Op::fwd(load_n<LoadStore>(x + i, count), d, deg));
    });
}

template <class LoadStore, class Op, class T>
void learn_backward(act::Degrees deg, const float* params, int64_t groups, const void* xv, const void* dyv, void* dxv,
                    double* dparams, int64_t n, int64_t channels, int64_t first, int32_t flags) {
    using Values = typename LoadStore::Values;
    constexpr int W = LoadStore::kWidth;
    const LearnLayout<Op> layout(deg, groups, channels);
    auto x = static_cast<const T*>(xv);
    auto dy = static_cast<const T*>(dyv);
    auto dx = static_cast<T*>(dxv);
    const int64_t total = layout.shared + int64_t(layout.per_group) * groups;
    for (int64_t k = 0; k < total; ++k) dparams[k] = 0.0;
    Values d[act::kMaxLearnDerived], g[act::kMaxLearnParams];
    if (layout.template by_runs<LoadStore>()) {
        for_each_run(layout, n, first, [&](int64_t start, int64_t end, int64_t group) {
            float values[act::kMaxLearnDerived];
            layout.derive(params, group, values);
            for (int k = 0; k < layout.derived; ++k) d[k] = Values(values[k]);
            Values acc[act::kMaxLearnParams];
            double sums[act::kMaxLearnParams] = {};
            for (int k = 0; k < layout.raw; ++k) acc[k] = Values(0.0f);
            int steps = 0;
            auto flush = [&] {
                for (int k = 0; k < layout.raw; ++k) {
                    sums[k] += lane_sum<LoadStore>(acc[k]);
                    acc[k] = Values(0.0f);
                }
                steps = 0;
            };
            for_each_vector<LoadStore>(dx + start, end - start, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
                const int64_t at = start + i;
                put(dx + at, Op::bwd(load_n<LoadStore>(x + at, count), load_n<LoadStore>(dy + at, count), d, deg, g));
                for (int k = 0; k < layout.raw; ++k) acc[k] = acc[k] + g[k];
                if (++steps == kFlushVectors) flush();
            });
            flush();
            for (int k = 0; k < layout.raw; ++k) dparams[layout.slot(k, group)] += sums[k];
        });
        return;
    }
    int64_t group[W];
    for_each_vector<LoadStore>(dx, n, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
        gather_lanes<LoadStore>(layout, params, (first + i) % channels, count, d, group);
        put(dx + i, Op::bwd(load_n<LoadStore>(x + i, count), load_n<LoadStore>(dy + i, count), d, deg, g));
        for (int k = 0; k < layout.raw; ++k) {
            float lanes[W];
            LoadStore::store(lanes, g[k]);
            for (int64_t l = 0; l < count; ++l) dparams[layout.slot(k, group[l])] += lanes[l];
        }
    });
}

}  // namespace ak::cpu
