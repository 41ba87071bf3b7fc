// CUDA tests: every activation, direction and dtype against the CPU scalar kernels (which the Java
// tests check against the float64 reference), at edge sizes, at element offsets that defeat the
// 16-byte packet path, with bias rows of odd lengths; outputs poisoned before each call, guard
// elements around each output that must stay poisoned, every input allocation ending where its
// view ends (the emulation faults on any read past it); the same bits on a second run; conversions
// bit-exact; argument errors.
//
// The same source runs on a GPU (actinium_cuda_tests, exit 77 = skipped without one) and on the
// CPU emulation of CUDA (actinium_cuda_emulated_tests, every CI run). The first argument or
// $AK_TEST_SEED repeats a run's inputs (and, emulated, its block and thread orders).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

// The error bound of each op against the float64 reference, as java-api's OpInfo holds the CPU
// kernels to it: |got - ref| <= rtol |ref| + atol scale (scale 1 forward, |dy| backward). CUDA and
// CPU run the same functors but differ by FMA contraction and division rounding; each may err by
// one bound, so they may differ by two.
struct Tolerance {
    double rtol, atol;
};
Tolerance tolerance(int op, int dtype) {
    static const struct { const char* name; Tolerance f32; } kRows[] = {
        {"relu", {0, 0}}, {"gelu_erf", {8e-7, 1.5e-7}}, {"gelu_tanh", {6e-6, 1.5e-7}}, {"silu", {5e-7, 1.5e-7}}};
    for (const auto& row : kRows)
        if (std::strcmp(row.name, ak_activation_name(op)) == 0) {
            if (dtype == AK_DTYPE_F32) return {2 * row.f32.rtol, 2 * row.f32.atol};
            return {2 * (0x1p-8 + row.f32.rtol), 4 * row.f32.atol};  // plus a bf16 rounding each
        }
    std::printf("FAIL: no tolerance for op %s\n", ak_activation_name(op));
    std::exit(1);
}

bool close(float got, float want, Tolerance tol, double scale, int dtype) {
    if (std::isnan(want)) return std::isnan(got);
    if (std::isinf(want)) return got == want;
    const double subnormal_ulps = dtype == AK_DTYPE_F32 ? 4 * 0x1p-149 : 4 * 0x1p-133;
    return std::fabs(double(got) - want) <= tol.rtol * std::fabs(want) + tol.atol * scale + subnormal_ulps;
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
    float get(int64_t i) const {
        if (es == 4) { float f; std::memcpy(&f, &bytes[i * 4], 4); return f; }
        uint16_t h; std::memcpy(&h, &bytes[i * 2], 2);
        return ak::bf16_to_float(h);
    }
    void set(int64_t i, float v) {
        if (es == 4) { std::memcpy(&bytes[i * 4], &v, 4); return; }
        const uint16_t h = ak::float_to_bf16(v);
        std::memcpy(&bytes[i * 2], &h, 2);
    }
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

// scale: nullptr forward, dy backward (the bound's atol scales with |dy|).
void compare(const char* at, const char* what, const HostTensor& gpu, const HostTensor& cpu, Tolerance tol,
             const HostTensor* scale) {
    int bad = 0;
    for (int64_t i = 0; i < gpu.n(); ++i) {
        const double s = scale ? std::fabs(double(scale->get(i))) : 1.0;
        if (close(gpu.get(i), cpu.get(i), tol, std::isfinite(s) ? s : 0.0, gpu.dtype)) continue;
        if (bad++ < 3)
            std::printf("  %s %s [%lld]: cuda %.9g cpu %.9g\n", at, what, (long long)i, gpu.get(i), cpu.get(i));
    }
    CHECK(bad == 0, "%s %s: %d of %lld elements differ", at, what, bad, (long long)gpu.n());
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

void test_elementwise(int op, int dtype, int64_t n, int64_t offset, Rng& rng) {
    char at[128];
    std::snprintf(at, sizeof at, "%s dtype %d n %lld offset %lld", ak_activation_name(op), dtype, (long long)n,
                  (long long)offset);
    const HostTensor x = random_input(dtype, n, rng), dy = random_input(dtype, n, rng);
    DeviceInput dx_in(x, offset), ddy(dy, offset);
    DeviceOutput out(dtype, n, offset);
    HostTensor gpu(dtype, n), cpu(dtype, n);

    run_twice(at, out, [&] { return ak_cuda_act_forward(0, op, dtype, dx_in.view(), out.view(), n); }, &gpu);
    OK(ak_act_forward(op, dtype, x.bytes.data(), cpu.bytes.data(), n, 0));
    compare(at, "forward", gpu, cpu, tolerance(op, dtype), nullptr);

    run_twice(at, out, [&] { return ak_cuda_act_backward(0, op, dtype, dx_in.view(), ddy.view(), out.view(), n); },
              &gpu);
    OK(ak_act_backward(op, dtype, x.bytes.data(), dy.bytes.data(), cpu.bytes.data(), n, 0));
    compare(at, "backward", gpu, cpu, tolerance(op, dtype), &dy);
}

void test_bias(int op, int dtype, int64_t rows, int64_t cols, int64_t offset, Rng& rng) {
    char at[128];
    std::snprintf(at, sizeof at, "%s bias dtype %d %lld x %lld offset %lld", ak_activation_name(op), dtype,
                  (long long)rows, (long long)cols, (long long)offset);
    const int64_t n = rows * cols;
    const HostTensor x = random_input(dtype, n, rng), bias = random_input(dtype, cols, rng);
    DeviceInput dx_in(x, offset), dbias(bias, offset);
    DeviceOutput out(dtype, n, offset);
    HostTensor gpu(dtype, n), cpu(dtype, n);
    run_twice(at, out,
              [&] {
                  return ak_cuda_act_forward_bias(0, op, dtype, dx_in.view(), dbias.view(), out.view(), rows, cols);
              },
              &gpu);
    OK(ak_act_forward_bias(op, dtype, x.bytes.data(), bias.bytes.data(), cpu.bytes.data(), rows, cols, 0));
    compare(at, "forward", gpu, cpu, tolerance(op, dtype), nullptr);
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
    CHECK(ak_cuda_act_forward(0, 99, AK_DTYPE_F32, d.d, d.d, 4) == AK_ERR_INVALID_ARGUMENT, "bad op");
    CHECK(ak_cuda_act_forward(0, 0, AK_DTYPE_I8, d.d, d.d, 4) == AK_ERR_UNSUPPORTED, "bad dtype");
    CHECK(ak_cuda_act_forward(0, 0, AK_DTYPE_F32, d.d, d.d, -1) == AK_ERR_INVALID_ARGUMENT, "negative n");
    CHECK(ak_cuda_act_forward(0, 0, AK_DTYPE_F32, nullptr, d.d, 4) == AK_ERR_INVALID_ARGUMENT, "null x");
    CHECK(ak_cuda_act_forward_bias(0, 0, AK_DTYPE_F32, d.d, d.d, d.d, -1, 4) == AK_ERR_INVALID_ARGUMENT, "rows < 0");
    CHECK(ak_cuda_copy_to_device(0, d.d, d.d, -1) == AK_ERR_INVALID_ARGUMENT, "negative bytes");
    CHECK(ak_cuda_convert(0, AK_DTYPE_BF16, d.d, AK_DTYPE_F16, d.d, 4) == AK_ERR_UNSUPPORTED, "bf16 -> f16");
    CHECK(ak_cuda_act_forward(64, 0, AK_DTYPE_F32, d.d, d.d, 4) == AK_ERR_NO_DEVICE, "device 64");
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
    // The largest size and shape take several grid strides: on a GPU, grids are capped at 16 blocks of
    // 256 threads per multiprocessor (132 on an H100); the emulated device has 2 multiprocessors.
#if defined(AK_CUDA_EMULATION)
    const int64_t large = 3 * 2 * 16 * 256 * 4 + 5, large_rows = 97;
#else
    const int64_t large = (1 << 24) + 3, large_rows = 16411;
#endif
    const int64_t sizes[] = {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 255, 256, 257, 4095, 4097,
                             65536 + 9, large};
    const int64_t shapes[][2] = {{1, 1}, {3, 1}, {1, 7}, {5, 3}, {4, 8}, {2, 16}, {9, 17}, {33, 64}, {7, 100},
                                 {300, 257}, {large_rows, 1024}};
    for (int op = 0; op < AK_ACT_COUNT; ++op)
        for (int dtype : {AK_DTYPE_F32, AK_DTYPE_BF16}) {
            const int64_t packet = dtype == AK_DTYPE_F32 ? 4 : 8;
            // aligned, one element off, one element short of the next 16 bytes, the next 16 bytes
            for (int64_t offset : {int64_t(0), int64_t(1), packet - 1, packet}) {
                for (int64_t n : sizes) test_elementwise(op, dtype, n, offset, rng);
                for (const auto& s : shapes) test_bias(op, dtype, s[0], s[1], offset, rng);
            }
        }
    test_conversions(rng);
    test_errors();
    std::printf("%d passed, %d failed\n", g_checks - g_failures, g_failures);
    return g_failures == 0 ? 0 : 1;
}
