// A bounded fuzz of the C ABI's kernels (ak_act_forward, ak_act_backward, ak_act_forward_bias,
// ak_convert) on every ISA this CPU runs, active through ak_cpu_set_isa and named per call in flags.
// Each call is valid or has one invalid argument: a null pointer, a negative size, a byte count that
// overflows int64, a range that wraps the address space, an unknown op, dtype or flag, an ISA that
// does not exist or that the CPU cannot run, an output overlapping an input partially. Valid calls
// include what the ABI allows at its edges: exact in-place aliasing, overlapping inputs, zero sizes
// with null or wild pointers, pointers at odd byte addresses.
//  - An invalid call returns non-zero, names the offending argument in ak_last_error(), and touches
//    no memory: all tensors live in one arena of random bytes that must come back unchanged, and a
//    wild pointer it followed would raise a signal, which the test catches and reports.
//  - A valid call returns AK_OK, leaves ak_last_error() "", and writes exactly the bits the same
//    kernel gives each element alone (n = 1): element-wise kernels must not depend on how Java
//    chunks a tensor. Nothing outside the outputs may change.
// Usage: actinium_abi_fuzz_test [seed [calls per ISA]]; AK_TEST_SEED also sets the seed.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <csetjmp>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "cpu/kernel_table.h"
#include "include/actinium.h"
#include "test_support.h"

namespace {

using ak::cpu::KernelTable;

constexpr int kDefaultCallsPerIsa = 10000;
constexpr int64_t kArenaBytes = 1 << 15;
constexpr int64_t kMaxTensorBytes = 8192;  // three tensors with their gaps fit the arena
constexpr int kMaxFailedCalls = 50;        // past this a run stops: one bug, not a flood

enum Fn { kForward, kBackward, kBias, kConvert, kFnCount };
// The ABI's names of each function's first input, second input and output.
constexpr const char* kArgNames[kFnCount][3] = {
    {"x", nullptr, "y"}, {"x", "dy", "dx"}, {"x", "bias", "y"}, {"src", nullptr, "dst"}};
constexpr int32_t kConversions[][2] = {{AK_DTYPE_F32, AK_DTYPE_BF16},
                                       {AK_DTYPE_BF16, AK_DTYPE_F32},
                                       {AK_DTYPE_F32, AK_DTYPE_F16},
                                       {AK_DTYPE_F16, AK_DTYPE_F32}};

enum Fault {
    kValid,
    kBadOp,
    kBadDtype,
    kBadFlags,
    kBadIsa,
    kUnsupportedIsa,
    kNegativeSize,
    kOverflow,
    kOverflowRowsCols,
    kNull,
    kWrap,
    kOverlap,
    kBiasOverlapsY,
    kFaultCount
};
constexpr const char* kFaultNames[kFaultCount] = {"valid",
                                                  "unknown op",
                                                  "unknown dtype",
                                                  "unknown flag bits",
                                                  "ISA number out of range",
                                                  "ISA the CPU cannot run",
                                                  "negative size",
                                                  "byte count overflows int64",
                                                  "rows x cols overflow",
                                                  "null pointer",
                                                  "range wraps the address space",
                                                  "output overlaps an input",
                                                  "bias overlaps y"};

int64_t dtype_bytes(int32_t dtype) {
    return dtype == AK_DTYPE_F32 ? 4 : dtype == AK_DTYPE_BF16 || dtype == AK_DTYPE_F16 ? 2 : 0;
}

// One call's arguments. Pointers may be null or wild; the test dereferences only arena ones.
struct Call {
    Fn fn = kForward;
    int32_t op = 0, dtype = AK_DTYPE_F32, dst_dtype = AK_DTYPE_F32, flags = 0;
    const unsigned char* in[2] = {};
    unsigned char* out = nullptr;
    int64_t n = 0, rows = 0, cols = 0;
    Fault fault = kValid;
    const char* names[2] = {};  // what ak_last_error() must name, as whole words

    int64_t in_element_bytes() const { return dtype_bytes(dtype); }
    int64_t out_element_bytes() const { return dtype_bytes(fn == kConvert ? dst_dtype : dtype); }
    // Byte counts of the valid shape (the generator keeps them small).
    int64_t in_bytes(int k) const {
        if (fn == kBias) return (k == 0 ? rows * cols : cols) * in_element_bytes();
        return n * in_element_bytes();
    }
    int64_t out_bytes() const { return (fn == kBias ? rows * cols : n) * out_element_bytes(); }
    int inputs() const { return kArgNames[fn][1] ? 2 : 1; }
};

// The default parameters of a valid op, NULL for an op without any or not in the list.
const float* params_of(int32_t op) {
    static const std::vector<std::vector<float>> all = [] {
        std::vector<std::vector<float>> p;
        for (int i = 0; i < AK_ACT_COUNT; ++i) p.push_back(default_params(i));
        return p;
    }();
    return op >= 0 && op < AK_ACT_COUNT && !all[op].empty() ? all[op].data() : nullptr;
}

int32_t invoke(const Call& c) {
    const float* p = params_of(c.op);
    switch (c.fn) {
        case kForward: return ak_act_forward(c.op, c.dtype, p, c.in[0], c.out, c.n, c.flags);
        case kBackward: return ak_act_backward(c.op, c.dtype, p, c.in[0], c.in[1], c.out, c.n, c.flags);
        case kBias: return ak_act_forward_bias(c.op, c.dtype, p, c.in[0], c.in[1], c.out, c.rows, c.cols, c.flags);
        default: return ak_convert(c.dtype, c.in[0], c.dst_dtype, c.out, c.n, c.flags);
    }
}

bool overlaps(const void* a, int64_t a_bytes, const void* b, int64_t b_bytes) {
    auto pa = reinterpret_cast<uintptr_t>(a), pb = reinterpret_cast<uintptr_t>(b);
    return pa < pb + uintptr_t(b_bytes) && pb < pa + uintptr_t(a_bytes);
}

bool overlaps_partially(const void* a, int64_t a_bytes, const void* b, int64_t b_bytes) {
    return a != b && overlaps(a, a_bytes, b, b_bytes);
}

// True if name occurs in message as a word of its own ("x" must not match inside "dx" or "ak_act_fwd").
bool names_argument(const std::string& message, const char* name) {
    auto word = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; };
    const size_t len = std::strlen(name);
    for (size_t at = message.find(name); at != std::string::npos; at = message.find(name, at + 1))
        if ((at == 0 || !word(message[at - 1])) && (at + len == message.size() || !word(message[at + len])))
            return true;
    return false;
}

// The memory of every tensor of a call, 64-byte aligned.
class Arena {
  public:
    Arena() : mem_(size_t(kArenaBytes + 64)) {
        auto addr = reinterpret_cast<uintptr_t>(mem_.data());
        base_ = mem_.data() + (64 - addr % 64) % 64;
    }
    unsigned char* base() const { return base_; }
    bool holds(const void* p, int64_t bytes) const {
        auto q = static_cast<const unsigned char*>(p);
        return q >= base_ && bytes >= 0 && q + bytes <= base_ + kArenaBytes;
    }

  private:
    std::vector<unsigned char> mem_;
    unsigned char* base_;
};

// Hands out arena ranges one after another, with random gaps, aligned to align bytes.
class Layout {
  public:
    Layout(const Arena& arena, Rng& rng, int64_t align) : arena_(arena), rng_(rng), align_(align) {
        cursor_ = rng_.range(0, 64);
    }
    unsigned char* take(int64_t bytes) {
        cursor_ += rng_.range(0, 96);
        cursor_ = (cursor_ + align_ - 1) / align_ * align_;
        unsigned char* p = arena_.base() + cursor_;
        cursor_ += bytes;
        return p;
    }

  private:
    const Arena& arena_;
    Rng& rng_;
    int64_t align_, cursor_;
};

// The generator: valid calls, then at most one fault applied to them.
class Generator {
  public:
    Generator(Rng& rng, const Arena& arena, const std::vector<int32_t>& isas) : rng_(rng), arena_(arena), isas_(isas) {}

    Call make() {
        Call c;
        c.fn = Fn(rng_.below(kFnCount));
        const bool faulty = rng_.percent(50);
        make_valid(c, faulty);
        if (faulty)
            while (!apply(c, Fault(rng_.range(kValid + 1, kFaultCount - 1)))) {
            }
        return c;
    }

  private:
    Rng& rng_;
    const Arena& arena_;
    const std::vector<int32_t>& isas_;

    int64_t size(int64_t max) {
        const uint64_t bucket = rng_.below(100);
        if (bucket < 5) return 0;
        if (bucket < 50) return rng_.range(1, 20);
        if (bucket < 90) return rng_.range(21, 300);
        return rng_.range(301, max);
    }

    // A faulty call starts from plain sizes (at least one element) and separate tensors, so that its
    // one fault decides the message.
    void make_valid(Call& c, bool faulty) {
        if (c.fn == kConvert) {
            const auto& pair = rng_.pick(kConversions);
            c.dtype = pair[0], c.dst_dtype = pair[1];
            c.flags = rng_.percent(50) ? isa_flag(isas_[rng_.below(isas_.size())]) : 0;
        } else {
            do c.op = int32_t(rng_.below(AK_ACT_COUNT));
            while (ak_activation_flags(c.op) & (AK_ACT_GATED | AK_ACT_SEEDED));  // element-wise entry points only
            const int32_t dtypes[] = {AK_DTYPE_F32, AK_DTYPE_BF16, AK_DTYPE_F16};
            c.dtype = rng_.pick(dtypes);
            c.flags = (rng_.percent(30) ? AK_FLAG_STREAM : 0) |
                      (rng_.percent(50) ? isa_flag(isas_[rng_.below(isas_.size())]) : 0);
        }
        const int64_t max_elements = kMaxTensorBytes / 4;
        if (c.fn == kBias) {
            c.cols = faulty ? rng_.range(1, 300) : size(max_elements);
            const int64_t max_rows = std::clamp<int64_t>(max_elements / std::max<int64_t>(c.cols, 1), 1, 8);
            c.rows = !faulty && rng_.percent(5) ? 0 : rng_.range(1, max_rows);
        } else {
            c.n = faulty ? rng_.range(1, 300) : size(max_elements);
        }
        // Element-aligned, or now and then at odd bytes, which the ABI allows.
        const int64_t align = rng_.percent(6) ? 1 : std::max(c.in_element_bytes(), c.out_element_bytes());
        Layout layout(arena_, rng_, align);
        const int64_t in0 = c.in_bytes(0), out = c.out_bytes();
        const uint64_t mode = faulty ? 0 : rng_.below(100);
        switch (c.fn) {
            case kForward:
                c.in[0] = layout.take(in0);
                c.out = mode < 20 ? const_cast<unsigned char*>(c.in[0]) : layout.take(out);  // in place
                break;
            case kBackward:
                if (mode >= 50 && mode < 70 && in0 > 1) {  // x and dy overlap: both are only read
                    const int64_t d = std::max<int64_t>(align, rng_.range(1, in0 - 1) / align * align);
                    unsigned char* p = layout.take(in0 + d);
                    const bool dy_first = rng_.percent(50);
                    c.in[0] = dy_first ? p + d : p;
                    c.in[1] = dy_first ? p : p + d;
                } else {
                    c.in[0] = layout.take(in0);
                    c.in[1] = mode >= 70 && mode < 80 ? c.in[0] : layout.take(in0);  // dy = x
                }
                if (mode >= 75) c.out = const_cast<unsigned char*>(c.in[mode >= 90 ? 1 : 0]);  // dx = x or dy
                else c.out = layout.take(out);
                break;
            case kBias:
                c.in[0] = layout.take(in0);
                if (mode >= 70 && mode < 85 && c.rows > 0)  // bias inside x: both are only read
                    c.in[1] = c.in[0] + rng_.range(0, (c.rows - 1) * c.cols) * c.in_element_bytes();
                else
                    c.in[1] = layout.take(c.in_bytes(1));
                c.out = mode < 20 ? const_cast<unsigned char*>(c.in[0]) : layout.take(out);  // in place
                break;
            default:
                c.in[0] = layout.take(in0);
                c.out = layout.take(out);
        }
        if (out == 0 && rng_.percent(60)) empty_edges(c);
    }

    // Zero elements: no pointer is read, so null and wild ones are valid, and so is any other size of
    // a matrix with zero rows or columns.
    void empty_edges(Call& c) {
        auto wild = [&]() -> unsigned char* {
            if (rng_.percent(50)) return nullptr;
            return reinterpret_cast<unsigned char*>(UINTPTR_MAX - rng_.below(64));
        };
        c.in[0] = wild(), c.in[1] = c.inputs() > 1 ? wild() : nullptr, c.out = wild();
        if (c.fn == kBias && rng_.percent(50)) (c.rows == 0 ? c.cols : c.rows) = rng_.range(0, INT64_MAX);
    }

    // A count of elements of size bytes whose byte count overflows int64, near the limit or anywhere.
    int64_t overflowing_count(int64_t size) {
        const int64_t lo = INT64_MAX / size + 1;
        switch (rng_.below(4)) {
            case 0: return lo + int64_t(rng_.below(16));
            case 1: return INT64_MAX - int64_t(rng_.below(16));
            case 2: return std::max(lo, INT64_MAX / 2 + int64_t(rng_.below(16)));
            default: return lo + int64_t(rng_.below(uint64_t(INT64_MAX - lo)));
        }
    }

    // A pointer range [p, p + bytes) overlapping q's [q, q + bytes_q) somewhere, inside the arena;
    // partial: never p == q.
    const unsigned char* overlapping(const unsigned char* q, int64_t bytes_q, int64_t bytes, bool partial) {
        for (int attempt = 0; attempt < 16; ++attempt) {
            const int64_t d = rng_.range(-(bytes - 1), bytes_q - 1);
            const unsigned char* p = q + d;
            if ((d != 0 || !partial) && arena_.holds(p, bytes)) return p;
        }
        return nullptr;
    }

    void name(Call& c, Fault f, const char* first, const char* second = nullptr) {
        c.fault = f;
        c.names[0] = first;
        c.names[1] = second;
    }

    // Makes c invalid by f alone, or returns false if f does not apply to it.
    bool apply(Call& c, Fault f) {
        const bool act = c.fn != kConvert;
        const int64_t size = c.in_element_bytes();
        switch (f) {
            case kBadOp: {
                if (!act) return false;
                const int32_t ops[] = {-1, AK_ACT_COUNT, AK_ACT_COUNT + 1000, INT32_MIN, INT32_MAX};
                c.op = rng_.percent(20) ? AK_ACT_COUNT + int32_t(rng_.range(1, 1 << 20)) : rng_.pick(ops);
                name(c, f, "op");
                return true;
            }
            case kBadDtype: {
                const int32_t dtypes[] = {AK_DTYPE_F32, AK_DTYPE_BF16, AK_DTYPE_F16, AK_DTYPE_I8,
                                          AK_DTYPE_U8,  5,             -1,          INT32_MIN};
                if (act) {
                    const int32_t bad[] = {AK_DTYPE_I8, AK_DTYPE_U8, 5, -1, INT32_MIN};
                    c.dtype = rng_.pick(bad);
                } else {
                    bool valid = true;
                    while (valid) {
                        c.dtype = rng_.pick(dtypes), c.dst_dtype = rng_.pick(dtypes);
                        valid = false;
                        for (const auto& pair : kConversions) valid |= pair[0] == c.dtype && pair[1] == c.dst_dtype;
                    }
                }
                name(c, f, "dtype");
                return true;
            }
            case kBadFlags: {  // ak_convert takes the ISA field only: the stream bit is unknown to it
                int bit = int(rng_.range(act ? 1 : 0, 27));
                if (bit >= 8) bit += 4;  // skip the ISA field
                c.flags = int32_t(uint32_t(c.flags) | (1u << bit));
                name(c, f, "flags");
                return true;
            }
            case kBadIsa:
            case kUnsupportedIsa: {
                int32_t isa = int32_t(rng_.range(kIsaCount, 14));  // the field holds isa + 1 <= 15
                if (f == kUnsupportedIsa) {
                    std::vector<int32_t> missing;
                    for (int32_t i = 0; i < kIsaCount; ++i)
                        if (!ak_cpu_isa_supported(i)) missing.push_back(i);
                    if (missing.empty()) return false;
                    isa = missing[rng_.below(missing.size())];
                }
                c.flags = (c.flags & ~int32_t(AK_FLAG_ISA_MASK)) | isa_flag(isa);
                name(c, f, "flags");
                return true;
            }
            case kNegativeSize: {
                const int64_t negative = rng_.percent(20) ? INT64_MIN : -rng_.range(1, int64_t(1) << 40);
                if (c.fn != kBias) c.n = negative, name(c, f, "n");
                else if (rng_.percent(50)) c.rows = negative, name(c, f, "rows");
                else c.cols = negative, name(c, f, "cols");
                return true;
            }
            case kOverflow:
                if (c.fn == kBias) c.cols = overflowing_count(size), name(c, f, "cols");
                else c.n = overflowing_count(c.fn == kConvert ? 4 : size), name(c, f, "n");  // convert: F32 side
                return true;
            case kOverflowRowsCols:
                if (c.fn != kBias) return false;
                c.rows = rng_.percent(50) ? INT64_MAX - int64_t(rng_.below(16))
                                          : INT64_MAX / (c.cols * size) + 1 + int64_t(rng_.below(1000));
                name(c, f, "rows", "cols");
                return true;
            case kNull:
            case kWrap: {
                const int arg = int(rng_.below(c.inputs() + 1));  // inputs, then the output
                const int64_t bytes = arg < c.inputs() ? c.in_bytes(arg) : c.out_bytes();
                auto bad = reinterpret_cast<unsigned char*>(f == kNull ? 0 : UINTPTR_MAX - rng_.below(uint64_t(bytes)));
                if (arg < c.inputs()) c.in[arg] = bad;
                else c.out = bad;
                name(c, f, kArgNames[c.fn][arg < c.inputs() ? arg : 2]);
                return true;
            }
            case kOverlap: {
                // The output over input k; ak_convert refuses any overlap, the others only a partial one.
                const int k = int(rng_.below(c.inputs() == 2 && c.fn == kBackward ? 2 : 1));
                const auto p = overlapping(c.in[k], c.in_bytes(k), c.out_bytes(), c.fn != kConvert);
                if (!p) return false;
                c.out = const_cast<unsigned char*>(p);
                if (c.fn == kBackward)  // x is checked first: it is named whenever dx overlaps it too
                    name(c, f, "dx", overlaps_partially(c.in[0], c.in_bytes(0), c.out, c.out_bytes()) ? "x" : "dy");
                else
                    name(c, f, kArgNames[c.fn][0], kArgNames[c.fn][2]);
                return true;
            }
            case kBiasOverlapsY: {
                if (c.fn != kBias) return false;
                const auto p = overlapping(c.out, c.out_bytes(), c.in_bytes(1), false);
                if (!p) return false;
                c.in[1] = p;
                name(c, f, "bias", "y");
                return true;
            }
            default: return false;
        }
    }
};

// Values for the inputs: random finite ones, edges and NaNs, as F32 bits or a BF16 code.
void fill_inputs(Rng& rng, const Call& c) {
    const uint32_t edges[] = {0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffd00001u,
                              0x7f800001u, 0x00000001u, 0x807fffffu, 0x7f7fffffu};
    const int64_t size = c.in_element_bytes();
    for (int k = 0; k < c.inputs(); ++k) {
        auto p = const_cast<unsigned char*>(c.in[k]);
        for (int64_t i = 0; i < c.in_bytes(k) / size; ++i) {
            uint32_t bits;
            if (rng.percent(10)) bits = rng.pick(edges);
            else {
                float v = rng.finite();
                std::memcpy(&bits, &v, 4);
            }
            if (size == 4) std::memcpy(p + 4 * i, &bits, 4);
            else if (c.dtype == AK_DTYPE_BF16) {
                uint16_t h = uint16_t(bits >> 16);
                std::memcpy(p + 2 * i, &h, 2);
            }  // F16 sources keep the arena's random bits: every code, NaNs and infinities among them
        }
    }
}

// Writes into expected (a copy of the arena before the call) what the call must leave: each output
// element as the kernel of isa computes it alone, from the inputs as they were before (in-place calls
// overwrite them).
void expect_outputs(const Call& c, int32_t isa, const unsigned char* base, const unsigned char* before,
                    unsigned char* expected) {
    auto old = [&](const unsigned char* p) { return before + (p - base); };
    const KernelTable& t = *ak::cpu::table_for(isa);
    const int storage = c.fn == kConvert ? 0 : ak::storage_index(c.dtype);
    const float* params = params_of(c.op);
    const int64_t is = c.in_element_bytes(), os = c.out_element_bytes();
    unsigned char* out = expected + (c.out - base);
    unsigned char one[4];
    switch (c.fn) {
        case kForward:
            for (int64_t i = 0; i < c.n; ++i) {
                t.act[c.op][storage].forward(params, old(c.in[0]) + i * is, one, 1, 0);
                std::memcpy(out + i * os, one, os);
            }
            break;
        case kBackward:
            for (int64_t i = 0; i < c.n; ++i) {
                t.act[c.op][storage].backward(params, old(c.in[0]) + i * is, old(c.in[1]) + i * is, one, 1, 0);
                std::memcpy(out + i * os, one, os);
            }
            break;
        case kBias:
            for (int64_t i = 0; i < c.rows * c.cols; ++i) {
                t.act[c.op][storage].forward_bias(params, old(c.in[0]) + i * is, old(c.in[1]) + i % c.cols * is, one, 1,
                                                  1, 0);
                std::memcpy(out + i * os, one, os);
            }
            break;
        default: {
            ak::cpu::ConvertFn convert = c.dtype == AK_DTYPE_BF16 ? t.bf16_to_f32
                                       : c.dtype == AK_DTYPE_F16 ? t.f16_to_f32
                                       : c.dst_dtype == AK_DTYPE_BF16 ? t.f32_to_bf16
                                                                     : t.f32_to_f16;
            for (int64_t i = 0; i < c.n; ++i) {
                convert(old(c.in[0]) + i * is, one, 1);
                std::memcpy(out + i * os, one, os);
            }
        }
    }
}

std::string describe(const Call& c, const unsigned char* base) {
    auto ptr = [&](const void* p) {
        char s[40];
        auto q = static_cast<const unsigned char*>(p);
        if (!p) return std::string("null");
        if (q >= base && q < base + kArenaBytes) std::snprintf(s, sizeof s, "arena+%td", q - base);
        else std::snprintf(s, sizeof s, "%p", p);
        return std::string(s);
    };
    const std::string x = ptr(c.in[0]), second = ptr(c.in[1]), out = ptr(c.out);
    char s[400];
    switch (c.fn) {
        case kForward:
            std::snprintf(s, sizeof s, "ak_act_forward(op %d, dtype %d, x %s, y %s, n %lld, flags 0x%x)", c.op,
                          c.dtype, x.c_str(), out.c_str(), (long long)c.n, unsigned(c.flags));
            break;
        case kBackward:
            std::snprintf(s, sizeof s, "ak_act_backward(op %d, dtype %d, x %s, dy %s, dx %s, n %lld, flags 0x%x)",
                          c.op, c.dtype, x.c_str(), second.c_str(), out.c_str(), (long long)c.n, unsigned(c.flags));
            break;
        case kBias:
            std::snprintf(s, sizeof s,
                          "ak_act_forward_bias(op %d, dtype %d, x %s, bias %s, y %s, rows %lld, cols %lld, flags 0x%x)",
                          c.op, c.dtype, x.c_str(), second.c_str(), out.c_str(), (long long)c.rows, (long long)c.cols,
                          unsigned(c.flags));
            break;
        default:
            std::snprintf(s, sizeof s, "ak_convert(src_dtype %d, src %s, dst_dtype %d, dst %s, n %lld, flags 0x%x)",
                          c.dtype, x.c_str(), c.dst_dtype, out.c_str(), (long long)c.n, unsigned(c.flags));
    }
    return std::string(s) + " [" + kFaultNames[c.fault] + "]";
}

// A kernel that follows a wild pointer lands here; the call is reported and the run goes on.
sigjmp_buf g_escape;
volatile sig_atomic_t g_guarding = 0;

void on_memory_fault(int sig) {
    if (g_guarding) {
        g_guarding = 0;
        siglongjmp(g_escape, sig);
    }
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

// invoke(c), or -1 with the signal if the call faulted.
int32_t guarded_invoke(const Call& c, int& sig) {
    sig = sigsetjmp(g_escape, 1);
    if (sig != 0) return -1;
    g_guarding = 1;
    const int32_t status = invoke(c);
    g_guarding = 0;
    return status;
}

struct Totals {
    int64_t calls = 0, failed = 0, by_fault[kFaultCount] = {};
    // The edges among valid calls, to show the run reached them.
    int64_t empty = 0, in_place = 0, shared_inputs = 0, odd_address = 0, streamed = 0, isa_in_flags = 0;

    void count(const Call& c) {
        ++calls;
        ++by_fault[c.fault];
        if (c.fault != kValid) return;
        if (c.out_bytes() == 0) {
            ++empty;
            return;
        }
        in_place += c.out == c.in[0] || c.out == c.in[1];
        shared_inputs += c.inputs() == 2 && overlaps(c.in[0], c.in_bytes(0), c.in[1], c.in_bytes(1));
        odd_address += reinterpret_cast<uintptr_t>(c.in[0]) % c.in_element_bytes() != 0;
        streamed += c.fn != kConvert && (c.flags & AK_FLAG_STREAM);
        isa_in_flags += (c.flags & AK_FLAG_ISA_MASK) != 0;
    }
};

// Runs calls random calls with isa active; returns false once too many have failed.
bool fuzz(int32_t isa, const std::vector<int32_t>& isas, uint64_t seed, int calls, Totals& totals) {
    CHECK(ak_cpu_set_isa(isa) == AK_OK, "ak_cpu_set_isa(%d): %s", isa, ak_last_error());
    Rng rng(seed + 0x9e3779b97f4a7c15ull * uint64_t(isa + 1));  // the same calls per ISA on any CPU
    Arena arena;
    Generator generate(rng, arena, isas);
    unsigned char* base = arena.base();
    std::vector<unsigned char> before(kArenaBytes), expected(kArenaBytes);
    for (int index = 0; index < calls; ++index) {
        const Call c = generate.make();
        for (int64_t i = 0; i < kArenaBytes; i += 8) {  // random bytes: inputs, and the poison of outputs
            const uint64_t r = rng.next();
            std::memcpy(base + i, &r, 8);
        }
        if (c.fault == kValid && c.out_bytes() > 0 && rng.percent(60)) fill_inputs(rng, c);
        std::memcpy(before.data(), base, kArenaBytes);
        expected = before;
        const int32_t ran_on = (c.flags & AK_FLAG_ISA_MASK)
                                   ? ((c.flags & AK_FLAG_ISA_MASK) >> AK_FLAG_ISA_SHIFT) - 1
                                   : isa;
        if (c.fault == kValid && c.out_bytes() > 0) expect_outputs(c, ran_on, base, before.data(), expected.data());

        const int failures = g_failures;
        char index_text[64];
        std::snprintf(index_text, sizeof index_text, "active %s, call %d: ", ak_cpu_isa_name(isa), index);
        const std::string call = index_text + describe(c, base);
        const char* what = call.c_str();
        int sig = 0;
        const int32_t status = guarded_invoke(c, sig);
        CHECK(sig == 0, "%s raised signal %d", what, sig);
        const std::string message = ak_last_error();
        if (c.fault == kValid) {
            CHECK(status == AK_OK, "%s returned %d: %s", what, status, message.c_str());
            CHECK(message.empty(), "%s succeeded with message \"%s\"", what, message.c_str());
        } else {
            CHECK(status != AK_OK, "%s was accepted", what);
            for (const char* name : c.names)
                if (name)
                    CHECK(names_argument(message, name), "%s: message \"%s\" does not name %s", what,
                          message.c_str(), name);
        }
        if (std::memcmp(base, expected.data(), kArenaBytes) != 0) {
            int64_t at = 0;
            while (base[at] == expected[at]) ++at;
            const bool in_output = c.fault == kValid && base + at >= c.out && base + at < c.out + c.out_bytes();
            CHECK(false, "%s: arena byte %lld (%s) is %02x, expected %02x", what, (long long)at,
                  c.fault != kValid ? "an invalid call wrote"
                  : in_output       ? "output differs from the n = 1 result"
                                    : "outside the output",
                  base[at], expected[at]);
        }
        totals.count(c);
        if (g_failures != failures && ++totals.failed >= kMaxFailedCalls) return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // a crash must not swallow the failures printed before it
    const uint64_t seed = test_seed(argc, argv);
    const int calls = argc > 2 ? std::atoi(argv[2]) : kDefaultCallsPerIsa;
    struct sigaction action {};
    action.sa_handler = on_memory_fault;
    sigemptyset(&action.sa_mask);
    sigaction(SIGSEGV, &action, nullptr);
    sigaction(SIGBUS, &action, nullptr);

    const auto start = std::chrono::steady_clock::now();
    const std::vector<int32_t> isas = runnable_isas();
    Totals totals;
    for (int32_t isa : isas)
        if (!fuzz(isa, isas, seed, calls, totals)) {
            std::printf("stopped after %lld failed calls\n", (long long)totals.failed);
            break;
        }
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::printf("calls by kind:");
    for (int f = 0; f < kFaultCount; ++f)
        std::printf("%s %s %lld", f ? "," : "", kFaultNames[f], (long long)totals.by_fault[f]);
    std::printf("\nvalid calls: %lld with zero elements (null or wild pointers), %lld in place, %lld with "
                "overlapping inputs, %lld at odd addresses, %lld streamed, %lld with the ISA in flags",
                (long long)totals.empty, (long long)totals.in_place, (long long)totals.shared_inputs,
                (long long)totals.odd_address, (long long)totals.streamed, (long long)totals.isa_in_flags);
    std::printf("\n%lld calls on %zu ISA variants in %.2f s: %lld passed, %lld failed (%d checks failed)\n",
                (long long)totals.calls, isas.size(), took.count(), (long long)(totals.calls - totals.failed),
                (long long)totals.failed, g_failures);
    return g_failures == 0 ? 0 : 1;
}
