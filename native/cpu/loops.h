// The loops every CPU kernel is made of, written once over an ISA's LoadStore (native/cpu/simd):
// whole vectors over any length and offset, with the ragged head and tail through stack buffers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../include/actinium.h"

// Lambdas that form a kernel's loop body: GCC otherwise outlines the large ones and pays a call
// (and reloads every constant) per vector.
#define AK_BODY __attribute__((always_inline))

namespace ak::cpu {

// Elements before p is aligned for a streaming store of one vector of T (kWidth * sizeof(T)
// bytes: 16 to 64), or -1 if it never can be (p not aligned to its element size). Always less
// than kWidth, so the head fits the one-vector buffer of for_each_vector.
template <class LoadStore, class T>
inline int64_t elements_to_alignment(const T* p) {
    constexpr uintptr_t kAlign = LoadStore::kWidth * sizeof(T);
    auto addr = reinterpret_cast<uintptr_t>(p);
    if (addr % sizeof(T) != 0) return -1;
    return static_cast<int64_t>(((kAlign - addr % kAlign) % kAlign) / sizeof(T));
}

// Runs body(element index i, element count, put) over [0, n) one vector at a time; the body
// computes its vector and calls put(destination + i, vector) for each output. The first output,
// out, takes streaming stores when flags ask and its alignment allows (a body with more outputs
// is called without AK_FLAG_STREAM). The ragged head and tail go through stack buffers, so every
// ISA handles any length and offset with the same full-width code.
// The body is the loop's own copy, returned at the end: a body may hold what it carries from vector
// to vector (sums) as its own members, which stay in registers, where state it captures by
// reference is stored and loaded again every vector. The loop is inlined into its kernel, so the
// copies are the kernel's own locals (measured: rational's backward 1.25x faster than called).
template <class LoadStore, class T, class Body>
AK_BODY inline Body for_each_vector(T* out, int64_t n, int32_t flags, Body body) {
    constexpr int W = LoadStore::kWidth;
    int64_t i = 0;
    // A ragged piece (0 < count < W elements): each put stores a whole vector to a buffer and
    // copies count elements to where it was told, so a body may write several outputs.
    auto partial = [&](int64_t at, int64_t count) AK_BODY {
        body(at, count, [&](T* p, auto v) {
            T buf[W];
            LoadStore::store(buf, v);
            std::memcpy(static_cast<void*>(p), buf, static_cast<size_t>(count) * sizeof(T));
        });
    };
    // One loop for plain and streaming stores, chosen per vector by a branch that always goes the
    // same way: a second copy of the loop would double the code of every kernel (an op's body is
    // inlined K times per vector already, vec_multi.h).
    int64_t head = (flags & AK_FLAG_STREAM) ? elements_to_alignment<LoadStore>(out) : -1;
    const bool stream = head >= 0 && n >= head + W;
    if (stream && head > 0) partial(0, head);
    auto put = [stream](T* p, auto v) AK_BODY {
        if (stream) LoadStore::stream(p, v);
        else LoadStore::store(p, v);
    };
    for (i = stream ? head : 0; i + W <= n; i += W) body(i, W, put);
    if (stream) LoadStore::fence();
    if (i < n) partial(i, n - i);
    return body;
}

// Loads count (< W allowed) elements at p as one vector, zero-padding a short read.
template <class LoadStore, class T>
inline auto load_n(const T* p, int64_t count) {
    constexpr int W = LoadStore::kWidth;
    if (W == 1 || count == W) return LoadStore::load(p);  // one lane: never short
    T buf[W];
    std::memset(static_cast<void*>(buf), 0, sizeof buf);
    std::memcpy(static_cast<void*>(buf), p, static_cast<size_t>(count) * sizeof(T));
    return LoadStore::load(buf);
}

// Asks for the cache lines of elements [i, i + count) of base (a prefetch per 64 bytes). The elements
// may lie past the caller's memory (the next row after the last): a prefetch never faults, and the
// address is formed as an integer, not as a pointer past the array.
template <class T>
AK_BODY inline void prefetch_lines(const T* base, int64_t i, int64_t count) {
    constexpr int64_t kLine = 64 / sizeof(T);
    const uintptr_t at = reinterpret_cast<uintptr_t>(base);
    for (int64_t j = i; j < i + count; j += kLine)
        __builtin_prefetch(reinterpret_cast<const void*>(at + uintptr_t(j) * sizeof(T)));
}

}  // namespace ak::cpu
