package dev.actinium;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.Optional;

/** Argument checks shared by the operations; every message names the argument. */
final class Checks {
    private Checks() {}

    static Tensor live(Tensor t, String arg) {
        Objects.requireNonNull(t, arg);
        t.requireUsable(arg);
        return t;
    }

    /** A further input t of an operation on ref: alive, on ref's device, of ref's dtype. */
    static Tensor like(Tensor t, String arg, Tensor ref, String refArg) {
        live(t, arg);
        sameDType(t, arg, ref, refArg);
        sameDevice(t, arg, ref, refArg);
        return t;
    }

    static void activationDType(Tensor t, String arg) {
        if (t.dtype() != DType.F32 && t.dtype() != DType.BF16) {
            throw new IllegalArgumentException(arg + ": dtype " + t.dtype() + " is not supported by activations (F32, BF16)");
        }
    }

    static void sameDType(Tensor t, String arg, Tensor ref, String refArg) {
        if (t.dtype() != ref.dtype()) throw new IllegalArgumentException(arg + ": dtype " + t.dtype() + " does not match " + refArg + " (" + ref.dtype() + ")");
    }

    static void sameDevice(Tensor t, String arg, Tensor ref, String refArg) {
        if (!t.device().equals(ref.device())) throw new IllegalArgumentException(arg + ": device " + t.device() + " does not match " + refArg + " (" + ref.device() + ")");
    }

    static void sameShape(Tensor t, String arg, Tensor ref, String refArg) {
        if (!t.shape().equals(ref.shape())) throw new IllegalArgumentException(arg + ": shape " + t.shape() + " does not match " + refArg + " " + ref.shape());
    }

    static void writable(Tensor t, String arg) {
        if (t.memory().isReadOnly()) throw new IllegalArgumentException(arg + " is read-only");
    }

    /** out may be exactly in (in place) but must not overlap it partially. */
    static void noPartialOverlap(Tensor out, String outArg, Tensor in, String inArg) {
        Optional<MemorySegment> o = overlap(out, in);
        // Two ranges of equal length overlap over their whole length only if they start together.
        long size = out.memory().byteSize();
        if (o.isPresent() && !(size == in.memory().byteSize() && o.get().byteSize() == size)) {
            throw new IllegalArgumentException(outArg + " overlaps " + inArg + " partially (only the exact same tensor is allowed, for in-place)");
        }
    }

    static void noOverlap(Tensor out, String outArg, Tensor in, String inArg) {
        if (overlap(out, in).isPresent()) throw new IllegalArgumentException(outArg + " overlaps " + inArg);
    }

    private static Optional<MemorySegment> overlap(Tensor a, Tensor b) {
        if (!a.device().equals(b.device())) return Optional.empty();
        return a.memory().asOverlappingSlice(b.memory());
    }
}
