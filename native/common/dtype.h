// Storage types as the kernels index them.
#pragma once
#include <cstdint>

#include "../include/actinium.h"

namespace ak {

// Bytes per element of an ak_dtype, 0 for a value that is none.
inline int64_t dtype_size(int32_t dtype) {
    switch (dtype) {
        case AK_DTYPE_F32: return 4;
        case AK_DTYPE_BF16:
        case AK_DTYPE_F16: return 2;
        case AK_DTYPE_I8:
        case AK_DTYPE_U8: return 1;
        default: return 0;
    }
}

// The storage types activation kernels exist for, as the index of their tables (CPU and CUDA).
enum StorageIndex { kF32 = 0, kBF16 = 1, kF16 = 2, kStorageCount = 3 };

// The table index of an activation dtype, or -1 if activations do not support it.
inline int storage_index(int32_t dtype) {
    switch (dtype) {
        case AK_DTYPE_F32: return kF32;
        case AK_DTYPE_BF16: return kBF16;
        case AK_DTYPE_F16: return kF16;
        default: return -1;
    }
}

}  // namespace ak
