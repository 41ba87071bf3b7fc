// The CPU entry points of the activation family: the list's metadata, then each kernel entry
// point checks its arguments (common/act_args.h, common/operands.h: the same checks as CUDA's),
// picks the table of the ISA its flags name, or the active one, and runs the op's kernel.
#include "../../common/act_args.h"
#include "../../common/act_list.h"
#include "../../common/dtype.h"
#include "../../common/errors.h"
#include "../../include/actinium.h"
#include "../kernel_table.h"
#include "flags.h"

namespace ak::cpu {
namespace {

constexpr int32_t kActFlags = AK_FLAG_STREAM | AK_FLAG_ISA_MASK;

// The checks every activation entry point starts with; on success the op's kernels.
int32_t enter(const char* fn, ActEntry entry, int32_t op, int32_t dtype, const float* params, int32_t flags,
              const ActKernels*& kernels) {
    int storage = 0;
    if (int32_t s = check_activation_call(fn, entry, op, dtype, params, storage)) return s;
    const KernelTable* table = nullptr;
    if (int32_t s = check_flags(fn, flags, kActFlags, table)) return s;
    kernels = &table->act[op][storage];
    return AK_OK;
}

}  // namespace
}  // namespace ak::cpu

using namespace ak;
using namespace ak::cpu;

extern "C" {

const char* ak_activation_name(int32_t op) {
    const char* name = activation_name(op);
    return name ? name : "unknown";
}
int32_t ak_activation_flags(int32_t op) { return activation_flags(op); }
int32_t ak_activation_param_count(int32_t op) { return activation_param_count(op); }
int32_t ak_activation_flops(int32_t op, int32_t direction) { return activation_flops(op, direction); }

ak_status_t ak_activation_check_params(int32_t op, const float* params) {
    clear_error();
    return check_activation_params("ak_activation_check_params", op, params, ActEntry::kElementwise);
}

ak_status_t ak_act_forward(int32_t op, int32_t dtype, const float* params, const void* x, void* y, int64_t n,
                           int32_t flags) {
    clear_error();
    constexpr const char* fn = "ak_act_forward";
    const ActKernels* k = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, ActEntry::kElementwise, op, dtype, params, flags, k)) return s;
    if (int32_t s = check_forward_operands(fn, dtype_size(dtype), n, x, y, empty)) return s;
    if (!empty) k->forward(params, x, y, n, flags);
    return AK_OK;
}

// Backward from x (entry kElementwise) or from y (kFromOutput): the same shape of call.
static ak_status_t backward(const char* fn, ActEntry entry, int32_t op, int32_t dtype, const float* params,
                            const char* saved_name, const void* saved, const void* dy, void* dx, int64_t n,
                            int32_t flags) {
    clear_error();
    const ActKernels* k = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, entry, op, dtype, params, flags, k)) return s;
    if (int32_t s = check_backward_operands(fn, dtype_size(dtype), n, saved_name, saved, dy, dx, empty)) return s;
    if (!empty) (entry == ActEntry::kFromOutput ? k->backward_from_output : k->backward)(params, saved, dy, dx, n,
            flags);
    return AK_OK;
}

ak_status_t ak_act_backward(int32_t op, int32_t dtype, const float* params, const void* x, const void* dy, void* dx,
                            int64_t n, int32_t flags) {
    return backward("ak_act_backward", ActEntry::kElementwise, op, dtype, params, "x", x, dy, dx, n, flags);
}

ak_status_t ak_act_backward_from_output(int32_t op, int32_t dtype, const float* params, const void* y,
                                        const void* dy, void* dx, int64_t n, int32_t flags) {
    return backward("ak_act_backward_from_output", ActEntry::kFromOutput, op, dtype, params, "y", y, dy, dx, n,
                    flags);
}

ak_status_t ak_act_seeded_forward(int32_t op, int32_t dtype, const float* params, int64_t seed, int64_t offset,
                                  const void* x, void* y, int64_t n, int32_t flags) {
    clear_error();
    constexpr const char* fn = "ak_act_seeded_forward";
    const ActKernels* k = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, ActEntry::kSeeded, op, dtype, params, flags, k)) return s;
    if (int32_t s = check_forward_operands(fn, dtype_size(dtype), n, x, y, empty)) return s;
    if (int32_t s = check_seeded_range(fn, offset, n)) return s;
    if (!empty) k->seeded_forward(params, seed, offset, x, y, n, flags);
    return AK_OK;
}

ak_status_t ak_act_seeded_backward(int32_t op, int32_t dtype, const float* params, int64_t seed, int64_t offset,
                                   const void* x, const void* dy, void* dx, int64_t n, int32_t flags) {
    clear_error();
    constexpr const char* fn = "ak_act_seeded_backward";
    const ActKernels* k = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, ActEntry::kSeeded, op, dtype, params, flags, k)) return s;
    if (int32_t s = check_backward_operands(fn, dtype_size(dtype), n, "x", x, dy, dx, empty)) return s;
    if (int32_t s = check_seeded_range(fn, offset, n)) return s;
    if (!empty) k->seeded_backward(params, seed, offset, x, dy, dx, n, flags);
    return AK_OK;
}

ak_status_t ak_act_forward_bias(int32_t op, int32_t dtype, const float* params, const void* x, const void* bias,
                                void* y, int64_t rows, int64_t cols, int32_t flags) {
    clear_error();
    constexpr const char* fn = "ak_act_forward_bias";
    const ActKernels* k = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, ActEntry::kElementwise, op, dtype, params, flags, k)) return s;
    if (int32_t s = check_bias_operands(fn, false, dtype_size(dtype), rows, cols, x, bias, nullptr, y, empty)) return s;
    if (!empty) k->forward_bias(params, x, bias, y, rows, cols, flags);
    return AK_OK;
}

ak_status_t ak_act_backward_bias(int32_t op, int32_t dtype, const float* params, const void* x, const void* bias,
                                 const void* dy, void* dx, int64_t rows, int64_t cols, int32_t flags) {
    clear_error();
    constexpr const char* fn = "ak_act_backward_bias";
    const ActKernels* k = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, ActEntry::kElementwise, op, dtype, params, flags, k)) return s;
    if (int32_t s = check_bias_operands(fn, true, dtype_size(dtype), rows, cols, x, bias, dy, dx, empty)) return s;
    if (!empty) k->backward_bias(params, x, bias, dy, dx, rows, cols, flags);
    return AK_OK;
}

ak_status_t ak_act_gated_forward(int32_t op, int32_t dtype, const float* params, const void* gate, const void* up,
                                 int64_t in_stride, const void* bias_gate, const void* bias_up, void* y,
                                 int64_t rows, int64_t cols, int32_t flags) {
    clear_error();
    constexpr const char* fn = "ak_act_gated_forward";
    const ActKernels* k = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, ActEntry::kGated, op, dtype, params, flags, k)) return s;
    if (int32_t s = check_gated_operands(fn, false, dtype_size(dtype), rows, cols, in_stride, gate, up, bias_gate,
                                         bias_up, nullptr, y, nullptr, empty))
        return s;
    if (!empty) k->gated_forward(params, gate, up, in_stride, bias_gate, bias_up, y, rows, cols, flags);
    return AK_OK;
}

ak_status_t ak_act_gated_backward(int32_t op, int32_t dtype, const float* params, const void* gate, const void* up,
                                  int64_t in_stride, const void* bias_gate, const void* bias_up, const void* dy,
                                  void* dgate, void* dup, int64_t rows, int64_t cols, int32_t flags) {
    clear_error();
    constexpr const char* fn = "ak_act_gated_backward";
    const ActKernels* k = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, ActEntry::kGated, op, dtype, params, flags, k)) return s;
    if (int32_t s = check_gated_operands(fn, true, dtype_size(dtype), rows, cols, in_stride, gate, up, bias_gate,
                                         bias_up, dy, dgate, dup, empty))
        return s;
    if (!empty) k->gated_backward(params, gate, up, in_stride, bias_gate, bias_up, dy, dgate, dup, rows, cols, flags);
    return AK_OK;
}

}  // extern "C"
