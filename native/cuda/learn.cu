// CUDA kernels of the learnable activations (AK_LEARNABLES): the functors of
// native/ops/act/learnable.h per element, in fp32 (narrow_float for 16-bit storage, as act.cu).
// The tensor is rows x channels (the whole tensor, so n is a multiple of channels).
//
// Parameter gradients without atomics, in an order fixed by the grid, which depends on the device
// and the shape alone:
// - one group (per-tensor parameters): every thread sums its grid-stride elements' terms in
//   registers, each block adds its threads' sums in a shared-memory tree and writes one row of
//   partial sums;
// - several groups: a 2-D grid, each thread owning one channel over a band of rows (so it knows
//   its group), writes its sums per channel;
// then one block per parameter adds its partial sums in a fixed order, in double (reduce_kernel).
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

template <class Op, class T>
__global__ void forward_kernel(LearnShape s, const float* params, const T* x, T* y, int64_t n) {
    using V = Compute<T>;
    V d[act::kMaxLearnDerived];
    for (V& v : d) v = V(0.0f);  // derived before the first use; set so no compiler doubts it
    int64_t group = -1;
    const int64_t stride = int64_t(gridDim.x) * blockDim.x;
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        const int64_t g = s.groups == 1 ? 0 : (i % s.channels) / s.group_size;
        if (g != group) derive_group<Op>(params, s, group = g, d);
        store1(y + i, float(Op::fwd(load_compute(x + i), d, s.deg)));
    }
}

// One group: grid-stride sums per thread, a tree per block, partial[block][k].
template <class Op, class T>
__global__ void backward_flat_kernel(LearnShape s, const float* params, const T* x, const T* dy, T* dx,
                                     float* partial, int64_t n) {
    using V = Compute<T>;
    V d[act::kMaxLearnDerived], g[act::kMaxLearnParams];
    float acc[act::kMaxLearnParams];
    const int raw = Op::kShared + Op::group_count(s.deg);
    derive_group<Op>(params, s, 0, d);
    for (int k = 0; k < raw; ++k) acc[k] = 0.0f;
    const int64_t stride = int64_t(gridDim.x) * blockDim.x;
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) {
        store1(dx + i, float(Op::bwd(load_compute(x + i), load_compute(dy + i), d, s.deg, g)));
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
__global__ void backward_channels_kernel(LearnShape s, const float* params, const T* x, const T* dy, T* dx,
                                         float* partial, int64_t rows) {
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
        store1(dx + i, float(Op::bwd(load_compute(x + i), load_compute(dy + i), d, s.deg, g)));
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

struct LearnLaunches {
    void (*forward)(const DeviceContext*, const LearnShape&, const float* params, const void* x, void* y, int64_t n);
    // Queues the kernels that write dx and the partial sums; returns the partial sums' shape.
    void (*backward)(const DeviceContext*, const LearnShape&, const float* params, const void* x, const void* dy,
                     void* dx, float* partial, int64_t n, int64_t bands);
};

template <class Op, class T>
void launch_forward(const DeviceContext* ctx, const LearnShape& s, const float* params, const void* x, void* y,
                    int64_t n) {
    launch<forward_kernel<Op, T>>(grid_for(ctx, n), kThreads, 0, ctx->stream, s, params, static_cast<const T*>(x),
                                  static_cast<T*>(y), n);
}

template <class Op, class T>
void launch_backward(const DeviceContext* ctx, const LearnShape& s, const float* params, const void* x,
                     const void* dy, void* dx, float* partial, int64_t n, int64_t bands) {
    auto xt = static_cast<const T*>(x);
    auto dyt = static_cast<const T*>(dy);
    auto dxt = static_cast<T*>(dx);
    if (s.groups == 1) {
        launch<backward_flat_kernel<Op, T>>(dim3(unsigned(bands)), kThreads, 0, ctx->stream, s, params, xt, dyt, dxt,
                                            partial, n);
    } else {
        const unsigned tiles = unsigned((s.channels + kThreads - 1) / kThreads);
        launch<backward_channels_kernel<Op, T>>(dim3(tiles, unsigned(bands)), kThreads, 0, ctx->stream, s, params, xt,
                                                dyt, dxt, partial, n / s.channels);
    }
}

template <size_t... Op>
auto make_table(std::index_sequence<Op...>) {
    struct Table {
        LearnLaunches rows[AK_LEARN_COUNT][kStorageCount];
    } t{};
    auto fill = [&](auto op) {
        using Fn = typename LearnableOf<decltype(op)::value>::type;
        t.rows[decltype(op)::value][kF32] = {&launch_forward<Fn, float>, &launch_backward<Fn, float>};
        t.rows[decltype(op)::value][kBF16] = {&launch_forward<Fn, bf16>, &launch_backward<Fn, bf16>};
        t.rows[decltype(op)::value][kF16] = {&launch_forward<Fn, f16>, &launch_backward<Fn, f16>};
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
                                  const float* params, int64_t groups, const void* x, void* y, int64_t n,
                                  int64_t channels) {
    const char* fn = "ak_cuda_learn_forward";
    clear_error();
    LearnCall call{};
    DeviceContext* ctx = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, op, dtype, num_degree, den_degree, params, groups, n, channels, call)) return s;
    if (int32_t s = check_forward_operands(fn, dtype_size(dtype), n, x, y, empty)) return s;
    if (empty) return AK_OK;
    if (int32_t s = enter_device(fn, device, &ctx)) return s;
    const LearnShape shape{{num_degree, den_degree}, groups, channels, channels / groups};
    launches(op, call.storage).forward(ctx, shape, params, x, y, n);
    return launched(fn);
}

ak_status_t ak_cuda_learn_backward(int32_t device, int32_t op, int32_t dtype, int32_t num_degree,
                                   int32_t den_degree, const float* params, int64_t groups, const void* x,
                                   const void* dy, void* dx, float* dparams, int64_t n, int64_t channels) {
    const char* fn = "ak_cuda_learn_backward";
    clear_error();
    LearnCall call{};
    DeviceContext* ctx = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, op, dtype, num_degree, den_degree, params, groups, n, channels, call)) return s;
    if (int32_t s = check_backward_operands(fn, dtype_size(dtype), n, "x", x, dy, dx, empty)) return s;
    if (int32_t s = check_operands(fn, sizeof(float), {vector_operand("dparams", dparams, call.param_count, true)}))
        return s;
    if (int32_t s = enter_device(fn, device, &ctx)) return s;
    const LearnShape shape{{num_degree, den_degree}, groups, channels, channels / groups};
    const int raw = learn_shared_count(op) + learn_group_count(fn, op, num_degree, den_degree);
    const int64_t rows = n / channels;
    // Bands: blocks enough to fill the device (8 of 256 threads per multiprocessor), no more.
    const int64_t target = int64_t(ctx->sm_count) * 8;
    int64_t bands, width;
    if (groups == 1) {
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
        if (int32_t s = scratch(fn, ctx, bands * raw * width * int64_t(sizeof(float)), &work)) return s;
    auto partial = static_cast<float*>(work);
    if (empty) {
        bands = 0;  // no partial sums: every gradient is 0
    } else {
        launches(op, call.storage).backward(ctx, shape, params, x, dy, dx, partial, n, bands);
        if (int32_t s = launched(fn)) return s;
    }
    launch<reduce_kernel>(dim3(unsigned(call.param_count)), kThreads, 0, ctx->stream, partial, bands, raw,
                          learn_shared_count(op), width, groups, dparams);
    return launched(fn);
}

}  // extern "C"
