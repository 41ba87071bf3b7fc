// Global memory as the kernels read and write it: one element (as stored, or an f32, bf16 or f16
// storage element as fp32) or one 16-byte packet. Every global access of a kernel goes through these, so that the
// emulation (cuda_api.h) checks it for bounds and alignment; packets need 16-byte alignment.
#pragma once
#include <cstdint>
#include <type_traits>

#include "../ops/half.h"
#include "../ops/narrow_float.h"
#include "../ops/storage.h"
#include "cuda_api.h"

namespace ak::cuda {

__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(bf16 v) { return bf16_to_float(v.bits); }
__device__ __forceinline__ float to_float(f16 v) { return f16_to_float(v.bits); }

template <class T>
__device__ __forceinline__ T from_float(float v);
template <>
__device__ __forceinline__ float from_float<float>(float v) { return v; }
template <>
__device__ __forceinline__ bf16 from_float<bf16>(float v) { return bf16{float_to_bf16(v)}; }
template <>
__device__ __forceinline__ f16 from_float<f16>(float v) { return f16{float_to_f16(v)}; }

// One element of any type, as it is stored.
template <class T>
__device__ __forceinline__ T load(const T* p) {
    AK_GLOBAL_ACCESS(p, sizeof(T), alignof(T), false);
    return *p;
}

template <class T>
__device__ __forceinline__ void store(T* p, T v) {
    AK_GLOBAL_ACCESS(p, sizeof(T), alignof(T), true);
    *p = v;
}

// One element of a storage type as fp32.
template <class T>
__device__ __forceinline__ float load1(const T* p) { return to_float(load(p)); }

template <class T>
__device__ __forceinline__ void store1(T* p, float v) { store(p, from_float<T>(v)); }

// The value type the kernels of storage type T compute in: float for f32; for bf16 and f16 a
// narrow_float, with which math.h takes its polynomials of 16-bit accuracy (as the CPU kernels of
// 16-bit results do).
template <class T>
using Compute = std::conditional_t<std::is_same_v<T, float>, float, narrow_float>;

template <class T>
__device__ __forceinline__ Compute<T> to_compute(T v) { return Compute<T>(to_float(v)); }

template <class T>
__device__ __forceinline__ Compute<T> load_compute(const T* p) { return Compute<T>(load1(p)); }

// One 16-byte packet of T, in registers.
template <class T>
struct alignas(16) Packet {
    static constexpr int kCount = 16 / sizeof(T);
    T e[kCount];
};

template <class T>
__device__ __forceinline__ Packet<T> load_packet(const T* p) {
    AK_GLOBAL_ACCESS(p, 16, 16, false);
    Packet<T> out;
    copy16(&out, p);
    return out;
}

template <class T>
__device__ __forceinline__ void store_packet(T* p, const Packet<T>& v) {
    AK_GLOBAL_ACCESS(p, 16, 16, true);
    copy16(p, &v);
}

}  // namespace ak::cuda
