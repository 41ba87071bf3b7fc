// Native tests of every ISA variant this CPU can run:
//  - the vector math of native/ops/math.h against float64 <cmath>, in ulp, over dense grids
//    and random points (the measured maxima are printed; README quotes them);
//  - bf16/f16 conversions bit for bit against the scalar ones, over all 16-bit codes and a
//    dense sample of float bit patterns;
//  - which ISAs a machine runs, and why not, on made-up cpuid words and XCR0 values.
// The activations themselves are tested from Java (java-api tests), where one op table drives
// the whole matrix.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "check.h"
#include "cpu/cpu_features.h"
#include "cpu/kernel_table.h"
#include "include/actinium.h"
#include "math_probes.h"
#include "ops/half.h"
#include "ops/philox.h"
#include "test_support.h"

using ak::cpu::KernelTable;


// Error in units of the float ulp at the reference value (subnormal ulp below FLT_MIN).
static double ulp_error(float got, double ref) {
    if (std::isnan(ref)) return std::isnan(got) ? 0 : 1e30;
    if (std::isinf(ref)) return got == ref ? 0 : 1e30;
    int e;
    std::frexp(ref, &e);
    double ulp = std::ldexp(1.0, std::max(e - 24, -149));
    return std::fabs(double(got) - ref) / ulp;
}

struct MathCase {
    const char* name;
    MathFunction fn;
    double lo, hi;
    double (*ref)(double);
    double max_ulp;  // the bound asserted; the measured value is printed
    bool absolute;   // in units of 2^-24, not of the result's ulp (sin and cos near their zeros)
    double max_ulp_narrow;  // the bound of the math of 16-bit results, same units
};

static double ref_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
static double ref_normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
static double ref_exp(double x) { return std::exp(x); }
static double ref_erfc(double x) { return std::erfc(x); }
static double ref_erf(double x) { return std::erf(x); }
static double ref_tanh(double x) { return std::tanh(x); }
static double ref_log1p(double x) { return std::log1p(x); }
static double ref_expm1(double x) { return std::expm1(x); }
static double ref_sin(double x) { return std::sin(x); }
static double ref_cos(double x) { return std::cos(x); }

static void test_math(const MathProbes& t, bool narrow_results, uint64_t seed) {
    const MathCase cases[] = {
        {"exp", MathFunction::kExp, -87.3, 88.7, ref_exp, 3, false, 1000},
        // Just above |x| = 0.5, erf = 1 - erfc: erfc's error in units of a number half as large, plus
        // the subtraction's rounding; random points have reached 4.01.
        {"erf", MathFunction::kErf, -4, 4, ref_erf, 5, false, 1000},
        {"erfc(a>=0)", MathFunction::kErfc, 0, 9.1, ref_erfc, 8, false, 1000},
        // Every float of [-13, 8] checked once: AVX2 reaches 9.06 (at x = -0.0179763, where erfc's
        // argument is near 0), AVX-512 7.91 on [-1, 1]; random points had reached 8.15 against a bound of 8.
        {"normal_cdf", MathFunction::kNormalCdf, -13, 8, ref_normal_cdf, 9.5, false, 1000},
        {"tanh", MathFunction::kTanh, -9, 9, ref_tanh, 4, false, 1000},
        {"tanh_rational", MathFunction::kTanhRational, -10, 10, ref_tanh, 7.5, false, 1000},
        {"sigmoid", MathFunction::kSigmoid, -87, 30, ref_sigmoid, 4, false, 1000},
        {"log1p(0..1)", MathFunction::kLog1pUnit, 0, 1, ref_log1p, 3, false, 1000},
        {"expm1(<=0)", MathFunction::kExpm1Nonpos, -90, 0, ref_expm1, 4, false, 1000},
        // |x| < 1e5: the reduction keeps the absolute error near a few units of 2^-24.
        {"sin", MathFunction::kSin, -1e5, 1e5, ref_sin, 4, true, 4},
        {"cos", MathFunction::kCos, -1e5, 1e5, ref_cos, 4, true, 4},
    };
    std::mt19937_64 rng(seed);
    for (const MathCase& c : cases) {
        const int n = 1 << 20;
        std::vector<float> x(n), y(n);
        std::uniform_real_distribution<double> u(c.lo, c.hi);
        for (int i = 0; i < n / 2; ++i) x[i] = float(c.lo + (c.hi - c.lo) * i / (n / 2));
        for (int i = n / 2; i < n; ++i) x[i] = float(u(rng));
        std::fill(y.begin(), y.end(), std::nanf(""));
        (narrow_results ? t.narrow_fn : t.fn)[int(c.fn)](x.data(), y.data(), n);
        double worst = 0;
        float worst_x = 0;
        for (int i = 0; i < n; ++i) {
            double e = c.absolute ? std::fabs(y[i] - c.ref(x[i])) * 0x1p24 : ulp_error(y[i], c.ref(x[i]));
            if (e > worst) worst = e, worst_x = x[i];
        }
        const double bound = narrow_results ? c.max_ulp_narrow : c.max_ulp;
        const char* which = narrow_results ? " (16-bit results)" : "";
        std::printf("  %-7s %-11s%s max error %6.2f %s (at x = %.9g) on [%g, %g]\n", t.isa, c.name, which, worst,
                    c.absolute ? "x 2^-24" : "ulp", worst_x, c.lo, c.hi);
        CHECK(worst <= bound, "%s %s%s: %.2f > %.1f", t.isa, c.name, which, worst, bound);
    }
    // Limits and specials; 16-bit results as bf16 stores them.
    const float specials[] = {-INFINITY, INFINITY, -1e30f, 1e30f, 0.0f, -0.0f};
    float y[6];
    const MathProbeFn* fn = narrow_results ? t.narrow_fn : t.fn;
    auto run = [&](MathFunction f, const float* x, int n) {
        fn[int(f)](x, y, n);
        if (narrow_results) for (int i = 0; i < n; ++i) y[i] = ak::bf16_to_float(ak::float_to_bf16(y[i]));
    };
    run(MathFunction::kExp, specials, 6);
    CHECK(y[0] == 0 && std::isinf(y[1]) && y[2] == 0 && std::isinf(y[3]) && y[4] == 1 && y[5] == 1,
          "%s exp specials", t.isa);
    for (MathFunction f : {MathFunction::kTanh, MathFunction::kTanhRational}) {
        run(f, specials, 6);
        CHECK(y[0] == -1 && y[1] == 1 && y[2] == -1 && y[3] == 1 && y[4] == 0 && y[5] == 0 && std::signbit(y[5]),
              "%s tanh specials (%d)", t.isa, int(f));
    }
    run(MathFunction::kSigmoid, specials, 6);
    CHECK(y[0] == 0 && y[1] == 1 && y[2] == 0 && y[3] == 1 && y[4] == 0.5f, "%s sigmoid specials", t.isa);
    run(MathFunction::kExpm1Nonpos, specials, 6);
    CHECK(y[0] == -1 && y[2] == -1 && y[4] == 0 && y[5] == 0, "%s expm1 specials", t.isa);
    // Far outside 1e5 the result is not accurate but stays a sine: in [-1, 1].
    run(MathFunction::kSin, specials + 2, 2);
    CHECK(std::fabs(y[0]) <= 1 && std::fabs(y[1]) <= 1, "%s sin(+-1e30) = %g, %g", t.isa, y[0], y[1]);
}

static void test_conversions(const KernelTable& t) {
    std::vector<uint16_t> h(65536), back(65536);
    std::vector<float> f(65536);
    for (int i = 0; i < 65536; ++i) h[i] = uint16_t(i);
    t.bf16_to_f32(h.data(), f.data(), 65536);
    for (int i = 0; i < 65536; ++i) {
        float r = ak::bf16_to_float(uint16_t(i));
        CHECK(std::memcmp(&r, &f[i], 4) == 0, "%s bf16->f32 code %04x", t.name, i);
    }
    // Every NaN comes out quiet, signalling ones included, with its sign and payload.
    for (int i = 0; i < 65536; ++i) {
        uint32_t bits;
        std::memcpy(&bits, &f[i], 4);
        if ((i & 0x7fff) > 0x7f80)
            CHECK(bits == ((uint32_t(i) << 16) | 0x400000u), "%s bf16->f32 NaN %04x", t.name, i);
    }
    t.f16_to_f32(h.data(), f.data(), 65536);
    for (int i = 0; i < 65536; ++i) {
        float r = ak::f16_to_float(uint16_t(i));
        CHECK(std::memcmp(&r, &f[i], 4) == 0, "%s f16->f32 code %04x", t.name, i);
        uint32_t bits;
        std::memcpy(&bits, &f[i], 4);
        if ((i & 0x7c00) == 0x7c00 && (i & 0x3ff)) {
            CHECK(bits == ((uint32_t(i & 0x8000) << 16) | 0x7fc00000u | (uint32_t(i & 0x3ff) << 13)),
                  "%s f16->f32 NaN %04x", t.name, i);
        }
    }
    // float -> 16 bits: every 97th bit pattern (covers every exponent and rounding case).
    const int n = 1 << 22;
    std::vector<float> src(n);
    std::vector<uint16_t> dst(n);
    for (int i = 0; i < n; ++i) {
        uint32_t bits = uint32_t(uint64_t(i) * 1024ull + uint64_t(i) * 97ull);
        std::memcpy(&src[i], &bits, 4);
    }
    int bad_bf16 = 0, bad_f16 = 0;
    t.f32_to_bf16(src.data(), dst.data(), n);
    for (int i = 0; i < n; ++i) bad_bf16 += dst[i] != ak::float_to_bf16(src[i]);
    t.f32_to_f16(src.data(), dst.data(), n);
    for (int i = 0; i < n; ++i) bad_f16 += dst[i] != ak::float_to_f16(src[i]);
    CHECK(bad_bf16 == 0, "%s f32->bf16: %d of %d differ from the scalar rounding", t.name, bad_bf16, n);
    CHECK(bad_f16 == 0, "%s f32->f16: %d of %d differ from the scalar rounding", t.name, bad_f16, n);
}

// The bf16 store of every activation output: the scalar rounding on every ISA, except that
// avx512_bf16's hardware rounding flushes results below 2^-126 in magnitude to a zero of their sign;
// its pair store (vcvtne2ps2bf16 and a word shuffle) also interleaves two vectors of 16 lanes.
static void test_bf16_store(const MathProbes& t, bool flushes) {
    const int n = 1 << 22;
    std::vector<float> src(n);
    std::vector<uint16_t> dst(n, 0xdead);
    for (int i = 0; i < n; ++i) {
        uint32_t bits = uint32_t(uint64_t(i) * 1024ull + uint64_t(i) * 97ull);  // every exponent and tie
        std::memcpy(&src[i], &bits, 4);
    }
    for (StoreProbeFn store : {t.store_bf16, t.store_bf16_pairs}) {
        const char* how = store == t.store_bf16 ? "store" : "pair store";
        std::fill(dst.begin(), dst.end(), uint16_t(0xdead));
        store(src.data(), dst.data(), n);
        int bad = 0, flushed = 0;
        const bool pairs = flushes && store == t.store_bf16_pairs;
        for (int i = 0; i < n; ++i) {
            // Where pairs interleave: position 32b + 2j holds element 32b + j, 32b + 2j + 1 element 32b + 16 + j.
            const int from = pairs ? (i & ~31) + ((i & 1) ? 16 : 0) + ((i & 31) >> 1) : i;
            uint16_t expect = ak::float_to_bf16(src[from]);
            if (flushes && std::fabs(src[from]) < 0x1p-126f && src[from] != 0) {
                expect = uint16_t(std::signbit(src[from]) ? 0x8000 : 0);
                ++flushed;
            }
            bad += dst[i] != expect;
        }
        CHECK(bad == 0, "%s bf16 %s: %d of %d differ from the %s rounding", t.isa, how, bad, n,
              flushes ? "flushing" : "scalar");
        CHECK(!flushes || flushed > 1000, "%s bf16 %s: only %d subnormal inputs", t.isa, how, flushed);
    }
}

// f16: the scalar conversion itself against float64 rounding of every half value's neighbours.
static void test_scalar_f16_rounding() {
    for (int code = 0; code < 0x7c00; ++code) {
        double v = ak::f16_to_float(uint16_t(code));
        double next = code + 1 < 0x7c00 ? double(ak::f16_to_float(uint16_t(code + 1))) : 65536.0;
        float mid = float((v + next) / 2);  // exact in float
        uint16_t expect = (code & 1) ? uint16_t(code + 1) : uint16_t(code);  // ties to even
        CHECK(ak::float_to_f16(mid) == expect, "f16 tie at code %04x", code);
        CHECK(ak::float_to_f16(float(v)) == code, "f16 exact at code %04x", code);
    }
}

// Streaming (non-temporal) stores take a peeled head and another store instruction: they must write
// exactly the same bits as plain stores, for every op, dtype and kind of call, and nothing outside.
static void test_streaming_matches_plain(int isa, uint64_t seed) {
    ak_cpu_set_isa(isa);
    std::mt19937 rng(uint32_t(seed ^ (seed >> 32)));
    std::normal_distribution<float> nd(0.0f, 4.0f);
    const int guard = 64;
    for (int dtype : {AK_DTYPE_F32, AK_DTYPE_BF16, AK_DTYPE_F16}) {
        const int es = dtype == AK_DTYPE_F32 ? 4 : 2;
        for (int64_t n : {1, 2, 15, 16, 17, 31, 33, 63, 64, 65, 100, 1000, 4099, 20003}) {
            for (int offset : {0, 1, 2, 3}) {
                std::vector<unsigned char> x((2 * n + offset) * es), dy((n + offset) * es);
                std::vector<unsigned char> a(2 * n * es + 2 * guard + offset * es), b(a.size());
                for (int64_t i = 0; i < 2 * n + offset; ++i) store_as(dtype, x.data(), i, nd(rng));
                for (int64_t i = 0; i < n + offset; ++i) store_as(dtype, dy.data(), i, nd(rng));
                for (int op = 0; op < AK_ACT_COUNT; ++op) {
                    const std::vector<float> params = default_params(op);
                    const float* p = params.empty() ? nullptr : params.data();
                    const bool gated = ak_activation_flags(op) & AK_ACT_GATED;
                    const bool seeded = ak_activation_flags(op) & AK_ACT_SEEDED;
                    for (int kind = 0; kind < (gated ? 1 : seeded ? 2 : 5); ++kind) {
                        std::memset(a.data(), 0xA5, a.size());
                        std::memset(b.data(), 0xA5, b.size());
                        unsigned char* pa = a.data() + guard + offset * es;
                        unsigned char* pb = b.data() + guard + offset * es;
                        const unsigned char* px = x.data() + offset * es;
                        const unsigned char* pdy = dy.data() + offset * es;
                        const int64_t cols = n % 17 == 0 ? 17 : 1;
                        auto call = [&](unsigned char* out, int32_t flags) {
                            if (gated)
                                return ak_act_gated_forward(op, dtype, p, px, px + n * es, 2 * n, nullptr, nullptr, out,
                                                            1, n, flags);
                            if (seeded)
                                return kind == 0 ? ak_act_seeded_forward(op, dtype, p, 42, 7, px, out, n, flags)
                                                 : ak_act_seeded_backward(op, dtype, p, 42, 7, px, pdy, out, n, flags);
                            switch (kind) {
                                case 0: return ak_act_forward(op, dtype, p, px, out, n, flags);
                                case 1: return ak_act_backward(op, dtype, p, px, pdy, out, n, flags);
                                case 2: return ak_act_forward_bias(op, dtype, p, px, pdy, out, n / cols, cols, flags);
                                case 3: return ak_act_backward_bias(op, dtype, p, px, pdy, pdy, out, n / cols, cols,
                                                                    flags);
                                default:
                                    if (!(ak_activation_flags(op) & AK_ACT_FROM_OUTPUT)) return int32_t(AK_OK);
                                    return ak_act_backward_from_output(op, dtype, p, px, pdy, out, n, flags);
                            }
                        };
                        const int32_t s1 = call(pa, 0), s2 = call(pb, AK_FLAG_STREAM);
                        CHECK(s1 == AK_OK && s2 == AK_OK, "%s %s kind %d: status %d %d (%s)", ak_cpu_isa_name(isa),
                              ak_activation_name(op), kind, s1, s2, ak_last_error());
                        CHECK(std::memcmp(a.data(), b.data(), a.size()) == 0,
                              "%s %s dtype %d kind %d n %lld offset %d: streamed output differs", ak_cpu_isa_name(isa),
                              ak_activation_name(op), dtype, kind, (long long)n, offset);
                        bool guards_ok = true;
                        for (int k = 0; k < guard; ++k) guards_ok &= b[k] == 0xA5 && b[b.size() - 1 - k] == 0xA5;
                        CHECK(guards_ok, "%s %s n %lld: a streamed store left the output", ak_cpu_isa_name(isa),
                              ak_activation_name(op), (long long)n);
                    }
                }
            }
        }
    }
}

// stochastic_silu's draws on an ISA, element by element, against the scalar Philox: at x = -1, SiLU
// gives -0.2689 and ReLU 0, so each output tells which side of p its uniform fell. Offsets at every
// residue mod 4 (the lane draw needs a multiple of 4) and where the blocks' low counter word is about
// to wrap (the lane draw must hand over to the block-by-block one).
static void test_seeded_draws(int isa) {
    const int64_t n = 1000;
    const float p = 0.5f;
    std::vector<float> x(n, -1.0f), y(n);
    const uint64_t wrap = (uint64_t(1) << 34) - 4 * 16;  // block 2^32 - 16: the last start that does not wrap
    for (uint64_t first : {uint64_t(0), uint64_t(1), uint64_t(2), uint64_t(3), uint64_t(4), uint64_t(64), wrap,
                           wrap + 4, wrap + 60, (uint64_t(5) << 40) + 8}) {
        const int64_t seed = int64_t(0x9E3779B97F4A7C15ull ^ first);
        int32_t s = ak_act_seeded_forward(AK_ACT_STOCHASTIC_SILU, AK_DTYPE_F32, &p, seed, int64_t(first), x.data(),
                                          y.data(), n, isa_flag(isa));
        CHECK(s == AK_OK, "%s seeded forward: %s", ak_cpu_isa_name(isa), ak_last_error());
        int bad = 0;
        for (int64_t i = 0; i < n; ++i) bad += (y[i] != 0.0f) != (ak::philox_uniform(uint64_t(seed), first + i) < p);
        CHECK(bad == 0, "%s stochastic_silu at offset %llu: %d of %lld draws differ from the scalar Philox",
              ak_cpu_isa_name(isa), (unsigned long long)first, bad, (long long)n);
    }
}

// Random123's known-answer vectors for Philox4x32-10 (native/ops/philox.h).
static void test_philox() {
    const uint32_t kat[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u},
        {~0u, ~0u, ~0u, ~0u, ~0u, ~0u, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu},
        {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu,
         0x5001e420u, 0x24126ea1u}};
    for (const auto& k : kat) {
        uint32_t out[4];
        ak::philox4x32_10(k, k + 4, out);
        CHECK(std::memcmp(out, k + 6, sizeof out) == 0, "philox4x32_10(%08x ...) = %08x %08x %08x %08x", k[0], out[0],
              out[1], out[2], out[3]);
    }
}

// classify_isa on machines other than this one: the CPU lacking a feature, the OS leaving the
// AVX or AVX-512 register state off, XSAVE off altogether; and this machine's answers agreeing
// with ak_cpu_isa_supported and carrying a reason exactly where the ISA does not run.
static void test_isa_support() {
    using ak::cpu::classify_isa;
    ak::cpu::CpuidWords zen4;
    zen4.leaf1_ecx = (1u << 12) | (1u << 27) | (1u << 28) | (1u << 29);  // FMA, OSXSAVE, AVX, F16C
    zen4.leaf7_ebx = (1u << 5) | (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31);
    zen4.leaf7_1_eax = 1u << 5;
    zen4.xcr0 = 0xe7;
#if defined(AK_NO_AVX512_BF16)
    const int32_t bf16_expected = AK_SUPPORT_NOT_BUILT;
#else
    const int32_t bf16_expected = AK_SUPPORT_RUNS;
#endif
    struct Case {
        const char* what;
        ak::cpu::CpuidWords words;
        int32_t avx2, avx512, avx512_bf16;
    };
    ak::cpu::CpuidWords no_bf16 = zen4, no_zmm = zen4, no_xsave = zen4, no_bw = zen4, no_f16c = zen4;
    no_bf16.leaf7_1_eax = 0;
    no_zmm.xcr0 = 0x7;  // x87, SSE, AVX: a kernel booted with AVX-512 off
    no_xsave.leaf1_ecx &= ~(1u << 27);
    no_xsave.xcr0 = 0;
    no_bw.leaf7_ebx &= ~(1u << 30);
    no_f16c.leaf1_ecx &= ~(1u << 29);
    const Case cases[] = {
        {"AVX-512 with BF16", zen4, AK_SUPPORT_RUNS, AK_SUPPORT_RUNS, bf16_expected},
        {"AVX-512 without BF16", no_bf16, AK_SUPPORT_RUNS, AK_SUPPORT_RUNS, AK_SUPPORT_CPU_LACKS},
        {"XCR0 without ZMM state", no_zmm, AK_SUPPORT_RUNS, AK_SUPPORT_OS_DISABLED, AK_SUPPORT_OS_DISABLED},
        {"OSXSAVE off", no_xsave, AK_SUPPORT_OS_DISABLED, AK_SUPPORT_OS_DISABLED, AK_SUPPORT_OS_DISABLED},
        {"AVX-512 without BW", no_bw, AK_SUPPORT_RUNS, AK_SUPPORT_CPU_LACKS, AK_SUPPORT_CPU_LACKS},
        {"no F16C", no_f16c, AK_SUPPORT_CPU_LACKS, AK_SUPPORT_CPU_LACKS, AK_SUPPORT_CPU_LACKS},
        {"nothing", ak::cpu::CpuidWords{}, AK_SUPPORT_CPU_LACKS, AK_SUPPORT_CPU_LACKS, AK_SUPPORT_CPU_LACKS},
    };
    for (const Case& c : cases) {
        const int32_t want[] = {AK_SUPPORT_RUNS, c.avx2, c.avx512, c.avx512_bf16};
        for (int32_t isa = AK_ISA_SCALAR; isa <= AK_ISA_AVX512_BF16; ++isa) {
            CHECK(classify_isa(c.words, isa) == want[isa], "%s: %s classified %d, not %d", c.what,
                  ak_cpu_isa_name(isa), classify_isa(c.words, isa), want[isa]);
        }
        CHECK(classify_isa(c.words, -1) == -1 && classify_isa(c.words, 4) == -1, "%s: a non-ISA classified", c.what);
        for (int32_t isa = AK_ISA_SCALAR; isa <= AK_ISA_AVX512_BF16; ++isa) {
            const std::string why = ak::cpu::explain_isa(c.words, isa);
            const char* expected = want[isa] == AK_SUPPORT_CPU_LACKS     ? "this CPU lacks"
                                   : want[isa] == AK_SUPPORT_OS_DISABLED ? "but the OS has not enabled"
                                   : want[isa] == AK_SUPPORT_NOT_BUILT   ? "built without its kernels"
                                                                         : "";
            CHECK(*expected ? why.find(expected) != std::string::npos : why.empty(), "%s: %s explained as '%s'",
                  c.what, ak_cpu_isa_name(isa), why.c_str());
        }
    }
    std::printf("  a CPU with AVX-512 that its OS left off: %s\n",
                ak::cpu::explain_isa(no_zmm, AK_ISA_AVX512).c_str());
    for (int32_t isa = AK_ISA_SCALAR; isa <= AK_ISA_AVX512_BF16; ++isa) {
        const int32_t support = ak_cpu_isa_support(isa);
        const char* reason = ak_cpu_isa_support_reason(isa);
        std::printf("  %s: support %d%s%s\n", ak_cpu_isa_name(isa), support, *reason ? ": " : "", reason);
        CHECK((support == AK_SUPPORT_RUNS) == (ak_cpu_isa_supported(isa) == 1), "%s: support %d but supported %d",
              ak_cpu_isa_name(isa), support, ak_cpu_isa_supported(isa));
        CHECK((support == AK_SUPPORT_RUNS) == (*reason == 0), "%s: support %d with reason '%s'",
              ak_cpu_isa_name(isa), support, reason);
    }
    CHECK(ak_cpu_isa_support(-1) == -1 && ak_cpu_isa_support(99) == -1 && *ak_cpu_isa_support_reason(99) == 0,
          "ak_cpu_isa_support of a non-ISA");
}

// The random points of every ISA come from one seed, printed first (test_seed), so a failure repeats.
int main(int argc, char** argv) {
    const uint64_t seed = test_seed(argc, argv);
    int ran = 0;
    test_isa_support();
    test_scalar_f16_rounding();
    test_philox();
    for (int isa = AK_ISA_SCALAR; isa <= AK_ISA_AVX512_BF16; ++isa) {
        const KernelTable* t = ak::cpu::table_for(isa);
        if (!t) {
            std::printf("SKIP %s: %s\n", ak_cpu_isa_name(isa), ak_cpu_isa_support_reason(isa));
            continue;
        }
        std::printf("ISA %s\n", t->name);
        test_math(math_probes(isa), false, seed);
        test_math(math_probes(isa), true, seed);
        test_bf16_store(math_probes(isa), isa == AK_ISA_AVX512_BF16);
        test_conversions(*t);
        test_streaming_matches_plain(isa, seed);
        test_seeded_draws(isa);
        ++ran;
    }
    std::printf("%d ISA variants tested: %d passed, %d failed\n", ran, g_checks - g_failures, g_failures);
    return g_failures == 0 ? 0 : 1;
}
