// Storage conversion on the device (F32 <-> BF16, F32 <-> F16), element-wise on the device's stream.
#include <cstdint>

#include "../common/errors.h"
#include "../include/actinium.h"
#include "elementwise.h"
#include "launch.h"

namespace ak::cuda {
namespace {

template <class From, class To>
__global__ void convert_kernel(const From* x, To* y, int64_t n) {
    for_each_packet<false>(y, n, [](int64_t) { return Packet<To>{}; }, [&](int64_t i) { return load1(x + i); });
}

}  // namespace
}  // namespace ak::cuda

using namespace ak;
using namespace ak::cuda;

extern "C" {

int32_t ak_cuda_convert(int32_t device, int32_t src_dtype, const void* src, int32_t dst_dtype,
                        void* dst, int64_t n) {
    const char* fn = "ak_cuda_convert";
    clear_error();
    if (n < 0) return fail(AK_ERR_INVALID_ARGUMENT, "%s: n = %lld < 0", fn, (long long)n);
    const bool known = (src_dtype == AK_DTYPE_F32 &&
                        (dst_dtype == AK_DTYPE_BF16 || dst_dtype == AK_DTYPE_F16)) ||
                       (dst_dtype == AK_DTYPE_F32 &&
                        (src_dtype == AK_DTYPE_BF16 || src_dtype == AK_DTYPE_F16));
    if (!known)
        return fail(AK_ERR_UNSUPPORTED, "%s: no conversion from dtype %d to dtype %d", fn,
                    src_dtype, dst_dtype);
    if (n == 0) return AK_OK;
    if (!src || !dst) return fail(AK_ERR_INVALID_ARGUMENT, "%s: %s is null", fn, !src ? "src" : "dst");
    DeviceContext* ctx = nullptr;
    if (int32_t s = enter_device(fn, device, &ctx)) return s;
    const dim3 grid = grid_for(ctx, n);
    auto f = static_cast<const float*>(src);
    if (src_dtype == AK_DTYPE_F32 && dst_dtype == AK_DTYPE_BF16)
        launch<convert_kernel<float, bf16>>(grid, 256, 0, ctx->stream, f, static_cast<bf16*>(dst), n);
    else if (src_dtype == AK_DTYPE_F32)
        launch<convert_kernel<float, f16>>(grid, 256, 0, ctx->stream, f, static_cast<f16*>(dst), n);
    else if (src_dtype == AK_DTYPE_BF16)
        launch<convert_kernel<bf16, float>>(grid, 256, 0, ctx->stream, static_cast<const bf16*>(src),
                                                static_cast<float*>(dst), n);
    else
        launch<convert_kernel<f16, float>>(grid, 256, 0, ctx->stream, static_cast<const f16*>(src),
                                               static_cast<float*>(dst), n);
    return launched(fn);
}

}  // extern "C"
