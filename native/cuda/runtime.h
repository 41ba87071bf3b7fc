// Per-device state of the CUDA library (one stream per device) and CUDA error -> status.
#pragma once
#include "cuda_api.h"
#include <cstdint>
#include <mutex>

namespace ak::cuda {

struct DeviceContext {
    cudaStream_t stream;
    int sm_count;
    // Device memory the library's own multi-kernel calls (the learnable activations' partial sums)
    // work in: grown on demand, used while holding scratch_lock from the first launch to the last,
    // so that two host threads cannot queue kernels that share it out of order.
    std::mutex scratch_lock;
    void* scratch;
    int64_t scratch_bytes;
};

// The context's scratch memory, at least bytes long (the caller holds ctx->scratch_lock).
int32_t scratch(const char* fn, DeviceContext* ctx, int64_t bytes, void** ptr);

// Makes device current on this thread and returns its context; on failure sets the last error
// (naming fn) and returns the status.
int32_t enter_device(const char* fn, int32_t device, DeviceContext** ctx);

// Turns a CUDA error into a status and message naming fn; AK_OK for cudaSuccess.
int32_t check(cudaError_t err, const char* fn, const char* what);

// The status of the kernel launch fn just made (cudaGetLastError), named after fn.
inline int32_t launched(const char* fn) { return check(cudaGetLastError(), fn, "kernel launch"); }

}  // namespace ak::cuda
