// bf16 and fp16 storage <-> fp32, bit-exact round-to-nearest-even, NaN kept quiet.
// Scalar versions for the host and CUDA; the SIMD kernels have their own (native/cpu/vec_*.h)
// and are tested against these.
#pragma once
#include <cstdint>
#include "scalar_float.h"

namespace ak {

AK_HD uint32_t float_bits(float f) {
#if defined(__CUDA_ARCH__)
    return static_cast<uint32_t>(__float_as_int(f));
#else
    uint32_t b;
    std::memcpy(&b, &f, sizeof b);
    return b;
#endif
}

// The bf16 value as a float, a NaN quieted (payload kept), as every conversion of the library does.
AK_HD float bf16_to_float(uint16_t h) {
    uint32_t bits = uint32_t(h) << 16;
    if ((bits & 0x7fffffffu) > 0x7f800000u) bits |= 0x400000u;
    return bits_to_float(static_cast<int32_t>(bits));
}

AK_HD uint16_t float_to_bf16(float f) {
    uint32_t b = float_bits(f);
    if ((b & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((b >> 16) | 0x40u);  // NaN
    b += 0x7fffu + ((b >> 16) & 1u);
    return static_cast<uint16_t>(b >> 16);
}

AK_HD float f16_to_float(uint16_t h) {
    uint32_t sign = uint32_t(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0x1fu) {
        // inf, or a NaN quieted (payload kept) as the hardware's vcvtph2ps does
        bits = sign | 0x7f800000u | (man << 13) | (man != 0 ? 0x400000u : 0u);
    } else if (exp != 0) {
        bits = sign | ((exp + 112u) << 23) | (man << 13);
    } else if (man == 0) {
        bits = sign;
    } else {  // subnormal: value = man * 2^-24, exact in float
        float v = static_cast<float>(man) * 5.9604644775390625e-8f;
        return sign ? -v : v;
    }
    return bits_to_float(static_cast<int32_t>(bits));
}

AK_HD uint16_t float_to_f16(float f) {
    uint32_t b = float_bits(f);
    uint32_t sign = (b >> 16) & 0x8000u;
    uint32_t abs = b & 0x7fffffffu;
    if (abs > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((abs >> 13) & 0x3ffu));
    if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to >= 65520: inf
    if (abs < 0x38800000u) {  // below the smallest normal half (2^-14): subnormal or zero
        if (abs < 0x33000000u) return static_cast<uint16_t>(sign);  // < 2^-25 rounds to 0
        uint32_t e = abs >> 23;
        uint32_t man = (abs & 0x7fffffu) | 0x800000u;
        uint32_t shift = 126u - e;  // 14 + (113 - e) - 1 ... value = man * 2^(e-150)
        uint32_t q = man >> shift;
        uint32_t rem = man & ((1u << shift) - 1u);
        uint32_t half = 1u << (shift - 1u);
        if (rem > half || (rem == half && (q & 1u))) ++q;
        return static_cast<uint16_t>(sign | q);
    }
    uint32_t r = abs + 0xfffu + ((abs >> 13) & 1u) - 0x38000000u;  // rebias 127 -> 15, round
    return static_cast<uint16_t>(sign | (r >> 13));
}

}  // namespace ak
