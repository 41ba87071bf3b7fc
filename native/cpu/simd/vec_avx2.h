// 8 x fp32 AVX2 vector with the primitives native/ops/math.h needs. Only included by the
// translation unit compiled with -mavx2 -mfma -mf16c (isa_avx2.cpp).
#pragma once
#include <immintrin.h>
#include "../../ops/philox.h"
#include "../../ops/scalar_float.h"
#include "../../ops/storage.h"

#include "inline.h"

namespace ak::cpu::avx2 {

struct Vec {
    __m256 v;
    Vec() = default;
    AK_V Vec(float s) : v(_mm256_set1_ps(s)) {}
    AK_V Vec(__m256 x) : v(x) {}
};
struct Mask { __m256 v; };

AK_V Vec operator+(Vec a, Vec b) { return _mm256_add_ps(a.v, b.v); }
AK_V Vec operator-(Vec a, Vec b) { return _mm256_sub_ps(a.v, b.v); }
AK_V Vec operator*(Vec a, Vec b) { return _mm256_mul_ps(a.v, b.v); }
AK_V Vec operator-(Vec a) { return _mm256_xor_ps(a.v, _mm256_set1_ps(-0.0f)); }
AK_V Mask operator<(Vec a, Vec b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_LT_OQ)}; }
AK_V Mask operator>(Vec a, Vec b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_GT_OQ)}; }
AK_V Mask operator>=(Vec a, Vec b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_GE_OQ)}; }
AK_V Mask operator<=(Vec a, Vec b) { return {_mm256_cmp_ps(a.v, b.v, _CMP_LE_OQ)}; }
AK_V Vec operator/(Vec a, Vec b) { return _mm256_div_ps(a.v, b.v); }
AK_V Vec select(Mask m, Vec a, Vec b) { return _mm256_blendv_ps(b.v, a.v, m.v); }
AK_V bool any_lane(Mask m) { return _mm256_movemask_ps(m.v) != 0; }
AK_V Mask is_nan(Vec a) { return {_mm256_cmp_ps(a.v, a.v, _CMP_UNORD_Q)}; }
AK_V Vec mul_add(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a.v, b.v, c.v); }
#define AK_NAN_FIRST_VEC __m256
#define AK_NAN_FIRST_REG "x"
#include "vec_nan_first.h"
AK_V void square_split(Vec a, Vec& hi, Vec& lo) {
    hi = _mm256_mul_ps(a.v, a.v);
    lo = _mm256_fmsub_ps(a.v, a.v, hi.v);
}
// a, loaded whole into a register (scalar_float.h, in_register).
AK_V Vec in_register(Vec a) {
    __asm__("" : "+x"(a.v));
    return a;
}
AK_V Vec vmin(Vec a, Vec b) { return _mm256_min_ps(a.v, b.v); }
AK_V Vec vmax(Vec a, Vec b) { return _mm256_max_ps(a.v, b.v); }
// |a| as the max of -a and a, which returns a NaN a unchanged (activations.h relies on it); an
// and of the sign bit would change the NaN's sign.
AK_V Vec vabs(Vec a) { return _mm256_max_ps((-a).v, a.v); }
AK_V Vec negate_where(Mask m, Vec a) { return select(m, -a, a); }
AK_V Vec rint_(Vec a) { return _mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
AK_V Vec exp2i(Vec n) {
    __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n.v), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
}
// p * 2^n for an integral n (scalar_float.h; AVX2 has no vscalefps).
AK_V Vec ldexp_(Vec p, Vec n) { return ldexp_by_halves(p, n); }
// 1/b for finite b in [2^-125, 2^125]: 12-bit estimate and one Newton step (about 1 ulp).
AK_V Vec rcp_(Vec b) {
    __m256 r = _mm256_rcp_ps(b.v);
    return _mm256_mul_ps(r, _mm256_fnmadd_ps(b.v, r, _mm256_set1_ps(2.0f)));
}

// 8 x 32-bit words: one Philox block per lane (ops/philox.h, cpu/act/seeded.h).
struct Words {
    __m256i v;
    static AK_V Words load(const uint32_t* p) { return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))}; }
    static AK_V Words broadcast(uint32_t a) { return {_mm256_set1_epi32(int(a))}; }
};
AK_V Words operator+(Words a, Words b) { return {_mm256_add_epi32(a.v, b.v)}; }
AK_V Words operator^(Words a, Words b) { return {_mm256_xor_si256(a.v, b.v)}; }
AK_V Words xor3(Words a, Words b, uint32_t k) { return a ^ b ^ Words::broadcast(k); }
// hi:lo = a * m per lane: vpmuludq on the even lanes and on the odd ones shifted down, then blends.
AK_V void mul_hi_lo(Words a, uint32_t m, Words& hi, Words& lo) {
    const __m256i mm = _mm256_set1_epi32(int(m));
    const __m256i even = _mm256_mul_epu32(a.v, mm), odd = _mm256_mul_epu32(_mm256_srli_epi64(a.v, 32), mm);
    hi.v = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    lo.v = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}
// The 4 x 4 transpose of 32-bit words within each 128-bit lane.
AK_V void transpose4(Words& a, Words& b, Words& c, Words& d) {
    const __m256i ab_lo = _mm256_unpacklo_epi32(a.v, b.v), ab_hi = _mm256_unpackhi_epi32(a.v, b.v);
    const __m256i cd_lo = _mm256_unpacklo_epi32(c.v, d.v), cd_hi = _mm256_unpackhi_epi32(c.v, d.v);
    a.v = _mm256_unpacklo_epi64(ab_lo, cd_lo);
    b.v = _mm256_unpackhi_epi64(ab_lo, cd_lo);
    c.v = _mm256_unpacklo_epi64(ab_hi, cd_hi);
    d.v = _mm256_unpackhi_epi64(ab_hi, cd_hi);
}
// The uniform in [0, 1) of each word: its 24 high bits times 2^-24 (ops/philox.h).
AK_V Vec unit_floats(Words w) {
    return _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(w.v, 8)), _mm256_set1_ps(kPhiloxUnit));
}

struct LoadStore {
    using Words = avx2::Words;
    static constexpr int kWidth = 8;
    static AK_V Vec load(const float* p) { return _mm256_loadu_ps(p); }
    static AK_V Vec load(const bf16* p) {
        __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
        return _mm256_castsi256_ps(_mm256_slli_epi32(w, 16));
    }
    static AK_V Vec load(const f16* p) {
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    }
    // Round to nearest even on the integer bits; NaN stays NaN (quiet bit set).
    static AK_V __m128i to_bf16(Vec v) {
        __m256i b = _mm256_castps_si256(v.v);
        __m256i odd = _mm256_and_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(1));
        __m256i r = _mm256_srli_epi32(
            _mm256_add_epi32(b, _mm256_add_epi32(odd, _mm256_set1_epi32(0x7fff))), 16);
        __m256i q = _mm256_or_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(0x40));
        __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v.v, v.v, _CMP_UNORD_Q));
        r = _mm256_blendv_epi8(r, q, nan);
        return _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
    }
    static AK_V __m128i to_f16(Vec v) {
        return _mm256_cvtps_ph(v.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    }
    static AK_V void store(float* p, Vec v) { _mm256_storeu_ps(p, v.v); }
    static AK_V void store(bf16* p, Vec v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), to_bf16(v)); }
    static AK_V void store(f16* p, Vec v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), to_f16(v)); }
    static AK_V void stream(float* p, Vec v) { _mm256_stream_ps(p, v.v); }
    static AK_V void stream(bf16* p, Vec v) { _mm_stream_si128(reinterpret_cast<__m128i*>(p), to_bf16(v)); }
    static AK_V void stream(f16* p, Vec v) { _mm_stream_si128(reinterpret_cast<__m128i*>(p), to_f16(v)); }
    static AK_V void fence() { _mm_sfence(); }
};

}  // namespace ak::cpu::avx2
