package dev.actinium;

import dev.actinium.bindings.ActiniumNative;

/** Storage type of a tensor's elements. Activations compute in fp32 whatever the storage. */
public enum DType {
    F32(4, ActiniumNative.AK_DTYPE_F32),
    BF16(2, ActiniumNative.AK_DTYPE_BF16),
    F16(2, ActiniumNative.AK_DTYPE_F16),
    I8(1, ActiniumNative.AK_DTYPE_I8),
    U8(1, ActiniumNative.AK_DTYPE_U8);

    private final int byteSize;
    private final int code;

    DType(int byteSize, int code) {
        this.byteSize = byteSize;
        this.code = code;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The {@code ak_dtype} value of the C ABI. */
    public int code() {
        return code;
    }

    boolean isFloating() {
        return this == F32 || this == BF16 || this == F16;
    }
}
