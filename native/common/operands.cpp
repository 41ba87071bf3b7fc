#include "operands.h"

#include "../include/actinium.h"
#include "errors.h"

namespace ak {
namespace {

// The bytes from an operand's first element to one past its last, if they fit int64_t.
bool extent_bytes(const Operand& o, int64_t es, int64_t& bytes) {
    // (rows - 1) * stride + cols elements, each step checked.
    if (o.rows - 1 > (INT64_MAX - o.cols) / (o.stride > 0 ? o.stride : 1)) return false;
    const int64_t elements = (o.rows - 1) * o.stride + o.cols;
    if (elements > INT64_MAX / es) return false;
    bytes = elements * es;
    return true;
}

bool identical(const Operand& a, const Operand& b) {
    return a.data == b.data && a.rows == b.rows && a.cols == b.cols && a.stride == b.stride;
}

// Whether the elements of a and b share a byte. Exact for two operands of one stride (rows of two
// halves interleaved in one matrix do not overlap); otherwise whether their extents meet.
bool overlap(const Operand& a, int64_t a_bytes, const Operand& b, int64_t b_bytes, int64_t es) {
    const auto pa = reinterpret_cast<uintptr_t>(a.data), pb = reinterpret_cast<uintptr_t>(b.data);
    if (!(pa < pb + uintptr_t(b_bytes) && pb < pa + uintptr_t(a_bytes))) return false;
    if (a.stride != b.stride || a.cols != b.cols || a.rows == 1 || b.rows == 1) return true;
    // Row ra of a starts at pa + ra S, row rb of b at pb + rb S, each W bytes long: they meet iff
    // |d - k S| < W for some k = ra - rb in [-(rows_b - 1), rows_a - 1], d = pb - pa.
    const int64_t S = a.stride * es, W = a.cols * es;
    const int64_t d = int64_t(pb - pa);  // |d| < extent: fits
    int64_t k0 = d >= 0 ? d / S : -((-d + S - 1) / S);  // floor(d / S)
    for (int64_t k = k0; k <= k0 + 1; ++k) {
        if (k > a.rows - 1 || k < -(b.rows - 1)) continue;
        const int64_t gap = d - k * S;
        if (gap < W && gap > -W) return true;
    }
    return false;
}

}  // namespace

int32_t check_bytes(const char* fn, const char* what, int64_t count, int64_t es) {
    if (count > INT64_MAX / es)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s = %lld elements of %lld bytes overflow int64", fn, what,
                    (long long)count, (long long)es);
    return AK_OK;
}

int32_t check_shape(const char* fn, int64_t rows, int64_t cols, bool& empty) {
    if (rows < 0 || cols < 0)
        return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s = %lld < 0", fn, rows < 0 ? "rows" : "cols",
                    (long long)(rows < 0 ? rows : cols));
    empty = rows == 0 || cols == 0;
    return AK_OK;
}

int32_t check_operands(const char* fn, int64_t es, std::initializer_list<Operand> operands) {
    constexpr int kMax = 8;
    int64_t bytes[kMax];
    int i = 0;
    for (const Operand& o : operands) {
        if (!o.data) return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is null", fn, o.name);
        if (o.stride < o.cols)
            return fail(AK_ERR_INVALID_ARGUMENT, "%s: the row stride of %s (%lld) is less than its columns (%lld)",
                        fn, o.name, (long long)o.stride, (long long)o.cols);
        if (!extent_bytes(o, es, bytes[i]))
            return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s: %lld rows of stride %lld elements overflow int64", fn,
                        o.name, (long long)o.rows, (long long)o.stride);
        if (reinterpret_cast<uintptr_t>(o.data) > UINTPTR_MAX - uintptr_t(bytes[i]))
            return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s + %lld bytes wraps the address space", fn, o.name,
                        (long long)bytes[i]);
        ++i;
    }
    i = 0;
    for (const Operand& out : operands) {
        const int oi = i++;
        if (!out.output) continue;
        int j = 0;
        for (const Operand& other : operands) {
            const int oj = j++;
            if (oj == oi || (other.output && oj < oi)) continue;  // each pair of outputs once
            if (!other.output && other.in_place_ok && identical(out, other)) continue;
            if (overlap(out, bytes[oi], other, bytes[oj], es))
                return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s overlaps %s%s", fn, out.name, other.name,
                            !other.output && other.in_place_ok ? " (only the exact same tensor is allowed, in place)"
                                                                : "");
        }
    }
    return AK_OK;
}

}  // namespace ak
