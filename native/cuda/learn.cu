// CUDA kernels of the learnable activations (AK_LEARNABLES): the functors of
// native/ops/act/learnable.h per element, in fp32 (narrow_float for 16-bit storage, as act.cu).
// The tensor is rows x channels (the whole tensor, so n is a multiple of channels). A bias (per channel)
// is added to x in fp32 before f, as the CPU kernels do.
//
// Parameter gradients without atomics, in an order fixed by the grid, which depends on the device
// and the shape alone:
// - one group (per-tensor parameters): every thread sums its grid-stride elements' terms in
//   registers, each block adds its threads' sums in a shared-memory tree and writes one row of
//   partial sums;
// - several groups: a 2-D grid, each thread owning one channel over a band of rows (so it knows
//   its group), writes its sums per channel;
// then one block per parameter adds its partial sums in a fixed order, in double (reduce_kernel), or,
// where each group has few terms (per-channel parameters), one thread per grouped parameter
// (reduce_each_kernel).
// PolyNorm normalizes rows: a block per row writes y (or the row's stats), and backward's dx and
// partial sums come from a second kernel over channels, as for several groups.
// The partial sums live in the device's scratch memory, held from the first launch to the last.
#include <cstdint>
#include <utility>

#include "../common/errors.h"
#include "../common/act_args.h"
#include "../common/dtype.h"
#include "../common/learn_args.h"
#include "../common/operands.h"
#include "../include/actinium.h"
#include "../ops/act/learnable.h"
#include "elementwise.h"
#include "launch.h"

namespace ak::cuda {
namespace {

constexpr int kThreads = 256;

// What every kernel of a call knows of its parameters.
struct LearnShape {
    act::Degrees deg;
    int64_t groups, channels, group_size;
};

// Group g's derived parameters as values of V, read from the device's params.
template <class Op, class V>
__device__ __forceinline__ void derive_group(const float* params, const LearnShape& s, int64_t g, V* d) {
    float raw[act::kMaxLearnParams], values[act::kMaxLearnDerived];
    const int per = Op::group_count(s.deg), count = Op::kShared + per;
    for (int k = 0; k < count; ++k)
        raw[k] = load1(params + (k < Op::kShared ? k : Op::kShared + int64_t(k - Op::kShared) * s.groups + g));
    Op::derive(raw, values, s.deg);
    for (int k = 0; k < count + Op::kExtra; ++k) d[k] = V(values[k]);
}

// What the functors take as x at element i of channel c: x, or x + bias[c] where the call has a bias.
template <class T>
__device__ __forceinline__ Compute<T> input(const T* x, const T* bias, int64_t i, int64_t c) {
    return bias ? add_bias(load_compute(x + i), load_compute(bias + c)) : load_compute(x + i);
}

template <class Op, class T>
__global__ void forward_kernel(LearnShape s, const float* params, const T* x, const T* bias, T* y, int64_t n) {
    using V = Compute<T>;
    V d[act::kMaxLearnDerived];
    for (V& v : d) v = V(0.0f);  // derived before the first use; set so no compiler doubts it
    int64_t group = -1;
    const int64_t stride = int64_t(gridDim.x) * blockDim.x;
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        const int64_t c = s.groups == 1 && !bias ? 0 : i % s.channels;
        const int64_t g = s.groups == 1 ? 0 : c / s.group_size;
        if (g != group) derive_group<Op>(params, s, group = g, d);
        store1(y + i, float(Op::fwd(input(x, bias, i, c), d, s.deg)));
    }
}

// One group: grid-stride sums per thread, a tree per block, partial[block][k].
template <class Op, class T>
__global__ void backward_flat_kernel(LearnShape s, const float* params, const T* x, const T* bias, const T* dy,
                                     T* dx, float* partial, int64_t n) {
    using V = Compute<T>;
    V d[act::kMaxLearnDerived], g[act::kMaxLearnParams];
    float acc[act::kMaxLearnParams];
    const int raw = Op::kShared + Op::group_count(s.deg);
    derive_group<Op>(params, s, 0, d);
    for (int k = 0; k < raw; ++k) acc[k] = 0.0f;
    const int64_t stride = int64_t(gridDim.x) * blockDim.x;
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        const int64_t c = bias ? i % s.channels : 0;
        store1(dx + i, float(Op::bwd(input(x, bias, i, c), load_compute(dy + i), d, s.deg, g)));
        for (int k = 0; k < raw; ++k) acc[k] += float(g[k]);
    }
    AK_SHARED_ARRAY(float, sums, kThreads);
    for (int k = 0; k < raw; ++k) {
        sums[threadIdx.x] = acc[k];
        __syncthreads();
        for (unsigned half = kThreads / 2; half > 0; half /= 2) {
            if (threadIdx.x < half) sums[threadIdx.x] += sums[threadIdx.x + half];
            __syncthreads();
        }
        if (threadIdx.x == 0) store1(partial + int64_t(blockIdx.x) * raw + k, float(sums[0]));
        __syncthreads();
    }
}

// Several groups: thread (blockIdx.x, threadIdx.x) owns channel c over rows blockIdx.y, + gridDim.y, ...;
// partial[band][k][c].
template <class Op, class T>
__global__ void backward_channels_kernel(LearnShape s, const float* params, const T* x, const T* bias, const T* dy,
                                         T* dx, float* partial, int64_t rows) {
    using V = Compute<T>;
    const int64_t c = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (c >= s.channels) return;
    V d[act::kMaxLearnDerived], g[act::kMaxLearnParams];
    float acc[act::kMaxLearnParams];
    const int raw = Op::kShared + Op::group_count(s.deg);
    derive_group<Op>(params, s, c / s.group_size, d);
    for (int k = 0; k < raw; ++k) acc[k] = 0.0f;
    for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
        const int64_t i = r * s.channels + c;
        store1(dx + i, float(Op::bwd(input(x, bias, i, c), load_compute(dy + i), d, s.deg, g)));
        for (int k = 0; k < raw; ++k) acc[k] += float(g[k]);
    }
    for (int k = 0; k < raw; ++k) store1(partial + (int64_t(blockIdx.y) * raw + k) * s.channels + c, acc[k]);
}

// Block j adds the partial sums of parameter slot j of the params array, partial being
// [bands][raw][width]: a shared slot over every column, a grouped one over its group's columns
// (width 1 and one group after the flat kernel). Each thread takes every kThreads-th term in
// order, in double, then a tree.
__global__ void reduce_kernel(const float* partial, int64_t bands, int raw, int shared, int64_t width,
                              int64_t groups, float* dparams) {
    const int64_t slot = blockIdx.x;
    const int k = slot < shared ? int(slot) : shared + int((slot - shared) / groups);
    const int64_t g = slot < shared ? 0 : (slot - shared) % groups;
    const int64_t columns = slot < shared ? width : width / groups, first = slot < shared ? 0 : g * columns;
    double sum = 0;
    for (int64_t j = threadIdx.x; j < bands * columns; j += kThreads) {
        const int64_t band = j / columns, column = first + j % columns;
        sum += load1(partial + (band * raw + k) * width + column);
    }
    AK_SHARED_ARRAY(double, sums, kThreads);
    sums[threadIdx.x] = sum;
    __syncthreads();
    for (unsigned half = kThreads / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) sums[threadIdx.x] = sums[threadIdx.x] + sums[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0) store1(dparams + slot, float(double(sums[0])));
}

// PolyNorm (ops/act/polynorm.h): one block per row (a grid-stride over rows). The row's sums go
// through a fixed tree in double, shared by every thread of the block.
template <class Tree>
__device__ double block_sum(double v, Tree& tree) {
    tree[threadIdx.x] = v;
    __syncthreads();
    for (unsigned half = kThreads / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) tree[threadIdx.x] = tree[threadIdx.x] + tree[threadIdx.x + half];
        __syncthreads();
    }
    const double sum = tree[0];
    __syncthreads();
    return sum;
}

// The row's scales: the sums of x^(2k) over the block's columns, then polynorm_scales.
template <class T, class Tree>
__device__ act::PolyNormScales polynorm_row(const LearnShape& s, float eps, const T* xr, Tree& tree) {
    const int order = s.deg.num;
    double acc[act::kPolyNormMaxOrder] = {0.0, 0.0, 0.0}, sums[act::kPolyNormMaxOrder];
    for (int64_t j = threadIdx.x; j < s.channels; j += kThreads) {
        const double v = load1(xr + j), v2 = v * v;
        acc[0] += v2;
        if (order >= 2) acc[1] += v2 * v2;
        if (order >= 3) acc[2] += v2 * v2 * v2;
    }
    for (int k = 0; k < order; ++k) sums[k] = block_sum(acc[k], tree);
    act::PolyNormScales scales;
    act::polynorm_scales(sums, s.channels, eps, order, scales);
    return scales;
}

__device__ __forceinline__ void polynorm_coefficients(const LearnShape& s, const float* params, int64_t j, float* a) {
    const int64_t g = j / s.group_size;
    for (int k = 0; k <= s.deg.num; ++k) a[k] = load1(params + 1 + k * s.groups + g);
}

template <class T>
__global__ void polynorm_forward_kernel(LearnShape s, const float* params, const T* x, T* y, int64_t rows) {
    AK_SHARED_ARRAY(double, tree, kThreads);
    const float eps = load1(params);
    float a[act::kPolyNormMaxOrder + 1];
    for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
        const int64_t at = row * s.channels;
        const act::PolyNormScales scales = polynorm_row(s, eps, x + at, tree);
        for (int64_t j = threadIdx.x; j < s.channels; j += kThreads) {
            polynorm_coefficients(s, params, j, a);
            store1(y + at + j, act::polynorm_forward(load1(x + at + j), a, scales.s, s.deg.num));
        }
    }
}

// Per row stats[row]: s_1..s_3, D_1..D_3, and the row's term of the eps gradient.
constexpr int kPolyNormStats = 2 * act::kPolyNormMaxOrder + 1;

// Each row's stats for polynorm_dx_kernel (no dx here: that kernel reads x and dy after this one, and
// dx may be either of them).
template <class T>
__global__ void polynorm_stats_kernel(LearnShape s, const float* params, const T* x, const T* dy, float* stats,
                                      int64_t rows) {
    AK_SHARED_ARRAY(double, tree, kThreads);
    const int order = s.deg.num;
    const float eps = load1(params);
    float a[act::kPolyNormMaxOrder + 1], terms[act::kPolyNormMaxOrder];
    for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
        const int64_t at = row * s.channels;
        const act::PolyNormScales scales = polynorm_row(s, eps, x + at, tree);
        double acc[act::kPolyNormMaxOrder] = {0.0, 0.0, 0.0};
        for (int64_t j = threadIdx.x; j < s.channels; j += kThreads) {
            polynorm_coefficients(s, params, j, a);
            act::polynorm_terms(load1(x + at + j), scales.s, order, terms);
            const double g = load1(dy + at + j);
            for (int k = 1; k <= order; ++k) acc[k - 1] += g * a[k] * terms[k - 1];
        }
        double eps_term = 0;
        float d[act::kPolyNormMaxOrder];
        for (int k = 0; k < order; ++k) {
            const double t = block_sum(acc[k], tree);
            d[k] = float(t / double(s.channels));
            eps_term -= 0.5 * scales.r[k] * scales.r[k] * t;
        }
        if (threadIdx.x == 0) {
            float* out = stats + row * kPolyNormStats;
            for (int k = 0; k < order; ++k) {
                store1(out + k, scales.s[k]);
                store1(out + act::kPolyNormMaxOrder + k, d[k]);
            }
            store1(out + 2 * act::kPolyNormMaxOrder, float(eps_term));
        }
    }
}

// dx, and the parameter gradients' partial sums as backward_channels_kernel's: thread (blockIdx.x,
// threadIdx.x) owns channel c over rows blockIdx.y, + gridDim.y, ...; the eps terms are channel 0's. Each
// element is read, then its dx written, by one thread: dx may be x or dy.
template <class T>
__global__ void polynorm_dx_kernel(LearnShape s, const float* params, const T* x, const T* dy, T* dx,
                                   const float* stats, float* partial, int64_t rows) {
    const int64_t c = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (c >= s.channels) return;
    const int order = s.deg.num, raw = order + 2;
    float acc[act::kPolyNormMaxOrder + 2] = {}, scale[act::kPolyNormMaxOrder], d[act::kPolyNormMaxOrder];
    float a[act::kPolyNormMaxOrder + 1], terms[act::kPolyNormMaxOrder];
    polynorm_coefficients(s, params, c, a);
    for (int64_t r = blockIdx.y; r < rows; r += gridDim.y) {
        const float* st = stats + r * kPolyNormStats;
        for (int k = 0; k < order; ++k) {
            scale[k] = load1(st + k);
            d[k] = load1(st + act::kPolyNormMaxOrder + k);
        }
        const int64_t i = r * s.channels + c;
        const float xv = load1(x + i), g = load1(dy + i);
        act::polynorm_terms(xv, scale, order, terms);
        if (c == 0) acc[0] += load1(st + 2 * act::kPolyNormMaxOrder);
        acc[1] += g;
        for (int k = 1; k <= order; ++k) acc[1 + k] += g * terms[k - 1];
        store1(dx + i, act::polynorm_backward(xv, g, a, scale, d, order));
    }
    for (int k = 0; k < raw; ++k) store1(partial + (int64_t(blockIdx.y) * raw + k) * s.channels + c, acc[k]);
}

// One thread per grouped parameter slot (shared + j for thread j): its group's terms, band by band and
// column by column, in double. For many groups of few terms each (per-channel parameters), where a
// block per slot would leave most of its threads idle.
__global__ void reduce_each_kernel(const float* partial, int64_t bands, int raw, int shared, int64_t width,
                                   int64_t groups, int64_t slots, float* dparams) {
    const int64_t j = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (j >= slots) return;
    const int k = shared + int(j / groups);
    const int64_t g = j % groups, columns = width / groups, first = g * columns;
    double sum = 0;
    for (int64_t band = 0; band < bands; ++band)
        for (int64_t column = first; column < first + columns; ++column)
            sum += load1(partial + (band * raw + k) * width + column);
    store1(dparams + shared + j, float(sum));
}

// bias: nullptr, or per channel (never given to polynorm's).
struct LearnLaunches {
    void (*forward)(const DeviceContext*, const LearnShape&, const float* params, const void* x, const void* bias,
                    void* y, int64_t n);
    // Queues the kernels that write dx and the partial sums; returns the partial sums' shape.
    void (*backward)(const DeviceContext*, const LearnShape&, const float* params, const void* x, const void* bias,
                     const void* dy, void* dx, float* partial, int64_t n, int64_t bands);
};

template <class Op, class T>
void launch_forward(const DeviceContext* ctx, const LearnShape& s, const float* params, const void* x,
                    const void* bias, void* y, int64_t n) {
    launch<forward_kernel<Op, T>>(grid_for(ctx, n), kThreads, 0, ctx->stream, s, params, static_cast<const T*>(x),
                                  static_cast<const T*>(bias), static_cast<T*>(y), n);
}

template <class Op, class T>
void launch_backward(const DeviceContext* ctx, const LearnShape& s, const float* params, const void* x,
                     const void* bias, const void* dy, void* dx, float* partial, int64_t n, int64_t bands) {
    auto xt = static_cast<const T*>(x);
    auto bt = static_cast<const T*>(bias);
    auto dyt = static_cast<const T*>(dy);
    auto dxt = static_cast<T*>(dx);
    if (s.groups == 1) {
        launch<backward_flat_kernel<Op, T>>(dim3(unsigned(bands)), kThreads, 0, ctx->stream, s, params, xt, bt, dyt,
                                            dxt, partial, n);
    } else {
        const unsigned tiles = unsigned((s.channels + kThreads - 1) / kThreads);
        launch<backward_channels_kernel<Op, T>>(dim3(tiles, unsigned(bands)), kThreads, 0, ctx->stream, s, params, xt,
                                                bt, dyt, dxt, partial, n / s.channels);
    }
}

// The blocks of a kernel with one block per row: enough to fill the device, no more than the rows.
dim3 row_grid(const DeviceContext* ctx, int64_t rows) {
    const int64_t target = int64_t(ctx->sm_count) * 8;
    return dim3(unsigned(rows < target ? (rows < 1 ? 1 : rows) : target));
}

template <class T>
void launch_polynorm_forward(const DeviceContext* ctx, const LearnShape& s, const float* params, const void* x,
                             const void*, void* y, int64_t n) {
    launch<polynorm_forward_kernel<T>>(row_grid(ctx, n / s.channels), kThreads, 0, ctx->stream, s, params,
                                       static_cast<const T*>(x), static_cast<T*>(y), n / s.channels);
}

// partial is followed by the rows' stats (polynorm_scratch).
template <class T>
void launch_polynorm_backward(const DeviceContext* ctx, const LearnShape& s, const float* params, const void* x,
                              const void*, const void* dy, void* dx, float* partial, int64_t n, int64_t bands) {
    const int64_t rows = n / s.channels;
    float* stats = partial + bands * (s.deg.num + 2) * s.channels;
    auto xt = static_cast<const T*>(x);
    auto dyt = static_cast<const T*>(dy);
    launch<polynorm_stats_kernel<T>>(row_grid(ctx, rows), kThreads, 0, ctx->stream, s, params, xt, dyt, stats, rows);
    const unsigned tiles = unsigned((s.channels + kThreads - 1) / kThreads);
    launch<polynorm_dx_kernel<T>>(dim3(tiles, unsigned(bands)), kThreads, 0, ctx->stream, s, params, xt, dyt,
                                  static_cast<T*>(dx), stats, partial, rows);
}

template <size_t... Op>
auto make_table(std::index_sequence<Op...>) {
    struct Table {
        LearnLaunches rows[AK_LEARN_COUNT][kStorageCount];
    } t{};
    auto fill = [&](auto op) {
        using Fn = typename LearnableOf<decltype(op)::value>::type;
        auto& row = t.rows[decltype(op)::value];
        if constexpr (std::is_same_v<Fn, act::polynorm>) {
            row[kF32] = {&launch_polynorm_forward<float>, &launch_polynorm_backward<float>};
            row[kBF16] = {&launch_polynorm_forward<bf16>, &launch_polynorm_backward<bf16>};
            row[kF16] = {&launch_polynorm_forward<f16>, &launch_polynorm_backward<f16>};
        } else {
            row[kF32] = {&launch_forward<Fn, float>, &launch_backward<Fn, float>};
            row[kBF16] = {&launch_forward<Fn, bf16>, &launch_backward<Fn, bf16>};
            row[kF16] = {&launch_forward<Fn, f16>, &launch_backward<Fn, f16>};
        }
    };
    (fill(std::integral_constant<size_t, Op>{}), ...);
    return t;
}

const LearnLaunches& launches(int32_t op, int storage) {
    static const auto table = make_table(std::make_index_sequence<AK_LEARN_COUNT>{});
    return table.rows[op][storage];
}

// The checks both entry points start with: the call's shape, whole rows, params as device memory.
int32_t enter(const char* fn, int32_t op, int32_t dtype, int32_t num_degree, int32_t den_degree, const float* params,
              int64_t groups, int64_t n, int64_t channels, LearnCall& call) {
    if (int32_t s = check_learn_shape(fn, op, dtype, num_degree, den_degree, groups, channels, call)) return s;
    if (n < 0 || n % channels != 0)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: n = %lld is not a whole number of rows of channels = %lld", fn,
                    (long long)n, (long long)channels);
    return check_operands(fn, sizeof(float), {vector_operand("params", params, call.param_count, false)});
}

}  // namespace
}  // namespace ak::cuda

using namespace ak;
using namespace ak::cuda;

extern "C" {

ak_status_t ak_cuda_learn_forward(int32_t device, int32_t op, int32_t dtype, int32_t num_degree, int32_t den_degree,
                                  const float* params, int64_t groups, const void* x, const void* bias, void* y,
                                  int64_t n, int64_t channels) {
    const char* fn = "ak_cuda_learn_forward";
    clear_error();
    LearnCall call{};
    DeviceContext* ctx = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, op, dtype, num_degree, den_degree, params, groups, n, channels, call)) return s;
    if (int32_t s = check_forward_operands(fn, dtype_size(dtype), n, x, y, empty)) return s;
    if (int32_t s = check_learn_bias(fn, op, dtype_size(dtype), n, channels, x, bias, nullptr, y)) return s;
    if (empty) return AK_OK;
    if (int32_t s = enter_device(fn, device, &ctx)) return s;
    const LearnShape shape{{num_degree, den_degree}, groups, channels, channels / groups};
    launches(op, call.storage).forward(ctx, shape, params, x, bias, y, n);
    return launched(fn);
}

ak_status_t ak_cuda_learn_backward(int32_t device, int32_t op, int32_t dtype, int32_t num_degree,
                                   int32_t den_degree, const float* params, int64_t groups, const void* x,
                                   const void* bias, const void* dy, void* dx, float* dparams, int64_t n,
                                   int64_t channels) {
    const char* fn = "ak_cuda_learn_backward";
    clear_error();
    LearnCall call{};
    DeviceContext* ctx = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, op, dtype, num_degree, den_degree, params, groups, n, channels, call)) return s;
    if (int32_t s = check_backward_operands(fn, dtype_size(dtype), n, "x", x, dy, dx, empty)) return s;
    if (int32_t s = check_learn_bias(fn, op, dtype_size(dtype), n, channels, x, bias, dy, dx)) return s;
    if (int32_t s = check_operands(fn, sizeof(float), {vector_operand("dparams", dparams, call.param_count, true)}))
        return s;
    if (int32_t s = enter_device(fn, device, &ctx)) return s;
    const LearnShape shape{{num_degree, den_degree}, groups, channels, channels / groups};
    const int raw = learn_shared_count(op) + learn_group_count(fn, op, num_degree, den_degree);
    const int64_t rows = n / channels;
    // Bands: blocks enough to fill the device (8 of 256 threads per multiprocessor), no more.
    const int64_t target = int64_t(ctx->sm_count) * 8;
    int64_t bands, width;
    const bool polynorm = op == AK_LEARN_POLYNORM;
    if (groups == 1 && !polynorm) {
        bands = grid_for(ctx, n).x;
        width = 1;
    } else {
        const int64_t tiles = (channels + kThreads - 1) / kThreads;
        bands = target / tiles < 1 ? 1 : target / tiles;
        if (bands > rows) bands = rows < 1 ? 1 : rows;
        width = channels;
    }
    std::lock_guard<std::mutex> hold(ctx->scratch_lock);
    void* work = nullptr;
    if (!empty)
        if (int32_t s = scratch(fn, ctx, (bands * raw * width + (polynorm ? rows * kPolyNormStats : 0)) *
                                             int64_t(sizeof(float)), &work))
            return s;
    auto partial = static_cast<float*>(work);
    if (empty) {
        bands = 0;  // no partial sums: every gradient is 0
    } else {
        launches(op, call.storage).backward(ctx, shape, params, x, bias, dy, dx, partial, n, bands);
        if (int32_t s = launched(fn)) return s;
    }
    // A block per slot; where each group has few terms (at most kFewTerms), a block per shared slot and a
    // thread per grouped one. The choice depends on the shape alone, so every run adds in the same order.
    constexpr int64_t kFewTerms = 4096;
    const int shared = learn_shared_count(op);
    const bool few = groups > 1 && bands * (width / groups) <= kFewTerms;
    const int64_t grouped = call.param_count - shared;
    if (!few || shared > 0)
        launch<reduce_kernel>(dim3(unsigned(few ? shared : call.param_count)), kThreads, 0, ctx->stream, partial,
                              bands, raw, shared, width, groups, dparams);
    if (few)
        launch<reduce_each_kernel>(dim3(unsigned((grouped + kThreads - 1) / kThreads)), kThreads, 0, ctx->stream,
                                   partial, bands, raw, shared, width, groups, grouped, dparams);
    return launched(fn);
}

}  // extern "C"
