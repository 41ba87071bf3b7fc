// AK_V: the inline attribute of every SIMD primitive. Without always_inline GCC outlines some of
// them in the long activation bodies and pays a call per vector.
#pragma once
#define AK_V inline __attribute__((always_inline))
