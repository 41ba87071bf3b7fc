// Times every CUDA kernel of the library with CUDA events on the library's own stream: each op,
// pass and dtype at each size, against the device-to-device copy of the same bytes measured in the
// same run. Inputs rotate through buffers that together exceed twice the L2 cache, so every call
// reads from device memory. Prints one CSV row per case (header first).
//   actinium_cuda_bench [--quick] [--reps N]
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "common/act_defaults.h"
#include "include/actinium.h"

namespace {

void die(const char* what, const char* detail) {
    std::fprintf(stderr, "actinium_cuda_bench: %s: %s\n", what, detail);
    std::exit(1);
}

void ok(int32_t status, const char* what) {
    if (status != AK_OK) die(what, ak_cuda_last_error());
}

void cuda_ok(cudaError_t err, const char* what) {
    if (err != cudaSuccess) die(what, cudaGetErrorString(err));
}

// Buffers of one case, rotated so that their sum exceeds the footprint (twice the L2).
struct Rotation {
    std::vector<void*> sets;  // each set: x, dy (also the bias), y
    int64_t bytes = 0;
    // Every tensor holds the same normal(0, 3) values as torch_bench.py's randn * 3 draws (a fixed seed
    // here): the activations branch on the input, so constant inputs would flatter every kernel.
    Rotation(int64_t bytes_per_tensor, int64_t footprint, int dtype) : bytes(bytes_per_tensor) {
        const int64_t count = std::clamp<int64_t>(footprint / (3 * bytes_per_tensor) + 1, 1, 512);
        const int64_t es = dtype == AK_DTYPE_F32 ? 4 : 2, n = bytes_per_tensor / es;
        std::vector<float> values(static_cast<size_t>(n));
        std::mt19937 rng(1234);
        std::normal_distribution<float> normal(0.0f, 3.0f);
        for (float& v : values) v = normal(rng);
        std::vector<char> host(static_cast<size_t>(bytes_per_tensor));
        if (dtype == AK_DTYPE_F32) std::memcpy(host.data(), values.data(), size_t(bytes_per_tensor));
        else ok(ak_convert(AK_DTYPE_F32, values.data(), dtype, host.data(), n, 0), "ak_convert");
        for (int64_t i = 0; i < 3 * count; ++i) {
            void* p = nullptr;
            ok(ak_cuda_malloc(0, bytes_per_tensor, &p), "ak_cuda_malloc");
            ok(ak_cuda_copy_to_device(0, p, host.data(), bytes_per_tensor), "ak_cuda_copy_to_device");
            sets.push_back(p);
        }
    }
    ~Rotation() {
        for (void* p : sets) ak_cuda_free(0, p);
    }
    size_t count() const { return sets.size() / 3; }
    void* x(size_t i) const { return sets[3 * (i % count())]; }
    void* dy(size_t i) const { return sets[3 * (i % count()) + 1]; }
    void* y(size_t i) const { return sets[3 * (i % count()) + 2]; }
};

struct Timing {
    double median_us, min_us, max_us;
};

// Median, min and max over reps of the time per call, timed with events on stream around `batch`
// back-to-back calls (so small kernels are not timed as the gap between two host dispatches); call(i)
// uses set i.
template <class Call>
Timing time_calls(cudaStream_t stream, int reps, int batch, Call call) {
    cudaEvent_t start, stop;
    cuda_ok(cudaEventCreate(&start), "cudaEventCreate");
    cuda_ok(cudaEventCreate(&stop), "cudaEventCreate");
    for (int i = 0; i < 5; ++i) call(size_t(i));  // warm-up: module load, clocks
    std::vector<double> us;
    size_t next = 5;
    for (int i = 0; i < reps; ++i) {
        cuda_ok(cudaEventRecord(start, stream), "cudaEventRecord");
        for (int k = 0; k < batch; ++k) call(next++);
        cuda_ok(cudaEventRecord(stop, stream), "cudaEventRecord");
        cuda_ok(cudaEventSynchronize(stop), "cudaEventSynchronize");
        float ms = 0;
        cuda_ok(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
        us.push_back(ms * 1000.0 / batch);
    }
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    std::sort(us.begin(), us.end());
    return {us[us.size() / 2], us.front(), us.back()};
}

const char* dtype_name(int dtype) { return dtype == AK_DTYPE_F32 ? "f32" : dtype == AK_DTYPE_BF16 ? "bf16" : "f16"; }

}  // namespace

int main(int argc, char** argv) {
    bool quick = false;
    int reps = 0;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--quick")) quick = true;
        else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::atoi(argv[++i]);
        else die("unknown argument", argv[i]);
    }
    if (reps <= 0) reps = quick ? 20 : 100;
    int32_t count = 0;
    if (ak_cuda_device_count(&count) != AK_OK || count == 0) die("no CUDA device", ak_cuda_last_error());
    void* stream_handle = nullptr;
    ok(ak_cuda_stream(0, &stream_handle), "ak_cuda_stream");
    const auto stream = static_cast<cudaStream_t>(stream_handle);
    int l2 = 0;
    cuda_ok(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, 0), "cudaDeviceGetAttribute");
    const int64_t footprint = 2 * int64_t(l2);
    const std::vector<int64_t> sizes = quick ? std::vector<int64_t>{1 << 16, 1 << 24}
                                             : std::vector<int64_t>{1 << 16, 1 << 20, 1 << 24, 1 << 26};
    const int64_t cols = 4096;  // bias rows of a typical hidden size
    std::printf("op,pass,dtype,n,us_median,us_min,us_max,bytes,gbps,copy_us,copy_gbps,of_copy\n");
    for (int64_t n : sizes)
        for (int dtype : {AK_DTYPE_F32, AK_DTYPE_BF16, AK_DTYPE_F16}) {
            const int64_t es = dtype == AK_DTYPE_F32 ? 4 : 2;
            Rotation rot(n * es, footprint, dtype);
            const int batch = int(std::max<int64_t>(1, (int64_t(1) << 22) / n));  // about 4M elements per timing
            cuda_ok(cudaDeviceSynchronize(), "cudaDeviceSynchronize");  // the fills, before any timing
            // The copy of the bytes a pass must move: read n, write n (forward); read 2n, write n.
            const Timing copy2 = time_calls(stream, reps, batch, [&](size_t i) {
                ok(ak_cuda_copy_on_device(0, rot.y(i), rot.x(i), n * es), "copy");
            });
            const Timing copy3 = time_calls(stream, reps, batch, [&](size_t i) {
                ok(ak_cuda_copy_on_device(0, rot.y(i), rot.x(i), n * es), "copy");
                ok(ak_cuda_copy_on_device(0, rot.dy(i), rot.x(i), n * es / 2), "copy");
            });
            for (int op = 0; op < AK_ACT_COUNT; ++op) {
                const std::vector<float> params = ak::default_params(op);
                const float* p = params.empty() ? nullptr : params.data();
                const bool gated = ak_activation_flags(op) & AK_ACT_GATED;
                if (ak_activation_flags(op) & AK_ACT_SEEDED) continue;  // not timed on the GPU yet
                struct Pass {
                    const char* name;
                    int64_t tensors;
                };
                for (const Pass pass : {Pass{"forward", 2}, Pass{"backward", 3}, Pass{"forward_bias", 2}}) {
                    // Gated ops: gate = x and up = dy, y of n / 2 elements (3 half-size tensors forward);
                    // backward and bias timings are element-wise ops' only.
                    if (gated && std::strcmp(pass.name, "forward") != 0) continue;
                    const Timing t = time_calls(stream, reps, batch, [&](size_t i) {
                        if (gated)
                            ok(ak_cuda_act_gated_forward(0, op, dtype, p, rot.x(i), rot.dy(i), cols, nullptr, nullptr,
                                                         rot.y(i), n / 2 / cols, cols), "gated forward");
                        else if (!std::strcmp(pass.name, "forward"))
                            ok(ak_cuda_act_forward(0, op, dtype, p, rot.x(i), rot.y(i), n), "forward");
                        else if (!std::strcmp(pass.name, "backward"))
                            ok(ak_cuda_act_backward(0, op, dtype, p, rot.x(i), rot.dy(i), rot.y(i), n), "backward");
                        else
                            ok(ak_cuda_act_forward_bias(0, op, dtype, p, rot.x(i), rot.dy(i), rot.y(i), n / cols,
                                                        cols), "forward_bias");
                    });
                    const Timing& copy = pass.tensors == 3 ? copy3 : copy2;
                    const double bytes = double(gated ? 3 * (n / 2) * es : pass.tensors * n * es);
                    const double copy_gbps = bytes / (copy.median_us * 1e3);
                    std::printf("%s,%s,%s,%lld,%.2f,%.2f,%.2f,%.0f,%.1f,%.2f,%.1f,%.3f\n", ak_activation_name(op),
                                pass.name, dtype_name(dtype), (long long)n, t.median_us, t.min_us,
                                t.max_us, bytes, bytes / (t.median_us * 1e3), copy.median_us, copy_gbps,
                                copy.median_us / t.median_us);
                }
            }
        }
    return 0;
}
