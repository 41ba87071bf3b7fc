// Device enumeration, memory, copies and streams of the C ABI.
#include <cstring>
#include <mutex>

#include "../common/errors.h"
#include "../include/actinium.h"
#include "runtime.h"

namespace ak::cuda {
namespace {
constexpr int kMaxDevices = 64;
DeviceContext g_contexts[kMaxDevices];
std::once_flag g_once[kMaxDevices];
int32_t g_init_status[kMaxDevices];
}  // namespace

int32_t check(cudaError_t err, const char* fn, const char* what) {
    if (err == cudaSuccess) return AK_OK;
    cudaGetLastError();  // clear a non-sticky error so the next call starts clean
    int32_t status = AK_ERR_CUDA;
    if (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver ||
        err == cudaErrorInvalidDevice)
        status = AK_ERR_NO_DEVICE;
    if (err == cudaErrorMemoryAllocation) status = AK_ERR_OUT_OF_MEMORY;
    return fail(status, "%s: %s failed: %s (%s)", fn, what, cudaGetErrorString(err),
                cudaGetErrorName(err));
}

int32_t enter_device(const char* fn, int32_t device, DeviceContext** ctx) {
    int count = 0;
    if (int32_t s = check(cudaGetDeviceCount(&count), fn, "cudaGetDeviceCount")) return s;
    if (device < 0 || device >= count || device >= kMaxDevices)
        return fail(AK_ERR_NO_DEVICE, "%s: device %d does not exist (%d CUDA devices)", fn, device,
                    count);
    if (int32_t s = check(cudaSetDevice(device), fn, "cudaSetDevice")) return s;
    std::call_once(g_once[device], [device] {
        DeviceContext& c = g_contexts[device];
        g_init_status[device] =
            check(cudaStreamCreateWithFlags(&c.stream, cudaStreamNonBlocking), "ak_cuda",
                  "cudaStreamCreate");
        if (g_init_status[device] == AK_OK)
            g_init_status[device] = check(
                cudaDeviceGetAttribute(&c.sm_count, cudaDevAttrMultiProcessorCount, device),
                "ak_cuda", "cudaDeviceGetAttribute");
    });
    if (g_init_status[device] != AK_OK)
        return fail(g_init_status[device], "%s: device %d could not be initialised", fn, device);
    *ctx = &g_contexts[device];
    return AK_OK;
}

int32_t scratch(const char* fn, DeviceContext* ctx, int64_t bytes, void** ptr) {
    if (ctx->scratch_bytes < bytes) {
        // cudaFree waits for the kernels queued on the old memory.
        if (ctx->scratch) {
            if (int32_t s = check(cudaFree(ctx->scratch), fn, "cudaFree (scratch)")) return s;
            ctx->scratch = nullptr;
            ctx->scratch_bytes = 0;
        }
        if (int32_t s = check(cudaMalloc(&ctx->scratch, size_t(bytes)), fn, "cudaMalloc (scratch)")) return s;
        ctx->scratch_bytes = bytes;
    }
    *ptr = ctx->scratch;
    return AK_OK;
}

}  // namespace ak::cuda

using namespace ak;
using namespace ak::cuda;

extern "C" {

const char* ak_cuda_last_error(void) { return ak::last_error(); }

int32_t ak_cuda_device_count(int32_t* count) {
    clear_error();
    if (!count) return fail(AK_ERR_INVALID_ARGUMENT, "ak_cuda_device_count: count is null");
    int n = 0;
    if (int32_t s = check(cudaGetDeviceCount(&n), "ak_cuda_device_count", "cudaGetDeviceCount")) {
        *count = 0;
        return s;
    }
    *count = n;
    return AK_OK;
}

int32_t ak_cuda_device_info(int32_t device, char* name, int64_t name_capacity, int32_t* cc_major,
                            int32_t* cc_minor, int64_t* total_bytes) {
    clear_error();
    if (!name || name_capacity <= 0 || !cc_major || !cc_minor || !total_bytes)
        return fail(AK_ERR_INVALID_ARGUMENT, "ak_cuda_device_info: null output or no capacity");
    DeviceContext* ctx = nullptr;
    if (int32_t s = enter_device("ak_cuda_device_info", device, &ctx)) return s;
    cudaDeviceProp p;
    if (int32_t s = check(cudaGetDeviceProperties(&p, device), "ak_cuda_device_info",
                          "cudaGetDeviceProperties"))
        return s;
    std::strncpy(name, p.name, size_t(name_capacity) - 1);
    name[name_capacity - 1] = '\0';
    *cc_major = p.major;
    *cc_minor = p.minor;
    *total_bytes = int64_t(p.totalGlobalMem);
    return AK_OK;
}

int32_t ak_cuda_malloc(int32_t device, int64_t bytes, void** ptr) {
    clear_error();
    if (!ptr) return fail(AK_ERR_INVALID_ARGUMENT, "ak_cuda_malloc: ptr is null");
    *ptr = nullptr;
    if (bytes < 0) return fail(AK_ERR_INVALID_ARGUMENT, "ak_cuda_malloc: bytes = %lld < 0", (long long)bytes);
    DeviceContext* ctx = nullptr;
    if (int32_t s = enter_device("ak_cuda_malloc", device, &ctx)) return s;
    if (bytes == 0) return AK_OK;
    return check(cudaMalloc(ptr, size_t(bytes)), "ak_cuda_malloc", "cudaMalloc");
}

int32_t ak_cuda_free(int32_t device, void* ptr) {
    clear_error();
    if (!ptr) return AK_OK;
    DeviceContext* ctx = nullptr;
    if (int32_t s = enter_device("ak_cuda_free", device, &ctx)) return s;
    // Work queued on our stream may still use the memory: cudaFree waits for the device.
    return check(cudaFree(ptr), "ak_cuda_free", "cudaFree");
}

static int32_t copy(const char* fn, int32_t device, void* dst, const void* src, int64_t bytes,
                    cudaMemcpyKind kind, bool wait) {
    clear_error();
    if (bytes < 0) return fail(AK_ERR_INVALID_ARGUMENT, "%s: bytes = %lld < 0", fn, (long long)bytes);
    if (bytes == 0) return AK_OK;
    if (!dst || !src) return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is null", fn, !dst ? "dst" : "src");
    DeviceContext* ctx = nullptr;
    if (int32_t s = enter_device(fn, device, &ctx)) return s;
    if (int32_t s = check(cudaMemcpyAsync(dst, src, size_t(bytes), kind, ctx->stream), fn,
                          "cudaMemcpyAsync"))
        return s;
    // Host memory may be pageable and reused by the caller as soon as we return.
    return wait ? check(cudaStreamSynchronize(ctx->stream), fn, "cudaStreamSynchronize") : AK_OK;
}

int32_t ak_cuda_copy_to_device(int32_t device, void* dst, const void* src, int64_t bytes) {
    return copy("ak_cuda_copy_to_device", device, dst, src, bytes, cudaMemcpyHostToDevice, true);
}
int32_t ak_cuda_copy_to_host(int32_t device, void* dst, const void* src, int64_t bytes) {
    return copy("ak_cuda_copy_to_host", device, dst, src, bytes, cudaMemcpyDeviceToHost, true);
}
int32_t ak_cuda_copy_on_device(int32_t device, void* dst, const void* src, int64_t bytes) {
    return copy("ak_cuda_copy_on_device", device, dst, src, bytes, cudaMemcpyDeviceToDevice, false);
}

int32_t ak_cuda_synchronize(int32_t device) {
    clear_error();
    DeviceContext* ctx = nullptr;
    if (int32_t s = enter_device("ak_cuda_synchronize", device, &ctx)) return s;
    return check(cudaStreamSynchronize(ctx->stream), "ak_cuda_synchronize", "cudaStreamSynchronize");
}

int32_t ak_cuda_stream(int32_t device, void** stream) {
    clear_error();
    if (!stream) return fail(AK_ERR_INVALID_ARGUMENT, "ak_cuda_stream: stream is null");
    *stream = nullptr;
    DeviceContext* ctx = nullptr;
    if (int32_t s = enter_device("ak_cuda_stream", device, &ctx)) return s;
    *stream = ctx->stream;
    return AK_OK;
}

}  // extern "C"
