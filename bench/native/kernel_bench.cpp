// The CPU kernels timed without the JVM: the same matrix as the JMH ActivationBenchmark (every op,
// forward, forward+bias and backward; F32 or BF16 storage) on T threads, each thread calling the
// C ABI on its own contiguous slice, against memcpy on the same slices in the same run. It
// separates kernel speed from JVM and splitter overhead, and compares plain with streaming stores
// on every op.
//
// Noise on shared machines is handled by interleaving: each round times every case once, in turn;
// a case reports its median time over rounds, and its fractions of the copy bandwidth and of the
// floor are taken per round against that round's memcpy and FMA peak, then the median.
//
//   actinium_kernel_bench [--n 16777216] [--threads 2] [--rounds 15] [--isa avx512] [--dtype f32,bf16]
//                         [--ops gelu_erf,silu]   (default: every op of the list and every learnable one)
//
// --dtype takes one storage type or several (f32, bf16, f16): several run in the same rounds, and a
// last table gives each op's element rate in the others relative to the first, round by round.
//
// Prints a markdown table; bench/run-rounds.sh writes it under bench/results/, next to the same
// cases timed through the Java API (bench/src/.../ApiBench.java).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/act_defaults.h"
#include "include/actinium.h"

namespace {

// All threads run one job per round and wait for each other: spinning, so wake-up latency does not
// count against a kernel of a few microseconds.
class Team {
  public:
    explicit Team(int threads) : threads_(threads) {
        for (int t = 1; t < threads; ++t) workers_.emplace_back([this, t] { work(t); });
    }
    ~Team() {
        stop_ = true;
        generation_.fetch_add(1);
        for (auto& w : workers_) w.join();
    }
    // Runs job(thread index) on every thread; returns the wall time in seconds.
    double run(const std::function<void(int)>& job) {
        job_ = &job;
        done_.store(0);
        auto start = std::chrono::steady_clock::now();
        generation_.fetch_add(1);
        job(0);
        while (done_.load() != threads_ - 1) {}
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }

  private:
    void work(int t) {
        uint64_t seen = 0;
        for (;;) {
            uint64_t g;
            while ((g = generation_.load()) == seen) {}
            seen = g;
            if (stop_) return;
            (*job_)(t);
            done_.fetch_add(1);
        }
    }
    int threads_;
    std::vector<std::thread> workers_;
    std::atomic<uint64_t> generation_{0};
    std::atomic<int> done_{0};
    std::atomic<bool> stop_{false};
    const std::function<void(int)>* job_ = nullptr;
};

char* allocate(size_t bytes) {
    void* p = nullptr;
    if (posix_memalign(&p, 4096, bytes) != 0) std::abort();
    std::memset(p, 0, bytes);  // fault the pages in now
    return static_cast<char*>(p);
}

void check(int32_t status) {
    if (status != AK_OK) {
        std::fprintf(stderr, "kernel failed: %s\n", ak_last_error());
        std::exit(1);
    }
}

struct Case {
    int dtype_index;  // into the run's --dtype list
    std::string op, pass;
    double bytes_per_element, flops_per_element;
    std::function<void(int64_t from, int64_t to)> slice;  // one thread's share
    std::vector<double> seconds;
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int64_t n = 1 << 24;
    int threads = 2, rounds = 15;
    std::string isa, dtype_name = "f32", ops;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string a = argv[i];
        if (a == "--n") n = std::atoll(argv[i + 1]);
        else if (a == "--threads") threads = std::atoi(argv[i + 1]);
        else if (a == "--rounds") rounds = std::atoi(argv[i + 1]);
        else if (a == "--isa") isa = argv[i + 1];
        else if (a == "--dtype") dtype_name = argv[i + 1];
        else if (a == "--ops") ops = "," + std::string(argv[i + 1]) + ",";
        else { std::fprintf(stderr, "unknown option %s\n", a.c_str()); return 2; }
    }
    if (!isa.empty()) {
        int code = -1;
        for (int c = AK_ISA_SCALAR; c <= AK_ISA_AVX512_BF16; ++c)
            if (isa == ak_cpu_isa_name(c)) code = c;
        if (code < 0 || ak_cpu_set_isa(code) != AK_OK) { std::fprintf(stderr, "ISA %s: %s\n", isa.c_str(),
                ak_last_error()); return 2; }
    }
    const int64_t cols = 4096, rows = n / cols;  // the bias shape of the JMH benchmark
    if (n % cols != 0 || n % (64 * threads) != 0) { std::fprintf(stderr,
            "--n must be a multiple of 4096 and 64 * threads\n"); return 2; }

    std::vector<std::string> dtype_names;
    for (size_t at = 0; at <= dtype_name.size();) {
        size_t comma = std::min(dtype_name.find(',', at), dtype_name.size());
        dtype_names.push_back(dtype_name.substr(at, comma - at));
        at = comma + 1;
    }
    for (const std::string& d : dtype_names) {
        if (d != "f32" && d != "bf16" && d != "f16") {
            std::fprintf(stderr, "--dtype must list f32, bf16 or f16, not %s\n", d.c_str());
            return 2;
        }
    }
    std::vector<Case> cases;
    std::vector<size_t> copy_case;  // per dtype: the index of its memcpy case
    std::vector<char*> buffers;
    // Every op of the list with its default parameters (kept alive for the whole run).
    std::vector<std::vector<float>> params(AK_ACT_COUNT);
    for (int op = 0; op < AK_ACT_COUNT; ++op) params[op] = ak::default_params(op);
    for (int di = 0; di < int(dtype_names.size()); ++di) {
        const std::string& dn = dtype_names[di];
        const int32_t dtype = dn == "f32" ? AK_DTYPE_F32 : dn == "bf16" ? AK_DTYPE_BF16 : AK_DTYPE_F16;
        const int64_t es = dtype == AK_DTYPE_F32 ? 4 : 2;  // bytes per stored element
        char *x = allocate(es * n), *dy = allocate(es * n), *y = allocate(es * n), *y2 = allocate(es * n);
        char* bias = allocate(es * cols);
        // The gated ops' input and input gradient as a projection's [rows, 2 cols] output, gate half
        // first: the layout the Java API takes, in which each half restarts every row.
        char *gated_in = allocate(2 * es * n), *gated_grad = allocate(2 * es * n);
        buffers.insert(buffers.end(), {x, dy, y, y2, bias, gated_in, gated_grad});
        {
            // The inputs of the JMH benchmark: x ~ N(0, 3), dy and bias ~ N(0, 1), stored as dtype.
            std::mt19937 rng(7);
            std::normal_distribution<float> normal(0.0f, 1.0f);
            std::vector<float> xf(n), dyf(n), bf(cols);
            for (int64_t i = 0; i < n; ++i) xf[i] = 3.0f * normal(rng), dyf[i] = normal(rng);
            for (int64_t i = 0; i < cols; ++i) bf[i] = normal(rng);
            auto store = [&](const std::vector<float>& from, char* to) {
                if (dtype == AK_DTYPE_F32) std::memcpy(to, from.data(), from.size() * sizeof(float));
                else check(ak_convert(AK_DTYPE_F32, from.data(), dtype, to, static_cast<int64_t>(from.size()), 0));
            };
            store(xf, x), store(dyf, dy), store(bf, bias);
            std::vector<float> gated(2 * n);  // row r: x's row r, then dy's
            for (int64_t i = 0; i < n; ++i) gated[i / cols * 2 * cols + i % cols] = xf[i];
            for (int64_t i = 0; i < n; ++i) gated[i / cols * 2 * cols + cols + i % cols] = dyf[i];
            store(gated, gated_in);
        }
        const double two = 2.0 * es, three = 3.0 * es;  // bytes moved per element: forward, backward
        copy_case.push_back(cases.size());
        cases.push_back({di, "memcpy", "copy", two, 0, [=](int64_t a, int64_t b) {
            std::memcpy(y + es * a, x + es * a, static_cast<size_t>(es * (b - a))); }, {}});
        for (int op = 0; op < AK_ACT_COUNT; ++op) {
            const char* name = ak_activation_name(op);
            if (!ops.empty() && ops.find("," + std::string(name) + ",") == std::string::npos) continue;
            double ff = ak_activation_flops(op, AK_FORWARD), bf = ak_activation_flops(op, AK_BACKWARD);
            const float* p = params[op].empty() ? nullptr : params[op].data();
            if (ak_activation_flags(op) & AK_ACT_SEEDED) {
                cases.push_back({di, name, "seeded forward", two, ff, [=](int64_t a, int64_t b) {
                    check(ak_act_seeded_forward(op, dtype, p, 42, a, x + es * a, y + es * a, b - a, AK_FLAG_NONE));
                }, {}});
                cases.push_back({di, name, "seeded backward", three, bf, [=](int64_t a, int64_t b) {
                    check(ak_act_seeded_backward(op, dtype, p, 42, a, x + es * a, dy + es * a, y + es * a, b - a,
                                                 AK_FLAG_NONE)); }, {}});
                continue;
            }
            if (ak_activation_flags(op) & AK_ACT_GATED) {
                // n outputs from gated_in's rows: reads 2, writes 1 per output forward; reads 3, writes 2
                // backward.
                cases.push_back({di, name, "gated forward", three, ff, [=](int64_t a, int64_t b) {
                    check(ak_act_gated_forward(op, dtype, p, gated_in + 2 * es * a, gated_in + es * (2 * a + cols),
                                               2 * cols, nullptr, nullptr, y + es * a, (b - a) / cols, cols,
                                               AK_FLAG_NONE)); }, {}});
                cases.push_back({di, name, "gated backward", 5.0 * es, bf, [=](int64_t a, int64_t b) {
                    check(ak_act_gated_backward(op, dtype, p, gated_in + 2 * es * a, gated_in + es * (2 * a + cols),
                                                2 * cols, nullptr, nullptr, dy + es * a, gated_grad + 2 * es * a,
                                                gated_grad + es * (2 * a + cols), (b - a) / cols, cols,
                                                AK_FLAG_NONE)); }, {}});
                continue;
            }
            for (int32_t flags : {AK_FLAG_NONE, AK_FLAG_STREAM}) {
                std::string s = flags ? " (stream)" : "";
                cases.push_back({di, name, "forward" + s, two, ff, [=](int64_t a, int64_t b) {
                    check(ak_act_forward(op, dtype, p, x + es * a, y + es * a, b - a, flags)); }, {}});
                cases.push_back({di, name, "forward+bias" + s, two, ff, [=](int64_t a, int64_t b) {
                    check(ak_act_forward_bias(op, dtype, p, x + es * a, bias, y + es * a, (b - a) / cols, cols,
                                              flags)); }, {}});
                cases.push_back({di, name, "backward" + s, three, bf, [=](int64_t a, int64_t b) {
                    check(ak_act_backward(op, dtype, p, x + es * a, dy + es * a, y + es * a, b - a, flags)); }, {}});
            }
        }
    }

    // The learnable activations: each thread writes its own parameter-gradient row (as the Java API's
    // pieces do). rational (5, 4) and polyrelu 3 with one parameter set; DyT per channel (its use as
    // a normalization) and per tensor; rational (5, 4) also in 8 groups as KAT's.
    struct LearnConfig {
        int32_t op, num, den;
        int64_t groups;
        std::string label;
    };
    std::vector<LearnConfig> learn_configs;
    for (int32_t op = 0; op < AK_LEARN_COUNT; ++op) {
        std::string name = ak_learn_name(op);
        if (!ops.empty() && ops.find("," + name + ",") == std::string::npos) continue;
        const int degrees = ak_learn_degree_count(op);
        const int32_t num = degrees == 2 ? 5 : degrees == 1 ? 3 : 0, den = degrees == 2 ? 4 : 0;
        learn_configs.push_back({op, num, den, op == AK_LEARN_DYT ? cols : 1, name + (op == AK_LEARN_DYT
                                 ? " per channel" : "")});
        if (op == AK_LEARN_RATIONAL) learn_configs.push_back({op, num, den, 8, name + " 8 groups"});
        if (op == AK_LEARN_DYT) learn_configs.push_back({op, num, den, 1, name});
    }
    std::vector<std::vector<float>> learn_params;
    std::vector<std::vector<double>> learn_grads;
    for (const LearnConfig& lc : learn_configs) {
        const int32_t shared = ak_learn_shared_count(lc.op), per = ak_learn_group_count(lc.op, lc.num, lc.den);
        std::vector<float> one(shared + per);
        check(ak_learn_default_params(lc.op, lc.num, lc.den, one.data()));
        std::vector<float> all(shared + per * lc.groups);
        for (int k = 0; k < shared + per; ++k)
            for (int64_t g = 0; g < (k < shared ? 1 : lc.groups); ++g)
                all[k < shared ? k : shared + (k - shared) * lc.groups + g] = one[k] + 0.01f * float(g % 7);
        learn_params.push_back(all);
        learn_grads.emplace_back(all.size() * threads);
    }
    for (int di = 0; di < int(dtype_names.size()); ++di) {
        const int32_t dtype = dtype_names[di] == "f32" ? AK_DTYPE_F32 : dtype_names[di] == "bf16" ? AK_DTYPE_BF16
                                                                                                : AK_DTYPE_F16;
        const int64_t es = dtype == AK_DTYPE_F32 ? 4 : 2;
        char *x = buffers[7 * di], *dy = buffers[7 * di + 1], *y = buffers[7 * di + 2], *bias = buffers[7 * di + 4];
        for (size_t li = 0; li < learn_configs.size(); ++li) {
            const LearnConfig lc = learn_configs[li];
            const float* p = learn_params[li].data();
            double* grads = learn_grads[li].data();
            const int64_t count = int64_t(learn_params[li].size());
            const double ff = ak_learn_flops(lc.op, AK_FORWARD), bf = ak_learn_flops(lc.op, AK_BACKWARD);
            const int64_t share = std::max<int64_t>(1, (rows / threads) * cols);  // a thread's slice (bounds)
            // Plain, with streaming stores, and with a fused bias (polynorm takes none).
            for (int variant = 0; variant < (lc.op == AK_LEARN_POLYNORM ? 2 : 3); ++variant) {
                const int32_t flags = variant == 1 ? AK_FLAG_STREAM : AK_FLAG_NONE;
                const char* b_in = variant == 2 ? bias : nullptr;
                std::string s = variant == 1 ? " (stream)" : variant == 2 ? " + bias" : "";
                cases.push_back({di, lc.label, "learn forward" + s, 2.0 * es, ff, [=](int64_t a, int64_t b) {
                    check(ak_learn_forward(lc.op, dtype, lc.num, lc.den, p, lc.groups, x + es * a, b_in, y + es * a,
                                           b - a, cols, a % cols, flags)); }, {}});
                cases.push_back({di, lc.label, "learn backward" + s, 3.0 * es, bf, [=](int64_t a, int64_t b) {
                    check(ak_learn_backward(lc.op, dtype, lc.num, lc.den, p, lc.groups, x + es * a, b_in,
                                            dy + es * a, y + es * a,
                                            grads + count * std::min<int64_t>(threads - 1, a / share), b - a, cols,
                                            a % cols, flags)); }, {}});
            }
        }
    }

    Team team(threads);
    // Slices of whole bias rows where possible, so forward+bias splits like the others.
    auto bounds = [&](int t) {
        int64_t per = (rows / threads) * cols;
        int64_t a = t * per, b = t + 1 == threads ? n : a + per;
        return std::pair<int64_t, int64_t>(a, b);
    };
    // The FMA peak is measured in every round too (about 1 ms, all threads at once): a neighbour
    // on the same physical cores slows the compute-bound kernels without touching the copy.
    std::vector<double> peaks;
    auto measure_peak = [&] {
        std::vector<double> per(threads);
        team.run([&](int t) { check(ak_cpu_measure_fma_peak(ak_cpu_isa(), 500000, &per[t])); });
        double sum = 0;
        for (double p : per) sum += p;
        return sum;
    };
    for (int round = -2; round < rounds; ++round) {  // two warm-up rounds
        for (auto& c : cases) {
            double s = team.run([&](int t) { auto [a, b] = bounds(t); c.slice(a, b); });
            if (round >= 0) c.seconds.push_back(s);
        }
        double p = measure_peak();
        if (round >= 0) peaks.push_back(p);
    }

    double peak = median(peaks);
    for (int di = 0; di < int(dtype_names.size()); ++di) {
        const Case& copy = cases[copy_case[di]];
        double copy_s = median(copy.seconds);
        double copy_bw = copy.bytes_per_element * n / copy_s;
        std::printf("# native kernel bench: n = %lld %s, %d thread(s), ISA %s, %d rounds (median)\n\n",
                    static_cast<long long>(n), dtype_names[di].c_str(), threads, ak_cpu_isa_name(ak_cpu_isa()),
                    rounds);
        std::printf("memcpy %.1f GB/s (%.0f us); FMA peak %.0f GFLOP/s (%.0f-%.0f) with %d thread(s) at once\n\n",
                    copy_bw / 1e9, copy_s * 1e6, peak / 1e9, *std::min_element(peaks.begin(), peaks.end()) / 1e9,
                    *std::max_element(peaks.begin(), peaks.end()) / 1e9, threads);
        std::printf("| op | pass | us | GB/s | of copy BW | floor us | of floor |\n"
                    "|---|---|---:|---:|---:|---:|---:|\n");
        for (const Case& c : cases) {
            if (c.dtype_index != di || &c == &copy) continue;
            double s = median(c.seconds);
            double mem = c.bytes_per_element * n / copy_bw, compute = c.flops_per_element * n / peak;
            double floor = std::max(mem, compute);
            // Fractions are taken per round, against that round's memcpy and FMA peak, then the
            // median: the machine's bandwidth and compute drift over minutes, a round lasts
            // milliseconds.
            std::vector<double> of_copy, of_floor;
            for (size_t r = 0; r < c.seconds.size(); ++r) {
                double round_mem = copy.seconds[r] * c.bytes_per_element / copy.bytes_per_element;
                double round_compute = c.flops_per_element * n / peaks[r];
                of_copy.push_back(round_mem / c.seconds[r]);
                of_floor.push_back(std::max(round_mem, round_compute) / c.seconds[r]);
            }
            std::printf("| %s | %s | %.1f | %.1f | %.0f%% | %.0f (%s) | **%.0f%%** |\n", c.op.c_str(),
                        c.pass.c_str(), s * 1e6, c.bytes_per_element * n / s / 1e9, 100 * median(of_copy),
                        floor * 1e6, mem >= compute ? "memory" : "compute", 100 * median(of_floor));
        }
        std::printf("\n");
    }
    // Each op's element rate in the other dtypes over its rate in the first: per round, then the median.
    if (dtype_names.size() > 1) {
        std::printf("# element rate relative to %s, same rounds (median of per-round ratios)\n\n| op | pass |",
                    dtype_names[0].c_str());
        for (size_t di = 1; di < dtype_names.size(); ++di) std::printf(" %s |", dtype_names[di].c_str());
        std::printf("\n|---|---|");
        for (size_t di = 1; di < dtype_names.size(); ++di) std::printf("---:|");
        std::printf("\n");
        for (const Case& first : cases) {
            if (first.dtype_index != 0 || first.op == "memcpy") continue;
            std::printf("| %s | %s |", first.op.c_str(), first.pass.c_str());
            for (int di = 1; di < int(dtype_names.size()); ++di) {
                for (const Case& c : cases) {
                    if (c.dtype_index != di || c.op != first.op || c.pass != first.pass) continue;
                    std::vector<double> ratio;
                    for (size_t r = 0; r < c.seconds.size(); ++r) ratio.push_back(first.seconds[r] / c.seconds[r]);
                    std::printf(" %.2f |", median(ratio));
                }
            }
            std::printf("\n");
        }
    }
    for (char* b : buffers) std::free(b);
    return 0;
}
