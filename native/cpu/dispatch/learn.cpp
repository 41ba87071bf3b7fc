// The CPU entry points of the learnable activations: metadata, then each kernel entry point checks
// its arguments (common/learn_args.h, common/operands.h), picks the table of the ISA its flags name,
// or the active one, and runs the op's kernel.
#include "../../common/act_args.h"
#include "../../common/errors.h"
#include "../../common/learn_args.h"
#include "../../common/dtype.h"
#include "../../common/operands.h"
#include "../../include/actinium.h"
#include "../kernel_table.h"
#include "flags.h"

using namespace ak;
using namespace ak::cpu;

namespace {

constexpr int32_t kLearnFlags = AK_FLAG_STREAM | AK_FLAG_ISA_MASK;

int32_t enter(const char* fn, int32_t op, int32_t dtype, int32_t num_degree, int32_t den_degree,
              const float* params, int64_t groups, int64_t n, int64_t channels, int64_t first_channel,
              int32_t flags, LearnCall& call, const LearnKernels*& kernels) {
    if (int32_t s = check_learn_call(fn, op, dtype, num_degree, den_degree, params, groups, channels, call)) return s;
    if (first_channel < 0 || first_channel >= channels)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: first_channel = %lld is outside [0, channels = %lld)", fn,
                    (long long)first_channel, (long long)channels);
    if (op == AK_LEARN_POLYNORM && (first_channel != 0 || n % channels != 0))
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: polynorm normalizes whole rows: first_channel = %lld must be 0 "
                    "and n = %lld a multiple of channels = %lld", fn, (long long)first_channel, (long long)n,
                    (long long)channels);
    const KernelTable* table = nullptr;
    if (int32_t s = check_flags(fn, flags, kLearnFlags, table)) return s;
    kernels = &table->learn[op][call.storage];
    return AK_OK;
}

// The kernel for the call's degrees: the one built for the op's common degrees where they match.
template <class Fn>
Fn kernel_for(Fn general, Fn fixed, const LearnKernels* k, int32_t num_degree, int32_t den_degree) {
    return fixed && k->fixed_num == num_degree && k->fixed_den == den_degree ? fixed : general;
}

}  // namespace

extern "C" {

const char* ak_learn_name(int32_t op) {
    const char* name = learn_name(op);
    return name ? name : "unknown";
}
int32_t ak_learn_degree_count(int32_t op) { return learn_degree_count(op); }
int32_t ak_learn_shared_count(int32_t op) { return learn_shared_count(op); }
int32_t ak_learn_flops(int32_t op, int32_t direction) { return learn_flops(op, direction); }

int32_t ak_learn_group_count(int32_t op, int32_t num_degree, int32_t den_degree) {
    clear_error();
    return learn_group_count("ak_learn_group_count", op, num_degree, den_degree);
}

const char* ak_learn_param_name(int32_t op, int32_t num_degree, int32_t den_degree, int32_t index) {
    return learn_param_name(op, num_degree, den_degree, index);
}

ak_status_t ak_learn_default_params(int32_t op, int32_t num_degree, int32_t den_degree, float* params) {
    clear_error();
    return learn_default_params("ak_learn_default_params", op, num_degree, den_degree, params);
}

ak_status_t ak_learn_check_params(int32_t op, int32_t num_degree, int32_t den_degree, const float* params,
                                  int64_t groups) {
    clear_error();
    constexpr const char* fn = "ak_learn_check_params";
    if (learn_group_count(fn, op, num_degree, den_degree) < 0) return AK_ERR_INVALID_ARGUMENT;
    if (groups < 1) return fail(AK_ERR_INVALID_ARGUMENT, "%s: groups = %lld < 1", fn, (long long)groups);
    return check_learn_params(fn, op, num_degree, den_degree, params, groups);
}

ak_status_t ak_learn_forward(int32_t op, int32_t dtype, int32_t num_degree, int32_t den_degree, const float* params,
                             int64_t groups, const void* x, const void* bias, void* y, int64_t n, int64_t channels,
                             int64_t first_channel, int32_t flags) {
    clear_error();
    constexpr const char* fn = "ak_learn_forward";
    LearnCall call{};
    const LearnKernels* k = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, op, dtype, num_degree, den_degree, params, groups, n, channels, first_channel, flags,
                          call, k))
        return s;
    if (int32_t s = check_forward_operands(fn, dtype_size(dtype), n, x, y, empty)) return s;
    if (int32_t s = check_learn_bias(fn, op, dtype_size(dtype), n, channels, x, bias, nullptr, y)) return s;
    if (!empty)
        kernel_for(k->forward, k->fixed_forward, k, num_degree, den_degree)({num_degree, den_degree}, params, groups,
                                                                          x, bias, y, n, channels, first_channel,
                                                                          flags);
    return AK_OK;
}

ak_status_t ak_learn_backward(int32_t op, int32_t dtype, int32_t num_degree, int32_t den_degree, const float* params,
                              int64_t groups, const void* x, const void* bias, const void* dy, void* dx,
                              double* dparams, int64_t n, int64_t channels, int64_t first_channel, int32_t flags) {
    clear_error();
    constexpr const char* fn = "ak_learn_backward";
    LearnCall call{};
    const LearnKernels* k = nullptr;
    bool empty = false;
    if (int32_t s = enter(fn, op, dtype, num_degree, den_degree, params, groups, n, channels, first_channel, flags,
                          call, k))
        return s;
    if (int32_t s = check_backward_operands(fn, dtype_size(dtype), n, "x", x, dy, dx, empty)) return s;
    if (int32_t s = check_learn_bias(fn, op, dtype_size(dtype), n, channels, x, bias, dy, dx)) return s;
    if (int32_t s = check_operands(fn, sizeof(double), {vector_operand("dparams", dparams, call.param_count, true)}))
        return s;
    if (empty) {
        for (int64_t i = 0; i < call.param_count; ++i) dparams[i] = 0.0;
        return AK_OK;
    }
    kernel_for(k->backward, k->fixed_backward, k, num_degree, den_degree)({num_degree, den_degree}, params, groups, x,
                                                                         bias, dy, dx, dparams, n, channels,
                                                                         first_channel, flags);
    return AK_OK;
}

}  // extern "C"
