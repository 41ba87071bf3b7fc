// 16 x fp32 AVX-512 vector with the primitives native/ops/math.h needs. Only included by the
// translation unit compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl (isa_avx512.cpp).
#pragma once
#include <immintrin.h>
#include "../../ops/philox.h"
#include "../../ops/scalar_float.h"
#include "../../ops/storage.h"

#include "inline.h"

namespace ak::cpu::avx512 {

struct Vec {
    __m512 v;
    Vec() = default;
    AK_V Vec(float s) : v(_mm512_set1_ps(s)) {}
    AK_V Vec(__m512 x) : v(x) {}
};
struct Mask { __mmask16 k; };

AK_V Vec operator+(Vec a, Vec b) { return _mm512_add_ps(a.v, b.v); }
AK_V Vec operator-(Vec a, Vec b) { return _mm512_sub_ps(a.v, b.v); }
AK_V Vec operator*(Vec a, Vec b) { return _mm512_mul_ps(a.v, b.v); }
AK_V Vec operator-(Vec a) {
    return _mm512_castsi512_ps(
        _mm512_xor_si512(_mm512_castps_si512(a.v), _mm512_set1_epi32(int(0x80000000u))));
}
AK_V Mask operator<(Vec a, Vec b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ)}; }
AK_V Mask operator>(Vec a, Vec b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ)}; }
AK_V Mask operator>=(Vec a, Vec b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_GE_OQ)}; }
AK_V Mask operator<=(Vec a, Vec b) { return {_mm512_cmp_ps_mask(a.v, b.v, _CMP_LE_OQ)}; }
AK_V Vec operator/(Vec a, Vec b) { return _mm512_div_ps(a.v, b.v); }
AK_V Vec select(Mask m, Vec a, Vec b) { return _mm512_mask_blend_ps(m.k, b.v, a.v); }
AK_V bool any_lane(Mask m) { return m.k != 0; }
AK_V Mask is_nan(Vec a) { return {_mm512_cmp_ps_mask(a.v, a.v, _CMP_UNORD_Q)}; }
AK_V Vec mul_add(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a.v, b.v, c.v); }
#define AK_NAN_FIRST_VEC __m512
#define AK_NAN_FIRST_REG "v"
#include "vec_nan_first.h"
AK_V void square_split(Vec a, Vec& hi, Vec& lo) {
    hi = _mm512_mul_ps(a.v, a.v);
    lo = _mm512_fmsub_ps(a.v, a.v, hi.v);
}
// a, loaded whole into a register (scalar_float.h, in_register).
AK_V Vec in_register(Vec a) {
    __asm__("" : "+v"(a.v));
    return a;
}
AK_V Vec vmin(Vec a, Vec b) { return _mm512_min_ps(a.v, b.v); }
AK_V Vec vmax(Vec a, Vec b) { return _mm512_max_ps(a.v, b.v); }
// |a| as the max of -a and a, which returns a NaN a unchanged (activations.h relies on it); an
// and of the sign bit would change the NaN's sign, and so does vrangeps.
AK_V Vec vabs(Vec a) { return _mm512_max_ps((-a).v, a.v); }
AK_V Vec negate_where(Mask m, Vec a) { return _mm512_mask_xor_ps(a.v, m.k, a.v, _mm512_set1_ps(-0.0f)); }
AK_V Vec rint_(Vec a) { return _mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
AK_V Vec exp2i(Vec n) {
    __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n.v), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
}
// p * 2^n with the hardware's own overflow to inf and gradual underflow.
AK_V Vec ldexp_(Vec p, Vec n) { return _mm512_scalef_ps(p.v, n.v); }
// 1/b for finite b in [2^-125, 2^125]: 14-bit estimate and one Newton step (about 0.5 ulp).
AK_V Vec rcp_(Vec b) {
    __m512 r = _mm512_rcp14_ps(b.v);
    return _mm512_mul_ps(r, _mm512_fnmadd_ps(b.v, r, _mm512_set1_ps(2.0f)));
}

// 16 x 32-bit words: one Philox block per lane (ops/philox.h, cpu/act/seeded.h).
struct Words {
    __m512i v;
    static AK_V Words load(const uint32_t* p) { return {_mm512_loadu_si512(p)}; }
    static AK_V Words broadcast(uint32_t a) { return {_mm512_set1_epi32(int(a))}; }
};
AK_V Words operator+(Words a, Words b) { return {_mm512_add_epi32(a.v, b.v)}; }
AK_V Words operator^(Words a, Words b) { return {_mm512_xor_si512(a.v, b.v)}; }
// a ^ b ^ k in one vpternlogd.
AK_V Words xor3(Words a, Words b, uint32_t k) {
    return {_mm512_ternarylogic_epi32(a.v, b.v, _mm512_set1_epi32(int(k)), 0x96)};
}
// hi:lo = a * m per lane: vpmuludq on the even lanes and on the odd ones shifted down; each half
// then moves to its lanes with one masked dword swap (vpshufd 0xB1).
AK_V void mul_hi_lo(Words a, uint32_t m, Words& hi, Words& lo) {
    const __m512i mm = _mm512_set1_epi32(int(m));
    const __m512i even = _mm512_mul_epu32(a.v, mm), odd = _mm512_mul_epu32(_mm512_srli_epi64(a.v, 32), mm);
    hi.v = _mm512_mask_shuffle_epi32(odd, 0x5555, even, _MM_PERM_CDAB);
    lo.v = _mm512_mask_shuffle_epi32(even, 0xAAAA, odd, _MM_PERM_CDAB);
}
// The 4 x 4 transpose of 32-bit words within each 128-bit lane.
AK_V void transpose4(Words& a, Words& b, Words& c, Words& d) {
    const __m512i ab_lo = _mm512_unpacklo_epi32(a.v, b.v), ab_hi = _mm512_unpackhi_epi32(a.v, b.v);
    const __m512i cd_lo = _mm512_unpacklo_epi32(c.v, d.v), cd_hi = _mm512_unpackhi_epi32(c.v, d.v);
    a.v = _mm512_unpacklo_epi64(ab_lo, cd_lo);
    b.v = _mm512_unpackhi_epi64(ab_lo, cd_lo);
    c.v = _mm512_unpacklo_epi64(ab_hi, cd_hi);
    d.v = _mm512_unpackhi_epi64(ab_hi, cd_hi);
}
// The uniform in [0, 1) of each word: its 24 high bits times 2^-24 (ops/philox.h).
AK_V Vec unit_floats(Words w) {
    return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(w.v, 8)), _mm512_set1_ps(kPhiloxUnit));
}

struct LoadStore {
    using Words = avx512::Words;
    static constexpr int kWidth = 16;
    static AK_V Vec load(const float* p) { return _mm512_loadu_ps(p); }
    // Word i to the high half of dword i, the low halves zeroed: one masked vpermw where a
    // widening and a shift take two instructions.
    static AK_V Vec load(const bf16* p) {
        const __m512i to_high_words = _mm512_set_epi16(15, 15, 14, 14, 13, 13, 12, 12, 11, 11, 10, 10, 9, 9, 8, 8,
                                                       7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
        __m512i w = _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
        return _mm512_castsi512_ps(_mm512_maskz_permutexvar_epi16(0xAAAAAAAAu, to_high_words, w));
    }
    static AK_V Vec load(const f16* p) {
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    }
    // Round to nearest even on the integer bits; NaN stays NaN (quiet bit set). 7 instructions,
    // none of them a shift or vpmovdw, which share two pipes with the FMAs of the activations:
    // the kept lsb is a test mask, the NaN rule a masked or, and the high halves are gathered by
    // a byte shuffle and a qword permute (measured: 64K F32 -> BF16 4.6 -> 3.1 us, 2026-11-24).
    static AK_V __m256i to_bf16(Vec v) {
        __m512i b = _mm512_castps_si512(v.v);
        __mmask16 odd = _mm512_test_epi32_mask(b, _mm512_set1_epi32(0x10000));
        __m512i r = _mm512_add_epi32(b, _mm512_set1_epi32(0x7fff));
        r = _mm512_mask_add_epi32(r, odd, r, _mm512_set1_epi32(1));
        // NaN: truncate with the quiet bit set, as the rounding add could carry into the sign.
        r = _mm512_mask_or_epi32(r, _mm512_cmp_ps_mask(v.v, v.v, _CMP_UNORD_Q), b, _mm512_set1_epi32(0x400000));
        // Bytes 2,3 of each dword to the low 8 bytes of its 128-bit lane, then lanes' low qwords together.
        const __m512i high_words = _mm512_set4_epi32(-1, -1, 0x0f0e0b0a, 0x07060302);
        __m512i w = _mm512_shuffle_epi8(r, high_words);
        return _mm512_castsi512_si256(_mm512_permutexvar_epi64(_mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7), w));
    }
    static AK_V __m256i to_f16(Vec v) {
        return _mm512_cvtps_ph(v.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    }
    static AK_V void store(float* p, Vec v) { _mm512_storeu_ps(p, v.v); }
    static AK_V void store(bf16* p, Vec v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), to_bf16(v)); }
    static AK_V void store(f16* p, Vec v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), to_f16(v)); }
    static AK_V void stream(float* p, Vec v) { _mm512_stream_ps(p, v.v); }
    static AK_V void stream(bf16* p, Vec v) { _mm256_stream_si256(reinterpret_cast<__m256i*>(p), to_bf16(v)); }
    static AK_V void stream(f16* p, Vec v) { _mm256_stream_si256(reinterpret_cast<__m256i*>(p), to_f16(v)); }
    static AK_V void fence() { _mm_sfence(); }
};

}  // namespace ak::cpu::avx512
