// The one place where the two builds of the .cu sources differ: nvcc with the CUDA runtime, or g++
// with the CPU emulation of the CUDA execution model (emulation.h, for the tests without a GPU).
// Kernels reach global memory through device_memory.h, shared memory through the macros below, and
// are launched by launch.h; with those three rules the same source runs on both.
#pragma once
#if defined(AK_CUDA_EMULATION)
#include "emulation.h"
// The emulation checks every global access for bounds and alignment.
#define AK_GLOBAL_ACCESS(pointer, bytes, align, write) \
    ::ak::emu::check_global(pointer, bytes, align, (write) ? ::ak::emu::Access::kStore : ::ak::emu::Access::kLoad)
// A block's shared array of count T: T name[count] on the GPU, checked element accesses here.
#define AK_SHARED_ARRAY(T, name, count)                                  \
    static const char name##_site_ = 0;                                 \
    const ::ak::emu::SharedArray<T> name(                               \
        ::ak::emu::shared_site(&name##_site_, sizeof(T) * (count)), (count))
// The launch's dynamic shared memory (its shmem argument) as an array of T.
#define AK_DYNAMIC_SHARED(T, name) const ::ak::emu::SharedArray<T> name = ::ak::emu::dynamic_shared_array<T>()
// One 16-byte copy between 16-byte aligned addresses (memcpy: host C++ has strict aliasing).
__forceinline__ void copy16(void* dst, const void* src) { std::memcpy(dst, src, 16); }
#else
#include <cuda_runtime.h>
#define AK_GLOBAL_ACCESS(pointer, bytes, align, write) ((void)0)
#define AK_SHARED_ARRAY(T, name, count) __shared__ T name[count]
#define AK_DYNAMIC_SHARED(T, name)                      \
    extern __shared__ __align__(16) unsigned char ak_dynamic_shared_[]; \
    T* const name = reinterpret_cast<T*>(ak_dynamic_shared_)
// One 16-byte load and store (a single 128-bit access on the GPU).
__device__ __forceinline__ void copy16(void* dst, const void* src) {
    *reinterpret_cast<uint4*>(dst) = *reinterpret_cast<const uint4*>(src);
}
#endif
