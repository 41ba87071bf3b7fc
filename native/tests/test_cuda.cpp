// CUDA tests: every activation (and every learnable one with its parameter gradients), direction and
// dtype against the CPU scalar kernels (which the Java tests check against the float64 reference), at
// edge sizes, at element offsets that defeat the 16-byte packet path, with bias rows of odd lengths;
// outputs poisoned before each call, guard elements around each output that must stay poisoned, every
// input allocation ending where its view ends (the emulation faults on any read past it); the same
// bits on a second run; conversions bit-exact; argument errors.
//
// The same source runs on a GPU (actinium_cuda_tests, exit 77 = skipped without one) and on the
// CPU emulation of CUDA (actinium_cuda_emulated_tests, every CI run). The first argument or
// $AK_TEST_SEED repeats a run's inputs (and, emulated, its block and thread orders).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "include/actinium.h"
#include "ops/half.h"
#include "test_support.h"
#if defined(AK_CUDA_EMULATION)
#include "cuda/emulation.h"
#endif

// A CUDA error (a kernel fault) loses the context, on a GPU as in the emulation: the run stops there.
#define OK(call)                                                                     \
    do {                                                                             \
        const int32_t status_ = (call);                                              \
        CHECK(status_ == AK_OK, "%s -> %s", #call, ak_cuda_last_error());            \
        if (status_ == AK_ERR_CUDA) {                                                \
            std::printf("%d passed, %d failed (stopped at a CUDA error)\n", g_checks - g_failures, g_failures); \
            std::exit(1);                                                            \
        }                                                                            \
    } while (0)

namespace {

constexpr int64_t kGuard = 8;            // poisoned elements before and after each output view
constexpr uint16_t kPoison16 = 0x7fa5;   // a NaN no kernel produces (bf16)
constexpr uint32_t kPoison32 = 0x7fa5a5a5u;

// CUDA and the CPU's scalar kernels run the same functors (native/ops/act), which the Java tests hold
// to each op's bound against the float64 reference; here the two may differ by FMA contraction and
// the rounding of divisions and reciprocals, which the ill-conditioned ops (tanhshrink's subtraction,
// gelu_tanh's left tail) amplify to a few parts in 1e6. One bound for every op. For BF16 and F16
// storage both sides take the same polynomials of 16-bit accuracy (math.h, kNarrowResults; CUDA
// through narrow_float), so the same bound holds before the rounding to 16 bits, where an element
// may round to either side: two half-units more.
struct Tolerance {
    double rtol, atol;
};
Tolerance tolerance(int dtype) {
    constexpr Tolerance kF32{2e-5, 2e-6};
    if (dtype == AK_DTYPE_F32) return kF32;
    return {2 * (dtype == AK_DTYPE_BF16 ? 0x1p-8 : 0x1p-11) + kF32.rtol, kF32.atol};
}

// Inputs where an op's result is not determined to the bound by either side: sine beyond the
// accurate reduction (|omega0 x| >= 1e5, native/ops/act/fixed_forms.h).
bool comparable(int op, const float* params, float x) {
    return op != AK_ACT_SINE || std::fabs(double(x) * params[0]) < 1e5;
}

// amplification: the factor by which a subnormal intermediate's rounding may be multiplied on its
// way to the result (1 + scale where the result is f' dy; more where a further factor follows).
bool close(float got, float want, Tolerance tol, double scale, double amplification, int dtype) {
    if (std::isnan(want)) return std::isnan(got);
    if (std::isinf(want)) return got == want;
    const double subnormal_ulps = dtype == AK_DTYPE_F32 ? 4 * 0x1p-149 : dtype == AK_DTYPE_BF16 ? 4 * 0x1p-133
            : 4 * 0x1p-24;
    // A result near or below FLT_MIN went through subnormal intermediates (f'(gate) dy in the gated
    // backward, the cancelling left tail of gelu's f'): there CUDA's FMAs and the CPU's roundings
    // part by up to about 1e-4 of a result just above FLT_MIN (geglu_erf's bias backward: -1.30027e-38
    // against -1.30030e-38), and by some units of 2^-149 times the factor a subnormal intermediate
    // is multiplied by for a subnormal result (the same op: -9.57830e-41 against -9.58096e-41, 19
    // units). In the gated backward f'(gate) dy is subnormal where dy is, and |up| (up to 1e30 among
    // the edge inputs) multiplies it after its rounding. Below 2^-100 no result of a well-scaled input
    // is checked more tightly than 1e-4 of it plus 2^-136 (a thousandth of FLT_MIN).
    const double subnormal_result = std::fabs(want) < 0x1p-100 ? 1e-4 * std::fabs(want) + 0x1p-136 : 0.0;
    return std::fabs(double(got) - want) <=
           tol.rtol * std::fabs(want) + tol.atol * scale + subnormal_ulps * amplification + subnormal_result;
}

struct DeviceBuffer {
    void* d = nullptr;
    explicit DeviceBuffer(int64_t bytes) { OK(ak_cuda_malloc(0, bytes, &d)); }
    ~DeviceBuffer() { ak_cuda_free(0, d); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    char* at(int64_t byte) const { return static_cast<char*>(d) + byte; }
};

// n elements of storage dtype on the host (raw bytes) and their float values.
struct HostTensor {
    int dtype;
    int64_t es;
    std::vector<char> bytes;
    HostTensor(int dtype_, int64_t n) : dtype(dtype_), es(dtype_ == AK_DTYPE_F32 ? 4 : 2), bytes(n * es) {}
    int64_t n() const { return int64_t(bytes.size()) / es; }
    float get(int64_t i) const { return load_as(dtype, bytes.data(), i); }
    void set(int64_t i, float v) { store_as(dtype, bytes.data(), i, v); }
    bool poisoned(int64_t i) const {
        if (es == 4) { uint32_t b; std::memcpy(&b, &bytes[i * 4], 4); return b == kPoison32; }
        uint16_t h; std::memcpy(&h, &bytes[i * 2], 2);
        return h == kPoison16;
    }
    void poison() {
        for (int64_t i = 0; i < n(); ++i) {
            if (es == 4) std::memcpy(&bytes[i * 4], &kPoison32, 4);
            else std::memcpy(&bytes[i * 2], &kPoison16, 2);
        }
    }
};

// Random activation inputs with the edge values mixed in at random places.
HostTensor random_input(int dtype, int64_t n, Rng& rng) {
    static const float kEdges[] = {NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e-40f, -1e-40f, 1e30f, -1e30f,
                                   88.7f, -88.7f, 3.0f, -3.0f, 6.0f};
    HostTensor t(dtype, n);
    for (int64_t i = 0; i < n; ++i) t.set(i, rng.percent(5) ? rng.pick(kEdges) : rng.finite());
    return t;
}

// A device copy of host tensor t, placed at element offset so that the allocation ends where t ends.
struct DeviceInput {
    DeviceBuffer buffer;
    int64_t offset_bytes;
    DeviceInput(const HostTensor& t, int64_t offset)
        : buffer((offset + t.n()) * t.es + (t.n() + offset == 0)), offset_bytes(offset * t.es) {
        if (t.n() > 0) OK(ak_cuda_copy_to_device(0, buffer.at(offset_bytes), t.bytes.data(), int64_t(t.bytes.size())));
    }
    void* view() const { return buffer.at(offset_bytes); }
};

// An output of n elements at element offset, with kGuard poisoned elements on either side.
struct DeviceOutput {
    int dtype;
    int64_t n, offset;
    HostTensor host;
    DeviceBuffer buffer;
    DeviceOutput(int dtype_, int64_t n_, int64_t offset_)
        : dtype(dtype_), n(n_), offset(offset_ + kGuard), host(dtype_, n_ + offset_ + 2 * kGuard),
          buffer(int64_t(host.bytes.size())) {}
    void* view() { return buffer.at(offset * host.es); }
    void poison() {
        host.poison();
        OK(ak_cuda_copy_to_device(0, buffer.d, host.bytes.data(), int64_t(host.bytes.size())));
    }
    // Copies back; checks the guards are still poisoned; returns the view's elements.
    HostTensor fetch(const char* at) {
        OK(ak_cuda_copy_to_host(0, host.bytes.data(), buffer.d, int64_t(host.bytes.size())));
        int touched = 0;
        for (int64_t i = 0; i < host.n(); ++i)
            if ((i < offset || i >= offset + n) && !host.poisoned(i)) ++touched;
        CHECK(touched == 0, "%s: %d elements outside the output view were written", at, touched);
        HostTensor view(dtype, n);
        std::memcpy(view.bytes.data(), &host.bytes[offset * host.es], n * host.es);
        return view;
    }
};

// scale: nullptr forward, dy backward (the bound's atol scales with |dy|); input: what decides
// whether an element is comparable (comparable()); inputs_of(i): the inputs of element i, printed
// with its first failures; amplification: close()'s, per element (1 + scale where null).
template <class InputsOf>
void compare(const char* at, const char* what, int op, const float* params, const HostTensor& gpu,
             const HostTensor& cpu, const HostTensor* scale, const HostTensor& input, InputsOf inputs_of,
             const std::vector<double>* amplification = nullptr) {
    int bad = 0;
    const Tolerance tol = tolerance(gpu.dtype);
    for (int64_t i = 0; i < gpu.n(); ++i) {
        double s = scale ? std::fabs(double(scale->get(i))) : 1.0;
        s = std::isfinite(s) ? s : 0.0;
        if (!comparable(op, params, input.get(i))) continue;
        if (close(gpu.get(i), cpu.get(i), tol, s, amplification ? (*amplification)[i] : 1 + s, gpu.dtype)) continue;
        if (bad++ < 3)
            std::printf("  %s %s [%lld]: cuda %.9g cpu %.9g (%s)\n", at, what, (long long)i, gpu.get(i), cpu.get(i),
                        inputs_of(i).c_str());
    }
    CHECK(bad == 0, "%s %s: %d of %lld elements differ", at, what, bad, (long long)gpu.n());
}

void compare(const char* at, const char* what, int op, const float* params, const HostTensor& gpu,
             const HostTensor& cpu, const HostTensor* scale, const HostTensor& input) {
    compare(at, what, op, params, gpu, cpu, scale, input, [&](int64_t i) {
        char text[96];
        if (scale) std::snprintf(text, sizeof text, "input %.9g, dy %.9g", input.get(i), scale->get(i));
        else std::snprintf(text, sizeof text, "input %.9g", input.get(i));
        return std::string(text);
    });
}

// Runs the same call a second time into fresh poison: the bits must not change (no order dependence).
template <class Call>
void run_twice(const char* at, DeviceOutput& out, Call call, HostTensor* result) {
    out.poison();
    OK(call());
    OK(ak_cuda_synchronize(0));
    *result = out.fetch(at);
    out.poison();
    OK(call());
    const HostTensor again = out.fetch(at);
    CHECK(again.bytes == result->bytes, "%s: a second run gave other bits", at);
}

void test_elementwise(int op, const float* p, int dtype, int64_t n, int64_t offset, Rng& rng) {
    char at[128];
    std::snprintf(at, sizeof at, "%s dtype %d n %lld offset %lld", ak_activation_name(op), dtype, (long long)n,
                  (long long)offset);
    const HostTensor x = random_input(dtype, n, rng), dy = random_input(dtype, n, rng);
    DeviceInput dx_in(x, offset), ddy(dy, offset);
    DeviceOutput out(dtype, n, offset);
    HostTensor gpu(dtype, n), cpu(dtype, n);

    run_twice(at, out, [&] { return ak_cuda_act_forward(0, op, dtype, p, dx_in.view(), out.view(), n); }, &gpu);
    OK(ak_act_forward(op, dtype, p, x.bytes.data(), cpu.bytes.data(), n, 0));
    compare(at, "forward", op, p, gpu, cpu, nullptr, x);

    run_twice(at, out, [&] { return ak_cuda_act_backward(0, op, dtype, p, dx_in.view(), ddy.view(), out.view(), n); },
              &gpu);
    OK(ak_act_backward(op, dtype, p, x.bytes.data(), dy.bytes.data(), cpu.bytes.data(), n, 0));
    compare(at, "backward", op, p, gpu, cpu, &dy, x);

    if (!(ak_activation_flags(op) & AK_ACT_FROM_OUTPUT)) return;
    run_twice(at, out, [&] {
        return ak_cuda_act_backward_from_output(0, op, dtype, p, dx_in.view(), ddy.view(), out.view(), n);
    }, &gpu);
    OK(ak_act_backward_from_output(op, dtype, p, x.bytes.data(), dy.bytes.data(), cpu.bytes.data(), n, 0));
    compare(at, "backward from output", op, p, gpu, cpu, &dy, x);
}

void test_bias(int op, const float* p, int dtype, int64_t rows, int64_t cols, int64_t offset, Rng& rng) {
    char at[128];
    std::snprintf(at, sizeof at, "%s bias dtype %d %lld x %lld offset %lld", ak_activation_name(op), dtype,
                  (long long)rows, (long long)cols, (long long)offset);
    const int64_t n = rows * cols;
    const HostTensor x = random_input(dtype, n, rng), bias = random_input(dtype, cols, rng);
    const HostTensor dy = random_input(dtype, n, rng);
    DeviceInput dx_in(x, offset), dbias(bias, offset), ddy(dy, offset);
    DeviceOutput out(dtype, n, offset);
    HostTensor gpu(dtype, n), cpu(dtype, n), sum(dtype, n);
    for (int64_t i = 0; i < n; ++i) sum.set(i, x.get(i) + bias.get(i % cols));
    run_twice(at, out,
              [&] {
                  return ak_cuda_act_forward_bias(0, op, dtype, p, dx_in.view(), dbias.view(), out.view(), rows, cols);
              },
              &gpu);
    OK(ak_act_forward_bias(op, dtype, p, x.bytes.data(), bias.bytes.data(), cpu.bytes.data(), rows, cols, 0));
    compare(at, "forward", op, p, gpu, cpu, nullptr, sum);
    run_twice(at, out,
              [&] {
                  return ak_cuda_act_backward_bias(0, op, dtype, p, dx_in.view(), dbias.view(), ddy.view(), out.view(),
                                                   rows, cols);
              },
              &gpu);
    OK(ak_act_backward_bias(op, dtype, p, x.bytes.data(), bias.bytes.data(), dy.bytes.data(), cpu.bytes.data(), rows,
                            cols, 0));
    compare(at, "backward", op, p, gpu, cpu, &dy, sum);
}

// A seeded (stochastic) op forward and backward at an element offset, against the CPU: the same
// draws, so the same function per element.
void test_seeded(int op, const float* p, int dtype, int64_t n, int64_t offset, Rng& rng) {
    char at[128];
    std::snprintf(at, sizeof at, "%s seeded dtype %d n %lld offset %lld", ak_activation_name(op), dtype, (long long)n,
                  (long long)offset);
    const HostTensor x = random_input(dtype, n, rng), dy = random_input(dtype, n, rng);
    DeviceInput dx_in(x, offset), ddy(dy, offset);
    DeviceOutput out(dtype, n, offset);
    HostTensor gpu(dtype, n), cpu(dtype, n);
    const int64_t seed = int64_t(rng.next()), first = int64_t(rng.below(1ull << 40));
    run_twice(at, out, [&] { return ak_cuda_act_seeded_forward(0, op, dtype, p, seed, first, dx_in.view(), out.view(),
            n); },
              &gpu);
    OK(ak_act_seeded_forward(op, dtype, p, seed, first, x.bytes.data(), cpu.bytes.data(), n, 0));
    compare(at, "forward", op, p, gpu, cpu, nullptr, x);
    run_twice(at, out, [&] {
        return ak_cuda_act_seeded_backward(0, op, dtype, p, seed, first, dx_in.view(), ddy.view(), out.view(), n);
    }, &gpu);
    OK(ak_act_seeded_backward(op, dtype, p, seed, first, x.bytes.data(), dy.bytes.data(), cpu.bytes.data(), n, 0));
    compare(at, "backward", op, p, gpu, cpu, &dy, x);
}

// A gated op on one [rows, 2 cols] input, gate first (in_stride 2 cols), with or without biases,
// forward and both halves' gradients, against the CPU.
void test_gated(int op, const float* p, int dtype, int64_t rows, int64_t cols, bool with_bias, Rng& rng) {
    char at[128];
    std::snprintf(at, sizeof at, "%s gated dtype %d %lld x %lld%s", ak_activation_name(op), dtype, (long long)rows,
                  (long long)cols, with_bias ? " bias" : "");
    const int64_t n = rows * cols, es = dtype == AK_DTYPE_F32 ? 4 : 2;
    const HostTensor x = random_input(dtype, 2 * n, rng), dy = random_input(dtype, n, rng);
    const HostTensor bias = random_input(dtype, 2 * cols, rng);
    DeviceInput dx_in(x, 0), ddy(dy, 0), dbias(bias, 0);
    const void* bg = with_bias ? dbias.view() : nullptr;
    const void* bu = with_bias ? dbias.buffer.at(cols * es) : nullptr;
    const void* hbg = with_bias ? bias.bytes.data() : nullptr;
    const void* hbu = with_bias ? bias.bytes.data() + cols * es : nullptr;
    DeviceOutput out(dtype, n, 0), grads(dtype, 2 * n, 0);
    HostTensor gpu(dtype, n), cpu(dtype, n), gpu_grads(dtype, 2 * n), cpu_grads(dtype, 2 * n);
    auto* gate = static_cast<char*>(dx_in.view());
    run_twice(at, out, [&] {
        return ak_cuda_act_gated_forward(0, op, dtype, p, gate, gate + cols * es, 2 * cols, bg, bu, out.view(), rows,
                                         cols);
    }, &gpu);
    OK(ak_act_gated_forward(op, dtype, p, x.bytes.data(), x.bytes.data() + cols * es, 2 * cols, hbg, hbu,
                            cpu.bytes.data(), rows, cols, 0));
    compare(at, "forward", op, p, gpu, cpu, nullptr, x);
    auto* dg = static_cast<char*>(grads.view());
    run_twice(at, grads, [&] {
        return ak_cuda_act_gated_backward(0, op, dtype, p, gate, gate + cols * es, 2 * cols, bg, bu, ddy.view(), dg,
                                          dg + cols * es, rows, cols);
    }, &gpu_grads);
    OK(ak_act_gated_backward(op, dtype, p, x.bytes.data(), x.bytes.data() + cols * es, 2 * cols, hbg, hbu,
                             dy.bytes.data(), cpu_grads.bytes.data(), cpu_grads.bytes.data() + cols * es, rows, cols,
                             0));
    // The atol scale of each gradient: |dy g(up)| for dgate (f' crosses 0, where only an absolute
    // bound holds, and dy g(up) multiplies it), |dy| for dup (f(gate) is relatively accurate). In
    // fp32 whatever the storage: dy up overflows f16 (65504), and an infinite scale is no scale.
    // dgate is f'(gate) dy, then times g(up): a subnormal f'(gate) dy is amplified by |up|.
    HostTensor scale(AK_DTYPE_F32, 2 * n);
    std::vector<double> amplification(2 * n);
    for (int64_t i = 0; i < 2 * n; ++i) {
        const int64_t r = i / (2 * cols), c = i % (2 * cols) % cols;
        const float d = dy.get(r * cols + c);
        const double up = std::fabs(double(x.get(r * 2 * cols + cols + c)) + (with_bias ? bias.get(cols + c) : 0.0));
        const bool of_gate = i % (2 * cols) < cols;
        scale.set(i, of_gate ? float(std::fabs(d) * std::max(1.0, up)) : d);
        const double s = std::fabs(double(scale.get(i)));
        amplification[i] = 1 + (std::isfinite(s) ? s : 0.0) + (of_gate && std::isfinite(up) ? up : 0.0);
    }
    compare(at, "backward", op, p, gpu_grads, cpu_grads, &scale, x, [&](int64_t i) {
        const int64_t r = i / (2 * cols), c = i % (2 * cols) % cols;
        char text[128];
        std::snprintf(text, sizeof text, "gate %.9g, up %.9g, dy %.9g%s", x.get(r * 2 * cols + c),
                      x.get(r * 2 * cols + cols + c), dy.get(r * cols + c), with_bias ? ", before the biases" : "");
        return std::string(text);
    }, &amplification);
}

// A learnable op over rows x cols in groups (a divisor of cols) against the CPU's scalar kernels:
// forward, dx and the parameter gradients. Inputs within +-8 (where the parameter gradients are sums
// of finite terms); parameters the op's initial ones, moved a little per group (shared ones scaled).
// The CPU sums each gradient in double; the GPU in float per thread, then in double: the bound is
// relative to the sum of the terms' absolute values (each element's, a row's for polynorm), 1e-4 of it
// in F32 and 2e-3 with 16-bit storage, whose terms both sides compute with 16-bit accuracy. with_bias: a
// fused bias per channel, the same on both sides.
void test_learnable(int op, int num, int den, int64_t groups, int dtype, int64_t rows, int64_t cols, Rng& rng,
                    bool with_bias = false) {
    char at[160];
    std::snprintf(at, sizeof at, "%s (%d, %d) %lld groups dtype %d %lld x %lld%s", ak_learn_name(op), num, den,
                  (long long)groups, dtype, (long long)rows, (long long)cols, with_bias ? " with a bias" : "");
    const int64_t n = rows * cols;
    const int32_t shared = ak_learn_shared_count(op), per = ak_learn_group_count(op, num, den);
    std::vector<float> one(shared + per), params(shared + per * groups);
    OK(ak_learn_default_params(op, num, den, one.data()));
    for (int k = 0; k < shared + per; ++k)
        for (int64_t g = 0; g < (k < shared ? 1 : groups); ++g)
            params[k < shared ? k : shared + (k - shared) * groups + g] =
                k < shared ? one[k] * 1.1f : one[k] + 0.05f * float((k * 7 + g * 3) % 5 - 2);  // eps stays > 0
    HostTensor x(dtype, n), dy(dtype, n);
    for (int64_t i = 0; i < n; ++i) {
        x.set(i, rng.finite() / 64);
        dy.set(i, rng.finite() / 64);
    }
    HostTensor bias(dtype, with_bias ? cols : 0);
    for (int64_t c = 0; c < bias.n(); ++c) bias.set(c, rng.finite() / 256);
    DeviceInput dx_in(x, 0), ddy(dy, 0), dbias(bias, 0);
    const void* db = with_bias ? dbias.view() : nullptr;
    const void* hb = with_bias ? bias.bytes.data() : nullptr;
    DeviceBuffer dparams_in(int64_t(params.size()) * 4), dgrads(int64_t(params.size()) * 4);
    OK(ak_cuda_copy_to_device(0, dparams_in.d, params.data(), int64_t(params.size()) * 4));
    DeviceOutput out(dtype, n, 0);
    HostTensor gpu(dtype, n), cpu(dtype, n);
    const float* dp = static_cast<const float*>(dparams_in.d);
    run_twice(at, out, [&] {
        return ak_cuda_learn_forward(0, op, dtype, num, den, dp, groups, dx_in.view(), db, out.view(), n, cols);
    }, &gpu);
    OK(ak_learn_forward(op, dtype, num, den, params.data(), groups, x.bytes.data(), hb, cpu.bytes.data(), n, cols, 0,
                        0));
    compare(at, "forward", -1, nullptr, gpu, cpu, nullptr, x);

    std::vector<float> grads(params.size()), again(params.size());
    run_twice(at, out, [&] {
        return ak_cuda_learn_backward(0, op, dtype, num, den, dp, groups, dx_in.view(), db, ddy.view(), out.view(),
                                      static_cast<float*>(dgrads.d), n, cols);
    }, &gpu);
    OK(ak_cuda_copy_to_host(0, grads.data(), dgrads.d, int64_t(grads.size()) * 4));
    std::vector<double> want(params.size()), magnitude(params.size()), chunk(params.size());
    OK(ak_learn_backward(op, dtype, num, den, params.data(), groups, x.bytes.data(), hb, dy.bytes.data(),
                         cpu.bytes.data(), want.data(), n, cols, 0, 0));
    // polynorm's dx is a sum over the powers k of r_k k x^(k-1) (a_k dy - r_k^2 x^k mean_row(a_k dy x^k)),
    // terms that may cancel to far less than their size (one channel: (1 - n_k^2), and k against k + 1),
    // and the row's mean may itself cancel: its scale is ten times the sum of the terms' magnitudes, the
    // mean's taken over its terms' magnitudes (from the definition, in double).
    HostTensor scale(AK_DTYPE_F32, n);
    for (int64_t r = 0; r < rows; ++r) {
        std::vector<double> magnitude(cols, 0.0);
        if (op == AK_LEARN_POLYNORM) {
            const double eps = params[0];
            for (int k = 1; k <= num; ++k) {
                double m = 0, mean = 0;  // mean: of |a_k dy x^k|, the size of the terms the row's mean adds
                for (int64_t c = 0; c < cols; ++c) m += std::pow(double(x.get(r * cols + c)), 2 * k);
                const double rk = 1 / std::sqrt(m / double(cols) + eps);
                auto a = [&](int64_t c) { return double(params[1 + k * groups + c / (cols / groups)]); };
                for (int64_t c = 0; c < cols; ++c)
                    mean += std::fabs(a(c) * dy.get(r * cols + c) * std::pow(double(x.get(r * cols + c)), k));
                mean /= double(cols);
                for (int64_t c = 0; c < cols; ++c) {
                    const double xv = std::fabs(double(x.get(r * cols + c)));
                    const double g = std::fabs(a(c) * dy.get(r * cols + c));
                    magnitude[c] += k * rk * std::pow(xv, k - 1) * (g + rk * rk * std::pow(xv, k) * mean);
                }
            }
        }
        for (int64_t c = 0; c < cols; ++c)
            scale.set(r * cols + c, float(std::fabs(double(dy.get(r * cols + c))) + 10 * magnitude[c]));
    }
    compare(at, "backward dx", -1, nullptr, gpu, cpu, &scale, x);
    // polynorm's calls cover whole rows: its chunks are rows.
    const int64_t step = op == AK_LEARN_POLYNORM ? cols : 1;
    HostTensor scratch(dtype, step);
    for (int64_t i = 0; i < n; i += step) {
        const int64_t len = std::min(step, n - i);
        OK(ak_learn_backward(op, dtype, num, den, params.data(), groups, x.bytes.data() + i * x.es, hb,
                             dy.bytes.data() + i * dy.es, scratch.bytes.data(), chunk.data(), len, cols, i % cols, 0));
        for (size_t k = 0; k < chunk.size(); ++k) magnitude[k] += std::fabs(chunk[k]);
    }
    int bad = 0;
    for (size_t k = 0; k < grads.size(); ++k) {
        const double rtol = dtype == AK_DTYPE_F32 ? 1e-4 : 2e-3;
        if (std::fabs(grads[k] - want[k]) <= rtol * magnitude[k] + 1e-6 * std::fabs(want[k]) + 1e-30) continue;
        if (bad++ < 3)
            std::printf("  %s dparams[%zu] (%s): cuda %.9g cpu %.9g (terms %.3g)\n", at, k,
                        ak_learn_param_name(op, num, den, int32_t(k < size_t(shared) ? k : shared + (k - shared) /
                                                                                            groups)),
                        grads[k], want[k], magnitude[k]);
    }
    CHECK(bad == 0, "%s dparams: %d of %zu differ", at, bad, grads.size());
    OK(ak_cuda_learn_backward(0, op, dtype, num, den, dp, groups, dx_in.view(), db, ddy.view(), out.view(),
                              static_cast<float*>(dgrads.d), n, cols));
    OK(ak_cuda_copy_to_host(0, again.data(), dgrads.d, int64_t(again.size()) * 4));
    CHECK(std::memcmp(again.data(), grads.data(), grads.size() * 4) == 0, "%s dparams: a second run gave other bits",
          at);
}

void test_conversions(Rng& rng) {
    // Every 16-bit code through f32 and back, bit-exact against the scalar conversions.
    const int64_t n = 65536;
    std::vector<uint16_t> codes(n), back(n);
    for (int64_t i = 0; i < n; ++i) codes[i] = uint16_t(i);
    DeviceBuffer d16(n * 2), d32(n * 4);
    for (int dtype : {AK_DTYPE_BF16, AK_DTYPE_F16}) {
        OK(ak_cuda_copy_to_device(0, d16.d, codes.data(), n * 2));
        OK(ak_cuda_convert(0, dtype, d16.d, AK_DTYPE_F32, d32.d, n));
        OK(ak_cuda_convert(0, AK_DTYPE_F32, d32.d, dtype, d16.d, n));
        OK(ak_cuda_copy_to_host(0, back.data(), d16.d, n * 2));
        int bad = 0;
        for (int64_t i = 0; i < n; ++i) {
            const float v = dtype == AK_DTYPE_BF16 ? ak::bf16_to_float(codes[i]) : ak::f16_to_float(codes[i]);
            bad += back[i] != (dtype == AK_DTYPE_BF16 ? ak::float_to_bf16(v) : ak::float_to_f16(v));
        }
        CHECK(bad == 0, "dtype %d round trip: %d codes differ", dtype, bad);
    }
    // Random floats to 16 bits at odd offsets and lengths, against the CPU conversion.
    for (int64_t len : {int64_t(1), int64_t(7), int64_t(4097)})
        for (int dtype : {AK_DTYPE_BF16, AK_DTYPE_F16}) {
            HostTensor f(AK_DTYPE_F32, len);
            for (int64_t i = 0; i < len; ++i) f.set(i, rng.finite() * (rng.percent(10) ? 1e4f : 1.0f));
            DeviceInput src(f, 3);
            DeviceBuffer dst((len + 1) * 2);
            std::vector<uint16_t> got(len), want(len);
            OK(ak_cuda_convert(0, AK_DTYPE_F32, src.view(), dtype, dst.at(2), len));
            OK(ak_cuda_copy_to_host(0, got.data(), dst.at(2), len * 2));
            OK(ak_convert(AK_DTYPE_F32, f.bytes.data(), dtype, want.data(), len, 0));
            CHECK(got == want, "f32 -> dtype %d, %lld elements at an odd offset", dtype, (long long)len);
        }
}

void test_errors() {
    DeviceBuffer d(64);
    const float bad_slope[] = {NAN};
    CHECK(ak_cuda_act_forward(0, 999, AK_DTYPE_F32, nullptr, d.d, d.d, 4) == AK_ERR_INVALID_ARGUMENT, "bad op");
    CHECK(ak_cuda_act_forward(0, 0, AK_DTYPE_I8, nullptr, d.d, d.d, 4) == AK_ERR_UNSUPPORTED, "bad dtype");
    CHECK(ak_cuda_act_forward(0, 0, AK_DTYPE_F32, nullptr, d.d, d.d, -1) == AK_ERR_INVALID_ARGUMENT, "negative n");
    CHECK(ak_cuda_act_forward(0, 0, AK_DTYPE_F32, nullptr, nullptr, d.d, 4) == AK_ERR_INVALID_ARGUMENT, "null x");
    CHECK(ak_cuda_act_forward(0, AK_ACT_LEAKY_RELU, AK_DTYPE_F32, bad_slope, d.d, d.d, 4) == AK_ERR_INVALID_ARGUMENT,
          "NaN parameter");
    CHECK(std::strstr(ak_cuda_last_error(), "negative_slope") != nullptr, "the message names the parameter: %s",
          ak_cuda_last_error());
    CHECK(ak_cuda_act_forward(0, AK_ACT_SWIGLU, AK_DTYPE_F32, nullptr, d.d, d.d, 4) == AK_ERR_INVALID_ARGUMENT,
          "a gated op through the element-wise entry");
    CHECK(ak_cuda_act_forward_bias(0, 0, AK_DTYPE_F32, nullptr, d.d, d.d, d.d, -1, 4) == AK_ERR_INVALID_ARGUMENT,
          "rows < 0");
    CHECK(ak_cuda_copy_to_device(0, d.d, d.d, -1) == AK_ERR_INVALID_ARGUMENT, "negative bytes");
    CHECK(ak_cuda_convert(0, AK_DTYPE_BF16, d.d, AK_DTYPE_F16, d.d, 4) == AK_ERR_UNSUPPORTED, "bf16 -> f16");
    CHECK(ak_cuda_act_forward(64, 0, AK_DTYPE_F32, nullptr, d.d, d.d, 4) == AK_ERR_NO_DEVICE, "device 64");
    void* stream = nullptr;
    OK(ak_cuda_stream(0, &stream));
    CHECK(stream != nullptr, "ak_cuda_stream gave no stream");
    CHECK(ak_cuda_stream(0, nullptr) == AK_ERR_INVALID_ARGUMENT, "ak_cuda_stream with a null out");
}

}  // namespace

int main(int argc, char** argv) {
    int32_t count = 0;
    if (ak_cuda_device_count(&count) != AK_OK || count == 0) {
        std::printf("SKIP: no usable CUDA device: %s\n",
                    count == 0 && ak_cuda_last_error()[0] == 0 ? "0 devices" : ak_cuda_last_error());
        return 77;
    }
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // a run cut short still shows how far it got
    const uint64_t seed = test_seed(argc, argv);
#if defined(AK_CUDA_EMULATION)
    ak::emu::seed(seed);
#endif
    Rng rng(seed);
    char name[256];
    int32_t major, minor;
    int64_t mem;
    OK(ak_cuda_device_info(0, name, sizeof name, &major, &minor, &mem));
    std::printf("device 0: %s, sm_%d%d, %.1f GiB\n", name, major, minor, mem / 1073741824.0);
    CHECK(ak_cuda_device_info(count, name, sizeof name, &major, &minor, &mem) == AK_ERR_NO_DEVICE,
          "a missing device must be AK_ERR_NO_DEVICE");
    ak_cpu_set_isa(AK_ISA_SCALAR);
    // The large sizes and shapes take several grid strides: on a GPU, grids are capped at 16 blocks of
    // 256 threads per multiprocessor (132 on an H100 or H200), each thread a 16-byte packet per stride
    // where the view is aligned (4 or 8 elements) and one element where it is not; the emulated device
    // has 2 multiprocessors. The large size (2 packet strides of F32, one and a tail of 16-bit) runs
    // aligned; the medium one (2 element strides) at every offset. The reference is the CPU's scalar
    // kernels, and the host checks every element: the sizes are kept to what the strides need.
#if defined(AK_CUDA_EMULATION)
    const int64_t grid_threads = 2 * 16 * 256;
#else
    const int64_t grid_threads = 132 * 16 * 256;
#endif
    const int64_t large = 2 * grid_threads * 4 + 5, medium = 2 * grid_threads + 5;
    const int64_t sizes[] = {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 255, 256, 257, 4095, 4097,
                             65536 + 9, medium};
    const int64_t shapes[][2] = {{1, 1}, {3, 1}, {1, 7}, {5, 3}, {4, 8}, {2, 16}, {9, 17}, {33, 64}, {7, 100},
                                 {300, 257}, {medium / 1024 + 1, 1024}};
    const Shard shard = test_shard();
    for (int op = 0; op < AK_ACT_COUNT; ++op) {
        if (op % shard.count != shard.index) continue;
        std::printf("%s: %d checks so far, %d failed\n", ak_activation_name(op), g_checks, g_failures);
        // Each op draws from its own stream of the seed: a failure repeats with or without shards.
        Rng rng(seed + 0x9e3779b97f4a7c15ull * uint64_t(op + 1));
        const std::vector<float> params = default_params(op);
        const float* p = params.empty() ? nullptr : params.data();
        for (int dtype : {AK_DTYPE_F32, AK_DTYPE_BF16, AK_DTYPE_F16}) {
            if (ak_activation_flags(op) & AK_ACT_SEEDED) {
                for (int64_t offset : {int64_t(0), int64_t(1)})
                    for (int64_t n : sizes) test_seeded(op, p, dtype, n, offset, rng);
                test_seeded(op, p, dtype, large, 0, rng);
                continue;
            }
            if (ak_activation_flags(op) & AK_ACT_GATED) {
                for (const auto& s : shapes)
                    for (bool with_bias : {false, true}) test_gated(op, p, dtype, s[0], s[1], with_bias, rng);
                test_gated(op, p, dtype, large / 1024 + 1, 1024, false, rng);
                continue;
            }
            const int64_t packet = dtype == AK_DTYPE_F32 ? 4 : 8;
            // aligned, one element off, one element short of the next 16 bytes, the next 16 bytes
            for (int64_t offset : {int64_t(0), int64_t(1), packet - 1, packet}) {
                for (int64_t n : sizes) test_elementwise(op, p, dtype, n, offset, rng);
                for (const auto& s : shapes) test_bias(op, p, dtype, s[0], s[1], offset, rng);
            }
            test_elementwise(op, p, dtype, large, 0, rng);
            test_bias(op, p, dtype, large / 1024 + 1, 1024, 0, rng);
        }
    }
    for (int op = 0; op < AK_LEARN_COUNT; ++op) {
        if (op % shard.count != shard.index) continue;
        std::printf("%s: %d checks so far, %d failed\n", ak_learn_name(op), g_checks, g_failures);
        Rng rng(seed + 0x9e3779b97f4a7c15ull * uint64_t(AK_ACT_COUNT + op + 1));
        const int degrees = ak_learn_degree_count(op);
        const int num = degrees == 2 ? 5 : degrees == 1 ? 3 : 0, den = degrees == 2 ? 4 : 0;
        // one group, groups of 4 channels, per channel; rows of one channel; rows longer than a block.
        const int64_t learn_shapes[][3] = {{1, 1, 1}, {7, 1, 1}, {5, 12, 1}, {5, 12, 3}, {9, 17, 17}, {33, 64, 16},
                                           {3, 1000, 1}, {medium / 1024 + 1, 1024, 1}, {large / 512 + 1, 512, 8}};
        for (int dtype : {AK_DTYPE_F32, AK_DTYPE_BF16, AK_DTYPE_F16})
            for (const auto& s : learn_shapes) test_learnable(op, num, den, s[2], dtype, s[0], s[1], rng);
        if (degrees >= 1) test_learnable(op, 1, 0, 4, AK_DTYPE_F32, 33, 64, rng);  // a degree without fixed kernels
        if (op == AK_LEARN_POLYNORM) continue;  // it takes no bias
        for (int dtype : {AK_DTYPE_F32, AK_DTYPE_BF16})
            for (const auto& s : {learn_shapes[3], learn_shapes[4], learn_shapes[6]})
                test_learnable(op, num, den, s[2], dtype, s[0], s[1], rng, true);
    }
    if (shard.index == 0) {
        test_conversions(rng);
        test_errors();
    }
    std::printf("%d passed, %d failed\n", g_checks - g_failures, g_failures);
    return g_failures == 0 ? 0 : 1;
}
