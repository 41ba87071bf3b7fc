// The argument checks of the activation entry points that CPU (native/cpu/dispatch/act.cpp) and
// CUDA (native/cuda/act.cu) share: the op and the entry point it may use, the dtype, and the
// parameters. Each returns AK_OK or a status with a message naming fn and the argument.
#pragma once
#include <cstdint>

namespace ak {

// Which entry point a call came through: gated ops only take the gated ones, and backward from
// the output needs an op whose row offers it (AK_ACT_FROM_OUTPUT) with parameters that allow it.
enum class ActEntry { kElementwise, kFromOutput, kGated, kSeeded };

// Checks op against the entry, dtype (sets the storage index) and params.
int32_t check_activation_call(const char* fn, ActEntry entry, int32_t op, int32_t dtype,
                              const float* params, int& storage);

// Checks op's params: count by its row (NULL when 0), each in its [min, max], the op's own rules,
// and for kFromOutput those of its backward from the output.
int32_t check_activation_params(const char* fn, int32_t op, const float* params, ActEntry entry);

}  // namespace ak

namespace ak {

// The tensor arguments of each kind of activation call, element size es (common/operands.h
// says what is checked). empty: nothing to do, the pointers were not looked at.
int32_t check_forward_operands(const char* fn, int64_t es, int64_t n, const void* x, const void* y, bool& empty);
// saved is x (name "x") or, from the output, y (name "y").
int32_t check_backward_operands(const char* fn, int64_t es, int64_t n, const char* saved_name, const void* saved,
                                const void* dy, const void* dx, bool& empty);
// The element range of a seeded call: offset >= 0 and offset + n within int64_t.
int32_t check_seeded_range(const char* fn, int64_t offset, int64_t n);

// Forward (out y; dy unused) or backward (out dx) of the bias-fused ops on a rows x cols matrix.
int32_t check_bias_operands(const char* fn, bool backward, int64_t es, int64_t rows, int64_t cols, const void* x,
                            const void* bias, const void* dy, const void* out, bool& empty);
// Forward (out y; dy and dup unused) or backward (out dgate and dup) of the gated ops.
int32_t check_gated_operands(const char* fn, bool backward, int64_t es, int64_t rows, int64_t cols, int64_t in_stride,
                             const void* gate, const void* up, const void* bias_gate, const void* bias_up,
                             const void* dy, const void* out, const void* dup, bool& empty);

}  // namespace ak
