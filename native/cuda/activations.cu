// CUDA activation kernels: the functors of native/ops/activations.h over 16-byte vectors
// (4 x f32 or 8 x bf16 per load and store), grid-stride, on the device's stream.
// Pointers that are not 16-byte aligned (views at odd offsets) take the element-wise kernel.
#include <cstdint>
#include <utility>

#include "../cpu/errors.h"
#include "../include/actinium.h"
#include "../ops/activations.h"
#include "device_memory.h"
#include "launch.h"
#include "runtime.h"

namespace ak::cuda {
namespace {

// out[i] for i in [0, n), grid-stride: 16-byte packets, packet(i) giving out[i .. i + E), when
// kVector (every pointer 16-byte aligned), then element by element, elem(i) giving out[i], for
// the rest. The one loop of every kernel here, as for_each_vector is on the CPU.
template <bool kVector, class T, class PacketFn, class ElemFn>
__device__ __forceinline__ void for_each_packet(T* out, int64_t n, PacketFn packet, ElemFn elem) {
    const int64_t stride = int64_t(gridDim.x) * blockDim.x;
    const int64_t tid = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    int64_t done = 0;
    if constexpr (kVector) {
        constexpr int E = Packet<T>::kCount;
        const int64_t packets = n / E;
        for (int64_t p = tid; p < packets; p += stride) store_packet(out + p * E, packet(p * E));
        done = packets * E;
    }
    for (int64_t i = done + tid; i < n; i += stride) store1(out + i, elem(i));
}

template <bool kVector, class Op, class T>
__global__ void forward_kernel(const T* x, T* y, int64_t n) {
    for_each_packet<kVector>(
        y, n,
        [&](int64_t i) {
            Packet<T> v = load_packet(x + i);
#pragma unroll
            for (int k = 0; k < Packet<T>::kCount; ++k) v.e[k] = from_float<T>(Op::fwd(to_float(v.e[k])));
            return v;
        },
        [&](int64_t i) { return Op::fwd(load1(x + i)); });
}

template <bool kVector, class Op, class T>
__global__ void backward_kernel(const T* x, const T* dy, T* dx, int64_t n) {
    for_each_packet<kVector>(
        dx, n,
        [&](int64_t i) {
            Packet<T> a = load_packet(x + i), g = load_packet(dy + i);
#pragma unroll
            for (int k = 0; k < Packet<T>::kCount; ++k)
                a.e[k] = from_float<T>(Op::bwd(to_float(a.e[k]), to_float(g.e[k])));
            return a;
        },
        [&](int64_t i) { return Op::bwd(load1(x + i), load1(dy + i)); });
}

// kVector requires cols % packet == 0, so a packet never crosses a row.
template <bool kVector, class Op, class T>
__global__ void forward_bias_kernel(const T* x, const T* bias, T* y, int64_t rows, int64_t cols) {
    for_each_packet<kVector>(
        y, rows * cols,
        [&](int64_t i) {
            Packet<T> v = load_packet(x + i), b = load_packet(bias + i % cols);
#pragma unroll
            for (int k = 0; k < Packet<T>::kCount; ++k)
                v.e[k] = from_float<T>(Op::fwd(add_bias(to_float(v.e[k]), to_float(b.e[k]))));
            return v;
        },
        [&](int64_t i) { return Op::fwd(add_bias(load1(x + i), load1(bias + i % cols))); });
}

template <class From, class To>
__global__ void convert_kernel(const From* x, To* y, int64_t n) {
    for_each_packet<false>(y, n, [](int64_t) { return Packet<To>{}; }, [&](int64_t i) { return load1(x + i); });
}

bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

dim3 grid_for(const DeviceContext* ctx, int64_t work) {
    const int64_t blocks = (work + 255) / 256;
    const int64_t cap = int64_t(ctx->sm_count) * 16;  // enough resident warps to hide latency
    return dim3(unsigned(blocks < 1 ? 1 : (blocks < cap ? blocks : cap)));
}

// Per-op, per-dtype kernel launchers, built from the op list.
using ForwardLaunch = void (*)(const DeviceContext*, const void*, void*, int64_t);
using BackwardLaunch = void (*)(const DeviceContext*, const void*, const void*, void*, int64_t);
using BiasLaunch = void (*)(const DeviceContext*, const void*, const void*, void*, int64_t, int64_t);

template <class Op, class T>
void launch_forward(const DeviceContext* ctx, const void* xv, void* yv, int64_t n) {
    auto x = static_cast<const T*>(xv);
    auto y = static_cast<T*>(yv);
    constexpr int E = Packet<T>::kCount;
    if (aligned16(x) && aligned16(y))
        launch<forward_kernel<true, Op, T>>(grid_for(ctx, n / E + 1), 256, 0, ctx->stream, x, y, n);
    else
        launch<forward_kernel<false, Op, T>>(grid_for(ctx, n), 256, 0, ctx->stream, x, y, n);
}

template <class Op, class T>
void launch_backward(const DeviceContext* ctx, const void* xv, const void* dyv, void* dxv, int64_t n) {
    auto x = static_cast<const T*>(xv);
    auto dy = static_cast<const T*>(dyv);
    auto dx = static_cast<T*>(dxv);
    constexpr int E = Packet<T>::kCount;
    if (aligned16(x) && aligned16(dy) && aligned16(dx))
        launch<backward_kernel<true, Op, T>>(grid_for(ctx, n / E + 1), 256, 0, ctx->stream, x, dy, dx, n);
    else
        launch<backward_kernel<false, Op, T>>(grid_for(ctx, n), 256, 0, ctx->stream, x, dy, dx, n);
}

template <class Op, class T>
void launch_forward_bias(const DeviceContext* ctx, const void* xv, const void* bv, void* yv,
                         int64_t rows, int64_t cols) {
    auto x = static_cast<const T*>(xv);
    auto b = static_cast<const T*>(bv);
    auto y = static_cast<T*>(yv);
    constexpr int E = Packet<T>::kCount;
    const int64_t n = rows * cols;
    if (cols % E == 0 && aligned16(x) && aligned16(b) && aligned16(y))
        launch<forward_bias_kernel<true, Op, T>>(grid_for(ctx, n / E + 1), 256, 0, ctx->stream, x, b, y, rows, cols);
    else
        launch<forward_bias_kernel<false, Op, T>>(grid_for(ctx, n), 256, 0, ctx->stream, x, b, y, rows, cols);
}

struct LaunchTable {
    ForwardLaunch forward[AK_ACT_COUNT][2];
    BackwardLaunch backward[AK_ACT_COUNT][2];
    BiasLaunch forward_bias[AK_ACT_COUNT][2];
};

template <size_t... Op>
LaunchTable make_launch_table(std::index_sequence<Op...>) {
    LaunchTable t{};
    ((t.forward[Op][0] = &launch_forward<typename ActivationOf<Op>::type, float>), ...);
    ((t.forward[Op][1] = &launch_forward<typename ActivationOf<Op>::type, bf16>), ...);
    ((t.backward[Op][0] = &launch_backward<typename ActivationOf<Op>::type, float>), ...);
    ((t.backward[Op][1] = &launch_backward<typename ActivationOf<Op>::type, bf16>), ...);
    ((t.forward_bias[Op][0] = &launch_forward_bias<typename ActivationOf<Op>::type, float>), ...);
    ((t.forward_bias[Op][1] = &launch_forward_bias<typename ActivationOf<Op>::type, bf16>), ...);
    return t;
}

const LaunchTable& launches() {
    static const LaunchTable t = make_launch_table(std::make_index_sequence<AK_ACT_COUNT>{});
    return t;
}

int32_t check_activation(const char* fn, int32_t op, int32_t dtype, int& storage) {
    if (op < 0 || op >= AK_ACT_COUNT)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: op %d is not an activation (0..%d)", fn, op,
                    AK_ACT_COUNT - 1);
    if (dtype == AK_DTYPE_F32) storage = 0;
    else if (dtype == AK_DTYPE_BF16) storage = 1;
    else return fail(AK_ERR_UNSUPPORTED, "%s: dtype %d is not supported (F32 or BF16)", fn, dtype);
    return AK_OK;
}

int32_t launched(const char* fn) { return check(cudaGetLastError(), fn, "kernel launch"); }

}  // namespace
}  // namespace ak::cuda

using namespace ak;
using namespace ak::cuda;

extern "C" {

int32_t ak_cuda_act_forward(int32_t device, int32_t op, int32_t dtype, const void* x, void* y,
                            int64_t n) {
    const char* fn = "ak_cuda_act_forward";
    clear_error();
    int storage = 0;
    if (int32_t s = check_activation(fn, op, dtype, storage)) return s;
    if (n < 0) return fail(AK_ERR_INVALID_ARGUMENT, "%s: n = %lld < 0", fn, (long long)n);
    if (n == 0) return AK_OK;
    if (!x || !y) return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is null", fn, !x ? "x" : "y");
    DeviceContext* ctx = nullptr;
    if (int32_t s = enter_device(fn, device, &ctx)) return s;
    launches().forward[op][storage](ctx, x, y, n);
    return launched(fn);
}

int32_t ak_cuda_act_backward(int32_t device, int32_t op, int32_t dtype, const void* x,
                             const void* dy, void* dx, int64_t n) {
    const char* fn = "ak_cuda_act_backward";
    clear_error();
    int storage = 0;
    if (int32_t s = check_activation(fn, op, dtype, storage)) return s;
    if (n < 0) return fail(AK_ERR_INVALID_ARGUMENT, "%s: n = %lld < 0", fn, (long long)n);
    if (n == 0) return AK_OK;
    if (!x || !dy || !dx)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is null", fn, !x ? "x" : !dy ? "dy" : "dx");
    DeviceContext* ctx = nullptr;
    if (int32_t s = enter_device(fn, device, &ctx)) return s;
    launches().backward[op][storage](ctx, x, dy, dx, n);
    return launched(fn);
}

int32_t ak_cuda_act_forward_bias(int32_t device, int32_t op, int32_t dtype, const void* x,
                                 const void* bias, void* y, int64_t rows, int64_t cols) {
    const char* fn = "ak_cuda_act_forward_bias";
    clear_error();
    int storage = 0;
    if (int32_t s = check_activation(fn, op, dtype, storage)) return s;
    if (rows < 0 || cols < 0)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: rows = %lld, cols = %lld", fn, (long long)rows,
                    (long long)cols);
    if (rows == 0 || cols == 0) return AK_OK;
    if (!x || !bias || !y)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is null", fn, !x ? "x" : !bias ? "bias" : "y");
    DeviceContext* ctx = nullptr;
    if (int32_t s = enter_device(fn, device, &ctx)) return s;
    launches().forward_bias[op][storage](ctx, x, bias, y, rows, cols);
    return launched(fn);
}

int32_t ak_cuda_convert(int32_t device, int32_t src_dtype, const void* src, int32_t dst_dtype,
                        void* dst, int64_t n) {
    const char* fn = "ak_cuda_convert";
    clear_error();
    if (n < 0) return fail(AK_ERR_INVALID_ARGUMENT, "%s: n = %lld < 0", fn, (long long)n);
    const bool known = (src_dtype == AK_DTYPE_F32 &&
                        (dst_dtype == AK_DTYPE_BF16 || dst_dtype == AK_DTYPE_F16)) ||
                       (dst_dtype == AK_DTYPE_F32 &&
                        (src_dtype == AK_DTYPE_BF16 || src_dtype == AK_DTYPE_F16));
    if (!known)
        return fail(AK_ERR_UNSUPPORTED, "%s: no conversion from dtype %d to dtype %d", fn,
                    src_dtype, dst_dtype);
    if (n == 0) return AK_OK;
    if (!src || !dst) return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is null", fn, !src ? "src" : "dst");
    DeviceContext* ctx = nullptr;
    if (int32_t s = enter_device(fn, device, &ctx)) return s;
    const dim3 grid = grid_for(ctx, n);
    auto f = static_cast<const float*>(src);
    if (src_dtype == AK_DTYPE_F32 && dst_dtype == AK_DTYPE_BF16)
        launch<convert_kernel<float, bf16>>(grid, 256, 0, ctx->stream, f, static_cast<bf16*>(dst), n);
    else if (src_dtype == AK_DTYPE_F32)
        launch<convert_kernel<float, f16>>(grid, 256, 0, ctx->stream, f, static_cast<f16*>(dst), n);
    else if (src_dtype == AK_DTYPE_BF16)
        launch<convert_kernel<bf16, float>>(grid, 256, 0, ctx->stream, static_cast<const bf16*>(src),
                                                static_cast<float*>(dst), n);
    else
        launch<convert_kernel<f16, float>>(grid, 256, 0, ctx->stream, static_cast<const f16*>(src),
                                               static_cast<float*>(dst), n);
    return launched(fn);
}

}  // extern "C"
