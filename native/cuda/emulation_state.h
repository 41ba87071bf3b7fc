// What the two halves of the CUDA emulation share (emulation.cpp: the scheduler and the checks;
// emulation_runtime.cpp: the runtime API and device memory): the emulator's state and its limits.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "emulation.h"
#include "fiber.h"

namespace ak::emu {

struct SharedRegion {
    const void* site;
    std::vector<unsigned char> data;
    // Per byte: who wrote it last, and every thread that read it in the current barrier phase, with
    // the phase and the block's __syncwarp count at the time.
    struct Stamp {
        uint32_t thread = UINT32_MAX, phase = 0, tick = 0;
    };
    std::vector<Stamp> written;
    std::vector<std::vector<Stamp>> readers;
};

inline constexpr uint32_t kNobody = UINT32_MAX;
inline constexpr size_t kStackBytes = 1024 * 1024;  // above the 512 KiB of local memory a GPU thread may use
// Without the opt-in attribute, as on every GPU since sm_70.
inline constexpr size_t kMaxSharedBytes = 48 * 1024;
inline constexpr uint64_t kMaxBlocks = uint64_t(1) << 24;  // beyond this the emulation would run for hours
inline constexpr size_t kDeviceBytes = size_t(4) << 30;
// The L2 size the emulated device reports (cudaDevAttrL2CacheSize): a benchmark sizes its rotation
// of buffers by it.
inline constexpr int kL2Bytes = 4 << 20;
inline constexpr size_t kRedzone = 256;  // unallocated bytes on either side of each allocation
// Fresh device memory and shared memory: NaN as f32, bf16 and f16, never zero.
inline constexpr unsigned char kPoison = 0xff;
// What a shuffle reads from a lane it may not: NaN as f64, and in each half as f32, bf16 and f16.
inline constexpr uint64_t kPoisonLane = 0x7ff57fa57fa57fa5ull;
inline constexpr size_t kQuarantineBytes = size_t(64) << 20;  // freed memory kept unallocated this long

// Stores are tracked per byte (20 bytes of shadow each) in allocations up to this size.
inline constexpr size_t kMaxTrackedBytes = size_t(16) << 20;

// Who stored to one byte of device memory last: launch, block, thread, its barrier phase and the
// block's __syncwarp count.
struct StoreStamp {
    uint32_t launch = 0, block = 0, phase = 0, tick = 0;
    uint16_t thread = 0;
};

struct Allocation {
    size_t bytes = 0;
    std::vector<StoreStamp> stores;  // made at the first store of a launch
};

enum class State { kRunnable, kAtBarrier, kAtCollective, kDone };

struct Fiber {
    ThreadIndex index{};
    FiberContext context;
    void* stack = nullptr;
    State state = State::kRunnable;
    uint32_t linear = 0, lane = 0, warp = 0;
    Collective kind = Collective::kSyncWarp;
    unsigned mask = 0;
    uint64_t value = 0, result = 0;
    int arg = 0, width = 0;
};

// One launch in progress: what the fibers and checks need.
struct Launch {
    std::string kernel;
    dim3 grid, block;
    size_t dynamic_bytes = 0;
    KernelBody body = nullptr;
    void* context = nullptr;
    uint32_t threads = 0, warps = 0;
    uint32_t id = 0;     // the launch's number, for store stamps
    uint32_t block_linear = 0;  // the block running
    uint32_t phase = 0;  // barriers opened in this block
    uint32_t tick = 0;   // __syncwarp completions in this block
    // pair_sync[(warp * 32 + a) * 32 + b]: the latest tick such that what lane b did before it is
    // ordered before lane a now, through a chain of __syncwarp (a vector clock per lane)
    std::vector<uint32_t> pair_sync;
    std::vector<std::unique_ptr<SharedRegion>> regions;
    size_t shared_total = 0;
    cudaError_t fault = cudaSuccess;
    std::string message;
};

struct Emulator {
    std::mutex mutex;  // one launch or memory call at a time
    std::map<uintptr_t, Allocation> allocations;
    size_t allocated = 0;
    std::vector<std::pair<void*, size_t>> quarantine;  // freed blocks, oldest first
    size_t quarantined = 0;
    uint64_t shared_clock = 0;  // moves at every shared store and every barrier or collective
    std::set<const void*> streams;
    cudaError_t sticky = cudaSuccess;
    std::string sticky_message;
    std::mt19937_64 rng{std::random_device{}()};
    uint64_t seed = 0;
    BlockOrder order = BlockOrder::kShuffled;
    int multiprocessors = 2;
    uint64_t launches = 0;
    std::vector<Fiber> fibers;  // stacks kept from launch to launch
    FiberContext scheduler;
    Fiber* current = nullptr;  // the fiber running, or the one a fault found by the scheduler is about
    bool in_fiber = false;
    Launch* launch = nullptr;
    uintptr_t hit_begin = 0, hit_end = 0;  // the allocation the last global access hit
    Allocation* hit = nullptr;

    Emulator() {
        seed = std::random_device{}();
        if (const char* env = std::getenv("AK_TEST_SEED")) seed = std::strtoull(env, nullptr, 0);
        rng.seed(seed);
    }
};

Emulator& emulator();

// The last error of this host thread's calls (cudaGetLastError), and the message of the last one raised.
extern thread_local cudaError_t t_last_error;
extern thread_local cudaError_t t_detail_code;
extern thread_local std::string t_detail;

// Records a runtime API error with its message and returns it.
cudaError_t api_error(cudaError_t err, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
// The allocation containing [p, p + bytes) and its first byte, or nullptr.
Allocation* find_allocation(Emulator& e, uintptr_t p, size_t bytes, uintptr_t* begin);
// Where [p, p + bytes) lies relative to the nearest allocation, for messages.
std::string describe_address(Emulator& e, uintptr_t p, size_t bytes);
// The sticky error of a faulted launch, if there is one, else err.
cudaError_t sticky_or(cudaError_t err);

}  // namespace ak::emu
