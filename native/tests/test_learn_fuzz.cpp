// A bounded fuzz of the learnable activations' C ABI (ak_learn_forward, ak_learn_backward) on every
// ISA this CPU runs. Each call is valid or has one invalid argument: an unknown op, dtype or flag, an
// ISA the CPU cannot run, degrees outside the op's range, groups that do not divide the channels,
// channels < 1, a first channel outside the row, a polynorm call that does not cover whole rows, a
// negative or overflowing n, a null pointer, a parameter that is not finite or breaks the op's rule
// (cauchy's d, polynorm's eps), a bias given to polynorm or overlapping the output.
//  - An invalid call returns non-zero, names the offending argument in ak_last_error(), and touches no
//    memory: every tensor lives in one arena of random bytes, which must come back unchanged.
//  - A valid call (inputs of any bits: NaN, infinities, subnormals) returns AK_OK with ak_last_error()
//    "", writes nothing outside its outputs, and its outputs equal those of the same tensor split in
//    two calls at a random element (at a row for polynorm): a caller may cut a tensor anywhere. A third
//    of them have a fused bias (per channel, of any bits), which the split reads at its channels too.
// Usage: actinium_learn_fuzz_test [seed [calls per ISA]]; AK_TEST_SEED also sets the seed.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "include/actinium.h"
#include "test_support.h"

namespace {

constexpr int kDefaultCallsPerIsa = 4000;
constexpr int64_t kArenaBytes = 1 << 16;
constexpr int kMaxFailures = 50;

enum Fault {
    kValid,
    kBadOp,
    kBadDtype,
    kBadDegrees,
    kBadGroups,
    kBadChannels,
    kBadFirstChannel,
    kPartialRows,
    kNegativeN,
    kOverflowN,
    kNullInput,
    kNullOutput,
    kNullParams,
    kNullGradients,
    kBadParam,
    kBadFlags,
    kPolyNormBias,
    kBiasOverlap,
    kFaultCount
};

struct Call {
    bool backward;
    int32_t op, dtype, num, den, flags;
    int64_t groups, channels, first, n;
    const float* params;
    const void *x, *bias, *dy;
    void* out;
    double* dparams;
    const char* expect;  // a word the error must contain (invalid calls)
};

int32_t run(const Call& c) {
    if (!c.backward)
        return ak_learn_forward(c.op, c.dtype, c.num, c.den, c.params, c.groups, c.x, c.bias, c.out, c.n, c.channels,
                                c.first, c.flags);
    return ak_learn_backward(c.op, c.dtype, c.num, c.den, c.params, c.groups, c.x, c.bias, c.dy, c.out, c.dparams, c.n,
                             c.channels, c.first, c.flags);
}

// Degrees the op takes: rational (m, n), polyrelu and polynorm an order, the others none.
void pick_degrees(int32_t op, Rng& rng, int32_t& num, int32_t& den) {
    const int degrees = ak_learn_degree_count(op);
    num = degrees == 2 ? int32_t(rng.range(0, AK_LEARN_MAX_NUM_DEGREE))
          : degrees == 1 ? int32_t(rng.range(1, AK_LEARN_MAX_POLY_DEGREE)) : 0;
    den = degrees == 2 ? int32_t(rng.range(0, AK_LEARN_MAX_DEN_DEGREE)) : 0;
}

int64_t pick_groups(int64_t channels, Rng& rng) {
    std::vector<int64_t> divisors;
    for (int64_t g = 1; g <= channels; ++g)
        if (channels % g == 0) divisors.push_back(g);
    return divisors[rng.below(divisors.size())];
}

struct Totals {
    int64_t calls = 0, failed = 0, by_fault[kFaultCount] = {}, splits = 0, in_place = 0;
};

bool fuzz(int32_t isa, uint64_t seed, int calls, Totals& totals) {
    Rng rng(seed + 0x9e3779b97f4a7c15ull * uint64_t(isa + 1));
    std::vector<unsigned char> arena(kArenaBytes), before(kArenaBytes);
    unsigned char* base = arena.data();
    for (auto& b : arena) b = static_cast<unsigned char>(rng.next());
    for (int i = 0; i < calls; ++i) {
        Call c{};
        c.backward = rng.percent(50);
        c.op = int32_t(rng.below(AK_LEARN_COUNT));
        c.dtype = rng.pick({int32_t(AK_DTYPE_F32), int32_t(AK_DTYPE_BF16), int32_t(AK_DTYPE_F16)});
        pick_degrees(c.op, rng, c.num, c.den);
        c.channels = rng.range(1, 40);
        c.groups = pick_groups(c.channels, rng);
        const bool rows_only = c.op == AK_LEARN_POLYNORM;
        c.first = rows_only ? 0 : rng.range(0, c.channels - 1);
        c.n = rows_only ? c.channels * rng.range(0, 6) : rng.range(0, 200);
        c.flags = int32_t((isa + 1) << AK_FLAG_ISA_SHIFT) | (rng.percent(30) ? AK_FLAG_STREAM : 0);
        // Layout: params (floats), dparams (doubles), x, dy, out; each at a random offset in its slot.
        const int32_t count =
            ak_learn_shared_count(c.op) + ak_learn_group_count(c.op, c.num, c.den) * int32_t(c.groups);
        const int64_t es = c.dtype == AK_DTYPE_F32 ? 4 : 2;
        auto* params = reinterpret_cast<float*>(base + 64);
        std::vector<float> initial(count);
        {
            std::vector<float> one(ak_learn_shared_count(c.op) + ak_learn_group_count(c.op, c.num, c.den));
            CHECK(ak_learn_default_params(c.op, c.num, c.den, one.data()) == AK_OK, "default params");
            const int32_t shared = ak_learn_shared_count(c.op);
            for (int32_t k = 0; k < count; ++k) {
                const int32_t raw = k < shared ? k : shared + (k - shared) / int32_t(c.groups);
                initial[k] = one[raw] + (k < shared && c.op == AK_LEARN_POLYNORM ? 0.0f : float(rng.finite()) / 64);
            }
            std::memcpy(params, initial.data(), count * 4);
        }
        auto* dparams = reinterpret_cast<double*>(base + 64 + 4 * 1024);
        unsigned char* x = base + 16384 + rng.below(4) * es;
        unsigned char* dy = base + 16384 * 2 + rng.below(4) * es;
        unsigned char* out = base + 16384 * 3 + rng.below(4) * es;
        unsigned char* bias = base + 8192 + rng.below(4) * es;
        for (int64_t b = 0; b < 256 * 4; ++b) x[b] = static_cast<unsigned char>(rng.next());  // inputs of any bits
        for (int64_t b = 0; b < 256 * 4; ++b) dy[b] = static_cast<unsigned char>(rng.next());
        for (int64_t b = 0; b < 64 * 4; ++b) bias[b] = static_cast<unsigned char>(rng.next());
        c.params = params;
        c.dparams = dparams;
        c.x = x;
        c.dy = dy;
        c.out = rng.percent(10) ? x : out;  // in place, or not
        c.bias = !rows_only && rng.percent(33) ? bias : nullptr;
        auto fault = Fault(rng.percent(50) ? kValid : int(rng.range(1, kFaultCount - 1)));
        switch (fault) {
            case kValid: break;
            case kBadOp: c.op = rng.pick({-1, int32_t(AK_LEARN_COUNT), 999}); c.expect = "op"; break;
            case kBadDtype: c.dtype = rng.pick({int32_t(AK_DTYPE_I8), 99}); c.expect = "dtype"; break;
            case kBadDegrees:
                c.num = rng.pick({-1, AK_LEARN_MAX_NUM_DEGREE + 1});
                c.expect = "degree";
                break;
            case kBadGroups:
                c.groups = rng.pick({int64_t(0), int64_t(-3), c.channels + 1});
                c.expect = "groups";
                break;
            case kBadChannels: c.channels = rng.pick({int64_t(0), int64_t(-4)}); c.expect = "channels"; break;
            case kBadFirstChannel:
                c.first = rng.pick({int64_t(-1), c.channels});
                c.expect = "first_channel";
                break;
            case kPartialRows:
                c.op = AK_LEARN_POLYNORM;
                pick_degrees(c.op, rng, c.num, c.den);
                c.groups = 1;
                params[0] = 1e-6f;
                for (int k = 1; k <= c.num + 1; ++k) params[k] = 0.25f;
                c.channels = rng.range(2, 40);
                c.n = c.channels * rng.range(0, 4) + rng.range(1, c.channels - 1);
                c.first = 0;
                if (rng.percent(50)) {
                    c.n = c.channels;
                    c.first = rng.range(1, c.channels - 1);
                }
                c.expect = "whole rows";
                break;
            case kNegativeN: c.n = -c.channels * rng.range(1, 3); c.expect = "n ="; break;
            case kOverflowN: c.n = (INT64_MAX / c.channels) * c.channels; c.expect = "overflow"; break;
            case kNullInput:
                if (c.backward && rng.percent(50)) c.dy = nullptr, c.expect = "dy";
                else c.x = nullptr, c.expect = "x";
                if (c.n == 0) c.n = c.channels;
                break;
            case kNullOutput:
                c.out = nullptr;
                c.expect = c.backward ? "dx" : "y";
                if (c.n == 0) c.n = c.channels;
                break;
            case kNullParams: c.params = nullptr; c.expect = "params"; break;
            case kNullGradients: c.backward = true; c.dparams = nullptr; c.expect = "dparams"; break;
            case kBadParam: {
                const int32_t k = int32_t(rng.below(count));
                params[k] = rng.pick({NAN, INFINITY, -INFINITY});
                c.expect = "not finite";
                if (c.op == AK_LEARN_CAUCHY && rng.percent(50)) {
                    params[k] = initial[k];
                    params[3 * c.groups - 1] = 0.0f;  // the last group's d
                    c.expect = "|d|";
                } else if (c.op == AK_LEARN_POLYNORM && rng.percent(50)) {
                    params[k] = initial[k];
                    params[0] = rng.pick({0.0f, -1e-6f});
                    c.expect = "eps";
                }
                break;
            }
            case kBadFlags:
                c.flags = rng.pick({int32_t(1) << 30, int32_t(31) << AK_FLAG_ISA_SHIFT});
                c.expect = "flags";
                break;
            case kPolyNormBias:
                if (c.op != AK_LEARN_POLYNORM) {
                    c.op = AK_LEARN_POLYNORM;
                    pick_degrees(c.op, rng, c.num, c.den);
                    c.groups = 1;
                    params[0] = 1e-6f;
                    for (int k = 1; k <= c.num + 1; ++k) params[k] = 0.25f;
                    c.first = 0;
                    c.n = c.channels * rng.range(0, 4);
                }
                c.bias = bias;
                c.expect = "bias";
                break;
            case kBiasOverlap:
                if (rows_only) c.op = AK_LEARN_SWISH, c.num = c.den = 0, c.groups = 1, params[0] = 1.0f;
                if (c.n == 0) c.n = c.channels;
                c.out = out;
                c.bias = out + es * rng.range(0, c.n - 1);  // inside the output
                c.expect = "bias";
                break;
            default: break;
        }
        before = arena;
        const int32_t status = run(c);
        const std::string error = ak_last_error();
        ++totals.calls;
        ++totals.by_fault[fault];
        const int failures = g_failures;
        char what[200];
        std::snprintf(what, sizeof what, "isa %s call %d: %s %s dtype %d (%d, %d) groups %lld channels %lld first "
                      "%lld n %lld, fault %d", ak_cpu_isa_name(isa), i, ak_learn_name(c.op),
                      c.backward ? "backward" : "forward", c.dtype, c.num, c.den, (long long)c.groups,
                      (long long)c.channels, (long long)c.first, (long long)c.n, int(fault));
        if (fault != kValid) {
            CHECK(status != AK_OK, "%s: accepted", what);
            CHECK(error.find(c.expect) != std::string::npos, "%s: the error should name '%s': %s", what, c.expect,
                  error.c_str());
            CHECK(arena == before, "%s: an invalid call wrote to memory", what);
        } else {
            CHECK(status == AK_OK && error.empty(), "%s: %d %s", what, status, error.c_str());
            // Nothing outside the outputs (out's n elements, dparams' count doubles).
            const auto* o = static_cast<const unsigned char*>(c.out);
            const auto* g = reinterpret_cast<const unsigned char*>(c.dparams);
            int64_t outside = 0;
            for (int64_t b = 0; b < kArenaBytes; ++b) {
                const unsigned char* p = base + b;
                const bool in_out = p >= o && p < o + c.n * es;
                const bool in_grads = c.backward && p >= g && p < g + 8 * count;
                if (!in_out && !in_grads && arena[b] != before[b]) ++outside;
            }
            CHECK(outside == 0, "%s: %lld bytes outside the outputs changed", what, (long long)outside);
            if (c.out == x) ++totals.in_place;
            if (c.out != x && c.n > 0) {
                ++totals.splits;
                // The same call in two parts, from the same inputs, into a copy: the same output bits.
                std::vector<unsigned char> whole(o, o + c.n * es);
                arena = before;
                const int64_t cut = rows_only ? c.channels * rng.range(0, c.n / c.channels) : rng.range(0, c.n);
                Call first = c, second = c;
                std::vector<double> grads(count);
                first.n = cut;
                first.dparams = grads.data();
                second.n = c.n - cut;
                second.first = (c.first + cut) % c.channels;
                second.x = x + cut * es;
                second.dy = dy + cut * es;
                second.out = out + cut * es;
                second.dparams = grads.data();
                CHECK(run(first) == AK_OK && run(second) == AK_OK, "%s: split at %lld: %s", what, (long long)cut,
                      ak_last_error());
                CHECK(std::memcmp(whole.data(), out, c.n * es) == 0, "%s: split at %lld gave other output bits", what,
                      (long long)cut);
            }
        }
        if (g_failures != failures && ++totals.failed >= kMaxFailures) return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    const uint64_t seed = test_seed(argc, argv);
    const int calls = argc > 2 ? std::atoi(argv[2]) : kDefaultCallsPerIsa;
    Totals totals;
    for (int32_t isa : runnable_isas())
        if (!fuzz(isa, seed, calls, totals)) {
            std::printf("stopped after %lld failed calls\n", (long long)totals.failed);
            break;
        }
    std::printf("calls by fault:");
    for (int f = 0; f < kFaultCount; ++f) std::printf(" %lld", (long long)totals.by_fault[f]);
    std::printf("\nvalid calls: %lld split in two and compared, %lld in place\n", (long long)totals.splits,
                (long long)totals.in_place);
    std::printf("%lld calls: %lld failed (%d checks failed)\n", (long long)totals.calls, (long long)totals.failed,
                g_failures);
    return g_failures == 0 ? 0 : 1;
}
