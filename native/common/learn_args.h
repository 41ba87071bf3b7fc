// The learnable activation list as data (names, counts, parameter names, initial values) and the
// argument checks that the CPU (native/cpu/dispatch/learn.cpp) and CUDA (native/cuda/learn.cu)
// entry points share. Each check returns AK_OK or a status with a message naming fn and the argument.
#pragma once
#include <cstdint>

namespace ak {

// nullptr / -1 for an op that is not in the list.
const char* learn_name(int32_t op);
int32_t learn_degree_count(int32_t op);
int32_t learn_shared_count(int32_t op);
int32_t learn_flops(int32_t op, int32_t direction);

// The grouped parameters per group for the degrees, or -1 with a message when op or the degrees
// are not valid for each other.
int32_t learn_group_count(const char* fn, int32_t op, int32_t num_degree, int32_t den_degree);
const char* learn_param_name(int32_t op, int32_t num_degree, int32_t den_degree, int32_t index);
int32_t learn_default_params(const char* fn, int32_t op, int32_t num_degree, int32_t den_degree, float* params);

// What a checked call looks like: its storage index and its params count.
struct LearnCall {
    int storage;
    int64_t param_count;
};

// op, dtype, degrees, groups (>= 1, dividing channels >= 1), params (finite, the op's rules).
int32_t check_learn_call(const char* fn, int32_t op, int32_t dtype, int32_t num_degree, int32_t den_degree,
                         const float* params, int64_t groups, int64_t channels, LearnCall& call);
// The op, dtype, degrees and shape alone: the CUDA entry points check params on the host only where
// they can read them (they are device memory).
int32_t check_learn_shape(const char* fn, int32_t op, int32_t dtype, int32_t num_degree, int32_t den_degree,
                          int64_t groups, int64_t channels, LearnCall& call);
// The bias of a call of n elements (nothing to check when it is NULL): channels values of es bytes
// that no output overlaps, refused for polynorm. out is y (forward, dy NULL) or dx (backward).
int32_t check_learn_bias(const char* fn, int32_t op, int64_t es, int64_t n, int64_t channels, const void* x,
                         const void* bias, const void* dy, const void* out);
// The values of params: each finite, and the op's own rules (cauchy's |d| in [1e-18, 1e18], polynorm's eps > 0).
int32_t check_learn_params(const char* fn, int32_t op, int32_t num_degree, int32_t den_degree, const float* params,
                           int64_t groups);

}  // namespace ak
