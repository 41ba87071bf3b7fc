// Philox4x32-10 (Salmon, Moraes, Dror and Shaw, "Parallel random numbers: as easy as 1, 2, 3",
// SC 2011): a counter-based generator, so element i of a tensor draws from (seed, i) alone and
// every ISA, CUDA and any split of the tensor see the same numbers. Scalar, for host and device.
#pragma once
#include <cstdint>

#include "scalar_float.h"

namespace ak {

AK_HD void philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]) {
    uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; ++round) {
        const uint64_t p0 = uint64_t(0xD2511F53u) * c0, p1 = uint64_t(0xCD9E8D57u) * c2;
        const uint32_t n0 = uint32_t(p1 >> 32) ^ c1 ^ k0, n2 = uint32_t(p0 >> 32) ^ c3 ^ k1;
        c1 = uint32_t(p1);
        c3 = uint32_t(p0);
        c0 = n0;
        c2 = n2;
        k0 += 0x9E3779B9u;  // the Weyl sequence of the key, bumped between rounds
        k1 += 0xBB67AE85u;
    }
    out[0] = c0, out[1] = c1, out[2] = c2, out[3] = c3;
}

// The four uniforms in [0, 1) of elements 4 block .. 4 block + 3 under seed: the 24 high bits of
// each output word, so every value is exact in float and p = 0 and p = 1 select none and all.
AK_HD void philox_uniforms(uint64_t seed, uint64_t block, float u[4]) {
    const uint32_t counter[4] = {uint32_t(block), uint32_t(block >> 32), 0u, 0u};
    const uint32_t key[2] = {uint32_t(seed), uint32_t(seed >> 32)};
    uint32_t words[4];
    philox4x32_10(counter, key, words);
    for (int k = 0; k < 4; ++k) u[k] = float(words[k] >> 8) * 5.9604644775390625e-8f;  // 2^-24
}

// The uniform of element `element` under seed.
AK_HD float philox_uniform(uint64_t seed, uint64_t element) {
    float u[4];
    philox_uniforms(seed, element >> 2, u);
    return u[element & 3];
}

}  // namespace ak
