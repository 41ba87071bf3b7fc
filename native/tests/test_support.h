// What the randomized native tests share: a generator whose seed is printed and can be given back
// to reproduce a failing run, and the list of ISAs this CPU can run.
#pragma once
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "common/act_defaults.h"
#include "cpu/cpu_features.h"
#include "include/actinium.h"
#include "ops/half.h"

// The ISAs of ak_isa (the enum has no count of its own): the library's count, which
// cpu_features.cpp checks against the enum.
using ak::cpu::kIsaCount;

// Flags that run one call on isa, whatever ak_cpu_set_isa() chose.
inline int32_t isa_flag(int32_t isa) { return (isa + 1) << AK_FLAG_ISA_SHIFT; }

// The ISAs this CPU can run, lowest first; says which are skipped, so a run on a smaller CPU is visibly
// a smaller test.
inline std::vector<int32_t> runnable_isas() {
    std::vector<int32_t> isas;
    for (int32_t isa = 0; isa < kIsaCount; ++isa) {
        if (ak_cpu_isa_supported(isa)) isas.push_back(isa);
        else std::printf("SKIP %s: %s\n", ak_cpu_isa_name(isa), ak_cpu_isa_support_reason(isa));
    }
    return isas;
}

// splitmix64: the same sequence from a seed with every compiler and standard library (the std::
// distributions are not specified bit for bit), so a printed seed reproduces a run anywhere.
struct Rng {
    uint64_t state;
    explicit Rng(uint64_t seed) : state(seed) {}
    uint64_t next() {
        uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    uint64_t below(uint64_t n) { return next() % n; }  // the bias of % is irrelevant here
    int64_t range(int64_t lo, int64_t hi) { return lo + int64_t(below(uint64_t(hi - lo) + 1)); }
    bool percent(int p) { return below(100) < uint64_t(p); }
    template <class T, size_t N> const T& pick(const T (&options)[N]) { return options[below(N)]; }
    // A finite float of either sign with magnitude in [2^-12, 2^9): the range where activations
    // bend, clamp and saturate.
    float finite() {
        const int64_t e = range(-12, 8);
        const float m = 1.0f + float(next() >> 41) / float(1 << 23);  // [1, 2)
        const float v = m * float(e < 0 ? 1.0 / double(1ull << -e) : double(1ull << e));
        return (next() & 1) ? -v : v;
    }
};

// The seed of a run: the first argument that is a whole number, else $AK_TEST_SEED, else a fresh
// one, so every run draws new inputs. Printed first, so any failing run can be repeated exactly.
inline uint64_t test_seed(int argc, char** argv) {
    auto parse = [](const char* s, uint64_t& out) {
        if (!s || !*s) return false;
        char* end = nullptr;
        errno = 0;
        out = std::strtoull(s, &end, 0);
        return errno == 0 && *end == '\0';
    };
    uint64_t seed = (uint64_t(std::random_device{}()) << 32) ^ std::random_device{}(), parsed = 0;
    const char* from = "fresh";
    for (int i = 1; i < argc; ++i)
        if (parse(argv[i], parsed)) {
            seed = parsed, from = "argument";
            break;
        }
    if (std::strcmp(from, "fresh") == 0 && parse(std::getenv("AK_TEST_SEED"), parsed))
        seed = parsed, from = "AK_TEST_SEED";
    std::printf("seed %llu (%s; repeat with: %s %llu, or AK_TEST_SEED=%llu)\n", (unsigned long long)seed,
                from, argv[0], (unsigned long long)seed, (unsigned long long)seed);
    return seed;
}

using ak::default_params;

// Element i of a storage array of dtype (F32, BF16 or F16), from or to float.
inline void store_as(int dtype, void* base, int64_t i, float v) {
    if (dtype == AK_DTYPE_F32) {
        std::memcpy(static_cast<char*>(base) + 4 * i, &v, 4);
    } else {
        const uint16_t h = dtype == AK_DTYPE_BF16 ? ak::float_to_bf16(v) : ak::float_to_f16(v);
        std::memcpy(static_cast<char*>(base) + 2 * i, &h, 2);
    }
}

inline float load_as(int dtype, const void* base, int64_t i) {
    if (dtype == AK_DTYPE_F32) {
        float v;
        std::memcpy(&v, static_cast<const char*>(base) + 4 * i, 4);
        return v;
    }
    uint16_t h;
    std::memcpy(&h, static_cast<const char*>(base) + 2 * i, 2);
    return dtype == AK_DTYPE_BF16 ? ak::bf16_to_float(h) : ak::f16_to_float(h);
}

// A share of a test's cases, from $AK_TEST_SHARD "i/k" (the i-th of k, from 0): k processes, one per
// shard, run the whole test side by side (bench/gpu/run.sh on a many-core GPU host, where the CPU
// reference of large cases takes minutes in one process). Unset: the whole test.
struct Shard {
    int index = 0, count = 1;
};
inline Shard test_shard() {
    Shard shard;
    const char* text = std::getenv("AK_TEST_SHARD");
    if (text == nullptr || *text == 0) return shard;
    if (std::sscanf(text, "%d/%d", &shard.index, &shard.count) != 2 || shard.count < 1 || shard.index < 0 ||
        shard.index >= shard.count) {
        std::fprintf(stderr, "AK_TEST_SHARD must be i/k with 0 <= i < k, not %s\n", text);
        std::exit(2);
    }
    std::printf("shard %d of %d\n", shard.index, shard.count);
    return shard;
}
