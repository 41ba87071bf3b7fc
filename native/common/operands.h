// The memory checks of every kernel entry point, CPU and CUDA: each tensor argument described as
// rows x cols elements with a row stride, checked for null pointers, byte counts that overflow
// int64_t, ranges that wrap the address space, and outputs that overlap other arguments.
#pragma once
#include <cstdint>
#include <initializer_list>

namespace ak {

struct Operand {
    const char* name;
    const void* data;
    int64_t rows, cols, stride;  // elements; stride >= cols
    bool output;
    // An input an output may be exactly (same address, shape and stride): in place.
    bool in_place_ok;
};

// A contiguous operand of n elements.
inline Operand vector_operand(const char* name, const void* data, int64_t n, bool output, bool in_place_ok = true) {
    return {name, data, 1, n, n, output, in_place_ok};
}

// Checks operands of element size es whose shape is non-empty (rows, cols >= 1): returns AK_OK
// or a status with a message naming fn and the argument.
int32_t check_operands(const char* fn, int64_t es, std::initializer_list<Operand> operands);

// Checks that count elements of es bytes fit int64_t; the message names the count as what.
int32_t check_bytes(const char* fn, const char* what, int64_t count, int64_t es);

// Checks rows, cols >= 0; sets empty if either is 0 (nothing to do, pointers not looked at).
int32_t check_shape(const char* fn, int64_t rows, int64_t cols, bool& empty);

}  // namespace ak
