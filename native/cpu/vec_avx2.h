// 8 x fp32 AVX2 vector with the primitives native/ops/math.h needs. Only included by the
// translation unit compiled with -mavx2 -mfma -mf16c (isa_avx2.cpp).
#pragma once
#include <immintrin.h>
#include "../ops/storage.h"

#define AK_V inline __attribute__((always_inline))

namespace ak::cpu::avx2 {

struct F {
    __m256 v;
    F() = default;
    AK_V F(float s) : v(_mm256_set1_ps(s)) {}
    AK_V F(__m256 x) : v(x) {}
};
struct M { __m256 v; };

AK_V F operator+(F a, F b) { return _mm256_add_ps(a.v, b.v); }
AK_V F operator-(F a, F b) { return _mm256_sub_ps(a.v, b.v); }
AK_V F operator*(F a, F b) { return _mm256_mul_ps(a.v, b.v); }
AK_V F operator-(F a) { return _mm256_xor_ps(a.v, _mm256_set1_ps(-0.0f)); }
AK_V M operator<(F a, F b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_LT_OQ)}; }
AK_V M operator>(F a, F b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_GT_OQ)}; }
AK_V M operator>=(F a, F b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_GE_OQ)}; }
AK_V F select(M m, F a, F b) { return _mm256_blendv_ps(b.v, a.v, m.v); }
AK_V M is_nan(F a) { return {_mm256_cmp_ps(a.v, a.v, _CMP_UNORD_Q)}; }
AK_V F mul_add(F a, F b, F c) { return _mm256_fmadd_ps(a.v, b.v, c.v); }
#define AK_NAN_FIRST_VEC __m256
#define AK_NAN_FIRST_REG "x"
#include "vec_nan_first.h"
AK_V void square_split(F a, F& hi, F& lo) {
    hi = _mm256_mul_ps(a.v, a.v);
    lo = _mm256_fmsub_ps(a.v, a.v, hi.v);
}
AK_V F vmin(F a, F b) { return _mm256_min_ps(a.v, b.v); }
AK_V F vmax(F a, F b) { return _mm256_max_ps(a.v, b.v); }
// |a| as the max of -a and a, which returns a NaN a unchanged (activations.h relies on it); an
// and of the sign bit would change the NaN's sign.
AK_V F vabs(F a) { return _mm256_max_ps((-a).v, a.v); }
AK_V F negate_where(M m, F a) { return select(m, -a, a); }
AK_V F rint_(F a) { return _mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
AK_V F exp2i(F n) {
    __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n.v), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
}
// p * 2^n for an integral n: clamped to [-151, 128] (past which the result is 0 or inf anyway)
// and applied as two factors so neither leaves the normal range.
AK_V F ldexp_(F p, F n) {
    n = vmin(vmax(n, F(-151.0f)), F(128.0f));
    F n1 = rint_(n * F(0.5f));
    return p * exp2i(n1) * exp2i(n - n1);
}
// 1/b for finite b in [2^-125, 2^125]: 12-bit estimate and one Newton step (about 1 ulp).
AK_V F rcp_(F b) {
    __m256 r = _mm256_rcp_ps(b.v);
    return _mm256_mul_ps(r, _mm256_fnmadd_ps(b.v, r, _mm256_set1_ps(2.0f)));
}

struct Io {
    static constexpr int kWidth = 8;
    static AK_V F load(const float* p) { return _mm256_loadu_ps(p); }
    static AK_V F load(const bf16* p) {
        __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
        return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
    }
    static AK_V F load(const f16* p) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
    // Round to nearest even on the integer bits; NaN stays NaN (quiet bit set).
    static AK_V __m128i to_bf16(F v) {
        __m256i b = _mm256_castps_si256(v.v);
        __m256i odd = _mm256_and_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(1));
        __m256i r = _mm256_srli_epi32(
            _mm256_add_epi32(b, _mm256_add_epi32(odd, _mm256_set1_epi32(0x7fff))), 16);
        __m256i q = _mm256_or_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(0x40));
        __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v.v, v.v, _CMP_UNORD_Q));
        r = _mm256_blendv_epi8(r, q, nan);
        return _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
    }
    static AK_V __m128i to_f16(F v) {
        return _mm256_cvtps_ph(v.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    }
    static AK_V void store(float* p, F v) { _mm256_storeu_ps(p, v.v); }
    static AK_V void store(bf16* p, F v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), to_bf16(v)); }
    static AK_V void store(f16* p, F v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), to_f16(v)); }
    static AK_V void stream(float* p, F v) { _mm256_stream_ps(p, v.v); }
    static AK_V void stream(bf16* p, F v) { _mm_stream_si128(reinterpret_cast<__m128i*>(p), to_bf16(v)); }
    static AK_V void stream(f16* p, F v) { _mm_stream_si128(reinterpret_cast<__m128i*>(p), to_f16(v)); }
    static AK_V void fence() { _mm_sfence(); }
};

}  // namespace ak::cpu::avx2
