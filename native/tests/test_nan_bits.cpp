// The NaN rule of native/ops/act/functor.h, on every ISA this CPU runs, for every element-wise
// activation (default parameters), F32 and BF16 storage, forward, backward and forward_bias:
//  - a NaN x gives x's NaN quieted (F32: bits | 0x00400000; BF16: the code with its quiet bit set),
//    also where dy or bias is a NaN of other bits at the same position;
//  - a finite x with a NaN dy gives dy's NaN quieted, except for the ops whose gradient is a select
//    (relu and the other piecewise-linear ones, as PyTorch's threshold_backward): 0 where the
//    gradient is blocked whatever dy is, dy as stored where it passes, dy times the slope quieted;
//  - a finite x with a NaN bias gives the bias's NaN quieted (the sum is the NaN).
// The rule is what makes the bits independent of how Java splits a tensor over threads, so beyond it
// every element of a call must be exactly what the same kernel gives for that element alone (n = 1),
// for every length 1..140, offset and position, and AK_FLAG_STREAM must write the same bits.
//
// Inputs come from a pool per (ISA, dtype, op): the NaN kinds, +-0 and random finite values. The
// single-element result of every pair (x, dy) and (x, bias) of the pool is computed once, checked
// against the rule once, and looked up for each element of the long calls: every NaN kind lands at
// every position, and the table covers every pairing, for a fraction of the calls.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "check.h"
#include "include/actinium.h"
#include "test_support.h"

namespace {

// NaN kinds, as fp32 bits: quiet of both signs, payloads, signalling. BF16 storage keeps the top half,
// where 0x7f800001 would be +inf, so that one is F32's only; 0xff810000 is a signalling NaN for both.
constexpr uint32_t kNans[] = {0x7fc00000u, 0xffc00000u, 0x7fc12345u, 0xffd00001u, 0x7f800001u, 0xff810000u};
constexpr int kMaxLength = 140;
constexpr int kRows = 2;  // forward_bias: a second row shows that bias[c] is applied per column
// Offsets in elements from a 64-byte boundary, of x (and dy, bias) and of the output: aligned, both
// off by the same amount, and off by different amounts (the streaming head then differs from x's).
constexpr int kOffsets[][2] = {{0, 0}, {1, 1}, {3, 7}, {15, 2}};
constexpr int kMaxOffset = 15;
constexpr int kFinite = 58;  // finite pool values, +-0 among them
constexpr int kMaxPrintedFailures = 50;

int64_t g_calls = 0, g_elements = 0, g_pairs = 0;

// The ops whose backward selects dy (or 0) instead of multiplying it (functor.h, pass_where).
bool select_gradient(int op) {
    switch (op) {
        case AK_ACT_RELU: case AK_ACT_LEAKY_RELU: case AK_ACT_RELU6: case AK_ACT_HARDTANH: case AK_ACT_HARDSIGMOID:
        case AK_ACT_SOFTSHRINK: case AK_ACT_HARDSHRINK: case AK_ACT_THRESHOLD: case AK_ACT_SHIFTED_RELU:
        case AK_ACT_SOFT_THRESHOLD: case AK_ACT_HELU:
            return true;
        default:
            return false;
    }
}

// The default parameters of op, or NULL when it has none (kept alive for the whole run).
const float* params_of(int op) {
    static std::vector<std::vector<float>> all = [] {
        std::vector<std::vector<float>> p;
        for (int i = 0; i < AK_ACT_COUNT; ++i) p.push_back(default_params(i));
        return p;
    }();
    return all[op].empty() ? nullptr : all[op].data();
}

struct Storage {
    int32_t dtype;
    int64_t bytes;
    const char* name;
    uint32_t code(uint32_t f32_bits) const { return bytes == 4 ? f32_bits : f32_bits >> 16; }
    bool is_nan(uint32_t c) const {
        return bytes == 4 ? (c & 0x7fffffffu) > 0x7f800000u : (c & 0x7fffu) > 0x7f80u;
    }
    uint32_t quieted(uint32_t c) const { return c | (bytes == 4 ? 0x00400000u : 0x0040u); }
    // A NaN as a store writes it: F32 keeps the bits, BF16's conversion sets the quiet bit.
    uint32_t as_stored(uint32_t c) const { return bytes == 4 ? c : quieted(c); }
    bool is_zero(uint32_t c) const { return (c & (bytes == 4 ? 0x7fffffffu : 0x7fffu)) == 0; }
    bool positive(uint32_t c) const {
        uint32_t sign = bytes == 4 ? 0x80000000u : 0x8000u;
        return !(c & sign) && !is_zero(c) && !is_nan(c);
    }
    void put(unsigned char* p, int64_t i, uint32_t c) const {
        if (bytes == 4) std::memcpy(p + 4 * i, &c, 4);
        else {
            uint16_t h = uint16_t(c);
            std::memcpy(p + 2 * i, &h, 2);
        }
    }
    uint32_t get(const unsigned char* p, int64_t i) const {
        if (bytes == 4) {
            uint32_t c;
            std::memcpy(&c, p + 4 * i, 4);
            return c;
        }
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        return h;
    }
};
constexpr Storage kStorages[] = {{AK_DTYPE_F32, 4, "f32"}, {AK_DTYPE_BF16, 2, "bf16"}};

// Bytes at a chosen element offset from a 64-byte boundary, with poisoned guards around them.
class Buffer {
  public:
    static constexpr int64_t kGuard = 64;
    static constexpr unsigned char kPoison = 0xA5;
    explicit Buffer(int64_t max_bytes) : mem_(size_t(max_bytes + 4 * kGuard)) {
        auto addr = reinterpret_cast<uintptr_t>(mem_.data());
        aligned_ = mem_.data() + kGuard + (64 - addr % 64) % 64;
    }
    // Poisons everything, then places bytes at offset_bytes past the boundary.
    unsigned char* place(int64_t offset_bytes, int64_t bytes) {
        std::memset(mem_.data(), kPoison, mem_.size());
        data_ = aligned_ + offset_bytes;
        bytes_ = bytes;
        return data_;
    }
    bool guards_intact() const {
        for (const unsigned char* p = mem_.data(); p < data_; ++p)
            if (*p != kPoison) return false;
        for (const unsigned char* p = data_ + bytes_; p < mem_.data() + mem_.size(); ++p)
            if (*p != kPoison) return false;
        return true;
    }
    bool same_data(const Buffer& o) const {
        return bytes_ == o.bytes_ && std::memcmp(data_, o.data_, size_t(bytes_)) == 0;
    }

  private:
    std::vector<unsigned char> mem_;
    unsigned char* aligned_ = nullptr;
    unsigned char* data_ = nullptr;
    int64_t bytes_ = 0;
};

// The pool of one (ISA, dtype, op) and the single-element result of each input and pair of inputs.
struct Singles {
    std::vector<uint32_t> pool;  // kFinite finite codes, then the NaN kinds of this storage
    int first_nan = kFinite;
    int kinds = 0;
    std::vector<uint32_t> fwd, bwd, bias;  // fwd[x], bwd[x * size + dy], bias[x * size + b]
    int size() const { return int(pool.size()); }
};

Singles make_singles(int32_t isa, const Storage& s, int op, Rng& rng) {
    Singles t;
    t.pool = {s.code(0x00000000u), s.code(0x80000000u)};
    while (int(t.pool.size()) < kFinite) {
        float v = rng.finite();
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        t.pool.push_back(s.code(bits));
    }
    for (uint32_t nan : kNans)
        if (s.is_nan(s.code(nan))) t.pool.push_back(s.code(nan)), ++t.kinds;
    const int v = t.size();
    const int32_t flags = isa_flag(isa);
    unsigned char a[4], b[4], out[4];
    auto result = [&](int32_t status, const char* what) {
        CHECK(status == AK_OK, "%s %s %s %s n=1: status %d: %s", ak_cpu_isa_name(isa), s.name,
              ak_activation_name(op), what, status, ak_last_error());
        return s.get(out, 0);
    };
    for (int xi = 0; xi < v; ++xi) {
        s.put(a, 0, t.pool[xi]);
        std::memset(out, Buffer::kPoison, sizeof out);
        t.fwd.push_back(result(ak_act_forward(op, s.dtype, params_of(op), a, out, 1, flags), "forward"));
        for (int yi = 0; yi < v; ++yi) {
            s.put(b, 0, t.pool[yi]);
            std::memset(out, Buffer::kPoison, sizeof out);
            t.bwd.push_back(result(ak_act_backward(op, s.dtype, params_of(op), a, b, out, 1, flags), "backward"));
            std::memset(out, Buffer::kPoison, sizeof out);
            t.bias.push_back(result(ak_act_forward_bias(op, s.dtype, params_of(op), a, b, out, 1, 1, flags),
                    "forward_bias"));
        }
    }
    return t;
}

// Checks one single-element result against the rule; what names the call for a failure.
void expect(int32_t isa, const Storage& s, int op, const char* what, uint32_t x, uint32_t other, uint32_t got,
            uint32_t want) {
    ++g_pairs;
    if (got == want) return;
    CHECK(false, "%s %s %s %s: x %08x, dy/bias %08x gives %08x, the rule says %08x", ak_cpu_isa_name(isa),
          s.name, ak_activation_name(op), what, x, other, got, want);
}

void check_rule(int32_t isa, const Storage& s, int op, const Singles& t) {
    const int v = t.size();
    for (int xi = 0; xi < v; ++xi) {
        const uint32_t x = t.pool[xi];
        if (s.is_nan(x)) {
            expect(isa, s, op, "forward", x, 0, t.fwd[xi], s.quieted(x));
            for (int yi = 0; yi < v; ++yi) {
                expect(isa, s, op, "backward", x, t.pool[yi], t.bwd[xi * v + yi], s.quieted(x));
                expect(isa, s, op, "forward_bias", x, t.pool[yi], t.bias[xi * v + yi], s.quieted(x));
            }
            continue;
        }
        for (int yi = t.first_nan; yi < v; ++yi) {
            const uint32_t nan = t.pool[yi];
            const uint32_t got = t.bwd[xi * v + yi];
            uint32_t want = s.quieted(nan);
            if (select_gradient(op) && (got == s.as_stored(nan) || s.is_zero(got))) want = got;
            expect(isa, s, op, "backward, NaN dy", x, nan, got, want);
            expect(isa, s, op, "forward_bias, NaN bias", x, nan, t.bias[xi * v + yi], s.quieted(nan));
        }
    }
}

// Runs call plainly and with AK_FLAG_STREAM into poisoned, guarded outputs, and compares each
// element with want(i), the single-element result for its inputs.
template <class Call, class Want>
void run_case(int32_t isa, const Storage& s, int op, const char* name, int64_t count, int length, int out_offset,
              int pattern, Buffer& plain, Buffer& streamed, Call call, Want want) {
    const int32_t flags = isa_flag(isa);
    for (Buffer* out : {&plain, &streamed}) {
        const bool stream = out == &streamed;
        unsigned char* y = out->place(out_offset * s.bytes, count * s.bytes);
        const int32_t status = call(y, flags | (stream ? AK_FLAG_STREAM : 0));
        ++g_calls;
        CHECK(status == AK_OK, "%s %s %s %s: status %d: %s", ak_cpu_isa_name(isa), s.name,
              ak_activation_name(op), name, status, ak_last_error());
        int64_t bad = 0, first = -1;
        for (int64_t i = 0; i < count; ++i)
            if (s.get(y, i) != want(i)) bad += 1, first = first < 0 ? i : first;
        g_elements += count;
        CHECK(bad == 0, "%s %s %s %s%s length %d, offset %d, pattern %d: %lld elements differ from the n = 1 "
              "result, first at %lld: %08x, alone %08x", ak_cpu_isa_name(isa), s.name, ak_activation_name(op),
              name, stream ? " streamed" : "", length, out_offset, pattern, (long long)bad, (long long)first,
              first < 0 ? 0 : s.get(y, first), first < 0 ? 0 : want(first));
        CHECK(out->guards_intact(), "%s %s %s %s%s length %d: a store left the output", ak_cpu_isa_name(isa),
              s.name, ak_activation_name(op), name, stream ? " streamed" : "", length);
    }
    CHECK(plain.same_data(streamed), "%s %s %s %s length %d: AK_FLAG_STREAM wrote other bits",
          ak_cpu_isa_name(isa), s.name, ak_activation_name(op), name, length);
}

// Every NaN kind at every position: pattern j puts a NaN at each element whose column c has c + j
// even, of kind (c + j) / 2 + row (mod kinds), so patterns 0 .. 2 kinds - 1 cover all kinds at all
// positions, with finite neighbours in the same vector. A NaN dy or bias at a NaN x is of another kind;
// dy and bias are also NaN at some finite x (c + j = 1 mod 4).
void test_positions(int32_t isa, const Storage& s, int op, const Singles& t, Rng& rng) {
    const int v = t.size(), k = t.kinds, nan0 = t.first_nan;
    const int64_t max_bytes = (kRows * kMaxLength + kMaxOffset) * s.bytes;
    Buffer xb(max_bytes), dyf_b(max_bytes), dyn_b(max_bytes), bf_b(max_bytes), bn_b(max_bytes), plain(max_bytes),
        streamed(max_bytes);
    std::vector<int> xi(kRows * kMaxLength), dyf(kMaxLength), dyn(kMaxLength), bf(kMaxLength), bn(kMaxLength);
    const int failures_before = g_failures;
    auto finite = [&] { return int(rng.below(kFinite)); };
    for (int length = 1; length <= kMaxLength; ++length) {
        for (const auto& offsets : kOffsets) {
            const int in_offset = offsets[0], out_offset = offsets[1];
            for (int pattern = 0; pattern < 2 * k; ++pattern) {
                if (g_failures - failures_before > kMaxPrintedFailures) return;  // one bug, not a flood
                for (int c = 0; c < length; ++c) {
                    const int m = c + pattern;
                    for (int r = 0; r < kRows; ++r) xi[r * length + c] = m % 2 == 0 ? nan0 + (m / 2 + r) % k : finite();
                    const int other_nan = m % 4 == 1 ? nan0 + (m / 4) % k : -1;
                    dyf[c] = finite();
                    bf[c] = finite();
                    dyn[c] = m % 2 == 0 ? nan0 + (m / 2 + 1) % k : other_nan >= 0 ? other_nan : finite();
                    bn[c] = m % 2 == 0 ? nan0 + (m / 2 + 2) % k : other_nan >= 0 ? other_nan : finite();
                }
                auto fill = [&](Buffer& b, const std::vector<int>& idx, int64_t count) {
                    unsigned char* p = b.place(in_offset * s.bytes, count * s.bytes);
                    for (int64_t i = 0; i < count; ++i) s.put(p, i, t.pool[idx[i]]);
                    return p;
                };
                const unsigned char* x = fill(xb, xi, kRows * length);
                const unsigned char* dy_finite = fill(dyf_b, dyf, length);
                const unsigned char* dy_nan = fill(dyn_b, dyn, length);
                const unsigned char* bias_finite = fill(bf_b, bf, length);
                const unsigned char* bias_nan = fill(bn_b, bn, length);
                const int dt = s.dtype;
                auto run = [&](const char* name, int64_t count, auto call, auto want) {
                    run_case(isa, s, op, name, count, length, out_offset, pattern, plain, streamed, call, want);
                };
                run("forward", length,
                    [&](unsigned char* y, int32_t f) { return ak_act_forward(op, dt, params_of(op), x, y, length, f); },
                    [&](int64_t i) { return t.fwd[xi[i]]; });
                // The second input of backward (dy) and forward_bias (bias), finite and with NaNs.
                struct Second {
                    const unsigned char* data;
                    const std::vector<int>& idx;
                    const char* name;
                };
                const Second dys[] = {{dy_finite, dyf, "backward"}, {dy_nan, dyn, "backward, NaN dy"}};
                const Second biases[] = {{bias_finite, bf, "forward_bias"}, {bias_nan, bn, "forward_bias, NaN bias"}};
                for (const Second& d : dys)
                    run(d.name, length,
                        [&](unsigned char* dx, int32_t f) { return ak_act_backward(op, dt, params_of(op), x, d.data,
                                dx, length, f); },
                        [&](int64_t i) { return t.bwd[xi[i] * v + d.idx[i]]; });
                for (const Second& b : biases)
                    run(b.name, kRows * length,
                        [&](unsigned char* y, int32_t f) {
                            return ak_act_forward_bias(op, dt, params_of(op), x, b.data, y, kRows, length, f);
                        },
                        [&](int64_t i) { return t.bias[xi[i] * v + b.idx[i % length]]; });
            }
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // a crash must not swallow the failures printed before it
    Rng rng(test_seed(argc, argv));
    const auto start = std::chrono::steady_clock::now();
    const std::vector<int32_t> isas = runnable_isas();
    for (int32_t isa : isas) {
        const auto isa_start = std::chrono::steady_clock::now();
        for (const Storage& s : kStorages) {
            for (int op = 0; op < AK_ACT_COUNT; ++op) {
                // Gated and seeded ops take other entry points (their NaN rule: test_cuda.cpp and the Java tests).
                if (ak_activation_flags(op) & (AK_ACT_GATED | AK_ACT_SEEDED)) continue;
                const Singles t = make_singles(isa, s, op, rng);
                check_rule(isa, s, op, t);
                test_positions(isa, s, op, t, rng);
            }
        }
        std::chrono::duration<double> took = std::chrono::steady_clock::now() - isa_start;
        std::printf("ISA %s: %.2f s\n", ak_cpu_isa_name(isa), took.count());
    }
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    std::printf("%zu ISA variants, %lld single-element pairs against the rule, %lld calls, %lld elements in %.2f s: "
                "%d passed, %d failed\n", isas.size(), (long long)g_pairs, (long long)g_calls, (long long)g_elements,
                took.count(), g_checks - g_failures, g_failures);
    return g_failures == 0 ? 0 : 1;
}
