// mul_nan_first(a, b) and add_nan_first(a, b) for a SIMD type Vec wrapping a raw vector in .v:
// a * b and a + b, and a's NaN when both are NaN (see scalar_float.h). vmulps and vaddps return
// their first source's NaN; the instructions are written out so the compiler cannot swap them.
// Include inside the ISA's namespace, after Vec, with AK_NAN_FIRST_VEC (the raw vector type) and
// AK_NAN_FIRST_REG (its asm register constraint) defined.
#define AK_NAN_FIRST(name, insn)                                                            \
    AK_V Vec name(Vec a, Vec b) {                                                           \
        AK_NAN_FIRST_VEC r;                                                                 \
        __asm__(insn " %2, %1, %0" : "=" AK_NAN_FIRST_REG(r) : AK_NAN_FIRST_REG(a.v),       \
                AK_NAN_FIRST_REG(b.v));                                                     \
        return r;                                                                           \
    }
AK_NAN_FIRST(mul_nan_first, "vmulps")
AK_NAN_FIRST(add_nan_first, "vaddps")
#undef AK_NAN_FIRST
#undef AK_NAN_FIRST_VEC
#undef AK_NAN_FIRST_REG
