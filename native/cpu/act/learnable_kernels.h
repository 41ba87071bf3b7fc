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
// - lanes: otherwise (per-channel parameters, small groups), whole rows go through tiles of channels
//   whose parameters are derived once per tile and block of rows and whose gradients are summed per
//   channel (ChannelTile); a partial first or last row gathers each lane's parameters and adds each lane's
//   gradients into the doubles of its group, lane by lane.
// Which way is taken depends on groups, channels and the ISA alone, and the order of every sum on
// the call's range alone: the same call gives the same bits on any thread. An op's common degrees
// (CommonDegrees) have kernels of their own with the degrees as constants (D = FixedDegrees).
#pragma once
#include <algorithm>
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

    // The counts the loops run to: constants where the op's row fixes them (every op but those whose
    // degrees set their parameters), so the loops unroll and their values stay in registers.
    static constexpr int kFixedRaw = Op::kGrouped >= 0 ? Op::kShared + Op::kGrouped : -1;
    int raw_count() const {
        if constexpr (kFixedRaw >= 0) return kFixedRaw;
        else return raw;
    }
    int derived_count() const {
        if constexpr (kFixedRaw >= 0) return kFixedRaw + Op::kExtra;
        else return derived;
    }

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
    float values[act::kMaxLearnDerived] = {};  // the first lane derives them
    int64_t last = -1;
    for (int l = 0; l < W; ++l) {
        if (l < count) {
            int64_t g = c / layout.group_size;
            if (g != last) layout.derive(params, last = g, values);
            group[l] = g;
            if (++c == layout.channels) c = 0;
        }
        for (int k = 0; k < layout.derived_count(); ++k) lanes[k][l] = values[k];
    }
    for (int k = 0; k < layout.derived_count(); ++k) d[k] = LoadStore::load(&lanes[k][0]);
}

// The lanes way over whole rows: blocks of rows, and in each, channels in tiles (for_each_block); a
// tile's parameters are derived into columns (lane c of a vector at channel c0 + i reads column
// i + c), and each column's gradient is summed in float over the block's rows, then added into the
// doubles of its group. Vectors run along a row. The columns share one pool of kTilePool floats on the
// stack, so a tile is as wide as they fit: per-channel parameters that derive copies (DyT's gamma and
// beta) are loaded from params itself and need no columns: forward then takes whole rows, and
// backward (which sums per column) rows of up to 2,700 channels, in one tile; a tile narrower than
// the row reads each row in pieces. The pool is
// 32 KiB: a Java thread calls in with only the JVM's shadow zone of stack guaranteed (20 pages on
// x86-64 Linux), which the whole native frame must fit.
constexpr int64_t kTilePool = 8192;

template <class LoadStore>
struct ChannelTile {
    using Values = typename LoadStore::Values;
    static constexpr int64_t W = LoadStore::kWidth;
    float pool[kTilePool];
    bool direct;               // per-channel parameters read from params
    int64_t width, columns;    // channels per tile; columns per array (width + W: a ragged vector reads past)
    int derived_arrays;        // derived values held in columns (0 when direct)
    const float* params = nullptr;
    int64_t c0 = 0;
    Values shared[act::kMaxLearnDerived];

    // with_sums: the tile sums gradients (backward). A direct tile without sums holds no columns, and
    // takes whole rows.
    template <class Op>
    ChannelTile(const LearnLayout<Op>& layout, const float* p, bool with_sums) : params(p) {
        direct = Op::kExtra == 0 && layout.group_size == 1;
        derived_arrays = direct ? 0 : layout.derived_count();
        const int arrays = derived_arrays + (with_sums ? layout.raw_count() : 0);
        const int64_t fit = arrays == 0 ? layout.channels : kTilePool / arrays - W;
        width = std::max<int64_t>(W, std::min<int64_t>(layout.channels, fit / W * W));
        columns = width + W;
        for (int k = 0; k < layout.shared; ++k) shared[k] = Values(p[k]);
    }
    float* derived(int k) { return pool + k * columns; }
    const float* derived(int k) const { return pool + k * columns; }
    float* sums(int k) { return pool + (derived_arrays + k) * columns; }

    template <class Op>
    void derive(const LearnLayout<Op>& layout, int64_t first_channel, int64_t tile_width) {
        c0 = first_channel;
        if (direct) return;
        float values[act::kMaxLearnDerived] = {};  // the first column derives them
        int64_t last = -1;
        for (int64_t c = 0; c < columns; ++c) {
            // Columns past the tile repeat its last channel's values: finite, so padded lanes give 0.
            const int64_t g = (c0 + (c < tile_width ? c : tile_width - 1)) / layout.group_size;
            if (g != last) layout.derive(params, last = g, values);
            for (int k = 0; k < layout.derived_count(); ++k) derived(k)[c] = values[k];
        }
    }
    template <class Op>
    AK_V void load(const LearnLayout<Op>& layout, int64_t i, int64_t count, Values* d) const {
        if (direct) {
            for (int k = 0; k < layout.shared; ++k) d[k] = shared[k];
            for (int k = layout.shared; k < layout.raw_count(); ++k)
                d[k] = load_n<LoadStore>(params + layout.slot(k, c0 + i), count);
            return;
        }
        for (int k = 0; k < layout.derived_count(); ++k) d[k] = LoadStore::load(derived(k) + i);
    }
    template <class Op>
    void clear_sums(const LearnLayout<Op>& layout) {
        for (int k = 0; k < layout.raw_count(); ++k) std::fill(sums(k), sums(k) + columns, 0.0f);
    }
    template <class Op>
    AK_V void add(const LearnLayout<Op>& layout, int64_t i, const Values* g) {
        for (int k = 0; k < layout.raw_count(); ++k) LoadStore::store(sums(k) + i, LoadStore::load(sums(k) + i) + g[k]);
    }
    // Adds the columns' sums into the doubles of their groups, in channel order, and clears them.
    template <class Op>
    void flush(const LearnLayout<Op>& layout, int64_t tile_width, double* dparams) {
        for (int k = 0; k < layout.raw_count(); ++k) {
            float* column = sums(k);
            for (int64_t c = 0; c < tile_width; ++c) {
                dparams[layout.slot(k, (c0 + c) / layout.group_size)] += column[c];
                column[c] = 0.0f;
            }
        }
    }
};

// Runs body(first row, end row, first channel, channels) over blocks of rows and, within each, tiles
// of width channels: a block's rows (about 64K elements, at most kFlushVectors rows) stay in the cache
// while its tiles go through them, and each tile's sums cover at most kFlushVectors rows.
template <class Body>
inline void for_each_block(int64_t rows, int64_t channels, int64_t width, Body body) {
    const int64_t block = std::max<int64_t>(1, std::min<int64_t>(kFlushVectors, (int64_t(1) << 16) / channels));
    for (int64_t r0 = 0; r0 < rows; r0 += block)
        for (int64_t c0 = 0; c0 < channels; c0 += width)
            body(r0, std::min(rows, r0 + block), c0, std::min(width, channels - c0));
}

// Splits a call into a partial first row, whole rows and a partial last row: lanes(at, count) for the
// partial ones, rows(at, count) for count whole rows from element at.
template <class Lanes, class Rows>
inline void by_whole_rows(int64_t n, int64_t first, int64_t channels, Lanes lanes, Rows rows) {
    const int64_t head = first == 0 ? 0 : std::min(n, channels - first);
    if (head > 0) lanes(0, head);
    const int64_t whole = (n - head) / channels;
    if (whole > 0) rows(head, whole);
    const int64_t done = head + whole * channels;
    if (done < n) lanes(done, n - done);
}

template <class LoadStore, class Op, class T, class D = act::Degrees>
void learn_forward(act::Degrees deg, const float* params, int64_t groups, const void* xv, void* yv, int64_t n,
                   int64_t channels, int64_t first, int32_t flags) {
    using Values = typename LoadStore::Values;
    const LearnLayout<Op> layout(deg, groups, channels);
    const D degrees = act::degrees_as<D>(deg);
    auto x = static_cast<const T*>(xv);
    auto y = static_cast<T*>(yv);
    Values d[act::kMaxLearnDerived];
    if (layout.template by_runs<LoadStore>()) {
        for_each_run(layout, n, first, [&](int64_t start, int64_t end, int64_t g) {
            float values[act::kMaxLearnDerived];
            layout.derive(params, g, values);
            for (int k = 0; k < layout.derived_count(); ++k) d[k] = Values(values[k]);
            for_each_vector<LoadStore>(y + start, end - start, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
                put(y + start + i, Op::fwd(load_n<LoadStore>(x + start + i, count), d, degrees));
            });
        });
        return;
    }
    int64_t group[LoadStore::kWidth];
    auto lanes = [&](int64_t at, int64_t len) {
        for_each_vector<LoadStore>(y + at, len, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
            gather_lanes<LoadStore>(layout, params, (first + at + i) % channels, count, d, group);
            put(y + at + i, Op::fwd(load_n<LoadStore>(x + at + i, count), d, degrees));
        });
    };
    auto rows = [&](int64_t at, int64_t count) {
        ChannelTile<LoadStore> tile(layout, params, false);
        for_each_block(count, channels, tile.width, [&](int64_t r0, int64_t r1, int64_t c0, int64_t width) {
            tile.derive(layout, c0, width);
            for (int64_t r = r0; r < r1; ++r) {
                const T* xr = x + at + r * channels + c0;
                T* yr = y + at + r * channels + c0;
                for_each_vector<LoadStore>(yr, width, flags, [&](int64_t i, int64_t n_i, auto put) AK_BODY {
                    tile.load(layout, i, n_i, d);
                    put(yr + i, Op::fwd(load_n<LoadStore>(xr + i, n_i), d, degrees));
                });
            }
        });
    };
    by_whole_rows(n, first, channels, lanes, rows);
}

template <class LoadStore, class Op, class T, class D = act::Degrees>
void learn_backward(act::Degrees deg, const float* params, int64_t groups, const void* xv, const void* dyv, void* dxv,
                    double* dparams, int64_t n, int64_t channels, int64_t first, int32_t flags) {
    using Values = typename LoadStore::Values;
    constexpr int W = LoadStore::kWidth;
    const LearnLayout<Op> layout(deg, groups, channels);
    const D degrees = act::degrees_as<D>(deg);
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
            for (int k = 0; k < layout.derived_count(); ++k) d[k] = Values(values[k]);
            Values acc[act::kMaxLearnParams];
            double sums[act::kMaxLearnParams] = {};
            for (int k = 0; k < layout.raw_count(); ++k) acc[k] = Values(0.0f);
            int steps = 0;
            auto flush = [&] {
                for (int k = 0; k < layout.raw_count(); ++k) {
                    sums[k] += lane_sum<LoadStore>(acc[k]);
                    acc[k] = Values(0.0f);
                }
                steps = 0;
            };
            for_each_vector<LoadStore>(dx + start, end - start, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
                const int64_t at = start + i;
                put(dx + at,
                    Op::bwd(load_n<LoadStore>(x + at, count), load_n<LoadStore>(dy + at, count), d, degrees, g));
                for (int k = 0; k < layout.raw_count(); ++k) acc[k] = acc[k] + g[k];
                if (++steps == kFlushVectors) flush();
            });
            flush();
            for (int k = 0; k < layout.raw_count(); ++k) dparams[layout.slot(k, group)] += sums[k];
        });
        return;
    }
    int64_t group[W];
    auto lanes = [&](int64_t at, int64_t len) {
        for_each_vector<LoadStore>(dx + at, len, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
            const int64_t e = at + i;
            gather_lanes<LoadStore>(layout, params, (first + e) % channels, count, d, group);
            put(dx + e, Op::bwd(load_n<LoadStore>(x + e, count), load_n<LoadStore>(dy + e, count), d, degrees, g));
            for (int k = 0; k < layout.raw_count(); ++k) {
                float values[W];
                LoadStore::store(values, g[k]);
                for (int64_t l = 0; l < count; ++l) dparams[layout.slot(k, group[l])] += values[l];
            }
        });
    };
    auto rows = [&](int64_t at, int64_t count) {
        ChannelTile<LoadStore> tile(layout, params, true);
        tile.clear_sums(layout);
        // A tile narrower than the row reads each row in pieces: a stream that restarts at every row,
        // so each row's piece asks for the next row's.
        const bool split = tile.width < channels;
        for_each_block(count, channels, tile.width, [&](int64_t r0, int64_t r1, int64_t c0, int64_t width) {
            tile.derive(layout, c0, width);
            for (int64_t r = r0; r < r1; ++r) {
                const int64_t row = at + r * channels + c0;
                for_each_vector<LoadStore>(dx + row, width, flags, [&](int64_t i, int64_t n_i, auto put) AK_BODY {
                    if (split) {
                        prefetch_lines(x, row + channels + i, n_i);
                        prefetch_lines(dy, row + channels + i, n_i);
                    }
                    tile.load(layout, i, n_i, d);
                    put(dx + row + i, Op::bwd(load_n<LoadStore>(x + row + i, n_i), load_n<LoadStore>(dy + row + i, n_i),
                                              d, degrees, g));
                    tile.add(layout, i, g);
                });
            }
            tile.flush(layout, width, dparams);
        });
    };
    by_whole_rows(n, first, channels, lanes, rows);
}

}  // namespace ak::cpu
