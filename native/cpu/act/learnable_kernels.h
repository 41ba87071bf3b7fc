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
// A call with a bias (the layer before's, per channel) applies f to x + bias[channel]: its runs end
// at the end of each row too, so a run's bias is a contiguous piece of the bias.
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "../../ops/act/learnable.h"
#include "../../ops/storage.h"
#include "../loops.h"

namespace ak::cpu {

// Vectors summed in float lanes before they are added into the doubles: 256 terms per lane keep
// the float sum within about 2^-16 of its terms' magnitude.
constexpr int kFlushVectors = 256;

// The sum of a step's K vectors (multi::LoadStore), in order. Where every lane of a step is in one
// group, its gradient sums are kept in one vector per parameter instead of K: as many adds, and K
// times fewer registers (rational (5, 4)'s backward held 20 sums at K = 2; folded, it took 4% less
// time, 64K F32 in the L2, AVX-512).
template <class LoadStore>
AK_V typename LoadStore::V fold(typename LoadStore::Values v) {
    typename LoadStore::V s = v.v[0];
    for (int k = 1; k < LoadStore::kCount; ++k) s = s + v.v[k];
    return s;
}

// How a call's parameters are laid out: shared values, then [grouped parameter][group].
template <class Op>
struct LearnLayout {
    // A constant: loops over the shared parameters unroll (a runtime count made GCC copy them with a
    // call to memcpy per vector, spilling every register around it).
    static constexpr int shared = Op::kShared;
    act::Degrees deg;
    int per_group, raw, derived;
    int64_t groups, channels, group_size;
    bool row_runs;  // runs end at each row's end (a call with a bias)

    LearnLayout(act::Degrees d, int64_t g, int64_t c, bool bias)
        : deg(d), per_group(Op::group_count(d)), raw(Op::kShared + per_group), derived(raw + Op::kExtra), groups(g),
          channels(c), group_size(c / g), row_runs(bias) {}

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
        float raw_values[act::kMaxLearnParams] = {};  // GCC cannot see that derive reads only raw of them
        for (int k = 0; k < raw; ++k) raw_values[k] = params[slot(k, g)];
        Op::derive(raw_values, d, deg);
    }

    // Whether a call takes the runs: every vector of a run is in one group.
    template <class LoadStore>
    bool by_runs() const { return groups == 1 || group_size >= 2 * LoadStore::kWidth; }

    // The end of the run that starts at element i (channel c): the end of its group (its row's end
    // with one group and row_runs), or of the call.
    int64_t run_end(int64_t i, int64_t c, int64_t n) const {
        if (groups == 1 && !row_runs) return n;
        int64_t left = group_size - c % group_size;
        return n - i < left ? n : i + left;
    }
};

// The sum of v's lanes in double, pairwise (lane l + lane l + W/2, and so on): independent adds, where
// a run of a group (a row's share of it) flushes every parameter's sums at its end.
template <class LoadStore, class V>
inline double lane_sum(V v) {
    constexpr int W = LoadStore::kWidth;
    static_assert((W & (W - 1)) == 0, "a vector's lanes are a power of two");
    float lanes[W];
    LoadStore::store(lanes, v);
    double s[W];
    for (int l = 0; l < W; ++l) s[l] = lanes[l];
    for (int half = W / 2; half > 0; half /= 2)
        for (int l = 0; l < half; ++l) s[l] += s[l + half];
    return s[0];
}

// Runs body(start, end, group, first channel) over the call's runs, in order.
template <class Op, class Body>
inline void for_each_run(const LearnLayout<Op>& layout, int64_t n, int64_t first, Body body) {
    int64_t c = first;
    for (int64_t i = 0; i < n;) {
        int64_t end = layout.run_end(i, c, n);
        body(i, end, c / layout.group_size, c);
        c = (c + (end - i)) % layout.channels;
        i = end;
    }
}

// Where the kernels ask for the lines of x (and dy) ahead of their loads: 2 KiB (1 and 4 KiB were within
// noise of it). The hardware prefetcher alone runs too little ahead of kernels that spend tens of
// instructions per vector, and late where rows re-read a bias row. Which ops ask is the table's choice
// (kLearnPrefetch, learnable_table.h); calls with a bias always ask: on an EPYC, rational (5, 4) with a
// bias took 1.25x (forward) and 1.17x (backward) the plain call's time without, 1.07x and 1.04x with.
constexpr int64_t kPrefetchBytes = 2048;

// The element kPrefetchBytes ahead of element i.
template <class T>
constexpr int64_t ahead(int64_t i) {
    return i + kPrefetchBytes / int64_t(sizeof(T));
}

// What the functors take as x: x itself, or x + bias in fp32 (add_bias) where the call has a bias;
// with kAhead, each load asks for x's lines kPrefetchBytes ahead.
// x and bias point at one element and its channel, so where a piece of elements runs along the
// channels one index moves both.
template <class LoadStore, class T, bool kBias, bool kAhead>
struct Input {
    static constexpr bool kPrefetch = kAhead;
    const T* x;
    const T* bias;  // nullptr without a bias

    Input(const T* x_base, int64_t element, const T* bias_base, int64_t channel)
        : x(x_base + element), bias(kBias ? bias_base + channel : nullptr) {}
    AK_V auto load(int64_t i, int64_t count) const {
        if constexpr (kAhead) prefetch_lines(x, ahead<T>(i), count);
        if constexpr (kBias) {
            return add_bias(load_n<LoadStore>(x + i, count), load_n<LoadStore>(bias + i, count));
        } else {
            return load_n<LoadStore>(x + i, count);
        }
    }
};

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
// i + c), and each column's gradient in a parameter of its group is summed in float over the block's
// rows, then added into the doubles of its group; a shared parameter's gradient is summed in
// registers along a row (TileRowBackward). Vectors run along a row. The columns share one pool of
// kTilePool floats on the stack, so a tile is as wide as they fit: per-channel parameters that derive
// copies (DyT's gamma and beta) are loaded from params itself and need no columns: forward then takes
// whole rows, and DyT's backward (two columns of sums) rows of up to 4,064 channels, in one tile; a
// row wider than a tile is read in pieces of equal width. The pool is 32 KiB: a Java thread calls in
// with only the JVM's shadow zone of stack guaranteed (20 pages on x86-64 Linux), which the whole
// native frame must fit.
constexpr int64_t kTilePool = 8192;

template <class LoadStore>
struct ChannelTile {
    using Values = typename LoadStore::Values;
    static constexpr int64_t W = LoadStore::kWidth;
    float pool[kTilePool];
    bool direct;               // per-channel parameters read from params
    int64_t width, columns;    // channels per tile; columns per array (width + W: a ragged vector reads past)
    int derived_arrays;        // derived values held in columns (0 when direct)
    int shared_count;          // shared parameters: their gradients have no columns
    const float* params = nullptr;
    int64_t c0 = 0;
    Values shared[act::kMaxLearnDerived];

    // with_sums: the tile sums gradients (backward). A direct tile without sums holds no columns, and
    // takes whole rows.
    template <class Op>
    ChannelTile(const LearnLayout<Op>& layout, const float* p, bool with_sums) : params(p) {
        direct = Op::kExtra == 0 && layout.group_size == 1;
        shared_count = layout.shared;
        derived_arrays = direct ? 0 : layout.derived_count();
        const int arrays = derived_arrays + (with_sums ? layout.raw_count() - layout.shared : 0);
        // Tiles of equal width (in whole vectors) where a row takes several; a tile without columns
        // takes the whole row.
        const int64_t most = arrays == 0 ? layout.channels : std::max<int64_t>(W, (kTilePool / arrays - W) / W * W);
        const int64_t tiles = (layout.channels + most - 1) / most;
        width = tiles == 1 ? layout.channels : ((layout.channels + tiles - 1) / tiles + W - 1) / W * W;
        columns = width + W;
        for (int k = 0; k < layout.shared; ++k) shared[k] = Values(p[k]);
    }
    float* derived(int k) { return pool + k * columns; }
    const float* derived(int k) const { return pool + k * columns; }
    // The column sums of grouped parameter k (k >= shared).
    float* sums(int k) { return pool + (derived_arrays + k - shared_count) * columns; }

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
        if constexpr (Op::kExtra == 0) {  // only such ops are direct
            if (direct) {
                for (int k = 0; k < layout.shared; ++k) d[k] = shared[k];
                for (int k = layout.shared; k < layout.raw_count(); ++k)
                    d[k] = load_n<LoadStore>(params + layout.slot(k, c0 + i), count);
                return;
            }
        }
        for (int k = 0; k < layout.derived_count(); ++k) d[k] = LoadStore::load(derived(k) + i);
    }
    template <class Op>
    void clear_sums(const LearnLayout<Op>& layout) {
        for (int k = layout.shared; k < layout.raw_count(); ++k) std::fill(sums(k), sums(k) + columns, 0.0f);
    }
    template <class Op>
    AK_V void add(const LearnLayout<Op>& layout, int64_t i, const Values* g) {
        for (int k = layout.shared; k < layout.raw_count(); ++k)
            LoadStore::store(sums(k) + i, LoadStore::load(sums(k) + i) + g[k]);
    }
    // Adds the columns' sums into the doubles of their groups, in channel order, and clears them.
    template <class Op>
    void flush(const LearnLayout<Op>& layout, int64_t tile_width, double* dparams) {
        for (int k = layout.shared; k < layout.raw_count(); ++k) {
            float* column = sums(k);
            double* slots = dparams + layout.slot(k, 0);
            int64_t g = c0 / layout.group_size, left = layout.group_size - c0 % layout.group_size;
            for (int64_t c = 0; c < tile_width; ++c) {
                slots[g] += column[c];
                if (--left == 0) {
                    ++g;
                    left = layout.group_size;
                }
            }
            std::fill(column, column + tile_width, 0.0f);
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

// Groups of at most kShortRunVectors vectors per row (KAT's 96 channels, or 512; or rows that short
// with one group and a bias) make runs too short to derive their parameters and sum their gradients
// each: whole rows of such calls go through blocks of rows and, in each, tiles of kGroupTile groups
// whose parameters are derived once per block and whose gradients are summed in float over the
// block's rows (at most kFlushVectors vectors per group), then added into the doubles. The tile keeps
// its groups' derived values as scalars, which each vector reads as broadcast loads folded into its
// FMAs (copying them into registers per run cost more than it saved on runs of a few vectors).
// Measured: rational (5, 4) in 8 groups of 96, backward, 3.5x slower run by run than ungrouped. A
// tile that covers the row keeps each row one stream: with tiles of 4 of KAT's 8 groups, every row
// restarted the prefetcher twice, and rational (5, 4) in 8 groups of 512 took 1.9x (forward) and 1.4x
// (backward) the ungrouped time, against 1.2x with 16.
constexpr int64_t kShortRunVectors = kFlushVectors / 4;
constexpr int kGroupTile = 16;

template <class LoadStore, class Op>
bool short_runs(const LearnLayout<Op>& layout) {
    return (layout.groups > 1 || layout.row_runs) && layout.template by_runs<LoadStore>() &&
           layout.group_size <= kShortRunVectors * LoadStore::kWidth;
}

// Runs tile(first group, count) at each block's tiles, then run(element, group, index in the tile) over
// the block's rows and the tile's groups, then done(first group, count).
template <class LoadStore, class Op, class Tile, class Run, class Done>
inline void for_each_group_tile(const LearnLayout<Op>& layout, int64_t at, int64_t rows, Tile tile, Run run,
                                Done done) {
    // A group's base vectors per row: backward folds a step's K into one sum (fold).
    const int64_t vectors = (layout.group_size + LoadStore::W - 1) / LoadStore::W;
    const int64_t block = std::max<int64_t>(
        1, std::min<int64_t>(kFlushVectors / vectors, (int64_t(1) << 16) / layout.channels));
    for (int64_t r0 = 0; r0 < rows; r0 += block) {
        const int64_t r1 = std::min(rows, r0 + block);
        for (int64_t g0 = 0; g0 < layout.groups; g0 += kGroupTile) {
            const int count = int(std::min<int64_t>(kGroupTile, layout.groups - g0));
            tile(g0, count);
            for (int64_t r = r0; r < r1; ++r)
                for (int t = 0; t < count; ++t) run(at + r * layout.channels + (g0 + t) * layout.group_size, g0 + t, t);
            done(g0, count);
        }
    }
}

// The derived parameters and gradient sums a kernel holds for a group: arrays of the counts where
// the op's row or the kernel's degrees fix them.
template <class LoadStore, class Op, class D>
struct GroupSlots {
    using Values = typename LoadStore::Values;
    // The raw count where the op's row or the kernel's degrees (FixedDegrees) fix it, else -1.
    static constexpr int kFixedRaw = LearnLayout<Op>::kFixedRaw >= 0 ? LearnLayout<Op>::kFixedRaw
                                     : std::is_same_v<D, act::Degrees>  ? -1
                                                                        : Op::kShared + Op::group_count(D{});
    static constexpr int kRaw = kFixedRaw >= 0 ? kFixedRaw : act::kMaxLearnParams;
    static constexpr int kDerived = kFixedRaw >= 0 ? kFixedRaw + Op::kExtra : act::kMaxLearnDerived;
    static int raw_count(const LearnLayout<Op>& layout) { return kFixedRaw >= 0 ? kFixedRaw : layout.raw_count(); }
    static int derived_count(const LearnLayout<Op>& layout) { return raw_count(layout) + Op::kExtra; }
    // Broadcasts derived values (LearnLayout::derive's) into d.
    static void broadcast(const LearnLayout<Op>& layout, const float* values, Values* d) {
        for (int k = 0; k < derived_count(layout); ++k) d[k] = Values(values[k]);
    }
    // Broadcasts group g's derived values into d.
    static void derive(const LearnLayout<Op>& layout, const float* params, int64_t g, Values* d) {
        float values[act::kMaxLearnDerived] = {};
        layout.derive(params, g, values);
        broadcast(layout, values, d);
    }
};

template <class LoadStore, class Op, class T, class D, bool kBias, bool kPrefetch>
void learn_forward_as(act::Degrees deg, const float* params, int64_t groups, const T* x, const T* bias, T* y,
                      int64_t n, int64_t channels, int64_t first, int32_t flags) {
    using Values = typename LoadStore::Values;
    using In = Input<LoadStore, T, kBias, kBias || kPrefetch>;
    const LearnLayout<Op> layout(deg, groups, channels, kBias);
    const D degrees = act::degrees_as<D>(deg);
    using Slots = GroupSlots<LoadStore, Op, D>;
    auto run_by_run = [&](int64_t at, int64_t len) {
        for_each_run(layout, len, (first + at) % channels, [&](int64_t start, int64_t end, int64_t g, int64_t c) {
            Values d[Slots::kDerived];
            Slots::derive(layout, params, g, d);
            // d copied into the body: for_each_vector's copy keeps it in registers (loops.h).
            const In in(x, at + start, bias, c);
            T* ys = y + at + start;
            for_each_vector<LoadStore>(ys, end - start, flags, [&, d](int64_t i, int64_t count, auto put) AK_BODY {
                put(ys + i, Op::fwd(in.load(i, count), d, degrees));
            });
        });
    };
    if (short_runs<LoadStore>(layout)) {
        by_whole_rows(n, first, channels, run_by_run, [&](int64_t at, int64_t count) {
            float derived[kGroupTile][act::kMaxLearnDerived] = {};
            for_each_group_tile<LoadStore>(
                layout, at, count,
                [&](int64_t g0, int tile) {
                    for (int t = 0; t < tile; ++t) layout.derive(params, g0 + t, derived[t]);
                },
                [&](int64_t start, int64_t g, int t) {
                    const In in(x, start, bias, g * layout.group_size);
                    T* ys = y + start;
                    const float* values = derived[t];
                    for_each_vector<LoadStore>(ys, layout.group_size, flags, [&](int64_t i, int64_t count, auto put)
                                                                                 AK_BODY {
                        Values d[Slots::kDerived];  // broadcast loads, folded into their uses
                        Slots::broadcast(layout, values, d);
                        put(ys + i, Op::fwd(in.load(i, count), d, degrees));
                    });
                },
                [](int64_t, int) {});
        });
        return;
    }
    if (layout.template by_runs<LoadStore>()) {
        run_by_run(0, n);
        return;
    }
    // lanes and rows start at a row's channel (first + at) % channels and stay in the row.
    auto lanes = [&](int64_t at, int64_t len) {
        const In in(x, at, bias, (first + at) % channels);
        for_each_vector<LoadStore>(y + at, len, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
            Values d[act::kMaxLearnDerived];
            int64_t group[LoadStore::kWidth];
            gather_lanes<LoadStore>(layout, params, (first + at + i) % channels, count, d, group);
            put(y + at + i, Op::fwd(in.load(i, count), d, degrees));
        });
    };
    auto rows = [&](int64_t at, int64_t count) {
        ChannelTile<LoadStore> tile(layout, params, false);
        for_each_block(count, channels, tile.width, [&](int64_t r0, int64_t r1, int64_t c0, int64_t width) {
            tile.derive(layout, c0, width);
            for (int64_t r = r0; r < r1; ++r) {
                const In in(x, at + r * channels + c0, bias, c0);
                T* yr = y + at + r * channels + c0;
                for_each_vector<LoadStore>(yr, width, flags, [&](int64_t i, int64_t n_i, auto put) AK_BODY {
                    Values d[act::kMaxLearnDerived];
                    tile.load(layout, i, n_i, d);
                    put(yr + i, Op::fwd(in.load(i, n_i), d, degrees));
                });
            }
        });
    };
    by_whole_rows(n, first, channels, lanes, rows);
}

// The table's entry: the bias branch taken once per call. kPrefetch: whether a call without a bias asks
// for x's lines ahead (one with a bias always does).
template <class LoadStore, class Op, class T, bool kPrefetch, class D = act::Degrees>
void learn_forward(act::Degrees deg, const float* params, int64_t groups, const void* x, const void* bias, void* y,
                   int64_t n, int64_t channels, int64_t first, int32_t flags) {
    auto xt = static_cast<const T*>(x);
    auto bt = static_cast<const T*>(bias);
    auto yt = static_cast<T*>(y);
    if (bias)
        learn_forward_as<LoadStore, Op, T, D, true, true>(deg, params, groups, xt, bt, yt, n, channels, first, flags);
    else
        learn_forward_as<LoadStore, Op, T, D, false, kPrefetch>(deg, params, groups, xt, bt, yt, n, channels, first,
                                                                 flags);
}

// The body of backward over one run: it holds the run's parameters and the float sums of its
// gradients as members, so for_each_vector's copy of it keeps them in registers.
template <class LoadStore, class Op, class T, class D, class In>
struct RunBackward {
    using Values = typename LoadStore::Values;
    In in;
    const T* dy;
    T* dx;
    // Arrays of the counts where they are fixed: the copies for_each_vector makes are then no larger
    // than the registers they go to.
    using Slots = GroupSlots<LoadStore, Op, D>;
    D degrees;
    int raw;
    using Sum = typename LoadStore::V;
    // Steps between flushes: each adds K terms to a lane of a sum.
    static constexpr int kFlushSteps = kFlushVectors / LoadStore::kCount;
    Values d[Slots::kDerived];
    Sum acc[Slots::kRaw];
    double sums[Slots::kRaw] = {};
    int steps = 0;

    // derived: the run's group's values (LearnLayout::derive).
    RunBackward(const LearnLayout<Op>& layout, const float* derived, In in_, const T* dy_,
                T* dx_, D deg)
        : in(in_), dy(dy_), dx(dx_), degrees(deg), raw(Slots::raw_count(layout)) {
        Slots::broadcast(layout, derived, d);
        for (int k = 0; k < raw; ++k) acc[k] = Sum(0.0f);
    }
    int raw_count() const {
        if constexpr (Slots::kFixedRaw >= 0) return Slots::kFixedRaw;
        else return raw;
    }
    template <class Put>
    AK_BODY void operator()(int64_t i, int64_t count, Put put) {
        Values g[act::kMaxLearnParams];
        if constexpr (In::kPrefetch) prefetch_lines(dy, ahead<T>(i), count);
        put(dx + i, Op::bwd(in.load(i, count), load_n<LoadStore>(dy + i, count), d, degrees, g));
        for (int k = 0; k < raw_count(); ++k) acc[k] = acc[k] + fold<LoadStore>(g[k]);
        if (++steps == kFlushSteps) flush();
    }
    void flush() {
        for (int k = 0; k < raw_count(); ++k) {
            sums[k] += lane_sum<typename LoadStore::Base>(acc[k]);
            acc[k] = Sum(0.0f);
        }
        steps = 0;
    }
};

// The body of backward over a row's piece of a tile: the shared parameters' gradients summed in its
// members (registers, as RunBackward's), the others added into the tile's columns.
template <class LoadStore, class Op, class T, class D, class In>
struct TileRowBackward {
    using Values = typename LoadStore::Values;
    static constexpr int kShared = Op::kShared > 0 ? Op::kShared : 1;
    const LearnLayout<Op>* layout;
    ChannelTile<LoadStore>* tile;
    In in;
    const T* dy;
    T* dx;
    D degrees;
    int64_t next_row;  // elements to the next row's piece, to prefetch it (0: none)
    Values shared[kShared];

    template <class Put>
    AK_BODY void operator()(int64_t i, int64_t count, Put put) {
        Values d[act::kMaxLearnDerived], g[act::kMaxLearnParams];
        if (next_row != 0) {
            prefetch_lines(in.x, next_row + i, count);
            prefetch_lines(dy, next_row + i, count);
        }
        tile->load(*layout, i, count, d);
        put(dx + i, Op::bwd(in.load(i, count), load_n<LoadStore>(dy + i, count), d, degrees, g));
        for (int k = 0; k < Op::kShared; ++k) shared[k] = shared[k] + g[k];
        tile->add(*layout, i, g);
    }
};

template <class LoadStore, class Op, class T, class D, bool kBias, bool kPrefetch>
void learn_backward_as(act::Degrees deg, const float* params, int64_t groups, const T* x, const T* bias, const T* dy,
                       T* dx, double* dparams, int64_t n, int64_t channels, int64_t first, int32_t flags) {
    using Values = typename LoadStore::Values;
    using In = Input<LoadStore, T, kBias, kBias || kPrefetch>;
    constexpr int W = LoadStore::kWidth;
    const LearnLayout<Op> layout(deg, groups, channels, kBias);
    const D degrees = act::degrees_as<D>(deg);
    const int64_t total = layout.shared + int64_t(layout.per_group) * groups;
    for (int64_t k = 0; k < total; ++k) dparams[k] = 0.0;
    using Slots = GroupSlots<LoadStore, Op, D>;
    auto run_by_run = [&](int64_t at, int64_t len) {
        for_each_run(layout, len, (first + at) % channels, [&](int64_t start, int64_t end, int64_t group, int64_t c) {
            const int64_t e = at + start;
            float derived[act::kMaxLearnDerived] = {};
            layout.derive(params, group, derived);
            RunBackward<LoadStore, Op, T, D, In> run(layout, derived, In(x, e, bias, c), dy + e, dx + e, degrees);
            run = for_each_vector<LoadStore>(dx + e, end - start, flags, run);
            run.flush();
            for (int k = 0; k < layout.raw_count(); ++k) dparams[layout.slot(k, group)] += run.sums[k];
        });
    };
    if (short_runs<LoadStore>(layout)) {
        by_whole_rows(n, first, channels, run_by_run, [&](int64_t at, int64_t count) {
            float derived[kGroupTile][act::kMaxLearnDerived] = {};
            typename LoadStore::V acc[kGroupTile][Slots::kRaw];
            const int raw = Slots::raw_count(layout);
            for_each_group_tile<LoadStore>(
                layout, at, count,
                [&](int64_t g0, int tile) {
                    for (int t = 0; t < tile; ++t) {
                        layout.derive(params, g0 + t, derived[t]);
                        for (int k = 0; k < raw; ++k) acc[t][k] = typename LoadStore::V(0.0f);
                    }
                },
                [&](int64_t start, int64_t group, int t) {
                    const In in(x, start, bias, group * layout.group_size);
                    const float* values = derived[t];
                    typename LoadStore::V* sums = acc[t];
                    for_each_vector<LoadStore>(dx + start, layout.group_size, flags,
                                               [&](int64_t i, int64_t count, auto put) AK_BODY {
                        const int64_t e = start + i;
                        Values d[Slots::kDerived], g[Slots::kRaw];
                        Slots::broadcast(layout, values, d);
                        if constexpr (In::kPrefetch) prefetch_lines(dy, ahead<T>(e), count);
                        put(dx + e, Op::bwd(in.load(i, count), load_n<LoadStore>(dy + e, count), d, degrees, g));
                        for (int k = 0; k < raw; ++k) sums[k] = sums[k] + fold<LoadStore>(g[k]);
                    });
                },
                [&](int64_t g0, int tile) {
                    for (int t = 0; t < tile; ++t)
                        for (int k = 0; k < raw; ++k)
                            dparams[layout.slot(k, g0 + t)] += lane_sum<typename LoadStore::Base>(acc[t][k]);
                });
        });
        return;
    }
    if (layout.template by_runs<LoadStore>()) {
        run_by_run(0, n);
        return;
    }
    // d and g are each vector's own: arrays that outlive it would be stored and loaded again.
    auto lanes = [&](int64_t at, int64_t len) {
        const In in(x, at, bias, (first + at) % channels);
        for_each_vector<LoadStore>(dx + at, len, flags, [&](int64_t i, int64_t count, auto put) AK_BODY {
            Values d[act::kMaxLearnDerived], g[act::kMaxLearnParams];
            int64_t group[W];
            const int64_t e = at + i;
            gather_lanes<LoadStore>(layout, params, (first + e) % channels, count, d, group);
            put(dx + e, Op::bwd(in.load(i, count), load_n<LoadStore>(dy + e, count), d, degrees, g));
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
        const int64_t next_row = tile.width < channels ? channels : 0;
        double shared_sums[act::kMaxLearnParams] = {};
        for_each_block(count, channels, tile.width, [&](int64_t r0, int64_t r1, int64_t c0, int64_t width) {
            tile.derive(layout, c0, width);
            for (int64_t r = r0; r < r1; ++r) {
                const int64_t row = at + r * channels + c0;
                TileRowBackward<LoadStore, Op, T, D, In> body{&layout, &tile, In(x, row, bias, c0), dy + row,
                                                                 dx + row, degrees, next_row, {}};
                for (int k = 0; k < layout.shared; ++k) body.shared[k] = Values(0.0f);
                body = for_each_vector<LoadStore>(dx + row, width, flags, body);
                for (int k = 0; k < layout.shared; ++k) shared_sums[k] += lane_sum<LoadStore>(body.shared[k]);
            }
            tile.flush(layout, width, dparams);
        });
        for (int k = 0; k < layout.shared; ++k) dparams[k] += shared_sums[k];
    };
    by_whole_rows(n, first, channels, lanes, rows);
}

// The table's entry: the bias branch taken once per call. kPrefetch: whether a call without a bias asks
// for x's and dy's lines ahead (one with a bias always does).
template <class LoadStore, class Op, class T, bool kPrefetch, class D = act::Degrees>
void learn_backward(act::Degrees deg, const float* params, int64_t groups, const void* x, const void* bias,
                    const void* dy, void* dx, double* dparams, int64_t n, int64_t channels, int64_t first,
                    int32_t flags) {
    auto xt = static_cast<const T*>(x);
    auto bt = static_cast<const T*>(bias);
    auto dyt = static_cast<const T*>(dy);
    auto dxt = static_cast<T*>(dx);
    if (bias)
        learn_backward_as<LoadStore, Op, T, D, true, true>(deg, params, groups, xt, bt, dyt, dxt, dparams, n, channels,
                                                           first, flags);
    else
        learn_backward_as<LoadStore, Op, T, D, false, kPrefetch>(deg, params, groups, xt, bt, dyt, dxt, dparams, n,
                                                                 channels, first, flags);
}

}  // namespace ak::cpu
