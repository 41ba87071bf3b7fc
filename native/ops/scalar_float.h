// The primitive operations of native/ops/math.h for plain float, on the host and in CUDA.
// The SIMD types in native/cpu/vec_*.h provide the same functions, so every activation is
// written once (math.h, activations.h) and instantiated for float, AVX2 and AVX-512.
#pragma once
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define AK_HD __host__ __device__ __forceinline__
#else
#define AK_HD inline __attribute__((always_inline))
#endif

namespace ak {

AK_HD float mul_add(float a, float b, float c) {
#if defined(__CUDA_ARCH__)
    return __fmaf_rn(a, b, c);
#else
    return a * b + c;  // the scalar build has no FMA instruction; a libm fmaf would be slow
#endif
}

// a*a = hi + lo exactly (Dekker); math.h uses it where the rounding of a square matters.
AK_HD void square_split(float a, float& hi, float& lo) {
#if defined(__CUDA_ARCH__)
    hi = a * a;
    lo = __fmaf_rn(a, a, -hi);
#else
    double p = static_cast<double>(a) * a;  // exact: 24 + 24 bits fit in a double
    hi = static_cast<float>(p);
    lo = static_cast<float>(p - hi);
#endif
}

// vmin and vmax return b when either operand is NaN, as x86 MINPS/MAXPS do (the SIMD types use
// them directly): vmax(lo, x) keeps a NaN x, which the activations rely on (activations.h).
AK_HD float vmin(float a, float b) { return a < b ? a : b; }
AK_HD float vmax(float a, float b) { return a > b ? a : b; }
// |a| keeps a NaN a as it is (activations.h relies on it for its NaN rule).
AK_HD float vabs(float a) { return a < 0.0f ? -a : (a == 0.0f ? 0.0f : a); }
AK_HD float negate_where(bool m, float a) { return m ? -a : a; }  // -a where m: one masked xor on AVX-512
AK_HD bool is_nan(float a) { return a != a; }
AK_HD float select(bool m, float a, float b) { return m ? a : b; }
// Whether any lane of a mask is set (a vector's branch to a rarer form; one lane: the mask).
AK_HD bool any_lane(bool m) { return m; }

AK_HD float rint_(float a) {
#if defined(__CUDA_ARCH__)
    return rintf(a);
#else
    return __builtin_rintf(a);
#endif
}

AK_HD float bits_to_float(int32_t b) {
#if defined(__CUDA_ARCH__)
    return __int_as_float(b);
#else
    float f;
    std::memcpy(&f, &b, sizeof f);
    return f;
#endif
}

// 2^n for an integral n in [-126, 127] held in a float.
AK_HD float exp2i(float n) { return bits_to_float((static_cast<int32_t>(n) + 127) << 23); }

// p * 2^n for an integral n, overflowing to inf and underflowing gradually: n is clamped to
// [-151, 128] (past which the result is 0 or inf anyway) and applied as two factors, so neither
// leaves the normal range. For any V with vmin, vmax, rint_ and exp2i (AVX2 uses it too; AVX-512
// has vscalefps).
template <class V>
AK_HD V ldexp_by_halves(V p, V n) {
    n = vmin(vmax(n, V(-151.0f)), V(128.0f));
    V n1 = rint_(n * V(0.5f));
    return p * exp2i(n1) * exp2i(n - n1);
}

AK_HD float ldexp_(float p, float n) { return ldexp_by_halves(p, n); }

AK_HD float rcp_(float b) { return 1.0f / b; }

// Whether a vector type computes results that will be stored in 16 bits, bf16 or f16 (vec_multi.h:
// the kernels of 16-bit storage). Then math.h takes polynomials of about 2^-17 relative error
// instead of fp32's few ulp: bf16 keeps 8 bits and f16 11, and their rounding (up to 2^-8 and
// 2^-11 relative) dwarfs them.
template <class V>
constexpr bool kNarrowResults = false;

// a, made opaque to the compiler: a value selected against 0 must be loaded whole. Without it GCC
// turns select(mask, dy, 0) into a masked load of dy (vmovups {k}{z}), with which the memory-bound
// backward kernels (relu, relu6, hardtanh, ...) reached 60-79% of the copy floor instead of
// 95-124% (AVX-512, AMD EPYC, 16M elements, 2 threads; bench/results/*-masked-load.md).
AK_HD float in_register(float a) {
#if !defined(__CUDA_ARCH__) && defined(__x86_64__)
    __asm__("" : "+x"(a));
#endif
    return a;
}

// a * b and a + b, and a's NaN (quieted) when both are NaN. x86 arithmetic returns the first
// source's NaN then, but a compiler may swap the operands of a plain product or sum: the
// instruction is written out so that it cannot. A GPU returns its canonical NaN either way.
#if defined(__CUDA_ARCH__) || !defined(__x86_64__)
AK_HD float mul_nan_first(float a, float b) { return a * b; }
AK_HD float add_nan_first(float a, float b) { return a + b; }
#else
#define AK_NAN_FIRST(name, insn)                                              \
    AK_HD float name(float a, float b) {                                      \
        __asm__(insn " %1, %0" : "+x"(a) : "x"(b));                           \
        return a;                                                             \
    }
AK_NAN_FIRST(mul_nan_first, "mulss")
AK_NAN_FIRST(add_nan_first, "addss")
#undef AK_NAN_FIRST
#endif

}  // namespace ak
