// Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011): a counter-based generator, so element i of a tensor draws from (seed, i) alone and
// every ISA, CUDA and any split of the tensor see the same numbers. The rounds are written once for a
// word type W: uint32_t here (host and device), 32-bit vector lanes on the CPU (native/cpu/simd,
// Words: one block per lane), with mul_hi_lo and xor3 as the primitives.
#pragma once
#include <cstdint>

#include "scalar_float.h"

namespace ak {

AK_HD uint32_t xor3(uint32_t a, uint32_t b, uint32_t k) { return a ^ b ^ k; }

// hi:lo = a * m, 32 x 32 -> 64 bits.
AK_HD void mul_hi_lo(uint32_t a, uint32_t m, uint32_t& hi, uint32_t& lo) {
    const uint64_t p = uint64_t(m) * a;
    hi = uint32_t(p >> 32);
    lo = uint32_t(p);
}

// The ten rounds on the counter words c0..c3 under the key (k0, k1), in place.
template <class W>
AK_HD void philox_rounds(W& c0, W& c1, W& c2, W& c3, uint32_t k0, uint32_t k1) {
    for (int round = 0; round < 10; ++round) {
        W hi0, lo0, hi1, lo1;
        mul_hi_lo(c0, 0xD2511F53u, hi0, lo0);
        mul_hi_lo(c2, 0xCD9E8D57u, hi1, lo1);
        c0 = xor3(hi1, c1, k0);
        c2 = xor3(hi0, c3, k1);
        c1 = lo1;
        c3 = lo0;
        k0 += 0x9E3779B9u;  // the Weyl sequence of the key, bumped between rounds
        k1 += 0xBB67AE85u;
    }
}

AK_HD void philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]) {
    uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
    philox_rounds(c0, c1, c2, c3, key[0], key[1]);
    out[0] = c0, out[1] = c1, out[2] = c2, out[3] = c3;
}

// A word's uniform in [0, 1): its 24 high bits times 2^-24.
constexpr float kPhiloxUnit = 5.9604644775390625e-8f;

// The four uniforms in [0, 1) of elements 4 block .. 4 block + 3 under seed: the 24 high bits of
// each output word, so every value is exact in float and p = 0 and p = 1 select none and all.
AK_HD void philox_uniforms(uint64_t seed, uint64_t block, float u[4]) {
    const uint32_t counter[4] = {uint32_t(block), uint32_t(block >> 32), 0u, 0u};
    const uint32_t key[2] = {uint32_t(seed), uint32_t(seed >> 32)};
    uint32_t words[4];
    philox4x32_10(counter, key, words);
    for (int k = 0; k < 4; ++k) u[k] = float(words[k] >> 8) * kPhiloxUnit;
}

// The uniform of element `element` under seed.
AK_HD float philox_uniform(uint64_t seed, uint64_t element) {
    float u[4];
    philox_uniforms(seed, element >> 2, u);
    return u[element & 3];
}

}  // namespace ak
