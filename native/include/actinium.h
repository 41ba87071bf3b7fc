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
    AK_ISA_AVX512 = 2  /* AVX-512 F, BW, DQ, VL */
} ak_isa;

/* ---- the activation list ------------------------------------------------------------------
 * One row per activation: X(ENUM_SUFFIX, name, forward flops per element, backward flops per
 * element). The flop counts are the arithmetic of the AVX-512 kernel's hot loop per element
 * (an FMA counts 2, any other arithmetic instruction 1), as bench/tools/count_flops.py reads them
 * from the object code; the benchmarks divide them by the measured FMA peak for the compute
 * floor. Math: native/ops/activations.h. */
#define AK_ACTIVATIONS(X)           \
    X(RELU, relu, 3, 3)             \
    X(GELU_ERF, gelu_erf, 61, 64)   \
    X(GELU_TANH, gelu_tanh, 36, 45) \
    X(SILU, silu, 32, 38)

#define AK_ACT_ENUM_ROW(E, name, ff, bf) AK_ACT_##E,
typedef enum ak_activation {
    AK_ACTIVATIONS(AK_ACT_ENUM_ROW)
    AK_ACT_COUNT
} ak_activation;
#undef AK_ACT_ENUM_ROW

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
/* 1 if this CPU and OS can run the ISA, else 0. */
AK_API int32_t ak_cpu_isa_supported(int32_t isa);
/* Forces an ISA for all later calls; fails if unsupported. */
AK_API int32_t ak_cpu_set_isa(int32_t isa);
AK_API const char* ak_cpu_isa_name(int32_t isa);
/* Measures this core's fp32 FMA throughput with the ISA's vectors (independent FMA chains held in
 * registers) and stores flop/s: the compute peak that benchmarks divide by. Not re-entrant in
 * any harmful way, but it keeps a core busy for about iterations * 12 FMA latencies. */
AK_API int32_t ak_cpu_measure_fma_peak(int32_t isa, int64_t iterations, double* flops_per_second);

/* ---- activation metadata ------------------------------------------------------------------ */
AK_API const char* ak_activation_name(int32_t op);
AK_API int32_t ak_activation_flops(int32_t op, int32_t direction);

/* ---- CPU kernels ---------------------------------------------------------------------------
 * dtype is the storage type of every tensor argument (F32 or BF16; compute is fp32).
 * x and y may be the same pointer (in place); partial overlap is an error, and so are sizes
 * whose byte count overflows int64_t or whose range wraps the address space.
 * A NaN x gives x's NaN quieted (sign and payload kept), also where dy or bias is NaN too;
 * the same bits on every ISA and at every position, so for any split of a tensor. */
AK_API AK_SHORT int32_t ak_act_forward(int32_t op, int32_t dtype, const void* x, void* y,
                                       int64_t n, int32_t flags);
/* dx = dy * f'(x), from the saved input x. dx may equal dy or x. */
AK_API AK_SHORT int32_t ak_act_backward(int32_t op, int32_t dtype, const void* x, const void* dy,
                                        void* dx, int64_t n, int32_t flags);
/* y[r][c] = f(x[r][c] + bias[c]) for a row-major rows x cols matrix. */
AK_API AK_SHORT int32_t ak_act_forward_bias(int32_t op, int32_t dtype, const void* x,
                                            const void* bias, void* y, int64_t rows,
                                            int64_t cols, int32_t flags);
/* Element-wise storage conversion: F32 <-> BF16, F32 <-> F16 (round to nearest even; NaN
 * quieted, payload kept as far as it fits). flags: only the ISA bits (AK_FLAG_ISA_MASK). */
AK_API AK_SHORT int32_t ak_convert(int32_t src_dtype, const void* src, int32_t dst_dtype,
                                   void* dst, int64_t n, int32_t flags);

/* ---- CUDA (libactinium_cuda) ----------------------------------------------------------------
 * Device pointers are plain cudaMalloc memory. Work is queued on one stream per device;
 * copies to the host return when the data is there. */
AK_API const char* ak_cuda_last_error(void);
AK_API int32_t ak_cuda_device_count(int32_t* count);
AK_API int32_t ak_cuda_device_info(int32_t device, char* name, int64_t name_capacity,
                                   int32_t* cc_major, int32_t* cc_minor, int64_t* total_bytes);
AK_API int32_t ak_cuda_malloc(int32_t device, int64_t bytes, void** ptr);
AK_API int32_t ak_cuda_free(int32_t device, void* ptr);
AK_API int32_t ak_cuda_copy_to_device(int32_t device, void* dst, const void* src, int64_t bytes);
AK_API int32_t ak_cuda_copy_to_host(int32_t device, void* dst, const void* src, int64_t bytes);
AK_API int32_t ak_cuda_copy_on_device(int32_t device, void* dst, const void* src, int64_t bytes);
AK_API int32_t ak_cuda_synchronize(int32_t device);
/* The stream (a cudaStream_t) that work for device is queued on, for callers that order their own
 * work after Actinium's (cudaStreamWaitEvent) or time it with CUDA events. */
AK_API int32_t ak_cuda_stream(int32_t device, void** stream);
AK_API int32_t ak_cuda_act_forward(int32_t device, int32_t op, int32_t dtype, const void* x,
                                   void* y, int64_t n);
AK_API int32_t ak_cuda_act_backward(int32_t device, int32_t op, int32_t dtype, const void* x,
                                    const void* dy, void* dx, int64_t n);
AK_API int32_t ak_cuda_act_forward_bias(int32_t device, int32_t op, int32_t dtype, const void* x,
                                        const void* bias, void* y, int64_t rows, int64_t cols);
AK_API int32_t ak_cuda_convert(int32_t device, int32_t src_dtype, const void* src,
                               int32_t dst_dtype, void* dst, int64_t n);

#ifdef __cplusplus
}
#endif
#endif /* ACTINIUM_H */
