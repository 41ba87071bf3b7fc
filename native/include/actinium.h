/*
 * Actinium public C ABI: the only header a binding or caller needs.
 *
 * Conventions (DESIGN.md): extern "C", prefix ak_, every function that can fail returns an
 * int32_t status (AK_OK = 0) and leaves a message for ak_last_error() on the calling thread.
 * Pointers, int64_t sizes, scalar parameters; no structs by value, no callbacks, no allocation
 * inside kernels. All functions are re-entrant. Kernels are single-threaded over the range
 * they are given: parallelism belongs to the caller.
 *
 * The Java bindings are generated from this file (bindings/): keep every declaration on the
 * form  AK_API <return type> ak_name(<params>);  so the preprocessed text stays plain C.
 */
#ifndef ACTINIUM_H
#define ACTINIUM_H

#include <stdint.h>

#if defined(AK_BINDGEN)
/* The binding generator sees these markers as plain tokens. */
#define AK_API ak_api
#define AK_SHORT ak_short
#elif defined(_WIN32)
#define AK_API __declspec(dllexport)
#define AK_SHORT
#else
#define AK_API __attribute__((visibility("default")))
#define AK_SHORT
#endif
/* AK_SHORT marks a call that is short and touches only the memory it is given, so bindings may
 * pass Java heap arrays without copying (Linker.Option.critical(true) in Java). */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ------------------------------------------------------------------------ */
typedef enum ak_status {
    AK_OK = 0,
    AK_ERR_INVALID_ARGUMENT = 1,
    AK_ERR_UNSUPPORTED = 2,
    AK_ERR_CUDA = 3,
    AK_ERR_NO_DEVICE = 4,
    AK_ERR_OUT_OF_MEMORY = 5
} ak_status;

/* ---- storage types ----------------------------------------------------------------------- */
typedef enum ak_dtype {
    AK_DTYPE_F32 = 0,
    AK_DTYPE_BF16 = 1,
    AK_DTYPE_F16 = 2,
    AK_DTYPE_I8 = 3,
    AK_DTYPE_U8 = 4
} ak_dtype;

/* ---- instruction sets, lowest first ------------------------------------------------------ */
typedef enum ak_isa {
    AK_ISA_SCALAR = 0,
    AK_ISA_AVX2 = 1,   /* AVX2 + FMA + F16C */
    AK_ISA_AVX512 = 2, /* AVX-512 F, BW, DQ, VL */
    /* AVX-512 + AVX512_BF16: bf16 activation outputs rounded by vcvtneps2bf16, which flushes
     * results below 2^-126 in magnitude to zero (ak_convert keeps the bit-exact rounding). */
    AK_ISA_AVX512_BF16 = 3
} ak_isa;

/* Whether the CPU kernels can run an ISA on this machine, and if not, why (ak_cpu_isa_support). */
typedef enum ak_isa_support {
    AK_SUPPORT_RUNS = 0,
    AK_SUPPORT_CPU_LACKS = 1,   /* the CPU does not have the instructions */
    /* The CPU has them, but the OS has not enabled their register state (XCR0): it would not save
     * those registers across context switches, so they must not be used. */
    AK_SUPPORT_OS_DISABLED = 2,
    AK_SUPPORT_NOT_BUILT = 3    /* the compiler that built this library could not build its kernels */
} ak_isa_support;

/* ---- results ------------------------------------------------------------------------------
 * ak_status_t is an ak_status value. Every function returning it leaves a message for
 * ak_last_error() (CPU library) or ak_cuda_last_error() (CUDA library) when it is not AK_OK. */
typedef int32_t ak_status_t;

/* ---- the activation list ------------------------------------------------------------------
 * One row per activation: X(ENUM_SUFFIX, name, parameter count, flags, forward flops per element,
 * backward flops per element). Names are PyTorch's where PyTorch has the op. The flop counts are
 * the arithmetic of the AVX-512 kernel's hot loop per element (an FMA counts 2, any other
 * arithmetic instruction 1), as bench/tools/count_flops.py reads them from the object code; the
 * benchmarks divide them by the measured FMA peak for the compute floor (gated rows: their gate's
 * counts, plus the products; stochastic_silu: silu's and relu's plus the select, its Philox draw
 * being integer work). Math and the meaning of
 * each op: native/ops/act/. Every file a new row touches: native/README.md. */
typedef enum ak_act_flag {
    /* A few flops per element: its kernels handle one vector per step (interleaving more gains
     * nothing and lengthens the ragged ends), and large outputs may take streaming stores. */
    AK_ACT_MEMORY_BOUND = 1,
    /* Backward from the saved output y is offered (ak_act_backward_from_output). */
    AK_ACT_FROM_OUTPUT = 2,
    /* Gated: y = f(gate) * g(up) over two halves of the input (ak_act_gated_*), not element-wise. */
    AK_ACT_GATED = 4,
    /* Stochastic: each element's function is drawn from Philox keyed by (seed, element offset)
     * (ak_act_seeded_*), the same draw forward and backward. */
    AK_ACT_SEEDED = 8
} ak_act_flag;

#define AK_ACTIVATIONS(X)                                                                           \
    X(RELU, relu, 0, AK_ACT_MEMORY_BOUND | AK_ACT_FROM_OUTPUT, 3, 4)                               \
    X(LEAKY_RELU, leaky_relu, 1, AK_ACT_MEMORY_BOUND | AK_ACT_FROM_OUTPUT, 5, 4)                   \
    X(RELU6, relu6, 0, AK_ACT_MEMORY_BOUND | AK_ACT_FROM_OUTPUT, 4, 6)                             \
    X(HARDTANH, hardtanh, 2, AK_ACT_MEMORY_BOUND | AK_ACT_FROM_OUTPUT, 4, 6)                       \
    X(ELU, elu, 1, AK_ACT_FROM_OUTPUT, 41, 27)                                                     \
    X(SELU, selu, 0, AK_ACT_FROM_OUTPUT, 42, 27)                                                   \
    X(CELU, celu, 1, AK_ACT_FROM_OUTPUT, 42, 27)                                                   \
    X(SIGMOID, sigmoid, 0, AK_ACT_FROM_OUTPUT, 32, 36)                                             \
    X(TANH, tanh, 0, AK_ACT_FROM_OUTPUT, 29, 34)                                                   \
    X(HARDSIGMOID, hardsigmoid, 0, AK_ACT_MEMORY_BOUND, 6, 7)                                      \
    X(HARDSWISH, hardswish, 0, AK_ACT_MEMORY_BOUND, 8, 8)                                          \
    X(SOFTPLUS, softplus, 2, 0, 46, 36)                                                            \
    X(SOFTSIGN, softsign, 0, 0, 8, 8)                                                              \
    X(LOGSIGMOID, logsigmoid, 0, 0, 42, 34)                                                        \
    X(TANHSHRINK, tanhshrink, 0, 0, 70, 31)                                                        \
    X(SOFTSHRINK, softshrink, 1, AK_ACT_MEMORY_BOUND, 6, 6)                                        \
    X(HARDSHRINK, hardshrink, 1, AK_ACT_MEMORY_BOUND, 6, 6)                                        \
    X(THRESHOLD, threshold, 2, AK_ACT_MEMORY_BOUND, 4, 4)                                          \
    X(GELU_ERF, gelu_erf, 0, 0, 61, 64)                                                            \
    X(GELU_TANH, gelu_tanh, 0, 0, 36, 45)                                                          \
    X(QUICK_GELU, quick_gelu, 0, 0, 38, 41)                                                        \
    X(SILU, silu, 0, 0, 32, 38)                                                                    \
    X(SWISH, swish, 1, 0, 38, 41)                                                                  \
    X(MISH, mish, 0, 0, 30, 38)                                                                    \
    X(SAU, sau, 2, 0, 69, 66)                                                                      \
    X(CRRELU, crrelu, 1, 0, 33, 36)                                                                \
    X(RELU_SQUARED, relu_squared, 1, AK_ACT_MEMORY_BOUND, 5, 6)                                    \
    X(SHIFTED_RELU, shifted_relu, 2, AK_ACT_MEMORY_BOUND, 5, 8)                                    \
    X(SOFT_THRESHOLD, soft_threshold, 2, AK_ACT_MEMORY_BOUND, 9, 10)                               \
    X(HELU, helu, 1, AK_ACT_MEMORY_BOUND, 3, 4)                                                    \
    X(SINE, sine, 1, 0, 61, 63)                                                                    \
    X(CAUCHY, cauchy, 3, 0, 11, 17)                                                                \
    X(GLU, glu, 0, AK_ACT_GATED, 33, 71)                                                           \
    X(REGLU, reglu, 0, AK_ACT_GATED | AK_ACT_MEMORY_BOUND, 4, 9)                                   \
    X(GEGLU_ERF, geglu_erf, 0, AK_ACT_GATED, 62, 128)                                              \
    X(GEGLU_TANH, geglu_tanh, 0, AK_ACT_GATED, 37, 84)                                             \
    X(SWIGLU, swiglu, 0, AK_ACT_GATED, 33, 73)                                                     \
    X(SREGLU, sreglu, 1, AK_ACT_GATED | AK_ACT_MEMORY_BOUND, 6, 17)                                \
    X(DRELU, drelu, 0, AK_ACT_GATED | AK_ACT_MEMORY_BOUND, 7, 15)                                  \
    X(STOCHASTIC_SILU, stochastic_silu, 1, AK_ACT_SEEDED, 36, 42)                                  \
    /* add new rows above this line */

/* The parameters of the rows above, in the order of the op's params array:
 * P(ENUM_SUFFIX, name, default, min, max). A value must lie in [min, max] (NaN never does);
 * rules between parameters are the op's own (native/ops/act/). Defaults are PyTorch's where
 * PyTorch has the op. */
#define AK_ACT_PARAMS(P)                                                                            \
    P(LEAKY_RELU, negative_slope, 0.01f, -AK_ACT_HUGE, AK_ACT_HUGE)                                \
    P(HARDTANH, min_val, -1.0f, -AK_ACT_HUGE, AK_ACT_HUGE)                                         \
    P(HARDTANH, max_val, 1.0f, -AK_ACT_HUGE, AK_ACT_HUGE)                                          \
    P(ELU, alpha, 1.0f, -AK_ACT_HUGE, AK_ACT_HUGE)                                                 \
    P(CELU, alpha, 1.0f, AK_ACT_TINY, AK_ACT_HUGE)                                                 \
    P(SOFTPLUS, beta, 1.0f, -AK_ACT_HUGE, AK_ACT_HUGE)                                             \
    P(SOFTPLUS, threshold, 20.0f, -AK_ACT_INF, AK_ACT_INF)                                         \
    P(SOFTSHRINK, lambda, 0.5f, 0.0f, AK_ACT_HUGE)                                                 \
    P(HARDSHRINK, lambda, 0.5f, 0.0f, AK_ACT_HUGE)                                                 \
    P(THRESHOLD, threshold, 0.0f, -AK_ACT_HUGE, AK_ACT_HUGE)                                       \
    P(THRESHOLD, value, 0.0f, -AK_ACT_HUGE, AK_ACT_HUGE)                                           \
    P(SWISH, beta, 1.0f, -AK_ACT_HUGE, AK_ACT_HUGE)                                                \
    P(SAU, negative_slope, 0.01f, 0.0f, 1.0f)                                                      \
    P(SAU, sigma, 1.0f, AK_ACT_TINY, AK_ACT_HUGE)                                                  \
    P(CRRELU, eps, 0.01f, -AK_ACT_HUGE, AK_ACT_HUGE)                                               \
    P(RELU_SQUARED, clip, AK_ACT_INF, 0.0f, AK_ACT_INF)                                            \
    P(SHIFTED_RELU, tau, 0.0f, -AK_ACT_HUGE, AK_ACT_HUGE)                                          \
    P(SHIFTED_RELU, clip, AK_ACT_INF, 0.0f, AK_ACT_INF)                                            \
    P(SOFT_THRESHOLD, tau, 0.5f, 0.0f, AK_ACT_HUGE)                                                \
    P(SOFT_THRESHOLD, clip, AK_ACT_INF, 0.0f, AK_ACT_INF)                                          \
    P(HELU, alpha, 0.05f, 0.0f, AK_ACT_HUGE)                                                       \
    P(SINE, omega0, 30.0f, -AK_ACT_HUGE, AK_ACT_HUGE)                                              \
    P(CAUCHY, lambda1, 1.0f, -AK_ACT_HUGE, AK_ACT_HUGE)                                            \
    P(CAUCHY, lambda2, 1.0f, -AK_ACT_HUGE, AK_ACT_HUGE)                                            \
    P(CAUCHY, d, 1.0f, 1e-18f, 1e18f)                                                              \
    P(SREGLU, clip, AK_ACT_INF, 0.0f, AK_ACT_INF)                                                  \
    P(STOCHASTIC_SILU, p, 0.5f, 0.0f, 1.0f)                                                        \
    /* add new parameters above this line */

/* Parameter bounds: the largest finite float, the smallest normal one (for a parameter that must be
 * > 0 and is divided by), and infinity where a parameter may be infinite. */
#define AK_ACT_HUGE 3.40282347e38f
#define AK_ACT_TINY 1.17549435e-38f
#if defined(AK_BINDGEN)
#define AK_ACT_INF ak_inf
#else
#define AK_ACT_INF (__builtin_inff())
#endif
#define AK_ACT_MAX_PARAMS 4

#define AK_ACT_ENUM_ROW(E, name, np, flags, ff, bf) AK_ACT_##E,
typedef enum ak_activation {
    AK_ACTIVATIONS(AK_ACT_ENUM_ROW)
    AK_ACT_COUNT
} ak_activation;
#undef AK_ACT_ENUM_ROW

#if defined(AK_BINDGEN)
/* The rows as the binding generator reads them (it generates the Java enum from these lines). */
#define AK_BINDGEN_OP(E, name, np, flags, ff, bf) ak_op E name np flags ff bf ;
AK_ACTIVATIONS(AK_BINDGEN_OP)
#define AK_BINDGEN_PARAM(E, name, def, lo, hi) ak_param E name def lo hi ;
AK_ACT_PARAMS(AK_BINDGEN_PARAM)
#endif

/* ---- the learnable activation list -------------------------------------------------------
 * Activations whose parameters are trained: backward returns their gradients too. One row per op:
 * X(ENUM_SUFFIX, name, shared parameters, grouped parameters per group, degrees, forward flops,
 * backward flops per element). A call views its tensor as rows of `channels` elements (the last
 * dimension) cut into `groups` equal groups of channels; a grouped parameter has one value per
 * group (groups = 1: one for the tensor, groups = channels: one per channel), a shared one a single
 * value. The params array holds the shared values, then each grouped parameter's values over the
 * groups (parameter-major: [grouped parameter][group]). degrees: how many of the call's two degree
 * arguments the op takes (num_degree, den_degree; the others must be 0); a grouped count of -1
 * means the degrees set it: rational (num_degree + 1 numerator coefficients a0.., then den_degree
 * denominator coefficients b1..), polyrelu and polynorm (num_degree + 1 coefficients a0..). Math:
 * native/ops/act/learnable.h. polynorm normalizes each row (its value at one element depends on the
 * whole row): its calls cover whole rows (first_channel = 0, n a multiple of channels). The flop
 * counts (degrees (5, 4) for rational, 3 for polyrelu and polynorm) are counted from the functors'
 * source, with exp, sigmoid, tanh and sin at the counts their AK_ACTIVATIONS rows measure,
 * and the parameter gradients' sums: estimates, not object-code counts as above. */
#define AK_LEARNABLES(X)                                                                            \
    X(RATIONAL, rational, 0, -1, 2, 53, 170)                                                       \
    X(POLYRELU, polyrelu, 0, -1, 1, 9, 32)                                                         \
    X(DYT, dyt, 1, 2, 0, 34, 75)                                                                   \
    X(APA, apa, 0, 2, 0, 68, 95)                                                                   \
    X(SWISH, learnable_swish, 0, 1, 0, 38, 80)                                                     \
    X(CRRELU, learnable_crrelu, 0, 1, 0, 33, 60)                                                   \
    X(TEMPERED_SIGMOID, tempered_sigmoid, 0, 3, 0, 31, 50)                                         \
    X(SINE, learnable_sine, 0, 1, 0, 61, 70)                                                       \
    X(CAUCHY, learnable_cauchy, 0, 3, 0, 12, 45)                                                   \
    X(POLYNORM, polynorm, 1, -1, 1, 15, 32)                                                        \
    /* add new rows above this line */

/* The names and initial values of the parameters of the rows above whose count does not depend on
 * degrees, shared ones first, in the params array's order: P(ENUM_SUFFIX, name, initial value).
 * Initial values are those of the published modules. The coefficients of rational, polyrelu and
 * polynorm (whose count the degrees set, after any shared parameter) come from ak_learn_default_params. */
#define AK_LEARN_PARAMS(P)                                                                          \
    P(DYT, alpha, 0.5f)                                                                            \
    P(DYT, gamma, 1.0f)                                                                            \
    P(DYT, beta, 0.0f)                                                                             \
    P(APA, kappa, 1.0f)                                                                            \
    P(APA, lambda, 1.0f)                                                                           \
    P(SWISH, beta, 1.0f)                                                                           \
    P(CRRELU, eps, 0.01f)                                                                          \
    P(TEMPERED_SIGMOID, scale, 2.0f)                                                               \
    P(TEMPERED_SIGMOID, temperature, 2.0f)                                                         \
    P(TEMPERED_SIGMOID, offset, 1.0f)                                                              \
    P(SINE, omega, 30.0f)                                                                          \
    P(CAUCHY, lambda1, 1.0f)                                                                       \
    P(CAUCHY, lambda2, 1.0f)                                                                       \
    P(CAUCHY, d, 1.0f)                                                                             \
    P(POLYNORM, eps, 1e-6f)                                                                        \
    /* add new parameters above this line */

/* The largest degrees: rational (6, 5), polyrelu and polynorm 3. */
#define AK_LEARN_MAX_NUM_DEGREE 6
#define AK_LEARN_MAX_DEN_DEGREE 5
#define AK_LEARN_MAX_POLY_DEGREE 3

#define AK_LEARN_ENUM_ROW(E, name, shared, grouped, degrees, ff, bf) AK_LEARN_##E,
typedef enum ak_learnable {
    AK_LEARNABLES(AK_LEARN_ENUM_ROW)
    AK_LEARN_COUNT
} ak_learnable;
#undef AK_LEARN_ENUM_ROW

/* Kernel flags. */
typedef enum ak_flag {
    AK_FLAG_NONE = 0,
    /* Write the output with non-temporal stores: for outputs much larger than the last-level
     * cache, this saves the read-for-ownership of every output line. */
    AK_FLAG_STREAM = 1,
    /* Bits [8, 12) hold ISA + 1 to run this call on that ISA instead of the active one (0: the
     * active one). A caller that splits one operation into several calls reads ak_cpu_isa()
     * once and passes it to every part, so ak_cpu_set_isa() from another thread meanwhile cannot
     * give one output elements of two ISAs. An ISA this CPU cannot run is an error. */
    AK_FLAG_ISA_SHIFT = 8,
    AK_FLAG_ISA_MASK = 0xF00
} ak_flag;

typedef enum ak_direction { AK_FORWARD = 0, AK_BACKWARD = 1 } ak_direction;

/* ---- library ------------------------------------------------------------------------------ */
AK_API const char* ak_version(void);
/* The message of the last failed call on this thread ("" if none). Valid until the next call. */
AK_API const char* ak_last_error(void);

/* ---- CPU dispatch ------------------------------------------------------------------------- */
/* The ISA every CPU kernel uses now: the best supported one until ak_cpu_set_isa (the Java layer
 * applies -Dactinium.isa / ACTINIUM_ISA through it). */
AK_API int32_t ak_cpu_isa(void);
/* 1 if this machine runs the ISA (the CPU has it, the OS enabled it, this build has its kernels), else 0. */
AK_API int32_t ak_cpu_isa_supported(int32_t isa);
/* An ak_isa_support value for the ISA on this machine, or -1 if isa names no ISA. */
AK_API int32_t ak_cpu_isa_support(int32_t isa);
/* Why the ISA cannot run here, as a sentence; "" where it runs or isa names no ISA. Valid for the
 * life of the process. */
AK_API const char* ak_cpu_isa_support_reason(int32_t isa);
/* Forces an ISA for all later calls; fails if unsupported. */
AK_API ak_status_t ak_cpu_set_isa(int32_t isa);
AK_API const char* ak_cpu_isa_name(int32_t isa);
/* Measures this core's fp32 FMA throughput with the ISA's vectors (independent FMA chains held in
 * registers) and stores flop/s: the compute peak that benchmarks divide by. Not re-entrant in
 * any harmful way, but it keeps a core busy for about iterations * 12 FMA latencies. */
AK_API ak_status_t ak_cpu_measure_fma_peak(int32_t isa, int64_t iterations, double* flops_per_second);

/* ---- activation metadata ------------------------------------------------------------------ */
AK_API const char* ak_activation_name(int32_t op);
/* The row's flags (ak_act_flag), parameter count and flop counts; -1 for an op not in the list. */
AK_API int32_t ak_activation_flags(int32_t op);
AK_API int32_t ak_activation_param_count(int32_t op);
AK_API int32_t ak_activation_flops(int32_t op, int32_t direction);
/* Checks params (ak_activation_param_count(op) floats; NULL when it is 0) as every kernel entry
 * point does: AK_OK, or AK_ERR_INVALID_ARGUMENT with a message naming the parameter. */
AK_API ak_status_t ak_activation_check_params(int32_t op, const float* params);

/* ---- learnable activation metadata ------------------------------------------------------- */
AK_API const char* ak_learn_name(int32_t op);
/* How many degree arguments the op takes (0, 1 or 2); -1 for an op not in the list. */
AK_API int32_t ak_learn_degree_count(int32_t op);
/* Shared parameters of the op; -1 for an op not in the list. */
AK_API int32_t ak_learn_shared_count(int32_t op);
/* Grouped parameters per group for these degrees; -1 with a message (ak_last_error) for an op not
 * in the list or degrees it does not take. */
AK_API int32_t ak_learn_group_count(int32_t op, int32_t num_degree, int32_t den_degree);
/* The name of parameter index (shared ones first, then the grouped ones of one group), or NULL. */
AK_API const char* ak_learn_param_name(int32_t op, int32_t num_degree, int32_t den_degree, int32_t index);
/* Writes the initial values of the shared parameters and of one group (shared + group count floats):
 * rational: the identity P(x) = x, Q = 1; polyrelu: a0 = 0, a1..an = 1/n (PolyCom); the others
 * their AK_LEARN_PARAMS values. */
AK_API ak_status_t ak_learn_default_params(int32_t op, int32_t num_degree, int32_t den_degree, float* params);
AK_API int32_t ak_learn_flops(int32_t op, int32_t direction);
/* Checks a params array as every CPU kernel entry point does: AK_OK, or AK_ERR_INVALID_ARGUMENT with a
 * message naming the parameter and its group. */
AK_API AK_SHORT ak_status_t ak_learn_check_params(int32_t op, int32_t num_degree, int32_t den_degree,
                                                  const float* params, int64_t groups);

/* ---- CPU kernels ---------------------------------------------------------------------------
 * dtype is the storage type of every tensor argument (F32, BF16 or F16; compute is fp32).
 * params: the op's parameters, ak_activation_param_count(op) floats (NULL when it has none).
 * x and y may be the same pointer (in place); partial overlap is an error, and so are sizes
 * whose byte count overflows int64_t or whose range wraps the address space.
 * A NaN x gives x's NaN quieted (sign and payload kept), also where dy or bias is NaN too;
 * the same bits on every ISA and at every position, so for any split of a tensor. */
AK_API AK_SHORT ak_status_t ak_act_forward(int32_t op, int32_t dtype, const float* params,
                                           const void* x, void* y, int64_t n, int32_t flags);
/* dx = dy * f'(x), from the saved input x. dx may equal dy or x. */
AK_API AK_SHORT ak_status_t ak_act_backward(int32_t op, int32_t dtype, const float* params,
                                            const void* x, const void* dy, void* dx, int64_t n,
                                            int32_t flags);
/* dx = dy * f'(x), from the saved output y = f(x), for rows with AK_ACT_FROM_OUTPUT. */
AK_API AK_SHORT ak_status_t ak_act_backward_from_output(int32_t op, int32_t dtype,
                                                        const float* params, const void* y,
                                                        const void* dy, void* dx, int64_t n,
                                                        int32_t flags);
/* y[r][c] = f(x[r][c] + bias[c]) for a row-major rows x cols matrix. */
AK_API AK_SHORT ak_status_t ak_act_forward_bias(int32_t op, int32_t dtype, const float* params,
                                                const void* x, const void* bias, void* y,
                                                int64_t rows, int64_t cols, int32_t flags);
/* dx[r][c] = dy[r][c] * f'(x[r][c] + bias[c]): the backward of ak_act_forward_bias (the bias
 * gradient is the sum of dx over rows). */
AK_API AK_SHORT ak_status_t ak_act_backward_bias(int32_t op, int32_t dtype, const float* params,
                                                 const void* x, const void* bias, const void* dy,
                                                 void* dx, int64_t rows, int64_t cols,
                                                 int32_t flags);
/* Gated rows: y[r][c] = f(gate[r][c] + bias_gate[c]) * g(up[r][c] + bias_up[c]) (g the identity,
 * or the op's own, as dReLU's ReLU). gate and up are row-major with a row stride of in_stride
 * elements (one [rows, 2 cols] input holds both at in_stride = 2 cols, gate first or up first);
 * y is [rows, cols] with stride cols. bias_gate and bias_up are both NULL or both given. */
AK_API AK_SHORT ak_status_t ak_act_gated_forward(int32_t op, int32_t dtype, const float* params,
                                                 const void* gate, const void* up,
                                                 int64_t in_stride, const void* bias_gate,
                                                 const void* bias_up, void* y, int64_t rows,
                                                 int64_t cols, int32_t flags);
/* Seeded (stochastic) rows: element i of the call is element offset + i of the tensor, whose
 * function is drawn from Philox4x32-10 keyed by (seed, offset + i); backward replays the draw.
 * offset >= 0 and offset + n must fit int64_t. */
AK_API AK_SHORT ak_status_t ak_act_seeded_forward(int32_t op, int32_t dtype, const float* params,
                                                  int64_t seed, int64_t offset, const void* x,
                                                  void* y, int64_t n, int32_t flags);
AK_API AK_SHORT ak_status_t ak_act_seeded_backward(int32_t op, int32_t dtype, const float* params,
                                                   int64_t seed, int64_t offset, const void* x,
                                                   const void* dy, void* dx, int64_t n,
                                                   int32_t flags);
/* Both halves' gradients: dgate = dy * f'(gate) * g(up), dup = dy * f(gate) * g'(up), written with
 * the input's layout (row stride in_stride). dgate may be gate and dup up (in place). */
AK_API AK_SHORT ak_status_t ak_act_gated_backward(int32_t op, int32_t dtype, const float* params,
                                                  const void* gate, const void* up,
                                                  int64_t in_stride, const void* bias_gate,
                                                  const void* bias_up, const void* dy,
                                                  void* dgate, void* dup, int64_t rows,
                                                  int64_t cols, int32_t flags);
/* Learnable activations (AK_LEARNABLES) over n elements of a tensor whose rows have `channels`
 * elements in `groups` groups; element i of the call is in channel (first_channel + i) % channels,
 * so a caller may split a tensor anywhere. params: shared + groups * group-count floats, each
 * finite (a parameter that is not is an error naming it). groups >= 1 divides channels.
 * bias: NULL, or `channels` values of dtype, the fused bias of the layer before: f is applied to
 * x + bias[channel] (added in fp32), and backward's dx, the gradient of that sum, is also the bias's
 * gradient per element (summing it over rows is left to the caller). polynorm takes no bias. */
AK_API AK_SHORT ak_status_t ak_learn_forward(int32_t op, int32_t dtype, int32_t num_degree,
                                             int32_t den_degree, const float* params, int64_t groups,
                                             const void* x, const void* bias, void* y, int64_t n,
                                             int64_t channels, int64_t first_channel, int32_t flags);
/* dx = dy * df/dx, and dparams (doubles, as many as params) = the sums over the call's elements of
 * dy * df/dparam: written, not added to. A caller that splits a tensor keeps one dparams row per
 * part and adds the rows in a fixed order, so the gradient's bits do not depend on the threads. */
AK_API AK_SHORT ak_status_t ak_learn_backward(int32_t op, int32_t dtype, int32_t num_degree,
                                              int32_t den_degree, const float* params, int64_t groups,
                                              const void* x, const void* bias, const void* dy, void* dx,
                                              double* dparams, int64_t n, int64_t channels,
                                              int64_t first_channel, int32_t flags);
/* Element-wise storage conversion: F32 <-> BF16, F32 <-> F16 (round to nearest even; NaN
 * quieted, payload kept as far as it fits). flags: only the ISA bits (AK_FLAG_ISA_MASK). */
AK_API AK_SHORT ak_status_t ak_convert(int32_t src_dtype, const void* src, int32_t dst_dtype,
                                   void* dst, int64_t n, int32_t flags);

/* ---- CUDA (libactinium_cuda) ----------------------------------------------------------------
 * Device pointers are plain cudaMalloc memory. Work is queued on one stream per device;
 * copies to the host return when the data is there. */
AK_API const char* ak_cuda_last_error(void);
AK_API ak_status_t ak_cuda_device_count(int32_t* count);
AK_API ak_status_t ak_cuda_device_info(int32_t device, char* name, int64_t name_capacity,
                                   int32_t* cc_major, int32_t* cc_minor, int64_t* total_bytes);
AK_API ak_status_t ak_cuda_malloc(int32_t device, int64_t bytes, void** ptr);
AK_API ak_status_t ak_cuda_free(int32_t device, void* ptr);
AK_API ak_status_t ak_cuda_copy_to_device(int32_t device, void* dst, const void* src, int64_t bytes);
AK_API ak_status_t ak_cuda_copy_to_host(int32_t device, void* dst, const void* src, int64_t bytes);
AK_API ak_status_t ak_cuda_copy_on_device(int32_t device, void* dst, const void* src, int64_t bytes);
AK_API ak_status_t ak_cuda_synchronize(int32_t device);
/* The stream (a cudaStream_t) that work for device is queued on, for callers that order their own
 * work after Actinium's (cudaStreamWaitEvent) or time it with CUDA events. */
AK_API ak_status_t ak_cuda_stream(int32_t device, void** stream);
/* The activation kernels of the CPU section, with the same arguments and checks, on device
 * memory, queued on the device's stream. */
AK_API ak_status_t ak_cuda_act_forward(int32_t device, int32_t op, int32_t dtype,
                                       const float* params, const void* x, void* y, int64_t n);
AK_API ak_status_t ak_cuda_act_backward(int32_t device, int32_t op, int32_t dtype,
                                        const float* params, const void* x, const void* dy,
                                        void* dx, int64_t n);
AK_API ak_status_t ak_cuda_act_backward_from_output(int32_t device, int32_t op, int32_t dtype,
                                                    const float* params, const void* y,
                                                    const void* dy, void* dx, int64_t n);
AK_API ak_status_t ak_cuda_act_forward_bias(int32_t device, int32_t op, int32_t dtype,
                                            const float* params, const void* x, const void* bias,
                                            void* y, int64_t rows, int64_t cols);
AK_API ak_status_t ak_cuda_act_backward_bias(int32_t device, int32_t op, int32_t dtype,
                                             const float* params, const void* x,
                                             const void* bias, const void* dy, void* dx,
                                             int64_t rows, int64_t cols);
AK_API ak_status_t ak_cuda_act_gated_forward(int32_t device, int32_t op, int32_t dtype,
                                             const float* params, const void* gate,
                                             const void* up, int64_t in_stride,
                                             const void* bias_gate, const void* bias_up, void* y,
                                             int64_t rows, int64_t cols);
AK_API ak_status_t ak_cuda_act_gated_backward(int32_t device, int32_t op, int32_t dtype,
                                              const float* params, const void* gate,
                                              const void* up, int64_t in_stride,
                                              const void* bias_gate, const void* bias_up,
                                              const void* dy, void* dgate, void* dup,
                                              int64_t rows, int64_t cols);
AK_API ak_status_t ak_cuda_act_seeded_forward(int32_t device, int32_t op, int32_t dtype,
                                              const float* params, int64_t seed, int64_t offset,
                                              const void* x, void* y, int64_t n);
AK_API ak_status_t ak_cuda_act_seeded_backward(int32_t device, int32_t op, int32_t dtype,
                                               const float* params, int64_t seed, int64_t offset,
                                               const void* x, const void* dy, void* dx, int64_t n);
/* The learnable activations on device memory: params (and bias, NULL or channels values) on the
 * device; dparams (device floats, as many as params) = the whole tensor's parameter gradient, from
 * per-block partial sums added in block order (no atomics: the same bits on every run on a given GPU). */
AK_API ak_status_t ak_cuda_learn_forward(int32_t device, int32_t op, int32_t dtype, int32_t num_degree,
                                         int32_t den_degree, const float* params, int64_t groups,
                                         const void* x, const void* bias, void* y, int64_t n,
                                         int64_t channels);
AK_API ak_status_t ak_cuda_learn_backward(int32_t device, int32_t op, int32_t dtype, int32_t num_degree,
                                          int32_t den_degree, const float* params, int64_t groups,
                                          const void* x, const void* bias, const void* dy, void* dx,
                                          float* dparams, int64_t n, int64_t channels);
AK_API ak_status_t ak_cuda_convert(int32_t device, int32_t src_dtype, const void* src,
                               int32_t dst_dtype, void* dst, int64_t n);

#ifdef __cplusplus
}
#endif
#endif /* ACTINIUM_H */
