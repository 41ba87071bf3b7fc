#include "act_args.h"

#include <utility>

#include "../include/actinium.h"
#include "../ops/act/list.h"
#include "act_list.h"
#include "dtype.h"
#include "errors.h"
#include "operands.h"

namespace ak {
namespace {

struct ParamRow {
    int op;
    const char* name;
    float min, max;
};

constexpr ParamRow kParams[] = {
#define AK_ACT_PARAM_ROW(E, name, def, lo, hi) {AK_ACT_##E, #name, lo, hi},
    AK_ACT_PARAMS(AK_ACT_PARAM_ROW)
#undef AK_ACT_PARAM_ROW
};

struct OpRules {
    const char* (*invalid)(const float* params);              // the op's own rules, or nullptr
    const char* (*invalid_from_output)(const float* params);  // those of its backward from y
};

template <class Op>
const char* invalid_of(const float* params) {
    if constexpr (act::has_invalid<Op>::value) return Op::invalid(act::read_params<typename Op::Params>(params));
    return nullptr;
}

template <class Op>
const char* invalid_from_output_of(const float* params) {
    if constexpr (act::has_invalid_from_output<Op>::value)
        return Op::invalid_from_output(act::read_params<typename Op::Params>(params));
    return nullptr;
}

template <size_t... Op>
constexpr auto make_rules(std::index_sequence<Op...>) {
    struct Table {
        OpRules rows[sizeof...(Op)];
    };
    return Table{{{&invalid_of<typename ActivationOf<Op>::type>,
                   &invalid_from_output_of<typename ActivationOf<Op>::type>}...}};
}

const OpRules& rules(int op) {
    static const auto table = make_rules(std::make_index_sequence<AK_ACT_COUNT>{});
    return table.rows[op];
}

}  // namespace

int32_t check_activation_params(const char* fn, int32_t op, const float* params, ActEntry entry) {
    const char* name = activation_name(op);
    if (!name)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: op %d is not an activation (0..%d)", fn, op, AK_ACT_COUNT - 1);
    const int32_t count = activation_param_count(op);
    if (count == 0) {
        if (params)
            return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s takes no parameters, so params must be NULL", fn, name);
        return AK_OK;
    }
    if (!params)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s takes %d parameters, params is NULL", fn, name, count);
    int index = 0;
    for (const ParamRow& row : kParams) {
        if (row.op != op) continue;
        const float v = params[index++];
        if (!(v >= row.min && v <= row.max))
            return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s: parameter %s = %g is outside [%g, %g]", fn, name, row.name,
                        double(v), double(row.min), double(row.max));
    }
    if (const char* why = rules(op).invalid(params))
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s: %s", fn, name, why);
    if (entry == ActEntry::kFromOutput)
        if (const char* why = rules(op).invalid_from_output(params))
            return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s: no backward from the output with these parameters (%s)", fn,
                        name, why);
    return AK_OK;
}

int32_t check_activation_call(const char* fn, ActEntry entry, int32_t op, int32_t dtype, const float* params,
                              int& storage) {
    if (op < 0 || op >= AK_ACT_COUNT)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: op %d is not an activation (0..%d)", fn, op, AK_ACT_COUNT - 1);
    const int32_t flags = activation_flags(op);
    const char* name = activation_name(op);
    if (entry == ActEntry::kGated && !(flags & AK_ACT_GATED))
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is not a gated activation", fn, name);
    if (entry != ActEntry::kGated && (flags & AK_ACT_GATED))
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is gated: its input has two halves (ak_act_gated_*)", fn, name);
    if (entry == ActEntry::kSeeded && !(flags & AK_ACT_SEEDED))
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is not a seeded (stochastic) activation", fn, name);
    if (entry != ActEntry::kSeeded && (flags & AK_ACT_SEEDED))
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is stochastic: it takes a seed (ak_act_seeded_*)", fn, name);
    if (entry == ActEntry::kFromOutput && !(flags & AK_ACT_FROM_OUTPUT))
        return fail(AK_ERR_UNSUPPORTED, "%s: %s has no backward from the output (its output does not determine f')",
                    fn, name);
    storage = storage_index(dtype);
    if (storage < 0)
        return fail(AK_ERR_UNSUPPORTED, "%s: dtype %d is not supported (F32, BF16 or F16)", fn, dtype);
    return check_activation_params(fn, op, params, entry);
}

}  // namespace ak

namespace ak {
namespace {

// rows, cols >= 0, and a rows x stride matrix of es-byte elements fits int64_t bytes (the message
// names rows and the stride's name, or the stride alone when one row overflows).
int32_t check_matrix(const char* fn, int64_t rows, int64_t cols, int64_t stride, int64_t es, const char* stride_name,
                     bool& empty) {
    if (int32_t s = check_shape(fn, rows, cols, empty)) return s;
    if (empty) return AK_OK;
    if (stride < cols)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: in_stride = %lld is less than cols = %lld", fn, (long long)stride,
                    (long long)cols);
    if (int32_t s = check_bytes(fn, stride_name, stride, es)) return s;
    if (rows > INT64_MAX / (stride * es))
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: rows x %s = %lld x %lld elements overflow int64", fn, stride_name,
                    (long long)rows, (long long)stride);
    return AK_OK;
}

}  // namespace

int32_t check_forward_operands(const char* fn, int64_t es, int64_t n, const void* x, const void* y, bool& empty) {
    if (n < 0) return fail(AK_ERR_INVALID_ARGUMENT, "%s: n = %lld < 0", fn, (long long)n);
    empty = n == 0;
    if (empty) return AK_OK;
    if (int32_t s = check_bytes(fn, "n", n, es)) return s;
    return check_operands(fn, es, {vector_operand("x", x, n, false), vector_operand("y", y, n, true)});
}

int32_t check_backward_operands(const char* fn, int64_t es, int64_t n, const char* saved_name, const void* saved,
                                const void* dy, const void* dx, bool& empty) {
    if (n < 0) return fail(AK_ERR_INVALID_ARGUMENT, "%s: n = %lld < 0", fn, (long long)n);
    empty = n == 0;
    if (empty) return AK_OK;
    if (int32_t s = check_bytes(fn, "n", n, es)) return s;
    return check_operands(fn, es, {vector_operand(saved_name, saved, n, false), vector_operand("dy", dy, n, false),
                                   vector_operand("dx", dx, n, true)});
}

int32_t check_seeded_range(const char* fn, int64_t offset, int64_t n) {
    if (offset < 0) return fail(AK_ERR_INVALID_ARGUMENT, "%s: offset = %lld < 0", fn, (long long)offset);
    if (n > 0 && offset > INT64_MAX - n)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: offset + n = %lld + %lld overflows int64", fn, (long long)offset,
                    (long long)n);
    return AK_OK;
}

int32_t check_bias_operands(const char* fn, bool backward, int64_t es, int64_t rows, int64_t cols, const void* x,
                            const void* bias, const void* dy, const void* out, bool& empty) {
    if (int32_t s = check_matrix(fn, rows, cols, cols, es, "cols", empty)) return s;
    if (empty) return AK_OK;
    const Operand xo{"x", x, rows, cols, cols, false, true}, bo{"bias", bias, 1, cols, cols, false, false};
    if (!backward) return check_operands(fn, es, {xo, bo, {"y", out, rows, cols, cols, true, false}});
    return check_operands(fn, es, {xo, bo, {"dy", dy, rows, cols, cols, false, true},
                                   {"dx", out, rows, cols, cols, true, false}});
}

int32_t check_gated_operands(const char* fn, bool backward, int64_t es, int64_t rows, int64_t cols, int64_t in_stride,
                             const void* gate, const void* up, const void* bias_gate, const void* bias_up,
                             const void* dy, const void* out, const void* dup, bool& empty) {
    if (int32_t s = check_matrix(fn, rows, cols, in_stride, es, "in_stride", empty)) return s;
    if (empty) return AK_OK;
    if (!bias_gate != !bias_up)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is NULL but %s is not: give both biases or neither", fn,
                    bias_gate ? "bias_up" : "bias_gate", bias_gate ? "bias_gate" : "bias_up");
    // In place is allowed backward (dgate = gate, dup = up), never forward (y has another shape).
    const Operand g{"gate", gate, rows, cols, in_stride, false, backward};
    const Operand u{"up", up, rows, cols, in_stride, false, backward};
    const Operand bg{"bias_gate", bias_gate, 1, cols, cols, false, false};
    const Operand bu{"bias_up", bias_up, 1, cols, cols, false, false};
    if (!backward) {
        const Operand y{"y", out, rows, cols, cols, true, false};
        return bias_gate ? check_operands(fn, es, {g, u, bg, bu, y}) : check_operands(fn, es, {g, u, y});
    }
    const Operand d{"dy", dy, rows, cols, cols, false, false};
    const Operand dg{"dgate", out, rows, cols, in_stride, true, false};
    const Operand du{"dup", dup, rows, cols, in_stride, true, false};
    return bias_gate ? check_operands(fn, es, {g, u, bg, bu, d, dg, du}) : check_operands(fn, es, {g, u, d, dg, du});
}

}  // namespace ak
