// The CPU emulation of the CUDA execution model (emulation.h): runtime calls, memory, and the
// block scheduler that runs each emulated thread as a fiber.
#include "emulation.h"
#include "fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace ak::emu {

const ThreadIndex* g_running = nullptr;

struct SharedRegion {
    const void* site;
    std::vector<unsigned char> data;
    // Per byte: who wrote it and who read it last, in which barrier phase and warp epoch.
    struct Stamp {
        uint32_t thread = UINT32_MAX, phase = 0, warp_epoch = 0;
    };
    std::vector<Stamp> written, read;
};

namespace {

constexpr uint32_t kNobody = UINT32_MAX;
constexpr size_t kStackBytes = 256 * 1024;
constexpr size_t kMaxSharedBytes = 48 * 1024;  // without the opt-in attribute, as on every GPU since sm_70
constexpr uint64_t kMaxBlocks = uint64_t(1) << 24;  // beyond this the emulation would run for hours
constexpr size_t kDeviceBytes = size_t(4) << 30;
constexpr size_t kRedzone = 256;  // unallocated bytes on either side of each allocation
constexpr unsigned char kPoison = 0xff;  // NaN as f32, bf16 and f16: fresh device memory is not zero

enum class State { kRunnable, kAtBarrier, kAtCollective, kDone };

const char* collective_name(Collective k) {
    switch (k) {
        case Collective::kSyncWarp: return "__syncwarp";
        case Collective::kShflIdx: return "__shfl_sync";
        case Collective::kShflUp: return "__shfl_up_sync";
        case Collective::kShflDown: return "__shfl_down_sync";
        case Collective::kShflXor: return "__shfl_xor_sync";
        case Collective::kBallot: return "__ballot_sync";
        case Collective::kAny: return "__any_sync";
        case Collective::kAll: return "__all_sync";
    }
    return "?";
}

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
    uint32_t phase = 0;                 // barriers opened in this block
    std::vector<uint32_t> warp_epochs;  // __syncwarp completions per warp in this block
    std::vector<std::unique_ptr<SharedRegion>> regions;
    size_t shared_total = 0;
    cudaError_t fault = cudaSuccess;
    std::string message;
};

struct Emulator {
    std::mutex mutex;  // one launch or memory call at a time
    std::map<uintptr_t, size_t> allocations;
    size_t allocated = 0;
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

    Emulator() {
        seed = std::random_device{}();
        rng.seed(seed);
    }
};

Emulator& emulator() {
    static Emulator* e = new Emulator();  // never destroyed: kernels may run from atexit handlers
    return *e;
}

thread_local cudaError_t t_last_error = cudaSuccess;
thread_local cudaError_t t_detail_code = cudaSuccess;
thread_local std::string t_detail;

cudaError_t api_error(cudaError_t err, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
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

std::string where() {
    Emulator& e = emulator();
    char buf[160];
    if (!e.current) return "";
    const ThreadIndex& i = e.current->index;
    std::snprintf(buf, sizeof buf, "thread (%u,%u,%u) of block (%u,%u,%u)", i.thread_idx.x, i.thread_idx.y,
                  i.thread_idx.z, i.block_idx.x, i.block_idx.y, i.block_idx.z);
    return buf;
}

// Records the launch's first fault; inside a fiber, abandons the fiber (the launch ends).
void fault(cudaError_t err, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void fault(cudaError_t err, const char* fmt, ...) {
    Emulator& e = emulator();
    Launch& l = *e.launch;
    if (l.fault == cudaSuccess) {
        char buf[512];
        va_list args;
        va_start(args, fmt);
        std::vsnprintf(buf, sizeof buf, fmt, args);
        va_end(args);
        l.fault = err;
        l.message = std::string(cudaGetErrorName(err)) + " (CUDA emulation): " + where() + " of " + l.kernel +
                    ": " + buf;
    }
    if (e.in_fiber) {
        Fiber* f = e.current;
        f->state = State::kDone;
        switch_fiber(&f->context, &e.scheduler);
        std::abort();  // a faulted fiber is never resumed
    }
}

void fiber_main() {
    Emulator& e = emulator();
    e.launch->body(e.launch->context);
    Fiber* f = e.current;
    f->state = State::kDone;
    switch_fiber(&f->context, &e.scheduler);
    std::abort();  // a finished fiber is never resumed
}

void yield(State state) {
    Emulator& e = emulator();
    Fiber* f = e.current;
    f->state = state;
    switch_fiber(&f->context, &e.scheduler);
}

void ensure_fibers(Emulator& e, uint32_t count) {
    while (e.fibers.size() < count) {
        Fiber f;
        const size_t page = size_t(sysconf(_SC_PAGESIZE));
        void* mem = mmap(nullptr, kStackBytes + page, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (mem == MAP_FAILED) {
            std::fprintf(stderr, "CUDA emulation: no memory for fiber stacks\n");
            std::abort();
        }
        mprotect(mem, page, PROT_NONE);  // a stack overflow faults instead of corrupting a neighbour
        f.stack = static_cast<char*>(mem) + page;
        e.fibers.push_back(f);
    }
}

bool lane_in(unsigned mask, uint32_t lane) { return (mask >> lane) & 1u; }

// The lane a shuffle of lane reads, or lane itself where CUDA returns the caller's own value.
uint32_t shuffle_source(const Fiber& f) {
    const uint32_t width = uint32_t(f.width), base = f.lane & ~(width - 1);
    switch (f.kind) {
        case Collective::kShflIdx: return base + (uint32_t(f.arg) & (width - 1));
        case Collective::kShflUp: return f.lane - base >= uint32_t(f.arg) ? f.lane - uint32_t(f.arg) : f.lane;
        case Collective::kShflDown: return f.lane + uint32_t(f.arg) < base + width ? f.lane + uint32_t(f.arg) : f.lane;
        case Collective::kShflXor: {
            const uint32_t src = f.lane ^ uint32_t(f.arg);
            return src >= base && src < base + width ? src : f.lane;
        }
        default: return f.lane;
    }
}

// Completes the collectives whose named lanes have all arrived with the same mask and kind.
bool complete_collectives(Emulator& e, Launch& l) {
    bool progress = false;
    for (uint32_t w = 0; w < l.warps; ++w) {
        Fiber* lanes = &e.fibers[size_t(w) * 32];
        const uint32_t count = std::min<uint32_t>(32, l.threads - w * 32);
        for (uint32_t i = 0; i < count; ++i) {
            const Fiber& first = lanes[i];
            if (first.state != State::kAtCollective) continue;
            bool complete = true;
            for (uint32_t j = 0; j < count && complete; ++j)
                if (lane_in(first.mask, j))
                    complete = lanes[j].state == State::kAtCollective && lanes[j].mask == first.mask &&
                               lanes[j].kind == first.kind;
            if (!complete) continue;
            const unsigned mask = first.mask;
            uint64_t ballot = 0;
            for (uint32_t j = 0; j < count; ++j)
                if (lane_in(mask, j) && lanes[j].value) ballot |= uint64_t(1) << j;
            for (uint32_t j = 0; j < count; ++j) {
                if (!lane_in(mask, j)) continue;
                Fiber& f = lanes[j];
                switch (f.kind) {
                    case Collective::kBallot: f.result = ballot; break;
                    case Collective::kAny: f.result = ballot != 0; break;
                    case Collective::kAll: f.result = ballot == mask; break;
                    case Collective::kSyncWarp: f.result = 0; break;
                    default: {
                        const uint32_t src = shuffle_source(f);
                        if (src >= count || !lane_in(mask, src)) {
                            e.current = &f;
                            fault(cudaErrorLaunchFailure,
                                  "%s with mask 0x%08x reads lane %u, which the mask leaves out (undefined value)",
                                  collective_name(f.kind), mask, src);
                            e.current = nullptr;
                            return false;
                        }
                        f.result = lanes[src].value;
                    }
                }
                f.state = State::kRunnable;
            }
            if (first.kind == Collective::kSyncWarp) ++l.warp_epochs[w];
            progress = true;
        }
    }
    return progress;
}

const char* state_name(State s) {
    switch (s) {
        case State::kRunnable: return "runs";
        case State::kAtBarrier: return "waits at __syncthreads";
        case State::kAtCollective: return "waits at a warp collective";
        case State::kDone: return "has exited";
    }
    return "?";
}

// No thread can run, no collective completes, and the barrier cannot open: says why.
void report_stall(Emulator& e, Launch& l) {
    uint32_t waiting = kNobody, exited = kNobody;
    for (uint32_t t = 0; t < l.threads; ++t) {
        if (e.fibers[t].state == State::kAtCollective) {
            Fiber& f = e.fibers[t];
            Fiber* lanes = &e.fibers[size_t(f.warp) * 32];
            for (uint32_t j = 0; j < 32; ++j) {
                if (!lane_in(f.mask, j) || j == f.lane) continue;
                Fiber& other = lanes[j];
                if (other.state == State::kAtCollective && other.mask == f.mask && other.kind == f.kind) continue;
                e.current = &f;
                if (other.state == State::kAtCollective)
                    fault(cudaErrorLaunchFailure,
                          "%s with mask 0x%08x waits for lane %u, which waits at %s with mask 0x%08x",
                          collective_name(f.kind), f.mask, j, collective_name(other.kind), other.mask);
                else
                    fault(cudaErrorLaunchFailure, "%s with mask 0x%08x waits for lane %u, which %s",
                          collective_name(f.kind), f.mask, j, state_name(other.state));
                e.current = nullptr;
                return;
            }
        }
        if (e.fibers[t].state == State::kAtBarrier && waiting == kNobody) waiting = t;
        if (e.fibers[t].state == State::kDone && exited == kNobody) exited = t;
    }
    if (waiting != kNobody && exited != kNobody) {
        e.current = &e.fibers[waiting];
        const uint3 x = e.fibers[exited].index.thread_idx;
        fault(cudaErrorLaunchFailure, "waits at __syncthreads, which thread (%u,%u,%u) exited without reaching",
              x.x, x.y, x.z);
        e.current = nullptr;
        return;
    }
    fault(cudaErrorLaunchFailure, "the block stalled");
}

void run_block(Emulator& e, Launch& l, uint3 block_idx, std::vector<uint32_t>& order) {
    l.phase = 0;
    std::fill(l.warp_epochs.begin(), l.warp_epochs.end(), 0u);
    l.regions.clear();
    l.shared_total = 0;
    for (uint32_t t = 0; t < l.threads; ++t) {
        Fiber& f = e.fibers[t];
        f.index.block_idx = block_idx;
        f.index.block_dim = l.block;
        f.index.grid_dim = l.grid;
        f.index.thread_idx = uint3{t % l.block.x, (t / l.block.x) % l.block.y, t / (l.block.x * l.block.y)};
        f.linear = t;
        f.lane = t % 32;
        f.warp = t / 32;
        f.state = State::kRunnable;
        make_fiber(&f.context, f.stack, kStackBytes, fiber_main);
    }
    for (;;) {
        std::shuffle(order.begin(), order.end(), e.rng);
        bool ran = false;
        for (uint32_t t : order) {
            Fiber& f = e.fibers[t];
            if (f.state != State::kRunnable) continue;
            e.current = &f;
            g_running = &f.index;
            e.in_fiber = true;
            switch_fiber(&e.scheduler, &f.context);
            e.in_fiber = false;
            e.current = nullptr;
            g_running = nullptr;
            ran = true;
            if (l.fault != cudaSuccess) return;
        }
        if (ran) continue;
        uint32_t done = 0, at_barrier = 0;
        for (uint32_t t = 0; t < l.threads; ++t) {
            done += e.fibers[t].state == State::kDone;
            at_barrier += e.fibers[t].state == State::kAtBarrier;
        }
        if (done == l.threads) return;
        if (complete_collectives(e, l)) continue;
        if (l.fault != cudaSuccess) return;
        if (at_barrier == l.threads) {
            ++l.phase;
            for (uint32_t t = 0; t < l.threads; ++t) e.fibers[t].state = State::kRunnable;
            continue;
        }
        report_stall(e, l);
        return;
    }
}

cudaError_t check_configuration(dim3 grid, dim3 block, size_t shared_bytes, cudaStream_t stream) {
    Emulator& e = emulator();
    if (stream && !e.streams.count(stream))
        return api_error(cudaErrorInvalidResourceHandle, "launch on a stream that cudaStreamCreate did not return");
    if (!grid.x || !grid.y || !grid.z || !block.x || !block.y || !block.z)
        return api_error(cudaErrorInvalidConfiguration, "grid (%u,%u,%u), block (%u,%u,%u): a dimension is 0", grid.x,
                         grid.y, grid.z, block.x, block.y, block.z);
    if (grid.x > 0x7fffffffu || grid.y > 65535 || grid.z > 65535)
        return api_error(cudaErrorInvalidConfiguration, "grid (%u,%u,%u) exceeds (2^31-1, 65535, 65535)", grid.x,
                         grid.y, grid.z);
    if (block.x > 1024 || block.y > 1024 || block.z > 64 || uint64_t(block.x) * block.y * block.z > 1024)
        return api_error(cudaErrorInvalidConfiguration, "block (%u,%u,%u) exceeds 1024 threads or (1024, 1024, 64)",
                         block.x, block.y, block.z);
    if (shared_bytes > kMaxSharedBytes)
        return api_error(cudaErrorInvalidConfiguration, "%zu bytes of dynamic shared memory exceed %zu", shared_bytes,
                         kMaxSharedBytes);
    if (uint64_t(grid.x) * grid.y * grid.z > kMaxBlocks)
        return api_error(cudaErrorInvalidConfiguration,
                         "grid (%u,%u,%u) has more blocks than the emulation runs (2^24)", grid.x, grid.y, grid.z);
    return cudaSuccess;
}

// The allocation containing [p, p + bytes), or false.
bool find_allocation(Emulator& e, uintptr_t p, size_t bytes, uintptr_t* begin, uintptr_t* end) {
    auto it = e.allocations.upper_bound(p);
    if (it == e.allocations.begin()) return false;
    --it;
    *begin = it->first;
    *end = it->first + it->second;
    return p >= *begin && p + bytes <= *end && p + bytes >= p;
}

// Where [p, p + bytes) lies relative to the nearest allocation.
std::string describe_address(Emulator& e, uintptr_t p, size_t bytes) {
    char buf[200];
    auto after = e.allocations.upper_bound(p);
    if (after != e.allocations.begin()) {
        auto before = std::prev(after);
        const uintptr_t end = before->first + before->second;
        if (p >= before->first && p < end)
            std::snprintf(buf, sizeof buf,
                          "starts at byte %zu of a %zu-byte allocation and runs %zu bytes past its end",
                          size_t(p - before->first), before->second, size_t(p + bytes - end));
        else
            std::snprintf(buf, sizeof buf, "%zu bytes past the end of a %zu-byte allocation", size_t(p - end),
                          before->second);
        return buf;
    }
    if (after != e.allocations.end()) {
        std::snprintf(buf, sizeof buf, "%zu bytes before a %zu-byte allocation", size_t(after->first - p),
                      after->second);
        return buf;
    }
    return "no device allocation is live";
}

// "void ak::cuda::launch(...) [with auto Kernel = name<args>; Args = ...]" -> "name<args>".
std::string kernel_name(const char* signature) {
    std::string s(signature);
    const size_t from = s.find("Kernel = ");
    if (from == std::string::npos) return s;
    const size_t begin = from + 9, end = s.find_first_of(";]", begin);
    std::string name = s.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    const std::string anonymous = "{anonymous}::";
    for (size_t at; (at = name.find(anonymous)) != std::string::npos;) name.erase(at, anonymous.size());
    return name;
}

cudaError_t sticky_or(cudaError_t err) {
    Emulator& e = emulator();
    if (e.sticky != cudaSuccess) {
        t_last_error = e.sticky;
        return e.sticky;
    }
    return err;
}

}  // namespace

// ---- checks called by kernels ----

void check_global(const void* pointer, size_t bytes, bool write) {
    Emulator& e = emulator();
    const uintptr_t p = reinterpret_cast<uintptr_t>(pointer);
    const size_t align = std::min<size_t>(bytes & ~(bytes - 1), 16);  // natural alignment, as the GPU needs
    if (p % align != 0)
        fault(cudaErrorMisalignedAddress, "%s of %zu bytes at %p, which is not %zu-byte aligned (address %% %zu = %zu)",
              write ? "store" : "load", bytes, pointer, align, align, size_t(p % align));
    if (p >= e.hit_begin && p + bytes <= e.hit_end) return;
    uintptr_t begin = 0, end = 0;
    if (find_allocation(e, p, bytes, &begin, &end)) {
        e.hit_begin = begin;
        e.hit_end = end;
        return;
    }
    fault(cudaErrorIllegalAddress, "%s of %zu bytes at %p, in no device allocation: %s", write ? "store" : "load",
          bytes, pointer, describe_address(e, p, bytes).c_str());
}

void sync_threads() { yield(State::kAtBarrier); }

uint64_t warp_collective(Collective kind, unsigned mask, uint64_t value, int arg, int width) {
    Emulator& e = emulator();
    Launch& l = *e.launch;
    Fiber& f = *e.current;
    const uint32_t warp_threads = std::min<uint32_t>(32, l.threads - f.warp * 32);
    if (!lane_in(mask, f.lane))
        fault(cudaErrorLaunchFailure, "lane %u calls %s with mask 0x%08x, which leaves it out", f.lane,
              collective_name(kind), mask);
    if (warp_threads < 32 && (mask >> warp_threads) != 0)
        fault(cudaErrorLaunchFailure, "%s with mask 0x%08x names lanes beyond the %u threads of this warp",
              collective_name(kind), mask, warp_threads);
    if (width < 1 || width > 32 || (width & (width - 1)) != 0)
        fault(cudaErrorLaunchFailure, "%s with width %d (a power of 2 up to 32)", collective_name(kind), width);
    for (uint32_t j = 0; j < warp_threads; ++j)
        if (lane_in(mask, j) && e.fibers[size_t(f.warp) * 32 + j].state == State::kDone)
            fault(cudaErrorLaunchFailure, "%s with mask 0x%08x names lane %u, which has exited", collective_name(kind),
                  mask, j);
    f.kind = kind;
    f.mask = mask;
    f.value = value;
    f.arg = arg;
    f.width = width;
    yield(State::kAtCollective);
    return f.result;
}

SharedRegion* shared_site(const void* site, size_t bytes, size_t align) {
    Launch& l = *emulator().launch;
    for (auto& r : l.regions)
        if (r->site == site) return r.get();
    if (l.shared_total + bytes + l.dynamic_bytes > kMaxSharedBytes)
        fault(cudaErrorLaunchFailure, "%zu bytes of shared memory (static and dynamic) exceed %zu",
              l.shared_total + bytes + l.dynamic_bytes, kMaxSharedBytes);
    (void)align;  // the vector's storage is aligned for any type of 16 bytes or less
    auto r = std::make_unique<SharedRegion>();
    r->site = site;
    r->data.assign(bytes, kPoison);
    r->written.assign(bytes, {});
    r->read.assign(bytes, {});
    l.shared_total += bytes;
    l.regions.push_back(std::move(r));
    return l.regions.back().get();
}

SharedRegion* dynamic_shared(size_t* bytes) {
    Launch& l = *emulator().launch;
    *bytes = l.dynamic_bytes;
    static const char dynamic_site = 0;
    for (auto& r : l.regions)
        if (r->site == &dynamic_site) return r.get();
    auto r = std::make_unique<SharedRegion>();
    r->site = &dynamic_site;
    r->data.assign(l.dynamic_bytes, kPoison);
    r->written.assign(l.dynamic_bytes, {});
    r->read.assign(l.dynamic_bytes, {});
    l.regions.push_back(std::move(r));
    return l.regions.back().get();
}

void* shared_data(SharedRegion* region) { return region->data.data(); }

void check_shared(SharedRegion* region, size_t offset, size_t bytes, size_t capacity, bool write) {
    Emulator& e = emulator();
    Launch& l = *e.launch;
    const Fiber& me = *e.current;
    if (offset >= capacity || capacity - offset < bytes)
        fault(cudaErrorIllegalAddress, "shared memory %s at byte offset %lld of a %zu-byte array",
              write ? "store" : "load", (long long)offset, capacity);
    // Ordered before this thread: written by it, before the last barrier, or by its warp before a __syncwarp.
    auto ordered = [&](const SharedRegion::Stamp& s) {
        return s.thread == me.linear || s.phase < l.phase ||
               (s.thread / 32 == me.warp && s.warp_epoch < l.warp_epochs[me.warp]);
    };
    auto describe = [&](uint32_t t) {
        const uint3 i = e.fibers[t].index.thread_idx;
        char buf[64];
        std::snprintf(buf, sizeof buf, "thread (%u,%u,%u)", i.x, i.y, i.z);
        return std::string(buf);
    };
    for (size_t b = offset; b < offset + bytes; ++b) {
        SharedRegion::Stamp& w = region->written[b];
        SharedRegion::Stamp& r = region->read[b];
        if (!write && w.thread == kNobody)
            fault(cudaErrorLaunchFailure, "reads shared memory (byte %zu) that no thread of the block has written", b);
        if (w.thread != kNobody && !ordered(w))
            fault(cudaErrorLaunchFailure, "%s shared memory (byte %zu) that %s wrote in the same phase: a barrier "
                  "(__syncthreads or __syncwarp) is missing between them", write ? "writes" : "reads", b,
                  describe(w.thread).c_str());
        if (write && r.thread != kNobody && !ordered(r))
            fault(cudaErrorLaunchFailure, "writes shared memory (byte %zu) that %s read in the same phase: a barrier "
                  "is missing between them", b, describe(r.thread).c_str());
        SharedRegion::Stamp& stamp = write ? w : r;
        stamp = {me.linear, l.phase, l.warp_epochs[me.warp]};
    }
}

cudaError_t launch(const char* kernel, dim3 grid, dim3 block, size_t shared_bytes, cudaStream_t stream,
                   KernelBody body, void* context) {
    Emulator& e = emulator();
    std::lock_guard<std::mutex> lock(e.mutex);
    if (e.sticky != cudaSuccess) return sticky_or(cudaSuccess);
    if (cudaError_t err = check_configuration(grid, block, shared_bytes, stream)) return err;
    ++e.launches;
    Launch l;
    l.kernel = kernel_name(kernel);
    l.grid = grid;
    l.block = block;
    l.dynamic_bytes = shared_bytes;
    l.body = body;
    l.context = context;
    l.threads = block.x * block.y * block.z;
    l.warps = (l.threads + 31) / 32;
    l.warp_epochs.assign(l.warps, 0);
    // Lanes of a partial last warp that do not exist stay "exited" in the fiber table.
    ensure_fibers(e, l.warps * 32);
    for (uint32_t t = l.threads; t < l.warps * 32; ++t) e.fibers[t].state = State::kDone;
    e.launch = &l;
    e.hit_begin = e.hit_end = 0;
    const uint64_t blocks = uint64_t(grid.x) * grid.y * grid.z;
    std::vector<uint64_t> block_order(blocks);
    for (uint64_t b = 0; b < blocks; ++b) block_order[b] = b;
    if (e.order == BlockOrder::kShuffled) std::shuffle(block_order.begin(), block_order.end(), e.rng);
    if (e.order == BlockOrder::kDescending) std::reverse(block_order.begin(), block_order.end());
    std::vector<uint32_t> thread_order(l.threads);
    for (uint32_t t = 0; t < l.threads; ++t) thread_order[t] = t;
    for (uint64_t b : block_order) {
        const uint3 idx{unsigned(b % grid.x), unsigned(b / grid.x % grid.y), unsigned(b / (uint64_t(grid.x) * grid.y))};
        run_block(e, l, idx, thread_order);
        if (l.fault != cudaSuccess) break;
    }
    e.launch = nullptr;
    if (l.fault != cudaSuccess) {
        e.sticky = l.fault;
        e.sticky_message = l.message;
        t_last_error = l.fault;
        return l.fault;
    }
    return cudaSuccess;
}

void set_block_order(BlockOrder order) {
    std::lock_guard<std::mutex> lock(emulator().mutex);
    emulator().order = order;
}

uint64_t seed(uint64_t value) {
    Emulator& e = emulator();
    std::lock_guard<std::mutex> lock(e.mutex);
    e.seed = value;
    e.rng.seed(value);
    return value;
}

void reset_error() {
    Emulator& e = emulator();
    std::lock_guard<std::mutex> lock(e.mutex);
    e.sticky = cudaSuccess;
    e.sticky_message.clear();
    t_last_error = cudaSuccess;
}

void set_multiprocessors(int count) {
    std::lock_guard<std::mutex> lock(emulator().mutex);
    emulator().multiprocessors = count < 1 ? 1 : count;
}

uint64_t launches() {
    std::lock_guard<std::mutex> lock(emulator().mutex);
    return emulator().launches;
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
    if (!value || device != 0 || attr != cudaDevAttrMultiProcessorCount)
        return api_error(cudaErrorInvalidValue, "cudaDeviceGetAttribute(%d, device %d)", int(attr), device);
    std::lock_guard<std::mutex> lock(emulator().mutex);
    *value = emulator().multiprocessors;
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
    return sticky_or(cudaSuccess);
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
    e.allocations[reinterpret_cast<uintptr_t>(p)] = bytes;
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
    std::memset(ptr, ak::emu::kPoison, it->second);
    e.allocated -= it->second;
    e.allocations.erase(it);
    e.hit_begin = e.hit_end = 0;
    std::free(static_cast<char*>(ptr) - ak::emu::kRedzone);
    return sticky_or(cudaSuccess);
}

namespace {
cudaError_t check_device_range(const char* what, const void* p, size_t bytes) {
    uintptr_t begin = 0, end = 0;
    if (ak::emu::find_allocation(emulator(), reinterpret_cast<uintptr_t>(p), bytes, &begin, &end))
        return cudaSuccess;
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
    if (bytes == 0) return cudaSuccess;
    const bool dst_device = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
    const bool src_device = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
    if (dst_device)
        if (cudaError_t err = check_device_range("cudaMemcpyAsync destination", dst, bytes)) return err;
    if (src_device)
        if (cudaError_t err = check_device_range("cudaMemcpyAsync source", src, bytes)) return err;
    std::memmove(dst, src, bytes);
    return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void* dst, int value, size_t bytes, cudaStream_t stream) {
    auto& e = emulator();
    std::lock_guard<std::mutex> lock(e.mutex);
    if (e.sticky) return sticky_or(cudaSuccess);
    if (stream && !e.streams.count(stream))
        return api_error(cudaErrorInvalidResourceHandle, "cudaMemsetAsync: not a stream");
    if (bytes == 0) return cudaSuccess;
    if (cudaError_t err = check_device_range("cudaMemsetAsync", dst, bytes)) return err;
    std::memset(dst, value, bytes);
    return cudaSuccess;
}

cudaError_t cudaGetLastError() {
    auto& e = emulator();
    std::lock_guard<std::mutex> lock(e.mutex);
    const cudaError_t err = e.sticky ? e.sticky : ak::emu::t_last_error;
    ak::emu::t_last_error = cudaSuccess;
    return err;
}

cudaError_t cudaPeekAtLastError() {
    auto& e = emulator();
    std::lock_guard<std::mutex> lock(e.mutex);
    return e.sticky ? e.sticky : ak::emu::t_last_error;
}

const char* cudaGetErrorName(cudaError_t err) {
    switch (err) {
        case cudaSuccess: return "cudaSuccess";
        case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
        case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
        case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
        case cudaErrorInvalidDevicePointer: return "cudaErrorInvalidDevicePointer";
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
