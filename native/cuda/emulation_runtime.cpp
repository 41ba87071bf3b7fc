// The CUDA runtime API of the emulation (emulation.h): one device, one stream, host memory standing
// in for device memory (red zones around each allocation, quarantine after free), errors and their
// messages.
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "emulation_state.h"

namespace ak::emu {

Emulator& emulator() {
    static Emulator* e = new Emulator();  // never destroyed: kernels may run from atexit handlers
    return *e;
}

thread_local cudaError_t t_last_error = cudaSuccess;
thread_local cudaError_t t_detail_code = cudaSuccess;
thread_local std::string t_detail;

cudaError_t api_error(cudaError_t err, const char* fmt, ...) {
    char buf[512];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, args);
    va_end(args);
    t_last_error = err;
    t_detail_code = err;
    t_detail = std::string(cudaGetErrorName(err)) + " (CUDA emulation): " + buf;
    return err;
}

Allocation* find_allocation(Emulator& e, uintptr_t p, size_t bytes, uintptr_t* begin) {
    auto it = e.allocations.upper_bound(p);
    if (it == e.allocations.begin()) return nullptr;
    --it;
    *begin = it->first;
    const uintptr_t end = it->first + it->second.bytes;
    return p >= it->first && p < end && bytes <= end - p ? &it->second : nullptr;
}

std::string describe_address(Emulator& e, uintptr_t p, size_t bytes) {
    char buf[200];
    auto after = e.allocations.upper_bound(p);
    if (after != e.allocations.begin()) {
        auto before = std::prev(after);
        const uintptr_t end = before->first + before->second.bytes;
        if (p >= before->first && p < end)
            std::snprintf(buf, sizeof buf,
                          "starts at byte %zu of a %zu-byte allocation and runs %zu bytes past its end",
                          size_t(p - before->first), before->second.bytes, size_t(p + bytes - end));
        else
            std::snprintf(buf, sizeof buf, "%zu bytes past the end of a %zu-byte allocation", size_t(p - end),
                          before->second.bytes);
        return buf;
    }
    if (after != e.allocations.end()) {
        std::snprintf(buf, sizeof buf, "%zu bytes before a %zu-byte allocation", size_t(after->first - p),
                      after->second.bytes);
        return buf;
    }
    return "no device allocation is live";
}

cudaError_t sticky_or(cudaError_t err) {
    Emulator& e = emulator();
    if (e.sticky != cudaSuccess) {
        t_last_error = e.sticky;
        return e.sticky;
    }
    return err;
}

}  // namespace ak::emu

// ---- the runtime API ----
using ak::emu::api_error;
using ak::emu::emulator;
using ak::emu::sticky_or;

cudaError_t cudaGetDeviceCount(int* count) {
    if (!count) return api_error(cudaErrorInvalidValue, "cudaGetDeviceCount: count is null");
    *count = 1;
    return cudaSuccess;
}

cudaError_t cudaSetDevice(int device) {
    if (device != 0) return api_error(cudaErrorInvalidDevice, "device %d (the emulation has device 0)", device);
    return sticky_or(cudaSuccess);
}

cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attr, int device) {
    if (!value || device != 0 || (attr != cudaDevAttrMultiProcessorCount && attr != cudaDevAttrL2CacheSize))
        return api_error(cudaErrorInvalidValue, "cudaDeviceGetAttribute(%d, device %d)", int(attr), device);
    std::lock_guard<std::mutex> lock(emulator().mutex);
    *value = attr == cudaDevAttrL2CacheSize ? ak::emu::kL2Bytes : emulator().multiprocessors;
    return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device) {
    if (!prop || device != 0) return api_error(cudaErrorInvalidDevice, "cudaGetDeviceProperties(device %d)", device);
    std::memset(prop, 0, sizeof *prop);
    std::snprintf(prop->name, sizeof prop->name, "CUDA emulation on the CPU");
    prop->totalGlobalMem = ak::emu::kDeviceBytes;
    prop->major = 9;
    prop->minor = 0;
    std::lock_guard<std::mutex> lock(emulator().mutex);
    prop->multiProcessorCount = emulator().multiprocessors;
    prop->warpSize = warpSize;
    return cudaSuccess;
}

cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned flags) {
    if (!stream) return api_error(cudaErrorInvalidValue, "cudaStreamCreateWithFlags: stream is null");
    (void)flags;
    auto& e = emulator();
    std::lock_guard<std::mutex> lock(e.mutex);
    *stream = reinterpret_cast<cudaStream_t>(new char(0));
    e.streams.insert(*stream);
    return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
    auto& e = emulator();
    std::lock_guard<std::mutex> lock(e.mutex);
    if (stream && !e.streams.count(stream))
        return api_error(cudaErrorInvalidResourceHandle, "cudaStreamSynchronize: not a stream");
    return sticky_or(cudaSuccess);  // work ran when it was enqueued
}

cudaError_t cudaDeviceSynchronize() {
    std::lock_guard<std::mutex> lock(emulator().mutex);
    return sticky_or(cudaSuccess);  // work ran when it was enqueued
}

// An event is the host time at which it was recorded (all work enqueued before it has run).
struct CUevent_st {
    std::chrono::steady_clock::time_point at{};
    bool recorded = false;
};

cudaError_t cudaEventCreate(cudaEvent_t* event) {
    if (!event) return api_error(cudaErrorInvalidValue, "cudaEventCreate: event is null");
    *event = new CUevent_st;
    return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t event) {
    delete event;
    return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
    if (!event) return api_error(cudaErrorInvalidResourceHandle, "cudaEventRecord: event is null");
    auto& e = emulator();
    std::lock_guard<std::mutex> lock(e.mutex);
    if (stream && !e.streams.count(stream))
        return api_error(cudaErrorInvalidResourceHandle, "cudaEventRecord: not a stream");
    event->at = std::chrono::steady_clock::now();
    event->recorded = true;
    return sticky_or(cudaSuccess);
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
    if (!event) return api_error(cudaErrorInvalidResourceHandle, "cudaEventSynchronize: event is null");
    std::lock_guard<std::mutex> lock(emulator().mutex);
    return sticky_or(cudaSuccess);
}

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t stop) {
    if (!ms || !start || !stop) return api_error(cudaErrorInvalidValue, "cudaEventElapsedTime: a null argument");
    if (!start->recorded || !stop->recorded)
        return api_error(cudaErrorInvalidResourceHandle, "cudaEventElapsedTime: an event was not recorded");
    *ms = std::chrono::duration<float, std::milli>(stop->at - start->at).count();
    return cudaSuccess;
}

cudaError_t cudaMalloc(void** ptr, size_t bytes) {
    if (!ptr) return api_error(cudaErrorInvalidValue, "cudaMalloc: ptr is null");
    *ptr = nullptr;
    auto& e = emulator();
    std::lock_guard<std::mutex> lock(e.mutex);
    if (e.sticky) return sticky_or(cudaSuccess);
    if (bytes > ak::emu::kDeviceBytes - e.allocated)
        return api_error(cudaErrorMemoryAllocation, "cudaMalloc(%zu): %zu of %zu bytes in use", bytes, e.allocated,
                         ak::emu::kDeviceBytes);
    void* block = nullptr;
    if (posix_memalign(&block, 256, bytes + 2 * ak::emu::kRedzone) != 0)
        return api_error(cudaErrorMemoryAllocation, "cudaMalloc(%zu): the host is out of memory", bytes);
    void* p = static_cast<char*>(block) + ak::emu::kRedzone;  // an overrun lands in no allocation
    std::memset(p, ak::emu::kPoison, bytes);
    e.allocations[reinterpret_cast<uintptr_t>(p)].bytes = bytes;
    e.allocated += bytes;
    *ptr = p;
    return cudaSuccess;
}

cudaError_t cudaFree(void* ptr) {
    if (!ptr) return cudaSuccess;
    auto& e = emulator();
    std::lock_guard<std::mutex> lock(e.mutex);
    auto it = e.allocations.find(reinterpret_cast<uintptr_t>(ptr));
    if (it == e.allocations.end())
        return api_error(cudaErrorInvalidValue, "cudaFree(%p): not the start of a live allocation", ptr);
    const size_t bytes = it->second.bytes;
    std::memset(ptr, ak::emu::kPoison, bytes);
    e.allocated -= bytes;
    e.quarantine.emplace_back(static_cast<char*>(ptr) - ak::emu::kRedzone, bytes);
    e.quarantined += bytes;
    e.allocations.erase(it);
    e.hit_begin = e.hit_end = 0;
    e.hit = nullptr;
    // A stale pointer keeps pointing at no allocation until 64 MiB more have been freed.
    size_t released = 0;
    while (e.quarantined > ak::emu::kQuarantineBytes && released < e.quarantine.size()) {
        std::free(e.quarantine[released].first);
        e.quarantined -= e.quarantine[released].second;
        ++released;
    }
    e.quarantine.erase(e.quarantine.begin(), e.quarantine.begin() + long(released));
    return sticky_or(cudaSuccess);
}

namespace {
// One side of a copy: inside one device allocation if device, else touching none (the kind is wrong).
cudaError_t check_side(const char* what, const void* p, size_t bytes, bool device) {
    uintptr_t begin = 0;
    const bool inside = ak::emu::find_allocation(emulator(), reinterpret_cast<uintptr_t>(p), bytes, &begin);
    if (!device) {
        if (!inside && !ak::emu::find_allocation(emulator(), reinterpret_cast<uintptr_t>(p), 1, &begin))
            return cudaSuccess;
        return api_error(cudaErrorInvalidValue, "%s: %p is device memory, but the copy's kind says host", what, p);
    }
    if (inside) return cudaSuccess;
    return api_error(cudaErrorInvalidValue, "%s: %zu bytes at %p are not inside one device allocation (%s)", what,
                     bytes, p, ak::emu::describe_address(emulator(), reinterpret_cast<uintptr_t>(p), bytes).c_str());
}
}  // namespace

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream) {
    auto& e = emulator();
    std::lock_guard<std::mutex> lock(e.mutex);
    if (e.sticky) return sticky_or(cudaSuccess);
    if (stream && !e.streams.count(stream))
        return api_error(cudaErrorInvalidResourceHandle, "cudaMemcpyAsync: not a stream");
    if (kind < cudaMemcpyHostToHost || kind > cudaMemcpyDeviceToDevice)
        return api_error(cudaErrorInvalidMemcpyDirection, "cudaMemcpyAsync: kind %d", int(kind));
    if (bytes == 0) return cudaSuccess;
    const bool dst_device = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
    const bool src_device = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
    if (cudaError_t err = check_side("cudaMemcpyAsync destination", dst, bytes, dst_device)) return err;
    if (cudaError_t err = check_side("cudaMemcpyAsync source", src, bytes, src_device)) return err;
    std::memmove(dst, src, bytes);
    return cudaSuccess;
}

cudaError_t cudaGetLastError() {
    auto& e = emulator();
    std::lock_guard<std::mutex> lock(e.mutex);
    const cudaError_t err = e.sticky ? e.sticky : ak::emu::t_last_error;
    ak::emu::t_last_error = cudaSuccess;
    return err;
}

const char* cudaGetErrorName(cudaError_t err) {
    switch (err) {
        case cudaSuccess: return "cudaSuccess";
        case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
        case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
        case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
        case cudaErrorInvalidDevicePointer: return "cudaErrorInvalidDevicePointer";
        case cudaErrorInvalidMemcpyDirection: return "cudaErrorInvalidMemcpyDirection";
        case cudaErrorInsufficientDriver: return "cudaErrorInsufficientDriver";
        case cudaErrorNoDevice: return "cudaErrorNoDevice";
        case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
        case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
        case cudaErrorIllegalAddress: return "cudaErrorIllegalAddress";
        case cudaErrorMisalignedAddress: return "cudaErrorMisalignedAddress";
        case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
    }
    return "cudaErrorUnknown";
}

// The message of the error that was last raised with this code: the sticky fault, or this thread's
// last failed call; otherwise the code's name.
const char* cudaGetErrorString(cudaError_t err) {
    auto& e = emulator();
    std::lock_guard<std::mutex> lock(e.mutex);
    if (err != cudaSuccess && err == e.sticky) return e.sticky_message.c_str();
    if (err != cudaSuccess && err == ak::emu::t_detail_code) return ak::emu::t_detail.c_str();
    return cudaGetErrorName(err);
}
