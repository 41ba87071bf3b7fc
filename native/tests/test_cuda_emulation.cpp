// The CUDA emulation itself (native/cuda/emulation.h): correct kernels give CUDA's results
// (barriers, shared memory, shuffles, votes, atomics, dynamic shared memory, 2-D and 3-D indexes),
// and each way of breaking a kernel that a GPU punishes is caught with a message naming it: an
// off-by-one tail, a misaligned packet, a missing __syncthreads, a barrier some threads skip, a
// shuffle mask that leaves out a participating lane, an uninitialized shared read, a write after
// another thread's read, two threads storing one element, use after free, a host pointer, an
// impossible launch; and blocks run in another order on every launch.
#include "cuda/emulation.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>
#include <type_traits>
#include <vector>

#include "check.h"
#include "cuda/device_memory.h"
#include "cuda/launch.h"
#include "test_support.h"

using ak::cuda::launch;
using ak::cuda::load;
using ak::cuda::load1;
using ak::cuda::store;
using ak::cuda::load_packet;
using ak::cuda::Packet;
using ak::cuda::store1;
using ak::cuda::store_packet;

namespace {

// ---- kernels ----

// Sum of x[0, n) per block into partial[blockIdx.x]: a shared-memory tree, as the parameter
// gradients will reduce. kBarrier false leaves out the barrier after the first store.
template <bool kBarrier>
__global__ void block_sum(const float* x, float* partial, int64_t n) {
    AK_SHARED_ARRAY(float, sums, 256);
    const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    sums[threadIdx.x] = i < n ? load1(x + i) : 0.0f;
    if (kBarrier) __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s /= 2) {
        if (threadIdx.x < s) sums[threadIdx.x] += sums[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) store1(partial + blockIdx.x, sums[0]);
}

// The same over a warp with shuffles; mask is the warp's.
__global__ void warp_sum(const float* x, float* out, unsigned mask) {
    float v = load1(x + threadIdx.x);
    for (int d = 16; d > 0; d /= 2) v += __shfl_down_sync(mask, v, d);
    if (threadIdx.x % 32 == 0) store1(out + threadIdx.x / 32, v);
}

// The copy loop of every element-wise kernel; kTailBug runs one element too far.
template <bool kTailBug>
__global__ void copy_elements(const float* x, float* y, int64_t n) {
    const int64_t stride = int64_t(gridDim.x) * blockDim.x;
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n + kTailBug; i += stride)
        store1(y + i, load1(x + i));
}

__global__ void copy_packets(const float* x, float* y, int64_t packets) {
    const int64_t stride = int64_t(gridDim.x) * blockDim.x;
    for (int64_t p = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; p < packets; p += stride)
        store_packet(y + 4 * p, load_packet(x + 4 * p));
}

// A barrier that only the first half of the block reaches.
__global__ void half_barrier(float* y) {
    if (threadIdx.x >= blockDim.x / 2) return;
    __syncthreads();
    store1(y + threadIdx.x, 1.0f);
}

// Each thread reads its right neighbour's slot, then writes its own: needs a barrier in between.
template <bool kBarrier>
__global__ void shift_left(float* y) {
    AK_SHARED_ARRAY(float, s, 64);
    s[threadIdx.x] = float(threadIdx.x);
    __syncthreads();
    const float right = s[(threadIdx.x + 1) % blockDim.x];
    if (kBarrier) __syncthreads();
    s[threadIdx.x] = right;
    __syncthreads();
    store1(y + threadIdx.x, s[threadIdx.x]);
}

__global__ void read_unwritten(float* y) {
    AK_SHARED_ARRAY(float, s, 32);
    if (threadIdx.x > 0) s[threadIdx.x] = 1.0f;
    __syncthreads();
    store1(y + threadIdx.x, s[(threadIdx.x + 1) % 32]);
}

__global__ void shared_overrun(float* y) {
    AK_SHARED_ARRAY(float, s, 32);
    s[threadIdx.x] = 1.0f;  // launched with 33 threads
    __syncthreads();
    store1(y + threadIdx.x, s[threadIdx.x]);
}

// Votes and shuffles of every kind against their definitions.
__global__ void votes(int* out) {
    const unsigned lane = threadIdx.x % 32, full = 0xffffffffu;
    int* row = out + 10 * threadIdx.x;
    store(row + 0, int(__ballot_sync(full, lane % 3 == 0)));
    store(row + 1, __any_sync(full, lane == 7));
    store(row + 2, __all_sync(full, lane < 31));
    store(row + 3, __shfl_sync(full, int(lane * 10), 5));
    store(row + 4, __shfl_up_sync(full, int(lane), 3));
    store(row + 5, __shfl_xor_sync(full, int(lane), 1));
    store(row + 6, __shfl_down_sync(full, int(lane), 2, 8));
    __syncwarp();
    store(row + 7, __shfl_sync(0x0000ffffu << (lane & 16), int(lane), 0, 16));
    store(row + 8, __shfl_xor_sync(full, int(lane), 8, 8));  // PTX: xor may read the segment before
    store(row + 9, __shfl_down_sync(full, int(lane), 33));    // only the low 5 bits of the delta count
}

// A warp of n < 32 live lanes: the exited lanes take no part in the full-mask vote and sync.
__global__ void vote_after_exit(int* out, int n) {
    if (int(threadIdx.x) >= n) return;
    const unsigned ballot = __ballot_sync(0xffffffffu, 1);
    __syncwarp();
    store(out + threadIdx.x, int(ballot));
}

// Lane 2 writes, lanes 0 and 1 sync without it, lane 0 reads: a race a partial __syncwarp does not order.
__global__ void partial_syncwarp_race(int* out) {
    AK_SHARED_ARRAY(int, s, 32);
    const unsigned lane = threadIdx.x;
    if (lane == 2) s[2] = 7;
    if (lane < 2) {
        __syncwarp(0x3u);
        if (lane == 0) store(out, int(s[2]));
    }
}

// Thread 32 reads s[0]; thread 0 reads, then writes it, after a __syncwarp that makes it run last.
__global__ void write_after_two_reads(int* out) {
    AK_SHARED_ARRAY(int, s, 1);
    if (threadIdx.x == 0) s[0] = 1;
    __syncthreads();
    if (threadIdx.x == 32) store(out + 1, int(s[0]));
    if (threadIdx.x == 0) {
        __syncwarp(1u);
        const int v = s[0];
        s[0] = v + 1;
    }
}

// `auto x = s[i]` would keep a reference in the emulation where nvcc keeps a value: a shared element
// held in a variable neither converts nor assigns, so such code does not compile.
static_assert(!std::is_convertible_v<ak::emu::SharedRef<float>&, float>, "a held shared element must not read");
static_assert(!std::is_assignable_v<ak::emu::SharedRef<float>&, float>, "a held shared element must not write");
static_assert(std::is_convertible_v<ak::emu::SharedRef<float>, float>, "a shared element used at once reads");

// Lane 0 writes; lanes 0 and 1 sync, then lanes 1 and 2: lane 2 is ordered after the write.
__global__ void syncwarp_chain(float* y) {
    AK_SHARED_ARRAY(float, s, 1);
    const unsigned lane = threadIdx.x;
    if (lane == 0) s[0] = 1.0f;
    if (lane <= 1) __syncwarp(0x3u);
    if (lane == 1 || lane == 2) __syncwarp(0x6u);
    if (lane == 2) store1(y, s[0]);
}

// Every thread reads s[0]; warp 0 syncs and lane 0 writes it, while thread 32 (another warp) read it
// in the same phase: a race, whichever thread read last.
__global__ void write_after_many_reads(float* y) {
    AK_SHARED_ARRAY(float, s, 1);
    if (threadIdx.x == 0) s[0] = 1.0f;
    __syncthreads();
    const float v = s[0];
    if (threadIdx.x < 32) {
        __syncwarp();
        if (threadIdx.x == 0) s[0] = 2.0f;
    }
    store1(y + threadIdx.x, v);
}

// Shuffles of 8 and 2 bytes from lanes that do not exist (a 16-thread block, full mask).
__global__ void shuffle_missing(double* wide, uint16_t* narrow) {
    store(wide + threadIdx.x, __shfl_down_sync(0xffffffffu, double(threadIdx.x), 16));
    store(narrow + threadIdx.x, __shfl_down_sync(0xffffffffu, uint16_t(threadIdx.x), 16));
}

// A store ordered by __syncwarp within a warp is not a race on global memory either.
__global__ void store_after_syncwarp(float* y) {
    if (threadIdx.x == 0) store1(y, 1.0f);
    __syncwarp();
    if (threadIdx.x == 1) store1(y, 2.0f);
}

struct Pair {
    float a, b;
};
__global__ void copy_pairs(const Pair* x, Pair* y) { store(y + threadIdx.x, load(x + threadIdx.x)); }

// Dynamic shared memory: reverse a block's slice.
__global__ void reverse_block(const float* x, float* y) {
    AK_DYNAMIC_SHARED(float, s);
    const unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
    s[threadIdx.x] = load1(x + i);
    __syncthreads();
    store1(y + i, s[blockDim.x - 1 - threadIdx.x]);
}

// 3-D grid and block indexes, flattened.
__global__ void indexes(int* out) {
    const unsigned block = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
    const unsigned thread = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
    const unsigned threads = blockDim.x * blockDim.y * blockDim.z;
    store(out + block * threads + thread, int(block * 1000 + thread));
}

__global__ void count_atomically(int* counter) { atomicAdd(counter, 1); }

// Two blocks store one element: the last block to run wins, on a GPU and here (a race).
__global__ void last_block_wins(int* out) {
    if (threadIdx.x == 0) store(out, int(blockIdx.x));
}

// The grid-stride loop one short of the grid: every element done, some twice.
__global__ void copy_overlapping(const float* x, float* y, int64_t n) {
    const int64_t stride = int64_t(gridDim.x) * blockDim.x - 1;
    for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += stride) store1(y + i, load1(x + i));
}

// The order blocks ran in, written without a race: each block takes the next slot.
__global__ void record_block_order(int* counter, int* order) {
    if (threadIdx.x == 0) store(order + atomicAdd(counter, 1), int(blockIdx.x));
}

// Thread 0 stores, then after a barrier thread 1 stores the same element: ordered, not a race.
__global__ void store_after_barrier(int* out) {
    if (threadIdx.x == 0) store(out, 1);
    __syncthreads();
    if (threadIdx.x == 1) store(out, 2);
}

// ---- helpers ----

struct Device {
    void* p = nullptr;
    explicit Device(size_t bytes) { CHECK(cudaMalloc(&p, bytes) == cudaSuccess, "cudaMalloc(%zu)", bytes); }
    ~Device() { cudaFree(p); }
    template <class T> T* as() const { return static_cast<T*>(p); }
};

template <class T>
void put(const Device& d, const std::vector<T>& v) {
    CHECK(cudaMemcpyAsync(d.p, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice, nullptr) == cudaSuccess, "put");
}

template <class T>
std::vector<T> get(const Device& d, size_t n) {
    std::vector<T> v(n);
    CHECK(cudaMemcpyAsync(v.data(), d.p, n * sizeof(T), cudaMemcpyDeviceToHost, nullptr) == cudaSuccess, "get");
    return v;
}

// The launch in run() must fail with code and a message containing every fragment; then the sticky
// error is cleared, as a fresh context would be.
template <class Run>
void expect_fault(const char* what, cudaError_t code, std::initializer_list<const char*> fragments, Run run) {
    run();
    const cudaError_t got = cudaGetLastError();
    const char* message = cudaGetErrorString(got);
    CHECK(got == code, "%s: %s, expected %s", what, cudaGetErrorName(got), cudaGetErrorName(code));
    for (const char* f : fragments) CHECK(std::strstr(message, f), "%s: message lacks \"%s\": %s", what, f, message);
    std::printf("caught %s: %s\n", what, message);
    ak::emu::reset_error();
}

void correct_kernels(Rng& rng) {
    const int64_t n = 1000;
    std::vector<float> x(n);
    double want = 0;
    for (auto& v : x) want += (v = float(rng.range(-100, 100)));  // small integers: every order sums exactly
    Device dx(n * 4), dpartial(4 * 4);
    put(dx, x);
    launch<block_sum<true>>(dim3(4), dim3(256), 0, nullptr, dx.as<const float>(), dpartial.as<float>(), n);
    CHECK(cudaGetLastError() == cudaSuccess, "block_sum: %s", cudaGetErrorString(cudaGetLastError()));
    const std::vector<float> partial = get<float>(dpartial, 4);
    CHECK(double(partial[0]) + partial[1] + partial[2] + partial[3] == want, "block_sum: wrong sum");

    Device dout(2 * 4);
    launch<warp_sum>(dim3(1), dim3(64), 0, nullptr, dx.as<const float>(), dout.as<float>(), 0xffffffffu);
    const std::vector<float> warps = get<float>(dout, 2);
    double w0 = 0, w1 = 0;
    for (int i = 0; i < 32; ++i) w0 += x[i], w1 += x[32 + i];
    CHECK(warps[0] == w0 && warps[1] == w1, "warp_sum: %g %g, expected %g %g", warps[0], warps[1], w0, w1);

    Device dvotes(64 * 10 * 4);
    launch<votes>(dim3(1), dim3(64), 0, nullptr, dvotes.as<int>());
    CHECK(cudaGetLastError() == cudaSuccess, "votes: %s", cudaGetErrorString(cudaGetLastError()));
    const std::vector<int> v = get<int>(dvotes, 64 * 10);
    unsigned ballot = 0;
    for (unsigned l = 0; l < 32; l += 3) ballot |= 1u << l;
    for (int t = 0; t < 64; ++t) {
        const int lane = t % 32;
        const int* r = &v[10 * t];
        const int want_row[10] = {int(ballot), 1, 0, 50, lane >= 3 ? lane - 3 : lane, lane ^ 1,
                                  lane % 8 < 6 ? lane + 2 : lane, lane & 16, (lane & 8) ? lane - 8 : lane,
                                  lane < 31 ? lane + 1 : lane};
        for (int k = 0; k < 10; ++k)
            CHECK(r[k] == want_row[k], "votes: thread %d value %d is %d, expected %d", t, k, r[k], want_row[k]);
    }

    Device dy(n * 4);
    launch<reverse_block>(dim3(5), dim3(200), 200 * sizeof(float), nullptr, dx.as<const float>(), dy.as<float>());
    const std::vector<float> reversed = get<float>(dy, n);
    int bad = 0;
    for (int64_t i = 0; i < n; ++i) bad += reversed[i] != x[(i / 200) * 200 + 199 - i % 200];
    CHECK(bad == 0, "reverse_block: %d wrong", bad);

    Device dindex(2 * 3 * 4 * 5 * 2 * 3 * 4);
    launch<indexes>(dim3(2, 3, 4), dim3(5, 2, 3), 0, nullptr, dindex.as<int>());
    const std::vector<int> idx = get<int>(dindex, 24 * 30);
    bad = 0;
    for (int b = 0; b < 24; ++b)
        for (int t = 0; t < 30; ++t) bad += idx[b * 30 + t] != b * 1000 + t;
    CHECK(bad == 0, "indexes: %d wrong", bad);

    Device dexit(32 * 4);
    launch<vote_after_exit>(dim3(1), dim3(32), 0, nullptr, dexit.as<int>(), 20);
    CHECK(cudaGetLastError() == cudaSuccess, "vote_after_exit faulted");
    CHECK(get<int>(dexit, 1)[0] == (1 << 20) - 1, "vote_after_exit: ballot 0x%x", unsigned(get<int>(dexit, 1)[0]));

    // A struct of two floats needs its 4-byte alignment, not 8.
    Device dpairs(17 * sizeof(Pair)), dpairs_out(17 * sizeof(Pair));
    put(dpairs, std::vector<float>(34, 2.5f));
    launch<copy_pairs>(dim3(1), dim3(16), 0, nullptr, reinterpret_cast<const Pair*>(dpairs.as<float>() + 1),
                       reinterpret_cast<Pair*>(dpairs_out.as<float>() + 1));
    CHECK(cudaGetLastError() == cudaSuccess, "copy_pairs at 4-byte alignment faulted");

    Device dcount(4);
    put(dcount, std::vector<int>{0});
    launch<count_atomically>(dim3(7), dim3(96), 0, nullptr, dcount.as<int>());
    CHECK(get<int>(dcount, 1)[0] == 7 * 96, "atomicAdd: %d, expected %d", get<int>(dcount, 1)[0], 7 * 96);
}

void broken_kernels() {
    const int64_t n = 1000;
    Device dx(n * 4), dy(n * 4), dpartial(4 * 4);
    put(dx, std::vector<float>(n, 1.0f));
    const float* x = dx.as<const float>();
    float* y = dy.as<float>();

    expect_fault("an off-by-one tail", cudaErrorIllegalAddress, {"copy_elements<true>", "0 bytes past the end"},
                 [&] { launch<copy_elements<true>>(dim3(2), dim3(128), 0, nullptr, x, y, n); });
    launch<copy_elements<false>>(dim3(2), dim3(128), 0, nullptr, x, y, n);
    CHECK(cudaGetLastError() == cudaSuccess, "the correct tail faulted");

    expect_fault("a misaligned packet", cudaErrorMisalignedAddress, {"copy_packets", "not 16-byte aligned"},
                 [&] { launch<copy_packets>(dim3(1), dim3(64), 0, nullptr, x + 1, y + 1, (n - 1) / 4); });
    launch<copy_packets>(dim3(1), dim3(64), 0, nullptr, x, y, n / 4);
    CHECK(cudaGetLastError() == cudaSuccess, "aligned packets faulted");

    // Without the barrier a thread reads a slot its neighbour has not written yet, or wrote in the
    // same phase: which of the two depends on the thread order; both are caught.
    for (int run = 0; run < 4; ++run)
        expect_fault("a missing __syncthreads", cudaErrorLaunchFailure, {"block_sum<false>", "shared memory"},
                     [&] { launch<block_sum<false>>(dim3(4), dim3(256), 0, nullptr, x, dpartial.as<float>(), n); });

    expect_fault("a write after another thread's read", cudaErrorLaunchFailure,
                 {"shift_left<false>", "in the same phase"},
                 [&] { launch<shift_left<false>>(dim3(1), dim3(64), 0, nullptr, y); });
    launch<shift_left<true>>(dim3(1), dim3(64), 0, nullptr, y);
    CHECK(cudaGetLastError() == cudaSuccess, "shift_left with its barrier faulted");
    const std::vector<float> shifted = get<float>(dy, 64);
    CHECK(shifted[0] == 1.0f && shifted[63] == 0.0f, "shift_left: %g %g", shifted[0], shifted[63]);

    expect_fault("a barrier half the block skips", cudaErrorLaunchFailure, {"__syncthreads", "exited"},
                 [&] { launch<half_barrier>(dim3(1), dim3(64), 0, nullptr, y); });
    expect_fault("a shuffle mask that leaves out a lane", cudaErrorLaunchFailure, {"warp_sum", "leaves it out"},
                 [&] { launch<warp_sum>(dim3(1), dim3(32), 0, nullptr, x, y, 0x0000ffffu); });
    // A shuffle reading a lane that does not exist gets garbage, as on the GPU: here a NaN.
    launch<warp_sum>(dim3(1), dim3(16), 0, nullptr, x, y, 0xffffffffu);
    CHECK(cudaGetLastError() == cudaSuccess, "a full mask in a 16-thread warp faulted");
    CHECK(std::isnan(get<float>(dy, 1)[0]), "a shuffle from a missing lane must read a NaN");
    {
        Device dwide(16 * 8), dnarrow(16 * 2);
        launch<shuffle_missing>(dim3(1), dim3(16), 0, nullptr, dwide.as<double>(), dnarrow.as<uint16_t>());
        const uint16_t bits = get<uint16_t>(dnarrow, 1)[0];
        CHECK(std::isnan(get<double>(dwide, 1)[0]), "a double shuffled from a missing lane must be a NaN");
        CHECK(std::isnan(ak::bf16_to_float(bits)) && std::isnan(ak::f16_to_float(bits)),
              "16 bits shuffled from a missing lane must be a NaN as bf16 and f16: 0x%04x", bits);
    }
    expect_fault("a __syncwarp the writer took no part in", cudaErrorLaunchFailure, {"wrote in the same phase"},
                 [&] { launch<partial_syncwarp_race>(dim3(1), dim3(32), 0, nullptr, dy.as<int>()); });
    expect_fault("a write after two threads' reads", cudaErrorLaunchFailure, {"thread (32,0,0) read"},
                 [&] { launch<write_after_two_reads>(dim3(1), dim3(64), 0, nullptr, dy.as<int>()); });
    for (int run = 0; run < 8; ++run)
        expect_fault("a write after many reads", cudaErrorLaunchFailure, {"thread (32,0,0) read"},
                     [&] { launch<write_after_many_reads>(dim3(1), dim3(33), 0, nullptr, y); });
    launch<syncwarp_chain>(dim3(1), dim3(32), 0, nullptr, y);
    CHECK(cudaGetLastError() == cudaSuccess, "ordering through a chain of __syncwarp faulted");
    launch<store_after_syncwarp>(dim3(1), dim3(32), 0, nullptr, y);
    CHECK(cudaGetLastError() == cudaSuccess, "stores ordered by __syncwarp faulted");
    expect_fault("an unwritten shared read", cudaErrorLaunchFailure, {"no thread of the block has written"},
                 [&] { launch<read_unwritten>(dim3(1), dim3(32), 0, nullptr, y); });
    expect_fault("a shared index past the array", cudaErrorIllegalAddress, {"128 of a 128-byte array"},
                 [&] { launch<shared_overrun>(dim3(1), dim3(33), 0, nullptr, y); });
    expect_fault("a host pointer", cudaErrorIllegalAddress, {"load of 4 bytes"}, [&] {
        static float host[64];
        launch<copy_elements<false>>(dim3(1), dim3(64), 0, nullptr, host, y, 64);
    });
    {
        // Freed memory is quarantined: allocations of the same size made since do not reuse it.
        void* freed = nullptr;
        cudaMalloc(&freed, 256);
        cudaFree(freed);
        std::vector<void*> others(64);
        for (void*& p : others) cudaMalloc(&p, 256);
        expect_fault("use after free", cudaErrorIllegalAddress, {"store of 4 bytes"},
                     [&] { launch<copy_elements<false>>(dim3(1), dim3(64), 0, nullptr, x, (float*)freed, 64); });
        for (void* p : others) cudaFree(p);
    }
    expect_fault("dynamic shared memory past the launch's", cudaErrorIllegalAddress, {"shared memory store"},
                 [&] { launch<reverse_block>(dim3(1), dim3(200), 100 * sizeof(float), nullptr, x, y); });

    expect_fault("two blocks storing one element", cudaErrorLaunchFailure, {"two threads store one element"},
                 [&] { launch<last_block_wins>(dim3(16), dim3(32), 0, nullptr, dy.as<int>()); });
    expect_fault("a grid stride one short", cudaErrorLaunchFailure, {"copy_overlapping", "two threads store"},
                 [&] { launch<copy_overlapping>(dim3(2), dim3(64), 0, nullptr, x, y, n); });
    launch<store_after_barrier>(dim3(1), dim3(32), 0, nullptr, dy.as<int>());
    CHECK(cudaGetLastError() == cudaSuccess, "stores ordered by a barrier faulted");

    // Launch errors are not sticky, as on a GPU.
    launch<copy_elements<false>>(dim3(1), dim3(2048), 0, nullptr, x, y, n);
    CHECK(cudaGetLastError() == cudaErrorInvalidConfiguration, "a 2048-thread block must not launch");
    launch<reverse_block>(dim3(1), dim3(64), 64 * 1024, nullptr, x, y);
    CHECK(cudaGetLastError() == cudaErrorInvalidConfiguration, "64 KiB of dynamic shared memory must not launch");
    CHECK(cudaGetLastError() == cudaSuccess, "a launch error is not sticky");

    // A fault is sticky until the context is reset: later calls fail too.
    launch<copy_elements<true>>(dim3(1), dim3(64), 0, nullptr, x, y, n);
    void* p = nullptr;
    CHECK(cudaMalloc(&p, 16) == cudaErrorIllegalAddress, "a fault must be sticky");
    CHECK(cudaStreamSynchronize(nullptr) == cudaErrorIllegalAddress, "a fault must be sticky");
    ak::emu::reset_error();

    std::vector<float> host(2 * n);
    CHECK(cudaMemcpyAsync(dy.p, host.data(), 4 * n + 4, cudaMemcpyHostToDevice, nullptr) == cudaErrorInvalidValue,
          "a copy past an allocation must fail");
    CHECK(cudaMemcpyAsync(dy.p, dx.p, 16, cudaMemcpyHostToDevice, nullptr) == cudaErrorInvalidValue,
          "a host-to-device copy from device memory must fail");
    CHECK(cudaMemcpyAsync(host.data(), dy.p, 16, cudaMemcpyKind(7), nullptr) == cudaErrorInvalidMemcpyDirection,
          "an unknown copy kind must fail");
    cudaGetLastError();
}

// Blocks run in another order on every launch (so order-dependent results differ), or in the order
// a test asks for.
void block_order() {
    const int blocks = 16;
    Device dcounter(4), dorder(blocks * 4);
    std::set<std::vector<int>> seen;
    for (int run = 0; run < 8; ++run) {
        put(dcounter, std::vector<int>{0});
        launch<record_block_order>(dim3(blocks), dim3(32), 0, nullptr, dcounter.as<int>(), dorder.as<int>());
        seen.insert(get<int>(dorder, blocks));
    }
    CHECK(seen.size() > 1, "shuffled block order: 8 launches ran their blocks in the same order");
    ak::emu::set_block_order(ak::emu::BlockOrder::kDescending);
    put(dcounter, std::vector<int>{0});
    launch<record_block_order>(dim3(blocks), dim3(32), 0, nullptr, dcounter.as<int>(), dorder.as<int>());
    const std::vector<int> order = get<int>(dorder, blocks);
    CHECK(order.front() == blocks - 1 && order.back() == 0, "descending block order");
    ak::emu::set_block_order(ak::emu::BlockOrder::kShuffled);
    std::printf("8 launches of 16 blocks ran in %zu different orders\n", seen.size());
}

}  // namespace

int main(int argc, char** argv) {
    const uint64_t seed = test_seed(argc, argv);
    ak::emu::seed(seed);
    Rng rng(seed);
    correct_kernels(rng);
    broken_kernels();
    block_order();
    std::printf("%d passed, %d failed\n", g_checks - g_failures, g_failures);
    return g_failures == 0 ? 0 : 1;
}
