// A float whose result will be stored as bf16 or f16: the primitives of scalar_float.h on one
// float, marked so that math.h takes its polynomials of 16-bit accuracy (kNarrowResults). The CUDA
// kernels of 16-bit storage compute in it, as the CPU kernels compute in their narrow vectors
// (native/cpu/simd/vec_multi.h): both take the same math, and the GPU spends its issue slots on
// bits that the 16-bit rounding keeps (the bf16 kernels of the transcendental ops are
// compute-bound on an H100, where the f32 ones are not; bench/results/*-h100-*).
#pragma once
#include "scalar_float.h"

namespace ak {

struct narrow_float {
    float v;
    narrow_float() = default;
    AK_HD narrow_float(float s) : v(s) {}  // implicit: constants and fp32 inputs enter as they are
    AK_HD explicit operator float() const { return v; }
};

template <>
constexpr bool kNarrowResults<narrow_float> = true;

#define AK_NARROW_BINARY(op) \
    AK_HD narrow_float operator op(narrow_float a, narrow_float b) { return a.v op b.v; }
AK_NARROW_BINARY(+)
AK_NARROW_BINARY(-)
AK_NARROW_BINARY(*)
AK_NARROW_BINARY(/)
#undef AK_NARROW_BINARY

#define AK_NARROW_COMPARE(op) \
    AK_HD bool operator op(narrow_float a, narrow_float b) { return a.v op b.v; }
AK_NARROW_COMPARE(<)
AK_NARROW_COMPARE(>)
AK_NARROW_COMPARE(<=)
AK_NARROW_COMPARE(>=)
#undef AK_NARROW_COMPARE

#define AK_NARROW_UNARY(fn) \
    AK_HD narrow_float fn(narrow_float a) { return fn(a.v); }
AK_NARROW_UNARY(vabs)
AK_NARROW_UNARY(rint_)
AK_NARROW_UNARY(exp2i)
AK_NARROW_UNARY(rcp_)
AK_NARROW_UNARY(in_register)
#undef AK_NARROW_UNARY

#define AK_NARROW_BINARY_FN(fn) \
    AK_HD narrow_float fn(narrow_float a, narrow_float b) { return fn(a.v, b.v); }
AK_NARROW_BINARY_FN(vmin)
AK_NARROW_BINARY_FN(vmax)
AK_NARROW_BINARY_FN(ldexp_)
AK_NARROW_BINARY_FN(mul_nan_first)
AK_NARROW_BINARY_FN(add_nan_first)
#undef AK_NARROW_BINARY_FN

AK_HD narrow_float operator-(narrow_float a) { return -a.v; }
AK_HD narrow_float mul_add(narrow_float a, narrow_float b, narrow_float c) { return mul_add(a.v, b.v, c.v); }
AK_HD void square_split(narrow_float a, narrow_float& hi, narrow_float& lo) { square_split(a.v, hi.v, lo.v); }
AK_HD bool is_nan(narrow_float a) { return is_nan(a.v); }
AK_HD narrow_float select(bool m, narrow_float a, narrow_float b) { return m ? a : b; }
AK_HD narrow_float negate_where(bool m, narrow_float a) { return negate_where(m, a.v); }

}  // namespace ak
