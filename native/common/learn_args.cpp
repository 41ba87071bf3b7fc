#include "learn_args.h"

#include <cmath>

#include "../include/actinium.h"
#include "dtype.h"
#include "errors.h"
#include "operands.h"

namespace ak {
namespace {

struct Row {
    const char* name;
    int32_t shared, grouped, degrees, flops[2];
};

constexpr Row kRows[] = {
#define AK_LEARN_ROW(E, name, shared, grouped, degrees, ff, bf) {#name, shared, grouped, degrees, {ff, bf}},
    AK_LEARNABLES(AK_LEARN_ROW)
#undef AK_LEARN_ROW
};

struct ParamRow {
    int op;
    const char* name;
    float initial;
};

constexpr ParamRow kParams[] = {
#define AK_LEARN_PARAM_ROW(E, name, initial) {AK_LEARN_##E, #name, initial},
    AK_LEARN_PARAMS(AK_LEARN_PARAM_ROW)
#undef AK_LEARN_PARAM_ROW
};

const Row* row(int32_t op) { return op >= 0 && op < AK_LEARN_COUNT ? &kRows[op] : nullptr; }

// The coefficient names of the ops whose degrees set their parameters.
constexpr const char* kNumerator[] = {"a0", "a1", "a2", "a3", "a4", "a5", "a6"};
constexpr const char* kDenominator[] = {"b1", "b2", "b3", "b4", "b5"};

}  // namespace

const char* learn_name(int32_t op) { return row(op) ? row(op)->name : nullptr; }
int32_t learn_degree_count(int32_t op) { return row(op) ? row(op)->degrees : -1; }
int32_t learn_shared_count(int32_t op) { return row(op) ? row(op)->shared : -1; }
int32_t learn_flops(int32_t op, int32_t direction) {
    return row(op) && (direction == AK_FORWARD || direction == AK_BACKWARD) ? row(op)->flops[direction] : -1;
}

int32_t learn_group_count(const char* fn, int32_t op, int32_t num_degree, int32_t den_degree) {
    const Row* r = row(op);
    if (!r) {
        fail(AK_ERR_INVALID_ARGUMENT, "%s: op %d is not a learnable activation (0..%d)", fn, op, AK_LEARN_COUNT - 1);
        return -1;
    }
    const bool poly = op == AK_LEARN_POLYRELU || op == AK_LEARN_POLYNORM;
    const int max_num = poly ? AK_LEARN_MAX_POLY_DEGREE : AK_LEARN_MAX_NUM_DEGREE;
    const int min_num = poly ? 1 : 0;
    if (r->degrees >= 1 && (num_degree < min_num || num_degree > max_num)) {
        fail(AK_ERR_INVALID_ARGUMENT, "%s: %s: num_degree = %d is outside [%d, %d]", fn, r->name, num_degree, min_num,
             max_num);
        return -1;
    }
    if (r->degrees == 2 && (den_degree < 0 || den_degree > AK_LEARN_MAX_DEN_DEGREE)) {
        fail(AK_ERR_INVALID_ARGUMENT, "%s: %s: den_degree = %d is outside [0, %d]", fn, r->name, den_degree,
             AK_LEARN_MAX_DEN_DEGREE);
        return -1;
    }
    if ((r->degrees < 1 && num_degree != 0) || (r->degrees < 2 && den_degree != 0)) {
        fail(AK_ERR_INVALID_ARGUMENT, "%s: %s takes %d degree%s: num_degree = %d and den_degree = %d must be 0 where "
             "it takes none", fn, r->name, r->degrees, r->degrees == 1 ? "" : "s", num_degree, den_degree);
        return -1;
    }
    if (r->grouped >= 0) return r->grouped;
    return op == AK_LEARN_RATIONAL ? num_degree + 1 + den_degree : num_degree + 1;
}

// The name of shared parameter index of op (its AK_LEARN_PARAMS row), or nullptr.
static const char* listed_param_name(int32_t op, int32_t index) {
    int k = 0;
    for (const ParamRow& p : kParams)
        if (p.op == op && k++ == index) return p.name;
    return nullptr;
}

const char* learn_param_name(int32_t op, int32_t num_degree, int32_t den_degree, int32_t index) {
    const Row* r = row(op);
    if (!r || index < 0) return nullptr;
    if (r->grouped < 0) {
        if (index < r->shared) return listed_param_name(op, index);
        index -= r->shared;
        if (index <= num_degree) return index <= AK_LEARN_MAX_NUM_DEGREE ? kNumerator[index] : nullptr;
        int j = index - num_degree - 1;
        return op == AK_LEARN_RATIONAL && j < den_degree && j < AK_LEARN_MAX_DEN_DEGREE ? kDenominator[j] : nullptr;
    }
    return listed_param_name(op, index);
}

int32_t learn_default_params(const char* fn, int32_t op, int32_t num_degree, int32_t den_degree, float* params) {
    const int32_t count = learn_group_count(fn, op, num_degree, den_degree);
    if (count < 0) return AK_ERR_INVALID_ARGUMENT;
    if (!params) return fail(AK_ERR_INVALID_ARGUMENT, "%s: params is NULL", fn);
    const int32_t total = kRows[op].shared + count;
    for (int k = 0; k < total; ++k) params[k] = 0.0f;
    if (op == AK_LEARN_RATIONAL) {
        if (num_degree >= 1) params[1] = 1.0f;  // P(x) = x, Q = 1
    } else if (op == AK_LEARN_POLYRELU) {
        for (int i = 1; i <= num_degree; ++i) params[i] = 1.0f / float(num_degree);
    } else if (op == AK_LEARN_POLYNORM) {
        // PolyCom's module: eps 1e-6, each normalized power weighted 1 / order, bias a0 = 0.
        params[0] = 1e-6f;
        for (int i = 1; i <= num_degree; ++i) params[1 + i] = 1.0f / float(num_degree);
    } else {
        int k = 0;
        for (const ParamRow& p : kParams)
            if (p.op == op) params[k++] = p.initial;
    }
    return AK_OK;
}

int32_t check_learn_shape(const char* fn, int32_t op, int32_t dtype, int32_t num_degree, int32_t den_degree,
                          int64_t groups, int64_t channels, LearnCall& call) {
    const int32_t per_group = learn_group_count(fn, op, num_degree, den_degree);
    if (per_group < 0) return AK_ERR_INVALID_ARGUMENT;
    call.storage = storage_index(dtype);
    if (call.storage < 0)
        return fail(AK_ERR_UNSUPPORTED, "%s: dtype %d is not supported (F32, BF16 or F16)", fn, dtype);
    if (channels < 1) return fail(AK_ERR_INVALID_ARGUMENT, "%s: channels = %lld < 1", fn, (long long)channels);
    if (groups < 1 || groups > channels || channels % groups != 0)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: groups = %lld does not divide channels = %lld into equal groups", fn,
                    (long long)groups, (long long)channels);
    // groups <= channels, and a params array of that many floats must fit memory: bound it by int32.
    if (groups > (INT32_MAX - kRows[op].shared) / (per_group > 0 ? per_group : 1))
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: groups = %lld: more parameters than an int32 counts", fn,
                    (long long)groups);
    call.param_count = kRows[op].shared + int64_t(per_group) * groups;
    return AK_OK;
}

int32_t check_learn_params(const char* fn, int32_t op, int32_t num_degree, int32_t den_degree, const float* params,
                           int64_t groups) {
    if (!params) return fail(AK_ERR_INVALID_ARGUMENT, "%s: params is NULL", fn);
    const int32_t shared = kRows[op].shared;
    const int32_t per_group = learn_group_count(fn, op, num_degree, den_degree);
    for (int32_t k = 0; k < shared + per_group; ++k) {
        const int64_t count = k < shared ? 1 : groups;
        const float* values = params + (k < shared ? k : shared + int64_t(k - shared) * groups);
        for (int64_t g = 0; g < count; ++g) {
            const float v = values[g];
            const char* name = learn_param_name(op, num_degree, den_degree, k);
            if (!std::isfinite(v))
                return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s: parameter %s of group %lld = %g is not finite", fn,
                            kRows[op].name, name, (long long)g, double(v));
            if (op == AK_LEARN_CAUCHY && k == 2 && !(std::fabs(v) >= 1e-18f && std::fabs(v) <= 1e18f))
                return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s: parameter d of group %lld = %g: |d| must lie in "
                            "[1e-18, 1e18]", fn, kRows[op].name, (long long)g, double(v));
            if (op == AK_LEARN_POLYNORM && k == 0 && !(v > 0.0f))
                return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s: parameter eps = %g must be > 0 (a row of zeros "
                            "divides by sqrt(eps))", fn, kRows[op].name, double(v));
        }
    }
    return AK_OK;
}

int32_t check_learn_call(const char* fn, int32_t op, int32_t dtype, int32_t num_degree, int32_t den_degree,
                         const float* params, int64_t groups, int64_t channels, LearnCall& call) {
    if (int32_t s = check_learn_shape(fn, op, dtype, num_degree, den_degree, groups, channels, call)) return s;
    return check_learn_params(fn, op, num_degree, den_degree, params, groups);
}

int32_t check_learn_bias(const char* fn, int32_t op, int64_t es, int64_t n, int64_t channels, const void* x,
                         const void* bias, const void* dy, const void* out) {
    if (!bias) return AK_OK;
    if (op == AK_LEARN_POLYNORM)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: bias must be NULL for polynorm: it normalizes each row, and takes "
                    "no fused bias", fn);
    if (n == 0) return AK_OK;
    // The bias is read throughout the call: no output may be it, not even in place.
    const Operand xo = vector_operand("x", x, n, false), bo = vector_operand("bias", bias, channels, false, false);
    if (!dy) return check_operands(fn, es, {xo, bo, vector_operand("y", out, n, true)});
    return check_operands(fn, es, {xo, bo, vector_operand("dy", dy, n, false), vector_operand("dx", out, n, true)});
}

}  // namespace ak
