// Every kernel launch of the library goes through launch<Kernel>(...): <<<grid, block, shmem,
// stream>>> under nvcc, the emulation (emulation.h) under g++; the launch sites are the same source.
#pragma once
#include <cstddef>
#include "cuda_api.h"

namespace ak::cuda {

#if defined(AK_CUDA_EMULATION)
template <auto Kernel, class... Args>
void launch(dim3 grid, dim3 block, size_t shared_bytes, cudaStream_t stream, Args... args) {
    auto body = [&] { Kernel(args...); };
    // __PRETTY_FUNCTION__ names the kernel with its template arguments, for the emulation's messages.
    ::ak::emu::launch(__PRETTY_FUNCTION__, grid, block, shared_bytes, stream,
                      [](void* b) { (*static_cast<decltype(body)*>(b))(); }, &body);
}
#else
template <auto Kernel, class... Args>
void launch(dim3 grid, dim3 block, size_t shared_bytes, cudaStream_t stream, Args... args) {
    Kernel<<<grid, block, shared_bytes, stream>>>(args...);
}
#endif

}  // namespace ak::cuda
