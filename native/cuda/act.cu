// CUDA activation kernels: the functors of native/ops/act over 16-byte vectors (4 x f32 or 8 x
// bf16/f16 per load and store), grid-stride, on the device's stream, with the parameters of the
// op's row passed by value. Pointers that are not 16-byte aligned (views at odd offsets) take the
// element-wise path. The entry points check their arguments as the CPU ones do (common/).
#include <cstdint>
#include <utility>

#include "../common/act_args.h"
#include "../common/dtype.h"
#include "../common/errors.h"
#include "../include/actinium.h"
#include "../ops/act/list.h"
#include "../ops/philox.h"
#include "elementwise.h"
#include "launch.h"

namespace ak::cuda {
namespace {

template <bool kVector, class Op, class T>
__global__ void forward_kernel(typename Op::Params p, const T* x, T* y, int64_t n) {
    for_each_packet<kVector>(
        y, n,
        [&](int64_t i) {
            Packet<T> v = load_packet(x + i);
#pragma unroll
            for (int k = 0; k < Packet<T>::kCount; ++k) v.e[k] = from_float<T>(float(Op::fwd(to_compute(v.e[k]), p)));
            return v;
        },
        [&](int64_t i) { return float(Op::fwd(load_compute(x + i), p)); });
}

// Backward from x, or from y (kFromOutput): dx = dy * f'.
template <bool kVector, bool kFromOutput, class Op, class T>
__global__ void backward_kernel(typename Op::Params p, const T* saved, const T* dy, T* dx, int64_t n) {
    auto grad = [&](Compute<T> s, Compute<T> g) {
        if constexpr (kFromOutput) return float(Op::bwd_from_output(s, g, p));
        else return float(Op::bwd(s, g, p));
    };
    for_each_packet<kVector>(
        dx, n,
        [&](int64_t i) {
            Packet<T> a = load_packet(saved + i), g = load_packet(dy + i);
#pragma unroll
            for (int k = 0; k < Packet<T>::kCount; ++k)
                a.e[k] = from_float<T>(grad(to_compute(a.e[k]), to_compute(g.e[k])));
            return a;
        },
        [&](int64_t i) { return grad(load_compute(saved + i), load_compute(dy + i)); });
}

// Forward (dy null) or backward of the bias-fused ops; kVector requires cols % packet == 0, so a
// packet never crosses a row.
template <bool kVector, bool kBackward, class Op, class T>
__global__ void bias_kernel(typename Op::Params p, const T* x, const T* bias, const T* dy, T* out, int64_t rows,
                            int64_t cols) {
    auto value = [&](Compute<T> xv, Compute<T> b, Compute<T> g) {
        if constexpr (kBackward) return float(Op::bwd(add_bias(xv, b), g, p));
        else return float(Op::fwd(add_bias(xv, b), p));
    };
    for_each_packet<kVector>(
        out, rows * cols,
        [&](int64_t i) {
            Packet<T> v = load_packet(x + i), b = load_packet(bias + i % cols), g{};
            if constexpr (kBackward) g = load_packet(dy + i);
#pragma unroll
            for (int k = 0; k < Packet<T>::kCount; ++k)
                v.e[k] = from_float<T>(value(to_compute(v.e[k]), to_compute(b.e[k]),
                                             kBackward ? to_compute(g.e[k]) : Compute<T>(0.0f)));
            return v;
        },
        [&](int64_t i) {
            return value(load_compute(x + i), load_compute(bias + i % cols),
                         kBackward ? load_compute(dy + i) : Compute<T>(0.0f));
        });
}

// Gated forward, one thread per output element (rows of gate and up in_stride apart).
template <class Op, class T>
__global__ void gated_forward_kernel(typename Op::Params p, const T* gate, const T* up, int64_t in_stride,
                                     const T* bias_gate, const T* bias_up, T* y, int64_t rows, int64_t cols) {
    for_each_packet<false>(y, rows * cols, [](int64_t) { return Packet<T>{}; }, [&](int64_t i) {
        const int64_t r = i / cols, c = i % cols;
        Compute<T> g = load_compute(gate + r * in_stride + c), u = load_compute(up + r * in_stride + c);
        if (bias_gate) g = add_bias(g, load_compute(bias_gate + c)), u = add_bias(u, load_compute(bias_up + c));
        return float(Op::fwd(g, u, p));
    });
}

// Gated backward: both halves' gradients, written with the input's layout.
template <class Op, class T>
__global__ void gated_backward_kernel(typename Op::Params p, const T* gate, const T* up, int64_t in_stride,
                                      const T* bias_gate, const T* bias_up, const T* dy, T* dgate, T* dup,
                                      int64_t rows, int64_t cols) {
    const int64_t stride = int64_t(gridDim.x) * blockDim.x;
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < rows * cols; i += stride) {
        const int64_t r = i / cols, c = i % cols, at = r * in_stride + c;
        Compute<T> g = load_compute(gate + at), u = load_compute(up + at);
        if (bias_gate) g = add_bias(g, load_compute(bias_gate + c)), u = add_bias(u, load_compute(bias_up + c));
        Compute<T> dg, du;
        Op::bwd(g, u, load_compute(dy + i), p, dg, du);
        store1(dgate + at, float(dg));
        store1(dup + at, float(du));
    }
}

// Seeded forward (dy null) or backward, one thread per element: each draws its own uniform.
template <bool kBackward, class Op, class T>
__global__ void seeded_kernel(typename Op::Params p, int64_t seed, int64_t offset, const T* x, const T* dy, T* out,
                              int64_t n) {
    for_each_packet<false>(out, n, [](int64_t) { return Packet<T>{}; }, [&](int64_t i) {
        const Compute<T> u = philox_uniform(uint64_t(seed), uint64_t(offset + i));
        if constexpr (kBackward) return float(Op::bwd(load_compute(x + i), u, load_compute(dy + i), p));
        else return float(Op::fwd(load_compute(x + i), u, p));
    });
}

// The launchers of one op and storage type; those its row does not offer are null (the entry
// points refuse such calls first).
struct ActLaunches {
    void (*forward)(const DeviceContext*, const float*, const void* x, void* y, int64_t n);
    void (*backward)(const DeviceContext*, const float*, const void* x, const void* dy, void* dx, int64_t n);
    void (*backward_from_output)(const DeviceContext*, const float*, const void* y, const void* dy, void* dx,
                                 int64_t n);
    void (*forward_bias)(const DeviceContext*, const float*, const void* x, const void* bias, const void* unused,
                         void* y, int64_t rows, int64_t cols);
    void (*backward_bias)(const DeviceContext*, const float*, const void* x, const void* bias, const void* dy,
                          void* dx, int64_t rows, int64_t cols);
    void (*gated_forward)(const DeviceContext*, const float*, const void* gate, const void* up, int64_t in_stride,
                          const void* bias_gate, const void* bias_up, void* y, int64_t rows, int64_t cols);
    void (*gated_backward)(const DeviceContext*, const float*, const void* gate, const void* up, int64_t in_stride,
                           const void* bias_gate, const void* bias_up, const void* dy, void* dgate, void* dup,
                           int64_t rows, int64_t cols);
    void (*seeded)(const DeviceContext*, const float*, int64_t seed, int64_t offset, const void* x, const void* dy,
                   void* out, int64_t n);  // dy null: forward
};

template <class Op, class T>
void launch_forward(const DeviceContext* ctx, const float* params, const void* xv, void* yv, int64_t n) {
    const auto p = act::read_params<typename Op::Params>(params);
    auto x = static_cast<const T*>(xv);
    auto y = static_cast<T*>(yv);
    constexpr int E = Packet<T>::kCount;
    if (aligned16(x) && aligned16(y))
        launch<forward_kernel<true, Op, T>>(grid_for(ctx, n / E + 1), 256, 0, ctx->stream, p, x, y, n);
    else
        launch<forward_kernel<false, Op, T>>(grid_for(ctx, n), 256, 0, ctx->stream, p, x, y, n);
}

template <bool kFromOutput, class Op, class T>
void launch_backward(const DeviceContext* ctx, const float* params, const void* sv, const void* dyv, void* dxv,
                     int64_t n) {
    const auto p = act::read_params<typename Op::Params>(params);
    auto saved = static_cast<const T*>(sv);
    auto dy = static_cast<const T*>(dyv);
    auto dx = static_cast<T*>(dxv);
    constexpr int E = Packet<T>::kCount;
    if (aligned16(saved) && aligned16(dy) && aligned16(dx))
        launch<backward_kernel<true, kFromOutput, Op, T>>(grid_for(ctx, n / E + 1), 256, 0, ctx->stream, p, saved, dy,
                                                          dx, n);
    else
        launch<backward_kernel<false, kFromOutput, Op, T>>(grid_for(ctx, n), 256, 0, ctx->stream, p, saved, dy, dx, n);
}

template <bool kBackward, class Op, class T>
void launch_bias(const DeviceContext* ctx, const float* params, const void* xv, const void* bv, const void* dyv,
                 void* outv, int64_t rows, int64_t cols) {
    const auto p = act::read_params<typename Op::Params>(params);
    auto x = static_cast<const T*>(xv);
    auto b = static_cast<const T*>(bv);
    auto dy = static_cast<const T*>(dyv);
    auto out = static_cast<T*>(outv);
    constexpr int E = Packet<T>::kCount;
    const int64_t n = rows * cols;
    if (cols % E == 0 && aligned16(x) && aligned16(b) && aligned16(out) && (!kBackward || aligned16(dy)))
        launch<bias_kernel<true, kBackward, Op, T>>(grid_for(ctx, n / E + 1), 256, 0, ctx->stream, p, x, b, dy, out,
                                                    rows, cols);
    else
        launch<bias_kernel<false, kBackward, Op, T>>(grid_for(ctx, n), 256, 0, ctx->stream, p, x, b, dy, out, rows,
                                                     cols);
}

template <class Op, class T>
void launch_gated_forward(const DeviceContext* ctx, const float* params, const void* g, const void* u,
                          int64_t in_stride, const void* bg, const void* bu, void* y, int64_t rows, int64_t cols) {
    launch<gated_forward_kernel<Op, T>>(grid_for(ctx, rows * cols), 256, 0, ctx->stream,
                                        act::read_params<typename Op::Params>(params), static_cast<const T*>(g),
                                        static_cast<const T*>(u), in_stride, static_cast<const T*>(bg),
                                        static_cast<const T*>(bu), static_cast<T*>(y), rows, cols);
}

template <class Op, class T>
void launch_gated_backward(const DeviceContext* ctx, const float* params, const void* g, const void* u,
                           int64_t in_stride, const void* bg, const void* bu, const void* dy, void* dg, void* du,
                           int64_t rows, int64_t cols) {
    launch<gated_backward_kernel<Op, T>>(grid_for(ctx, rows * cols), 256, 0, ctx->stream,
                                         act::read_params<typename Op::Params>(params), static_cast<const T*>(g),
                                         static_cast<const T*>(u), in_stride, static_cast<const T*>(bg),
                                         static_cast<const T*>(bu), static_cast<const T*>(dy), static_cast<T*>(dg),
                                         static_cast<T*>(du), rows, cols);
}

template <class Op, class T>
void launch_seeded(const DeviceContext* ctx, const float* params, int64_t seed, int64_t offset, const void* x,
                   const void* dy, void* out, int64_t n) {
    const auto p = act::read_params<typename Op::Params>(params);
    if (dy)
        launch<seeded_kernel<true, Op, T>>(grid_for(ctx, n), 256, 0, ctx->stream, p, seed, offset,
                                           static_cast<const T*>(x), static_cast<const T*>(dy), static_cast<T*>(out),
                                                   n);
    else
        launch<seeded_kernel<false, Op, T>>(grid_for(ctx, n), 256, 0, ctx->stream, p, seed, offset,
                                            static_cast<const T*>(x), static_cast<const T*>(nullptr),
                                            static_cast<T*>(out), n);
}

template <size_t Op, class T>
ActLaunches launches_of() {
    using Fn = typename ActivationOf<Op>::type;
    constexpr int32_t flags = kActivationFlags[Op];
    ActLaunches l{};
    if constexpr (flags & AK_ACT_GATED) {
        l.gated_forward = &launch_gated_forward<Fn, T>;
        l.gated_backward = &launch_gated_backward<Fn, T>;
    } else if constexpr (flags & AK_ACT_SEEDED) {
        l.seeded = &launch_seeded<Fn, T>;
    } else {
        l.forward = &launch_forward<Fn, T>;
        l.backward = &launch_backward<false, Fn, T>;
        l.forward_bias = &launch_bias<false, Fn, T>;
        l.backward_bias = &launch_bias<true, Fn, T>;
        if constexpr ((flags & AK_ACT_FROM_OUTPUT) != 0) l.backward_from_output = &launch_backward<true, Fn, T>;
    }
    return l;
}

struct LaunchTable {
    ActLaunches act[AK_ACT_COUNT][kStorageCount];
};

template <size_t... Op>
LaunchTable make_launch_table(std::index_sequence<Op...>) {
    LaunchTable t{};
    ((t.act[Op][kF32] = launches_of<Op, float>()), ...);
    ((t.act[Op][kBF16] = launches_of<Op, bf16>()), ...);
    ((t.act[Op][kF16] = launches_of<Op, f16>()), ...);
    return t;
}

const LaunchTable& launch_table() {
    static const LaunchTable t = make_launch_table(std::make_index_sequence<AK_ACT_COUNT>{});
    return t;
}

// The checks every CUDA activation entry point starts with; on success the op's launchers.
int32_t enter(const char* fn, ActEntry entry, int32_t op, int32_t dtype, const float* params,
              const ActLaunches*& launches) {
    int storage = 0;
    if (int32_t s = check_activation_call(fn, entry, op, dtype, params, storage)) return s;
    launches = &launch_table().act[op][storage];
    return AK_OK;
}

}  // namespace
}  // namespace ak::cuda

using namespace ak;
using namespace ak::cuda;

extern "C" {

ak_status_t ak_cuda_act_forward(int32_t device, int32_t op, int32_t dtype, const float* params, const void* x,
                                void* y, int64_t n) {
    const char* fn = "ak_cuda_act_forward";
    clear_error();
    const ActLaunches* l = nullptr;
    DeviceContext* ctx = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, ActEntry::kElementwise, op, dtype, params, l)) return s;
    if (int32_t s = check_forward_operands(fn, dtype_size(dtype), n, x, y, empty)) return s;
    if (empty) return AK_OK;
    if (int32_t s = enter_device(fn, device, &ctx)) return s;
    l->forward(ctx, params, x, y, n);
    return launched(fn);
}

static ak_status_t backward(const char* fn, ActEntry entry, int32_t device, int32_t op, int32_t dtype,
                            const float* params, const char* saved_name, const void* saved, const void* dy, void* dx,
                            int64_t n) {
    clear_error();
    const ActLaunches* l = nullptr;
    DeviceContext* ctx = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, entry, op, dtype, params, l)) return s;
    if (int32_t s = check_backward_operands(fn, dtype_size(dtype), n, saved_name, saved, dy, dx, empty)) return s;
    if (empty) return AK_OK;
    if (int32_t s = enter_device(fn, device, &ctx)) return s;
    (entry == ActEntry::kFromOutput ? l->backward_from_output : l->backward)(ctx, params, saved, dy, dx, n);
    return launched(fn);
}

ak_status_t ak_cuda_act_backward(int32_t device, int32_t op, int32_t dtype, const float* params, const void* x,
                                 const void* dy, void* dx, int64_t n) {
    return backward("ak_cuda_act_backward", ActEntry::kElementwise, device, op, dtype, params, "x", x, dy, dx, n);
}

ak_status_t ak_cuda_act_backward_from_output(int32_t device, int32_t op, int32_t dtype, const float* params,
                                             const void* y, const void* dy, void* dx, int64_t n) {
    return backward("ak_cuda_act_backward_from_output", ActEntry::kFromOutput, device, op, dtype, params, "y", y, dy,
                    dx, n);
}

static ak_status_t seeded(const char* fn, bool backward, int32_t device, int32_t op, int32_t dtype,
                          const float* params, int64_t seed, int64_t offset, const void* x, const void* dy, void* out,
                          int64_t n) {
    clear_error();
    const ActLaunches* l = nullptr;
    DeviceContext* ctx = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, ActEntry::kSeeded, op, dtype, params, l)) return s;
    const int32_t s = backward ? check_backward_operands(fn, dtype_size(dtype), n, "x", x, dy, out, empty)
                         : check_forward_operands(fn, dtype_size(dtype), n, x, out, empty);
    if (s) return s;
    if (int32_t r = check_seeded_range(fn, offset, n)) return r;
    if (empty) return AK_OK;
    if (int32_t r = enter_device(fn, device, &ctx)) return r;
    l->seeded(ctx, params, seed, offset, x, dy, out, n);
    return launched(fn);
}

ak_status_t ak_cuda_act_seeded_forward(int32_t device, int32_t op, int32_t dtype, const float* params, int64_t seed,
                                       int64_t offset, const void* x, void* y, int64_t n) {
    return seeded("ak_cuda_act_seeded_forward", false, device, op, dtype, params, seed, offset, x, nullptr, y, n);
}

ak_status_t ak_cuda_act_seeded_backward(int32_t device, int32_t op, int32_t dtype, const float* params, int64_t seed,
                                        int64_t offset, const void* x, const void* dy, void* dx, int64_t n) {
    return seeded("ak_cuda_act_seeded_backward", true, device, op, dtype, params, seed, offset, x, dy, dx, n);
}

static ak_status_t bias(const char* fn, bool backward, int32_t device, int32_t op, int32_t dtype,
                        const float* params, const void* x, const void* bias, const void* dy, void* out, int64_t rows,
                        int64_t cols) {
    clear_error();
    const ActLaunches* l = nullptr;
    DeviceContext* ctx = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, ActEntry::kElementwise, op, dtype, params, l)) return s;
    if (int32_t s = check_bias_operands(fn, backward, dtype_size(dtype), rows, cols, x, bias, dy, out, empty))
        return s;
    if (empty) return AK_OK;
    if (int32_t s = enter_device(fn, device, &ctx)) return s;
    (backward ? l->backward_bias : l->forward_bias)(ctx, params, x, bias, dy, out, rows, cols);
    return launched(fn);
}

ak_status_t ak_cuda_act_forward_bias(int32_t device, int32_t op, int32_t dtype, const float* params, const void* x,
                                     const void* bias_, void* y, int64_t rows, int64_t cols) {
    return bias("ak_cuda_act_forward_bias", false, device, op, dtype, params, x, bias_, nullptr, y, rows, cols);
}

ak_status_t ak_cuda_act_backward_bias(int32_t device, int32_t op, int32_t dtype, const float* params, const void* x,
                                      const void* bias_, const void* dy, void* dx, int64_t rows, int64_t cols) {
    return bias("ak_cuda_act_backward_bias", true, device, op, dtype, params, x, bias_, dy, dx, rows, cols);
}

ak_status_t ak_cuda_act_gated_forward(int32_t device, int32_t op, int32_t dtype, const float* params,
                                      const void* gate, const void* up, int64_t in_stride, const void* bias_gate,
                                      const void* bias_up, void* y, int64_t rows, int64_t cols) {
    const char* fn = "ak_cuda_act_gated_forward";
    clear_error();
    const ActLaunches* l = nullptr;
    DeviceContext* ctx = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, ActEntry::kGated, op, dtype, params, l)) return s;
    if (int32_t s = check_gated_operands(fn, false, dtype_size(dtype), rows, cols, in_stride, gate, up, bias_gate,
                                         bias_up, nullptr, y, nullptr, empty))
        return s;
    if (empty) return AK_OK;
    if (int32_t s = enter_device(fn, device, &ctx)) return s;
    l->gated_forward(ctx, params, gate, up, in_stride, bias_gate, bias_up, y, rows, cols);
    return launched(fn);
}

ak_status_t ak_cuda_act_gated_backward(int32_t device, int32_t op, int32_t dtype, const float* params,
                                       const void* gate, const void* up, int64_t in_stride, const void* bias_gate,
                                       const void* bias_up, const void* dy, void* dgate, void* dup, int64_t rows,
                                       int64_t cols) {
    const char* fn = "ak_cuda_act_gated_backward";
    clear_error();
    const ActLaunches* l = nullptr;
    DeviceContext* ctx = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, ActEntry::kGated, op, dtype, params, l)) return s;
    if (int32_t s = check_gated_operands(fn, true, dtype_size(dtype), rows, cols, in_stride, gate, up, bias_gate,
                                         bias_up, dy, dgate, dup, empty))
        return s;
    if (empty) return AK_OK;
    if (int32_t s = enter_device(fn, device, &ctx)) return s;
    l->gated_backward(ctx, params, gate, up, in_stride, bias_gate, bias_up, dy, dgate, dup, rows, cols);
    return launched(fn);
}

}  // extern "C"
