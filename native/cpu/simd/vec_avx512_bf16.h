// AVX-512 with the hardware fp32 -> bf16 conversion (AVX512_BF16): the avx512 vectors and math,
// only the bf16 stores differ. Only included by translation units compiled with the avx512 flags
// plus -mavx512bf16 (isa_avx512_bf16.cpp and its activation shards).
#pragma once
#include "vec_avx512.h"

namespace ak::cpu::avx512_bf16 {

using avx512::Mask;
using avx512::Vec;

struct LoadStore : avx512::LoadStore {
    using avx512::LoadStore::store;
    using avx512::LoadStore::stream;
    // vcvtneps2bf16: round to nearest even and NaN quieted as the software rounding does, but
    // results below 2^-126 in magnitude (bf16 subnormals) flush to a zero of their sign. One
    // instruction for the software rounding's nine: in cache, a bf16 ReLU forward went from 0.55x
    // to 1.09x the F32 rate (bench/results/2026-11-24-1641-amd-epyc-2cpu-bf16-math.md).
    static AK_V __m256i to_bf16(Vec v) { return reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(v.v)); }
    static AK_V void store(bf16* p, Vec v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), to_bf16(v)); }
    static AK_V void stream(bf16* p, Vec v) { _mm256_stream_si256(reinterpret_cast<__m256i*>(p), to_bf16(v)); }

    // 32 bf16 as two vectors, elements 0, 2, .. 30 in even and 1, 3, .. 31 in odd: a shift and
    // an and, where two vectors in element order take a shuffle each. Element-wise kernels load
    // every operand this way and store_pair puts the elements back (vec_multi.h, kBf16Pairs).
    static AK_V void load_pair(const bf16* p, Vec& even, Vec& odd) {
        __m512i w = _mm512_loadu_si512(p);
        even = _mm512_castsi512_ps(_mm512_slli_epi32(w, 16));
        odd = _mm512_castsi512_ps(_mm512_and_si512(w, _mm512_set1_epi32(int(0xffff0000u))));
    }
    // vcvtne2ps2bf16 (words 0-15 from even, 16-31 from odd) and one vpermw to interleave them.
    static AK_V __m512i pair_to_bf16(Vec even, Vec odd) {
        __m512i halves = reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(odd.v, even.v));
        const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8,
                                                    23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
        return _mm512_permutexvar_epi16(interleave, halves);
    }
    static AK_V void store_pair(bf16* p, Vec even, Vec odd) { _mm512_storeu_si512(p, pair_to_bf16(even, odd)); }
    static AK_V void stream_pair(bf16* p, Vec even, Vec odd) {
        _mm512_stream_si512(reinterpret_cast<__m512i*>(p), pair_to_bf16(even, odd));
    }
};

}  // namespace ak::cpu::avx512_bf16
