// Native tests of every ISA variant this CPU can run:
//  - the vector math of native/ops/math.h against float64 <cmath>, in ulp, over dense grids
//    and random points (the measured maxima are printed; README quotes them);
//  - bf16/f16 conversions bit for bit against the scalar ones, over all 16-bit codes and a
//    dense sample of float bit patterns.
// The activations themselves are tested from Java (java-api tests), where one op table drives
// the whole matrix.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "cpu/kernel_table.h"
#include "check.h"
#include "include/actinium.h"
#include "ops/half.h"

using ak::cpu::KernelTable;
using ak::cpu::MathFunction;


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
};

static double ref_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
static double ref_normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
static double ref_exp(double x) { return std::exp(x); }
static double ref_erfc(double x) { return std::erfc(x); }
static double ref_erf(double x) { return std::erf(x); }
static double ref_tanh(double x) { return std::tanh(x); }

static void test_math(const KernelTable& t) {
    const MathCase cases[] = {
        {"exp", MathFunction::kExp, -87.3, 88.7, ref_exp, 3},
        // Just above |x| = 0.5, erf = 1 - erfc: erfc's error in units of a number half as large, plus
        // the subtraction's rounding; random points have reached 4.01.
        {"erf", MathFunction::kErf, -4, 4, ref_erf, 5},
        {"erfc(a>=0)", MathFunction::kErfc, 0, 9.1, ref_erfc, 8},
        {"normal_cdf", MathFunction::kNormalCdf, -13, 8, ref_normal_cdf, 8},
        {"tanh", MathFunction::kTanh, -9, 9, ref_tanh, 4},
        {"sigmoid", MathFunction::kSigmoid, -87, 30, ref_sigmoid, 4},
    };
    std::mt19937_64 rng(std::random_device{}());
    for (const MathCase& c : cases) {
        const int n = 1 << 20;
        std::vector<float> x(n), y(n);
        std::uniform_real_distribution<double> u(c.lo, c.hi);
        for (int i = 0; i < n / 2; ++i) x[i] = float(c.lo + (c.hi - c.lo) * i / (n / 2));
        for (int i = n / 2; i < n; ++i) x[i] = float(u(rng));
        std::fill(y.begin(), y.end(), std::nanf(""));
        t.math[int(c.fn)](x.data(), y.data(), n);
        double worst = 0;
        float worst_x = 0;
        for (int i = 0; i < n; ++i) {
            double e = ulp_error(y[i], c.ref(x[i]));
            if (e > worst) worst = e, worst_x = x[i];
        }
        std::printf("  %-7s %-11s max error %6.2f ulp (at x = %.9g) on [%g, %g]\n", t.name, c.name,
                    worst, worst_x, c.lo, c.hi);
        CHECK(worst <= c.max_ulp, "%s %s: %.2f ulp > %.1f", t.name, c.name, worst, c.max_ulp);
    }
    // Limits and specials.
    const float specials[] = {-INFINITY, INFINITY, -1e30f, 1e30f, 0.0f, -0.0f};
    float y[6];
    t.math[int(MathFunction::kExp)](specials, y, 6);
    CHECK(y[0] == 0 && std::isinf(y[1]) && y[2] == 0 && std::isinf(y[3]) && y[4] == 1 && y[5] == 1,
          "%s exp specials", t.name);
    t.math[int(MathFunction::kTanh)](specials, y, 6);
    CHECK(y[0] == -1 && y[1] == 1 && y[2] == -1 && y[3] == 1 && y[4] == 0, "%s tanh specials", t.name);
    t.math[int(MathFunction::kSigmoid)](specials, y, 6);
    CHECK(y[0] == 0 && y[1] == 1 && y[2] == 0 && y[3] == 1 && y[4] == 0.5f, "%s sigmoid specials", t.name);
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

// Streaming (non-temporal) stores are a different loop with a peeled head: it must write exactly
// the same bits as the plain loop, for every op, dtype and direction, and nothing outside.
static void test_streaming_matches_plain(int isa) {
    ak_cpu_set_isa(isa);
    std::mt19937 rng(std::random_device{}());
    std::normal_distribution<float> nd(0.0f, 4.0f);
    const int guard = 64;
    for (int dtype : {AK_DTYPE_F32, AK_DTYPE_BF16}) {
        const int es = dtype == AK_DTYPE_F32 ? 4 : 2;
        for (int64_t n : {1, 2, 15, 16, 17, 31, 33, 63, 64, 65, 100, 1000, 4099, 100003}) {
            for (int offset : {0, 1, 2, 3}) {
                std::vector<unsigned char> x((n + offset) * es), dy((n + offset) * es), a(n * es + 2 * guard + offset * es), b(a.size());
                for (int64_t i = 0; i < n + offset; ++i) {
                    float v = nd(rng), g = nd(rng);
                    if (dtype == AK_DTYPE_F32) { std::memcpy(&x[i * 4], &v, 4); std::memcpy(&dy[i * 4], &g, 4); }
                    else { uint16_t hv = ak::float_to_bf16(v), hg = ak::float_to_bf16(g); std::memcpy(&x[i * 2], &hv, 2); std::memcpy(&dy[i * 2], &hg, 2); }
                }
                for (int op = 0; op < AK_ACT_COUNT; ++op) {
                    for (int dir = 0; dir < 3; ++dir) {
                        std::memset(a.data(), 0xA5, a.size());
                        std::memset(b.data(), 0xA5, b.size());
                        unsigned char* pa = a.data() + guard + offset * es;
                        unsigned char* pb = b.data() + guard + offset * es;
                        const unsigned char* px = x.data() + offset * es;
                        const unsigned char* pdy = dy.data() + offset * es;
                        int s1, s2;
                        if (dir == 0) { s1 = ak_act_forward(op, dtype, px, pa, n, 0); s2 = ak_act_forward(op, dtype, px, pb, n, AK_FLAG_STREAM); }
                        else if (dir == 1) { s1 = ak_act_backward(op, dtype, px, pdy, pa, n, 0); s2 = ak_act_backward(op, dtype, px, pdy, pb, n, AK_FLAG_STREAM); }
                        else {
                            int64_t cols = n % 17 == 0 ? 17 : 1;
                            s1 = ak_act_forward_bias(op, dtype, px, pdy, pa, n / cols, cols, 0);
                            s2 = ak_act_forward_bias(op, dtype, px, pdy, pb, n / cols, cols, AK_FLAG_STREAM);
                        }
                        CHECK(s1 == AK_OK && s2 == AK_OK, "status %d %d", s1, s2);
                        CHECK(std::memcmp(a.data(), b.data(), a.size()) == 0,
                              "%s %s dtype %d dir %d n %lld offset %d: streamed output differs", ak_cpu_isa_name(isa),
                              ak_activation_name(op), dtype, dir, (long long)n, offset);
                        bool guards_ok = true;
                        for (int k = 0; k < guard; ++k) guards_ok &= b[k] == 0xA5 && b[b.size() - 1 - k] == 0xA5;
                        CHECK(guards_ok, "%s %s n %lld: a streamed store left the output", ak_cpu_isa_name(isa), ak_activation_name(op), (long long)n);
                    }
                }
            }
        }
    }
}

int main() {
    int ran = 0;
    test_scalar_f16_rounding();
    for (int isa = AK_ISA_SCALAR; isa <= AK_ISA_AVX512; ++isa) {
        const KernelTable* t = ak::cpu::table_for(isa);
        if (!t) {
            std::printf("SKIP %s: this CPU cannot run it\n", ak_cpu_isa_name(isa));
            continue;
        }
        std::printf("ISA %s\n", t->name);
        test_math(*t);
        test_conversions(*t);
        test_streaming_matches_plain(isa);
        ++ran;
    }
    std::printf("%d ISA variants tested: %d passed, %d failed\n", ran, g_checks - g_failures, g_failures);
    return g_failures == 0 ? 0 : 1;
}
