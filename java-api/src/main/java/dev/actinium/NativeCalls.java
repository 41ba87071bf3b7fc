package dev.actinium;

import dev.actinium.bindings.ActiniumNative;
import java.lang.foreign.MemorySegment;

/** Status checks and strings of the C ABI. */
final class NativeCalls {
    private NativeCalls() {}

    static String string(MemorySegment cString) {
        return cString.equals(MemorySegment.NULL) ? "" : cString.reinterpret(4096).getString(0);
    }

    /** Throws the CPU library's last error if status is not AK_OK. */
    static void check(int status) {
        if (status != ActiniumNative.AK_OK) throw new ActiniumException(status, string(ActiniumNative.ak_last_error()));
    }

    /** Throws the CUDA library's last error if status is not AK_OK. */
    static void checkCuda(int status) {
        if (status != ActiniumNative.AK_OK) throw new ActiniumException(status, string(ActiniumNative.ak_cuda_last_error()));
    }
}
