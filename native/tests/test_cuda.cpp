// CUDA tests: every activation, direction and dtype on the GPU against the CPU scalar kernels
// (which the Java tests check against the float64 reference), at edge sizes and at offsets
// that defeat the 16-byte packet path; plus conversions, errors and device info.
// Exits 77 (ctest: skipped) with the reason when there is no usable GPU.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "check.h"
#include "include/actinium.h"
#include "ops/half.h"

#define OK(call) CHECK((call) == AK_OK, "%s -> %s", #call, ak_cuda_last_error())

// GPU and CPU run the same functors; they differ by FMA contraction and division rounding.
static bool close(float got, float want, float tol) {
    if (std::isnan(want)) return std::isnan(got);
    if (std::isinf(want)) return got == want;
    return std::fabs(got - want) <= tol * (std::fabs(want) + 1e-30f);
}

struct Buffers {
    void* d = nullptr;
    explicit Buffers(int64_t bytes) { ak_cuda_malloc(0, bytes, &d); }
    ~Buffers() { ak_cuda_free(0, d); }
};

static float from_storage(int dtype, const std::vector<uint16_t>& h, const std::vector<float>& f, int64_t i) {
    return dtype == AK_DTYPE_F32 ? f[i] : ak::bf16_to_float(h[i]);
}

static void test_op(int op, int dtype, int64_t n, int64_t offset, std::mt19937& rng) {
    const int64_t es = dtype == AK_DTYPE_F32 ? 4 : 2, total = n + offset;
    std::normal_distribution<float> nd(0.0f, 4.0f);
    std::vector<float> xf(total), dyf(total);
    for (auto& v : xf) v = nd(rng);
    for (auto& v : dyf) v = nd(rng);
    if (total > 8) { xf[offset] = NAN; xf[offset + 1] = INFINITY; xf[offset + 2] = -INFINITY; xf[offset + 3] = -0.0f; }
    std::vector<uint16_t> xh(total), dyh(total);
    for (int64_t i = 0; i < total; ++i) xh[i] = ak::float_to_bf16(xf[i]), dyh[i] = ak::float_to_bf16(dyf[i]);
    const void* hx = dtype == AK_DTYPE_F32 ? (void*)xf.data() : (void*)xh.data();
    const void* hdy = dtype == AK_DTYPE_F32 ? (void*)dyf.data() : (void*)dyh.data();
    const char* at = [&] { static char b[96]; std::snprintf(b, sizeof b, "%s dtype %d n %lld off %lld", ak_activation_name(op), dtype, (long long)n, (long long)offset); return b; }();

    Buffers x(total * es), dy(total * es), y(total * es);
    OK(ak_cuda_copy_to_device(0, x.d, hx, total * es));
    OK(ak_cuda_copy_to_device(0, dy.d, hdy, total * es));
    auto dptr = [&](void* base) { return static_cast<char*>(base) + offset * es; };
    auto hptr = [&](const void* base) { return static_cast<const char*>(base) + offset * es; };

    std::vector<char> gpu(n * es + 1), cpu(n * es + 1);
    const float tol = dtype == AK_DTYPE_F32 ? 2e-6f : 8e-3f;
    auto compare = [&](const char* what) {
        int bad = 0;
        for (int64_t i = 0; i < n; ++i) {
            float g, c;
            if (dtype == AK_DTYPE_F32) { std::memcpy(&g, &gpu[i * 4], 4); std::memcpy(&c, &cpu[i * 4], 4); }
            else { uint16_t a, b; std::memcpy(&a, &gpu[i * 2], 2); std::memcpy(&b, &cpu[i * 2], 2); g = ak::bf16_to_float(a); c = ak::bf16_to_float(b); }
            if (!close(g, c, tol) && bad++ < 3) std::printf("  %s %s [%lld]: gpu %g cpu %g\n", at, what, (long long)i, g, c);
        }
        CHECK(bad == 0, "%s %s: %d elements differ", at, what, bad);
    };
    // forward
    OK(ak_cuda_act_forward(0, op, dtype, dptr(x.d), dptr(y.d), n));
    OK(ak_cuda_copy_to_host(0, gpu.data(), dptr(y.d), n * es));
    OK(ak_act_forward(op, dtype, hptr(hx), cpu.data(), n, 0));
    compare("forward");
    // backward
    OK(ak_cuda_act_backward(0, op, dtype, dptr(x.d), dptr(dy.d), dptr(y.d), n));
    OK(ak_cuda_copy_to_host(0, gpu.data(), dptr(y.d), n * es));
    OK(ak_act_backward(op, dtype, hptr(hx), hptr(hdy), cpu.data(), n, 0));
    compare("backward");
    // bias: n viewed as rows x cols with the first cols of dy as the bias
    for (int64_t cols : {int64_t(1), int64_t(8), int64_t(17), n}) {
        if (cols == 0 || n % cols) continue;
        OK(ak_cuda_act_forward_bias(0, op, dtype, dptr(x.d), dptr(dy.d), dptr(y.d), n / cols, cols));
        OK(ak_cuda_copy_to_host(0, gpu.data(), dptr(y.d), n * es));
        OK(ak_act_forward_bias(op, dtype, hptr(hx), hptr(hdy), cpu.data(), n / cols, cols, 0));
        compare("forward_bias");
    }
    (void)from_storage;
}

int main() {
    int32_t count = 0;
    if (ak_cuda_device_count(&count) != AK_OK || count == 0) {
        std::printf("SKIP: no usable CUDA device: %s\n", count == 0 && ak_cuda_last_error()[0] == 0 ? "0 devices" : ak_cuda_last_error());
        return 77;
    }
    char name[256];
    int32_t major, minor;
    int64_t mem;
    OK(ak_cuda_device_info(0, name, sizeof name, &major, &minor, &mem));
    std::printf("device 0: %s, sm_%d%d, %.1f GiB\n", name, major, minor, mem / 1073741824.0);
    CHECK(ak_cuda_device_info(count, name, sizeof name, &major, &minor, &mem) == AK_ERR_NO_DEVICE,
          "a missing device must be AK_ERR_NO_DEVICE");
    ak_cpu_set_isa(AK_ISA_SCALAR);
    std::mt19937 rng(std::random_device{}());
    for (int op = 0; op < AK_ACT_COUNT; ++op)
        for (int dtype : {AK_DTYPE_F32, AK_DTYPE_BF16})
            for (int64_t n : {0, 1, 15, 16, 17, 63, 64, 65, 1 << 20, (1 << 20) + 3})
                for (int64_t offset : {0, 1}) test_op(op, dtype, n, offset, rng);
    // conversions bit-exact against the scalar ones
    const int64_t n = 65536;
    std::vector<uint16_t> codes(n), back(n);
    std::vector<float> f(n);
    for (int64_t i = 0; i < n; ++i) codes[i] = uint16_t(i);
    Buffers d16(n * 2), d32(n * 4);
    for (int dtype : {AK_DTYPE_BF16, AK_DTYPE_F16}) {
        OK(ak_cuda_copy_to_device(0, d16.d, codes.data(), n * 2));
        OK(ak_cuda_convert(0, dtype, d16.d, AK_DTYPE_F32, d32.d, n));
        OK(ak_cuda_convert(0, AK_DTYPE_F32, d32.d, dtype, d16.d, n));
        OK(ak_cuda_copy_to_host(0, back.data(), d16.d, n * 2));
        int bad = 0;
        for (int64_t i = 0; i < n; ++i) {
            float v = dtype == AK_DTYPE_BF16 ? ak::bf16_to_float(codes[i]) : ak::f16_to_float(codes[i]);
            uint16_t want = dtype == AK_DTYPE_BF16 ? ak::float_to_bf16(v) : ak::float_to_f16(v);
            bad += back[i] != want;
        }
        CHECK(bad == 0, "dtype %d round trip: %d codes differ", dtype, bad);
    }
    CHECK(ak_cuda_act_forward(0, 99, AK_DTYPE_F32, d32.d, d32.d, 4) == AK_ERR_INVALID_ARGUMENT, "bad op");
    CHECK(ak_cuda_act_forward(0, 0, AK_DTYPE_I8, d32.d, d32.d, 4) == AK_ERR_UNSUPPORTED, "bad dtype");
    std::printf("%d passed, %d failed\n", g_checks - g_failures, g_failures);
    return g_failures == 0 ? 0 : 1;
}
