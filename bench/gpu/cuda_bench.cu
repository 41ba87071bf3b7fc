// Times every CUDA kernel of the library (the activations and the learnable ones) with CUDA events
// on the library's own stream: each op, pass and dtype at each size, against the device-to-device
// copy of the same bytes measured in the same run. Inputs rotate through buffers that together exceed
// twice the L2 cache, so every call reads from device memory. Prints one CSV row per case (header
// first).
//   actinium_cuda_bench [--quick] [--reps N] [--n ELEMENTS] [--batch CALLS]
// The same source builds against the CPU emulation of CUDA (actinium_cuda_bench_emulated, run in
// every build with a small --n): every case's calls are checked there, so a GPU run never stops at
// a call the bench gets wrong.
#include "cuda/cuda_api.h"

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
    std::vector<void*> sets;  // each set: x, dy (also the bias, or the gated ops' up half), y
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

void print_row(const char* op, const char* pass, int dtype, int64_t n, const Timing& t, double bytes, double copy_us) {
    std::printf("%s,%s,%s,%lld,%.2f,%.2f,%.2f,%.0f,%.1f,%.2f,%.1f,%.3f\n", op, pass, dtype_name(dtype), (long long)n,
                t.median_us, t.min_us, t.max_us, bytes, bytes / (t.median_us * 1e3), copy_us, bytes / (copy_us * 1e3),
                copy_us / t.median_us);
}

// The learnable activations over rows of cols channels, as the CPU bench runs them: rational (5, 4) with
// one parameter set and in 8 groups, polyrelu and polynorm of order 3, DyT per channel, the others with
// one set; forward, and backward with the parameter gradients (written to the device, no copy back).
void time_learnables(cudaStream_t stream, int reps, int batch, const Rotation& rot, int dtype, int64_t n,
                     int64_t cols, const Timing& copy2, const Timing& copy3) {
    const int64_t es = dtype == AK_DTYPE_F32 ? 4 : 2;
    for (int32_t op = 0; op < AK_LEARN_COUNT; ++op) {
        const int degrees = ak_learn_degree_count(op);
        const int32_t num = degrees == 2 ? 5 : degrees == 1 ? 3 : 0, den = degrees == 2 ? 4 : 0;
        std::vector<int64_t> groupings{op == AK_LEARN_DYT ? cols : 1};
        if (op == AK_LEARN_RATIONAL) groupings.push_back(8);
        for (int64_t groups : groupings) {
            const int32_t shared = ak_learn_shared_count(op), per = ak_learn_group_count(op, num, den);
            std::vector<float> one(shared + per), all(shared + per * groups);
            ok(ak_learn_default_params(op, num, den, one.data()), "ak_learn_default_params");
            for (int k = 0; k < shared + per; ++k)
                for (int64_t g = 0; g < (k < shared ? 1 : groups); ++g)
                    all[k < shared ? k : shared + (k - shared) * groups + g] = one[k] + 0.01f * float(g % 7);
            void *params = nullptr, *grads = nullptr;
            ok(ak_cuda_malloc(0, int64_t(all.size()) * 4, &params), "ak_cuda_malloc");
            ok(ak_cuda_malloc(0, int64_t(all.size()) * 4, &grads), "ak_cuda_malloc");
            ok(ak_cuda_copy_to_device(0, params, all.data(), int64_t(all.size()) * 4), "ak_cuda_copy_to_device");
            auto* p = static_cast<const float*>(params);
            const Timing forward = time_calls(stream, reps, batch, [&](size_t i) {
                ok(ak_cuda_learn_forward(0, op, dtype, num, den, p, groups, rot.x(i), nullptr, rot.y(i), n, cols),
                   "learn forward");
            });
            const Timing backward = time_calls(stream, reps, batch, [&](size_t i) {
                ok(ak_cuda_learn_backward(0, op, dtype, num, den, p, groups, rot.x(i), nullptr, rot.dy(i), rot.y(i),
                                          static_cast<float*>(grads), n, cols), "learn backward");
            });
            char name[64];
            std::snprintf(name, sizeof name, "%s%s", ak_learn_name(op), groups == cols ? " per channel"
                          : groups > 1 ? " 8 groups" : "");
            print_row(name, "learn_forward", dtype, n, forward, 2.0 * n * es, copy2.median_us);
            print_row(name, "learn_backward", dtype, n, backward, 3.0 * n * es, copy3.median_us);
            ak_cuda_free(0, params);
            ak_cuda_free(0, grads);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    bool quick = false;
    int reps = 0, batch_override = 0;
    int64_t only_n = 0;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--quick")) quick = true;
        else if (!std::strcmp(argv[i], "--reps") && i + 1 < argc) reps = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--n") && i + 1 < argc) only_n = std::atoll(argv[++i]);
        else if (!std::strcmp(argv[i], "--batch") && i + 1 < argc) batch_override = std::atoi(argv[++i]);
        else die("unknown argument", argv[i]);
    }
    const int64_t cols = 4096;  // bias rows of a typical hidden size
    if (only_n < 0 || only_n % (2 * cols) != 0) die("--n", "must be a positive multiple of 8192 (gated rows of 4096)");
    if (batch_override < 0) die("--batch", "must be positive");
    if (reps <= 0) reps = quick ? 20 : 100;
    int32_t count = 0;
    if (ak_cuda_device_count(&count) != AK_OK || count == 0) die("no CUDA device", ak_cuda_last_error());
    void* stream_handle = nullptr;
    ok(ak_cuda_stream(0, &stream_handle), "ak_cuda_stream");
    const auto stream = static_cast<cudaStream_t>(stream_handle);
    int l2 = 0;
    cuda_ok(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, 0), "cudaDeviceGetAttribute");
    const int64_t footprint = 2 * int64_t(l2);
    const std::vector<int64_t> sizes = only_n > 0 ? std::vector<int64_t>{only_n}
                                       : quick    ? std::vector<int64_t>{1 << 16, 1 << 24}
                                                  : std::vector<int64_t>{1 << 16, 1 << 20, 1 << 24, 1 << 26};
    std::printf("op,pass,dtype,n,us_median,us_min,us_max,bytes,gbps,copy_us,copy_gbps,of_copy\n");
    for (int64_t n : sizes)
        for (int dtype : {AK_DTYPE_F32, AK_DTYPE_BF16, AK_DTYPE_F16}) {
            const int64_t es = dtype == AK_DTYPE_F32 ? 4 : 2;
            Rotation rot(n * es, footprint, dtype);
            // about 4M elements per timing
            const int batch = batch_override > 0 ? batch_override : int(std::max<int64_t>(1, (int64_t(1) << 22) / n));
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
                const int32_t flags = ak_activation_flags(op);
                // elements: what the pass moves, in storage elements; copy: the copy it is held to, which
                // moves copy_elements (scaled to the pass's bytes: "the copy of the same bytes").
                struct Pass {
                    const char* name;
                    double elements;
                    const Timing* copy;
                    double copy_elements;
                };
                Pass passes[3];
                int pass_count = 0;
                if (flags & AK_ACT_GATED) {
                    // gate = x and up = dy, [n / 2 / cols, cols] each; y (and dgate, dup) of n / 2.
                    passes[pass_count++] = {"forward", 1.5 * n, &copy2, 2.0 * n};
                    passes[pass_count++] = {"backward", 2.5 * n, &copy3, 3.0 * n};
                } else {
                    passes[pass_count++] = {"forward", 2.0 * n, &copy2, 2.0 * n};
                    passes[pass_count++] = {"backward", 3.0 * n, &copy3, 3.0 * n};
                    if (!(flags & AK_ACT_SEEDED)) passes[pass_count++] = {"forward_bias", 2.0 * n, &copy2, 2.0 * n};
                }
                const int64_t half = n / 2, rows = half / cols;
                for (int k = 0; k < pass_count; ++k) {
                    const Pass& pass = passes[k];
                    const bool forward = !std::strcmp(pass.name, "forward");
                    const Timing t = time_calls(stream, reps, batch, [&](size_t i) {
                        auto* y = static_cast<char*>(rot.y(i));
                        if (flags & AK_ACT_GATED) {
                            if (forward)
                                ok(ak_cuda_act_gated_forward(0, op, dtype, p, rot.x(i), rot.dy(i), cols, nullptr,
                                                             nullptr, y, rows, cols), "gated forward");
                            else  // dy: the second half of x's buffer; dgate and dup: y's halves
                                ok(ak_cuda_act_gated_backward(0, op, dtype, p, rot.x(i), rot.dy(i), cols, nullptr,
                                                              nullptr, static_cast<char*>(rot.x(i)) + half * es, y,
                                                              y + half * es, rows, cols), "gated backward");
                        } else if (flags & AK_ACT_SEEDED) {
                            if (forward)
                                ok(ak_cuda_act_seeded_forward(0, op, dtype, p, 42, 0, rot.x(i), y, n),
                                   "seeded forward");
                            else
                                ok(ak_cuda_act_seeded_backward(0, op, dtype, p, 42, 0, rot.x(i), rot.dy(i), y, n),
                                   "seeded backward");
                        } else if (forward) {
                            ok(ak_cuda_act_forward(0, op, dtype, p, rot.x(i), y, n), "forward");
                        } else if (!std::strcmp(pass.name, "backward")) {
                            ok(ak_cuda_act_backward(0, op, dtype, p, rot.x(i), rot.dy(i), y, n), "backward");
                        } else {
                            ok(ak_cuda_act_forward_bias(0, op, dtype, p, rot.x(i), rot.dy(i), y, n / cols, cols),
                               "forward_bias");
                        }
                    });
                    print_row(ak_activation_name(op), pass.name, dtype, n, t, pass.elements * es,
                              pass.copy->median_us * pass.elements / pass.copy_elements);
                }
            }
            time_learnables(stream, reps, batch, rot, dtype, n, cols, copy2, copy3);
        }
    return 0;
}
