// The CUDA execution model on the CPU: what the .cu sources of native/cuda need from nvcc and the
// CUDA runtime, so that g++ compiles them as host C++ and the CUDA tests run without a GPU.
//
// Each block's threads are fibers run by one scheduler (emulation.cpp): a thread runs until it
// finishes, reaches __syncthreads, or a warp collective (__shfl_*_sync, __ballot_sync, __any_sync,
// __all_sync, __syncwarp); a barrier opens when every thread of the block has reached it, a
// collective completes when every lane its mask names has reached one with the same mask. Blocks
// run one after another in a shuffled order, and the threads of a block in a shuffled order at
// each step, so a result that depends on either order differs between runs.
//
// What a GPU punishes and the CPU forgives is checked and becomes a sticky launch error, with a
// message naming the kernel, block, thread and address (cudaGetErrorString):
// - global memory accesses (the accessors of device_memory.h) outside the live allocations of
//   cudaMalloc (freed memory is quarantined, not reused, for 64 MiB of frees), or not aligned to
//   their type (16 for a packet);
// - shared memory (AK_SHARED_ARRAY, AK_DYNAMIC_SHARED) read before any thread of the block wrote
//   it, or written by one thread and read or written by another unless a __syncthreads or a chain
//   of __syncwarp orders them (every reader of the phase is kept); indexes outside the array;
// - a __syncthreads that some thread of the block exits without reaching;
// - a warp collective whose mask leaves out the calling lane, or that the lanes it names never
//   reach together (lanes that exited or do not exist take no part, as in CUDA); a shuffle reading
//   a lane outside the mask, exited or missing gets a poison value (NaN as f64, f32, bf16 and f16);
// - a shared array element kept in a variable instead of its value (does not compile, see SharedRef);
// - two threads of a launch storing to one byte of global memory (a race, or work done twice), unless
//   a barrier of their block or a __syncwarp of their warp orders them; atomics excepted (a flag many
//   threads set to one value counts too); in allocations up to 16 MiB;
// - launch configurations a GPU rejects (cudaErrorInvalidConfiguration, not sticky).
// Not emulated: the memory model (threads run one at a time; a load racing with another thread's
// store in global memory is not found), speed, occupancy and real scheduling. Device math takes the
// __CUDA_ARCH__ branches of native/ops (fmaf for __fmaf_rn): the host's IEEE operations, not the
// GPU's approximate ones. One emulated device, one stream; work runs when it is enqueued.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#ifndef AK_CUDA_EMULATION
#define AK_CUDA_EMULATION 1
#endif
#define __CUDA_ARCH__ 900

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
// __shared__ is deliberately not defined: shared memory is declared with AK_SHARED_ARRAY or
// AK_DYNAMIC_SHARED (cuda_api.h), which the emulation can check.

struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct uint3 { unsigned x, y, z; };
struct alignas(16) uint4 { unsigned x, y, z, w; };
struct alignas(16) int4 { int x, y, z, w; };
struct alignas(16) float4 { float x, y, z, w; };
struct alignas(8) float2 { float x, y; };
struct alignas(8) uint2 { unsigned x, y; };

constexpr int warpSize = 32;

// ---- the runtime API subset the library uses ----
enum cudaError_t {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInvalidConfiguration = 9,
    cudaErrorInvalidDevicePointer = 17,
    cudaErrorInvalidMemcpyDirection = 21,
    cudaErrorInsufficientDriver = 35,
    cudaErrorNoDevice = 100,
    cudaErrorInvalidDevice = 101,
    cudaErrorInvalidResourceHandle = 400,
    cudaErrorIllegalAddress = 700,
    cudaErrorMisalignedAddress = 716,
    cudaErrorLaunchFailure = 719,
};
using cudaError = cudaError_t;
struct CUstream_st;
using cudaStream_t = CUstream_st*;
enum cudaMemcpyKind {
    cudaMemcpyHostToHost = 0,
    cudaMemcpyHostToDevice = 1,
    cudaMemcpyDeviceToHost = 2,
    cudaMemcpyDeviceToDevice = 3,
};
enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount = 16, cudaDevAttrL2CacheSize = 38 };
// Events read the host's clock: work runs when it is enqueued, so a recorded event has happened.
struct CUevent_st;
using cudaEvent_t = CUevent_st*;
constexpr unsigned cudaStreamNonBlocking = 1;
struct cudaDeviceProp {
    char name[256];
    size_t totalGlobalMem;
    int major, minor, multiProcessorCount, warpSize;
};

cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int device);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned flags);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaEventCreate(cudaEvent_t* event);
cudaError_t cudaEventDestroy(cudaEvent_t event);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream);
cudaError_t cudaEventSynchronize(cudaEvent_t event);
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t stop);
cudaError_t cudaMalloc(void** ptr, size_t bytes);
cudaError_t cudaFree(void* ptr);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t stream);
cudaError_t cudaGetLastError();
const char* cudaGetErrorString(cudaError_t err);
const char* cudaGetErrorName(cudaError_t err);

// ---- device intrinsics used under __CUDA_ARCH__ ----
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, sizeof i); return i; }
inline unsigned __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, sizeof u); return u; }
inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, sizeof f); return f; }
inline float __uint_as_float(unsigned u) { float f; std::memcpy(&f, &u, sizeof f); return f; }
inline void __threadfence() {}

namespace ak::emu {

// The built-in variables of the emulated thread that runs now.
struct ThreadIndex {
    uint3 thread_idx, block_idx;
    dim3 block_dim, grid_dim;
};
extern const ThreadIndex* g_running;

enum class Collective : int { kSyncWarp, kShflIdx, kShflUp, kShflDown, kShflXor, kBallot, kAny, kAll };

// Checks a global memory access of bytes at p, which must be align-aligned, by the running thread;
// a store also must not hit a byte that another thread stored to in this launch (unless a barrier of
// their block came between).
enum class Access { kLoad, kStore, kAtomic };
void check_global(const void* p, size_t bytes, size_t align, Access access);
void sync_threads();
// Every lane named in mask takes part; returns the shuffled bits, or the ballot.
uint64_t warp_collective(Collective kind, unsigned mask, uint64_t value, int arg, int width);

// Shared memory: one region per declaration site (static) or per launch (dynamic) in each block.
struct SharedRegion;
SharedRegion* shared_site(const void* site, size_t bytes);
SharedRegion* dynamic_shared(size_t* bytes);
void* shared_data(SharedRegion* region);
// made: the shared clock when the reference was made; a reference used after the clock moved (a
// barrier, a collective or a shared store since) was kept where CUDA code would have kept a value.
void check_shared(SharedRegion* region, size_t offset, size_t bytes, size_t capacity, bool write, uint64_t made);
uint64_t shared_clock();

// One element of a shared array, used at once: T x = s[i], s[i] = v, s[i] += v, f(s[i]) for a T
// parameter. It works only as a temporary, so `auto x = s[i]` (a reference here, a value under
// nvcc) or a template deducing SharedRef does not compile; convert first (T(s[i])).
template <class T>
class SharedRef {
public:
    SharedRef(SharedRegion* r, size_t offset, size_t capacity)
        : r_(r), off_(offset), cap_(capacity), made_(shared_clock()) {}
    SharedRef(const SharedRef&) = delete;
    SharedRef& operator=(const SharedRef&) = delete;
    operator T() const&& { return read(); }
    T operator=(T v) && {
        write(v);
        return v;
    }
    T operator=(SharedRef&& o) && { return std::move(*this) = o.read(); }
    T operator+=(T v) && { return std::move(*this) = read() + v; }
    T operator-=(T v) && { return std::move(*this) = read() - v; }
    T operator*=(T v) && { return std::move(*this) = read() * v; }

private:
    T read() const {
        check_shared(r_, off_, sizeof(T), cap_, false, made_);
        T v;
        std::memcpy(&v, static_cast<char*>(shared_data(r_)) + off_, sizeof v);
        return v;
    }
    void write(T v) {
        check_shared(r_, off_, sizeof(T), cap_, true, made_);
        made_ = shared_clock();  // this store moved the clock
        std::memcpy(static_cast<char*>(shared_data(r_)) + off_, &v, sizeof v);
    }

    SharedRegion* r_;
    size_t off_, cap_;
    uint64_t made_;
};

// A shared array as kernels see it: indexed, each element access checked.
template <class T>
class SharedArray {
public:
    SharedArray(SharedRegion* r, size_t count) : r_(r), count_(count) {}
    SharedRef<T> operator[](int64_t i) const {
        return SharedRef<T>(r_, size_t(i) * sizeof(T), count_ * sizeof(T));  // i < 0 wraps: out of bounds
    }

private:
    SharedRegion* r_;
    size_t count_;
};

template <class T>
SharedArray<T> dynamic_shared_array() {
    size_t bytes = 0;
    SharedRegion* r = dynamic_shared(&bytes);
    return SharedArray<T>(r, bytes / sizeof(T));
}

// Runs body(context) as every thread of grid x block; returns the launch's error.
using KernelBody = void (*)(void*);
cudaError_t launch(const char* kernel, dim3 grid, dim3 block, size_t shared_bytes, cudaStream_t stream,
                   KernelBody body, void* context);

// ---- controls for the tests of the emulation ----
enum class BlockOrder { kShuffled, kAscending, kDescending };
void set_block_order(BlockOrder order);
// Seeds the shuffles (otherwise $AK_TEST_SEED, else at random; fault messages name it).
uint64_t seed(uint64_t value);
// Clears a sticky error, as a new CUDA context would.
void reset_error();

}  // namespace ak::emu

#define threadIdx (::ak::emu::g_running->thread_idx)
#define blockIdx (::ak::emu::g_running->block_idx)
#define blockDim (::ak::emu::g_running->block_dim)
#define gridDim (::ak::emu::g_running->grid_dim)

inline void __syncthreads() { ::ak::emu::sync_threads(); }
inline void __syncwarp(unsigned mask = 0xffffffffu) {
    ::ak::emu::warp_collective(::ak::emu::Collective::kSyncWarp, mask, 0, 0, warpSize);
}

namespace ak::emu {
template <class T>
T shuffle(Collective kind, unsigned mask, T v, int arg, int width) {
    static_assert(sizeof(T) <= 8, "shuffles move at most 8 bytes");
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof v);
    bits = warp_collective(kind, mask, bits, arg, width);
    std::memcpy(&v, &bits, sizeof v);
    return v;
}
}  // namespace ak::emu

template <class T>
T __shfl_sync(unsigned mask, T v, int src_lane, int width = warpSize) {
    return ::ak::emu::shuffle(::ak::emu::Collective::kShflIdx, mask, v, src_lane, width);
}
template <class T>
T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = warpSize) {
    return ::ak::emu::shuffle(::ak::emu::Collective::kShflUp, mask, v, int(delta), width);
}
template <class T>
T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = warpSize) {
    return ::ak::emu::shuffle(::ak::emu::Collective::kShflDown, mask, v, int(delta), width);
}
template <class T>
T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = warpSize) {
    return ::ak::emu::shuffle(::ak::emu::Collective::kShflXor, mask, v, lane_mask, width);
}
inline unsigned __ballot_sync(unsigned mask, int predicate) {
    return unsigned(::ak::emu::warp_collective(::ak::emu::Collective::kBallot, mask, predicate != 0, 0, warpSize));
}
inline int __any_sync(unsigned mask, int predicate) {
    return int(::ak::emu::warp_collective(::ak::emu::Collective::kAny, mask, predicate != 0, 0, warpSize));
}
inline int __all_sync(unsigned mask, int predicate) {
    return int(::ak::emu::warp_collective(::ak::emu::Collective::kAll, mask, predicate != 0, 0, warpSize));
}

// Global memory atomics: checked, and atomic because one emulated thread runs at a time.
template <class T>
T atomicAdd(T* address, T value) {
    ::ak::emu::check_global(address, sizeof(T), alignof(T), ::ak::emu::Access::kAtomic);
    T old = *address;
    *address = old + value;
    return old;
}
