package dev.actinium.internal;

import dev.actinium.ActiniumException;
import dev.actinium.bindings.ActiniumNative;
import java.lang.foreign.MemorySegment;

/** Status checks and strings of the C ABI. */
public final class NativeCalls {
    private NativeCalls() {}

    public static String string(MemorySegment cString) {
        return cString.equals(MemorySegment.NULL) ? "" : cString.reinterpret(4096).getString(0);
    }

    /**
     * Throws an ActiniumException with the message of the call that returned status (CPU or CUDA
     * library alike: the generated bindings keep the failing call's own message) unless it is
     * AK_OK.
     */
    public static void check(int status) {
        if (status != ActiniumNative.AK_OK) throw new ActiniumException(status, ActiniumNative.lastFailure());
    }
}
