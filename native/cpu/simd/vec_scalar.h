// The scalar "vector": one float lane, the primitives of native/ops/scalar_float.h, and
// loads/stores through the scalar bf16/f16 conversions of native/ops/half.h. The reference
// for the SIMD variants and the fallback for CPUs without AVX2.
#pragma once
#include "../../ops/half.h"
#include "../../ops/storage.h"

namespace ak::cpu::scalar {

using Vec = float;

struct LoadStore {
    static constexpr int kWidth = 1;
    static Vec load(const float* p) { return *p; }
    static Vec load(const bf16* p) { return bf16_to_float(p->bits); }
    static Vec load(const f16* p) { return f16_to_float(p->bits); }
    static void store(float* p, Vec v) { *p = v; }
    static void store(bf16* p, Vec v) { p->bits = float_to_bf16(v); }
    static void store(f16* p, Vec v) { p->bits = float_to_f16(v); }
    template <class T> static void stream(T* p, Vec v) { store(p, v); }
    static void fence() {}
};

}  // namespace ak::cpu::scalar
