// The grid-stride loop of every element-wise CUDA kernel (activations, conversion) and the launch
// geometry they share.
#pragma once
#include <cstdint>

#include "device_memory.h"
#include "runtime.h"

namespace ak::cuda {

// out[i] for i in [0, n), grid-stride: 16-byte packets, packet(i) giving out[i .. i + E), when
// kVector (every pointer 16-byte aligned), then element by element, elem(i) giving out[i], for
// the rest. The one loop of the element-wise kernels, as for_each_vector is on the CPU.
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

inline bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15u) == 0; }

// Blocks of 256 threads for work items, at most 16 per multiprocessor: enough resident warps to
// hide latency, and the grid-stride loop takes the rest.
inline dim3 grid_for(const DeviceContext* ctx, int64_t work) {
    const int64_t blocks = (work + 255) / 256;
    const int64_t cap = int64_t(ctx->sm_count) * 16;
    return dim3(unsigned(blocks < 1 ? 1 : (blocks < cap ? blocks : cap)));
}

}  // namespace ak::cuda
