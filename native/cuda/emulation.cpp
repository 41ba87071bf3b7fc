// The CPU emulation of the CUDA execution model (emulation.h): the block scheduler that runs each
// emulated thread as a fiber, barriers and warp collectives, and the checks of memory accesses.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include "emulation_state.h"

namespace ak::emu {

const ThreadIndex* g_running = nullptr;

namespace {

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
        l.message = std::string(cudaGetErrorName(err)) + " (CUDA emulation, seed " + std::to_string(e.seed) +
                    "): " + where() + " of " + l.kernel + ": " + buf;
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
    ++e.shared_clock;
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

// The lane a shuffle reads, as PTX's shfl.sync computes it from CUDA's width (segmask = 32 - width):
// the caller's own lane where the source falls outside the caller's segment (below it for up, above it
// for down, xor and idx; xor may read an earlier segment, as on the GPU).
uint32_t shuffle_source(const Fiber& f) {
    const uint32_t segmask = uint32_t(32 - f.width), b = uint32_t(f.arg) & 31u;
    const uint32_t base = f.lane & segmask, top = base | (31u & ~segmask);
    int64_t j = f.lane;
    switch (f.kind) {
        case Collective::kShflIdx: j = base | (b & ~segmask); break;
        case Collective::kShflUp: j = int64_t(f.lane) - b; return j >= int64_t(base) ? uint32_t(j) : f.lane;
        case Collective::kShflDown: j = f.lane + b; break;
        case Collective::kShflXor: j = f.lane ^ b; break;
        default: return f.lane;
    }
    return j <= int64_t(top) ? uint32_t(j) : f.lane;
}

// A __syncwarp of the lanes in arrived: each learns what any of them had learned (ordering is
// transitive), and all of them are ordered with one another from the new tick on.
void join_clocks(Launch& l, uint32_t warp, unsigned arrived) {
    ++l.tick;
    uint32_t* clocks = &l.pair_sync[size_t(warp) * 32 * 32];
    uint32_t joined[32] = {};
    for (uint32_t a = 0; a < 32; ++a)
        if (lane_in(arrived, a))
            for (uint32_t c = 0; c < 32; ++c) joined[c] = std::max(joined[c], clocks[a * 32 + c]);
    for (uint32_t a = 0; a < 32; ++a) {
        if (!lane_in(arrived, a)) continue;
        for (uint32_t c = 0; c < 32; ++c) clocks[a * 32 + c] = lane_in(arrived, c) ? l.tick : joined[c];
    }
}

// Completes the collectives whose named lanes have all arrived with the same mask and kind; lanes that
// exited or do not exist take no part.
bool complete_collectives(Emulator& e, Launch& l) {
    bool progress = false;
    for (uint32_t w = 0; w < l.warps; ++w) {
        Fiber* lanes = &e.fibers[size_t(w) * 32];
        for (uint32_t i = 0; i < 32; ++i) {
            const Fiber& first = lanes[i];
            if (first.state != State::kAtCollective) continue;
            const unsigned mask = first.mask;
            unsigned arrived = 0;
            bool complete = true;
            for (uint32_t j = 0; j < 32 && complete; ++j) {
                if (!lane_in(mask, j) || lanes[j].state == State::kDone) continue;
                complete = lanes[j].state == State::kAtCollective && lanes[j].mask == mask &&
                           lanes[j].kind == first.kind;
                arrived |= 1u << j;
            }
            if (!complete) continue;
            uint64_t ballot = 0;
            for (uint32_t j = 0; j < 32; ++j)
                if (lane_in(arrived, j) && lanes[j].value) ballot |= uint64_t(1) << j;
            const Collective kind = first.kind;
            for (uint32_t j = 0; j < 32; ++j) {
                if (!lane_in(arrived, j)) continue;
                Fiber& f = lanes[j];
                switch (kind) {
                    case Collective::kBallot: f.result = ballot; break;
                    case Collective::kAny: f.result = ballot != 0; break;
                    case Collective::kAll: f.result = ballot == arrived; break;
                    case Collective::kSyncWarp: f.result = 0; break;
                    default: {  // undefined on the GPU: a value no kernel should use
                        const uint32_t src = shuffle_source(f);
                        f.result = lane_in(arrived, src) ? lanes[src].value : kPoisonLane;
                    }
                }
                f.state = State::kRunnable;
            }
            if (kind == Collective::kSyncWarp) join_clocks(l, w, arrived);
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
                if (other.state == State::kDone) continue;
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
    l.tick = 0;
    std::fill(l.pair_sync.begin(), l.pair_sync.end(), 0u);
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

}  // namespace

// ---- checks called by kernels ----

namespace {
std::string describe_thread(const Launch& l, uint32_t block, uint32_t thread) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "thread (%u,%u,%u) of block (%u,%u,%u)", thread % l.block.x,
                  thread / l.block.x % l.block.y, thread / (l.block.x * l.block.y), block % l.grid.x,
                  block / l.grid.x % l.grid.y, block / (l.grid.x * l.grid.y));
    return buf;
}

// Whether what thread `other` (of this block) did at phase and tick is ordered before the running thread.
bool ordered_before(const Emulator& e, uint32_t other, uint32_t phase, uint32_t tick) {
    const Launch& l = *e.launch;
    const Fiber& me = *e.current;
    return other == me.linear || phase < l.phase ||
           (other / 32 == me.warp && l.pair_sync[(size_t(me.warp) * 32 + me.lane) * 32 + other % 32] > tick);
}

// Stamps the bytes a store writes; faults where another thread of this launch stored first, unordered.
void track_store(Emulator& e, Allocation& a, size_t offset, size_t bytes) {
    if (a.bytes > kMaxTrackedBytes) return;
    if (a.stores.empty()) a.stores.resize(a.bytes);
    const Launch& l = *e.launch;
    const StoreStamp now{l.id, l.block_linear, l.phase, l.tick, uint16_t(e.current->linear)};
    for (size_t b = offset; b < offset + bytes; ++b) {
        StoreStamp& s = a.stores[b];
        if (s.launch == l.id && (s.block != now.block || !ordered_before(e, s.thread, s.phase, s.tick)))
            fault(cudaErrorLaunchFailure, "stores to byte %zu of a %zu-byte allocation, which %s stored to in this "
                  "launch: two threads store one element (a race, or work done twice)", b, a.bytes,
                  describe_thread(l, s.block, s.thread).c_str());
        s = now;
    }
}
}  // namespace

void check_global(const void* pointer, size_t bytes, size_t align, Access access) {
    Emulator& e = emulator();
    const uintptr_t p = reinterpret_cast<uintptr_t>(pointer);
    const char* what = access == Access::kLoad ? "load" : access == Access::kStore ? "store" : "atomic";
    if (p % align != 0)
        fault(cudaErrorMisalignedAddress,
              "%s of %zu bytes at %p, which is not %zu-byte aligned (address %% %zu = %zu)", what, bytes, pointer,
              align, align, size_t(p % align));
    if (!(p >= e.hit_begin && p < e.hit_end && bytes <= e.hit_end - p)) {
        uintptr_t begin = 0;
        Allocation* a = find_allocation(e, p, bytes, &begin);
        if (!a)
            fault(cudaErrorIllegalAddress, "%s of %zu bytes at %p, in no device allocation: %s", what, bytes, pointer,
                  describe_address(e, p, bytes).c_str());
        e.hit = a;
        e.hit_begin = begin;
        e.hit_end = begin + a->bytes;
    }
    if (access == Access::kStore) track_store(e, *e.hit, p - e.hit_begin, bytes);
}

void sync_threads() { yield(State::kAtBarrier); }

uint64_t warp_collective(Collective kind, unsigned mask, uint64_t value, int arg, int width) {
    Emulator& e = emulator();
    Fiber& f = *e.current;
    if (!lane_in(mask, f.lane))
        fault(cudaErrorLaunchFailure, "lane %u calls %s with mask 0x%08x, which leaves it out", f.lane,
              collective_name(kind), mask);
    if (width < 1 || width > 32 || (width & (width - 1)) != 0)
        fault(cudaErrorLaunchFailure, "%s with width %d (a power of 2 up to 32)", collective_name(kind), width);
    f.kind = kind;
    f.mask = mask;
    f.value = value;
    f.arg = arg;
    f.width = width;
    yield(State::kAtCollective);
    return f.result;
}

namespace {
// The block's region for site, made (poisoned, never written) on the first use in the block.
SharedRegion* region_for(Launch& l, const void* site, size_t bytes) {
    for (auto& r : l.regions)
        if (r->site == site) return r.get();
    auto r = std::make_unique<SharedRegion>();
    r->site = site;
    r->data.assign(bytes, kPoison);
    r->written.assign(bytes, {});
    r->readers.assign(bytes, {});
    l.regions.push_back(std::move(r));
    return l.regions.back().get();
}
}  // namespace

SharedRegion* shared_site(const void* site, size_t bytes) {
    Launch& l = *emulator().launch;
    const size_t regions = l.regions.size();
    SharedRegion* r = region_for(l, site, bytes);
    if (l.regions.size() > regions) {
        l.shared_total += bytes;
        if (l.shared_total + l.dynamic_bytes > kMaxSharedBytes)
            fault(cudaErrorLaunchFailure, "%zu bytes of shared memory (static and dynamic) exceed %zu",
                  l.shared_total + l.dynamic_bytes, kMaxSharedBytes);
    }
    return r;
}

SharedRegion* dynamic_shared(size_t* bytes) {
    Launch& l = *emulator().launch;
    static const char dynamic_site = 0;
    *bytes = l.dynamic_bytes;
    return region_for(l, &dynamic_site, l.dynamic_bytes);
}

void* shared_data(SharedRegion* region) { return region->data.data(); }

uint64_t shared_clock() { return emulator().shared_clock; }

void check_shared(SharedRegion* region, size_t offset, size_t bytes, size_t capacity, bool write, uint64_t made) {
    Emulator& e = emulator();
    Launch& l = *e.launch;
    const Fiber& me = *e.current;
    if (offset >= capacity || capacity - offset < bytes)
        fault(cudaErrorIllegalAddress, "shared memory %s at byte offset %lld of a %zu-byte array",
              write ? "store" : "load", (long long)offset, capacity);
    if (made != e.shared_clock)
        fault(cudaErrorLaunchFailure, "a shared array element (byte %zu) used through a reference made before a "
              "barrier, collective or shared store: keep the element type (T x = s[i]), not auto", offset);
    auto ordered = [&](const SharedRegion::Stamp& s) { return ordered_before(e, s.thread, s.phase, s.tick); };
    auto describe = [&](uint32_t t) {
        const uint3 i = e.fibers[t].index.thread_idx;
        char buf[64];
        std::snprintf(buf, sizeof buf, "thread (%u,%u,%u)", i.x, i.y, i.z);
        return std::string(buf);
    };
    const SharedRegion::Stamp now{me.linear, l.phase, l.tick};
    for (size_t b = offset; b < offset + bytes; ++b) {
        SharedRegion::Stamp& w = region->written[b];
        std::vector<SharedRegion::Stamp>& readers = region->readers[b];
        if (!readers.empty() && readers.front().phase != l.phase) readers.clear();  // all before a barrier
        if (!write && w.thread == kNobody)
            fault(cudaErrorLaunchFailure, "reads shared memory (byte %zu) that no thread of the block has written", b);
        if (w.thread != kNobody && !ordered(w))
            fault(cudaErrorLaunchFailure, "%s shared memory (byte %zu) that %s wrote in the same phase: a barrier "
                  "(__syncthreads or __syncwarp) is missing between them", write ? "writes" : "reads", b,
                  describe(w.thread).c_str());
        if (write) {
            for (const SharedRegion::Stamp& r : readers)
                if (!ordered(r))
                    fault(cudaErrorLaunchFailure, "writes shared memory (byte %zu) that %s read in the same phase: a "
                          "barrier is missing between them", b, describe(r.thread).c_str());
            w = now;
            continue;
        }
        auto mine = std::find_if(readers.begin(), readers.end(),
                                 [&](const SharedRegion::Stamp& r) { return r.thread == me.linear; });
        if (mine != readers.end()) *mine = now;
        else readers.push_back(now);
    }
    if (write) ++e.shared_clock;
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
    l.id = uint32_t(e.launches);
    l.threads = block.x * block.y * block.z;
    l.warps = (l.threads + 31) / 32;
    l.pair_sync.assign(size_t(l.warps) * 32 * 32, 0);
    // Lanes of a partial last warp that do not exist stay "exited" in the fiber table.
    ensure_fibers(e, l.warps * 32);
    for (uint32_t t = l.threads; t < l.warps * 32; ++t) e.fibers[t].state = State::kDone;
    e.launch = &l;
    e.hit_begin = e.hit_end = 0;
    e.hit = nullptr;
    const uint64_t blocks = uint64_t(grid.x) * grid.y * grid.z;
    std::vector<uint64_t> block_order(blocks);
    for (uint64_t b = 0; b < blocks; ++b) block_order[b] = b;
    if (e.order == BlockOrder::kShuffled) std::shuffle(block_order.begin(), block_order.end(), e.rng);
    if (e.order == BlockOrder::kDescending) std::reverse(block_order.begin(), block_order.end());
    std::vector<uint32_t> thread_order(l.threads);
    for (uint32_t t = 0; t < l.threads; ++t) thread_order[t] = t;
    for (uint64_t b : block_order) {
        const uint3 idx{unsigned(b % grid.x), unsigned(b / grid.x % grid.y), unsigned(b / (uint64_t(grid.x) * grid.y))};
        l.block_linear = uint32_t(b);
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

}  // namespace ak::emu
