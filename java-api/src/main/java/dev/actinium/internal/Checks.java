package dev.actinium.internal;

import dev.actinium.DType;
import dev.actinium.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.Optional;

/** Argument checks shared by the operations; every message names the argument. */
public final class Checks {
    /** The core package's side, fetched once (Internals checks the caller). */
    private static final Internals.Core CORE = Internals.core();

    private Checks() {}

    public static Tensor live(Tensor t, String arg) {
        Objects.requireNonNull(t, arg);
        CORE.requireUsable(t, arg);
        return t;
    }

    /** A further input t of an operation on ref: alive, on ref's device, of ref's dtype. */
    public static Tensor like(Tensor t, String arg, Tensor ref, String refArg) {
        live(t, arg);
        sameDType(t, arg, ref, refArg);
        sameDevice(t, arg, ref, refArg);
        return t;
    }

    public static void activationDType(Tensor t, String arg) {
        if (t.dtype() != DType.F32 && t.dtype() != DType.BF16 && t.dtype() != DType.F16) {
            throw new IllegalArgumentException(arg + ": dtype " + t.dtype()
                    + " is not supported by activations (F32, BF16, F16)");
        }
    }

    public static void sameDType(Tensor t, String arg, Tensor ref, String refArg) {
        if (t.dtype() != ref.dtype()) throw new IllegalArgumentException(arg + ": dtype " + t.dtype()
                + " does not match " + refArg + " (" + ref.dtype()
                        + ")");
    }

    public static void sameDevice(Tensor t, String arg, Tensor ref, String refArg) {
        if (!t.device().equals(ref.device())) throw new IllegalArgumentException(arg + ": device " + t.device()
                + " does not match " + refArg + " (" + ref.device()
                        + ")");
    }

    public static void sameShape(Tensor t, String arg, Tensor ref, String refArg) {
        if (!t.shape().equals(ref.shape())) throw new IllegalArgumentException(arg + ": shape " + t.shape()
                + " does not match " + refArg + " "
                        + ref.shape());
    }

    public static void writable(Tensor t, String arg) {
        if (memory(t).isReadOnly()) throw new IllegalArgumentException(arg + " is read-only");
    }

    /** out may be exactly in (in place) but must not overlap it partially. */
    public static void noPartialOverlap(Tensor out, String outArg, Tensor in, String inArg) {
        Optional<MemorySegment> o = overlap(out, in);
        // Two ranges of equal length overlap over their whole length only if they start together.
        long size = memory(out).byteSize();
        if (o.isPresent() && !(size == memory(in).byteSize() && o.get().byteSize() == size)) {
            throw new IllegalArgumentException(outArg + " overlaps " + inArg
                    + " partially (only the exact same tensor is allowed, for in-place)");
        }
    }

    public static void noOverlap(Tensor out, String outArg, Tensor in, String inArg) {
        if (overlap(out, in).isPresent()) throw new IllegalArgumentException(outArg + " overlaps " + inArg);
    }

    private static MemorySegment memory(Tensor t) {
        return CORE.memory(t);
    }

    private static Optional<MemorySegment> overlap(Tensor a, Tensor b) {
        if (!a.device().equals(b.device())) return Optional.empty();
        return memory(a).asOverlappingSlice(memory(b));
    }
}
