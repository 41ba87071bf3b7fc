package dev.actinium.act;

import dev.actinium.DType;
import dev.actinium.Parallel;
import dev.actinium.Tensor;
import dev.actinium.bindings.ActiniumNative;
import dev.actinium.internal.Checks;
import dev.actinium.internal.CpuCalls;
import dev.actinium.internal.Internals;
import dev.actinium.internal.NativeCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Learnable activations ({@link LearnableActivation}): forward, and backward with the gradient of
 * every parameter. x, y, dy and dx are F32, BF16 or F16 tensors of one shape, dtype and device;
 * params and dparams are F32 tensors of {@link LearnableActivation#paramCount} elements on the same
 * device, the channels being x's last dimension.
 *
 * <p>The parameter gradient is reduced deterministically: on the CPU each downcall writes the sums of
 * its own piece of x (pieces of a fixed size for the ISA, whatever the threads), and the pieces'
 * sums are added here in piece order, in double; on CUDA each block writes its partial sums and one
 * more kernel adds them in block order. A row-normalizing op (polynorm) goes in pieces of whole
 * rows. The same inputs give the same bits for any thread count and
 * on every run.
 *
 * <p>The {@code Bias} forms fuse the bias of the layer before (shape [channels], x's dtype and device):
 * f is applied to x + bias, added in fp32, and the dx they return, the gradient of that sum, is also the
 * bias's gradient element by element (its sum over the rows is the caller's, as for
 * {@link Activations#backwardBias}). polynorm, which normalizes rows, takes no bias.
 */
public final class LearnableActivations {
    private static final Internals.Core CORE = Internals.core();
    private static final String[] X_Y_PARAMS_BIAS = {"x", "y", "params", "bias"},
            X_DY_DX_PARAMS_DPARAMS_BIAS = {"x", "dy", "dx", "params", "dparams", "bias"};

    private LearnableActivations() {}

    /** y = f(x; params). y may be x (in place). */
    public static void forward(LearnableActivation f, Tensor params, Tensor x, Tensor y) {
        forward(f, params, x, y, CpuCalls.defaultParallel());
    }

    public static void forward(LearnableActivation f, Tensor params, Tensor x, Tensor y, Parallel parallel) {
        forwardCall(f, params, x, null, y, parallel);
    }

    /** y = f(x + bias; params), bias of shape [channels]. y may be x (in place); bias must not overlap y. */
    public static void forwardBias(LearnableActivation f, Tensor params, Tensor x, Tensor bias, Tensor y) {
        forwardBias(f, params, x, bias, y, CpuCalls.defaultParallel());
    }

    public static void forwardBias(LearnableActivation f, Tensor params, Tensor x, Tensor bias, Tensor y,
                                   Parallel parallel) {
        Objects.requireNonNull(bias, "bias");
        forwardCall(f, params, x, bias, y, parallel);
    }

    private static void forwardCall(LearnableActivation f, Tensor params, Tensor x, Tensor bias, Tensor y,
                                    Parallel parallel) {
        Objects.requireNonNull(f, "f");
        Objects.requireNonNull(parallel, "parallel");
        CORE.ensureLoaded();
        Activations.elementwise(x, "x", y, "y");
        long channels = channels(x);
        long groups = checkGroups(f, channels);
        checkParams(f, params, "params", x, channels, false);
        Checks.noOverlap(y, "y", params, "params");
        checkBias(f, bias, x, y, "y");
        int op = f.op().code(), dt = x.dtype().code(), m = f.numDegree(), n = f.denDegree();
        if (x.device().isCuda()) {
            NativeCalls.check(ActiniumNative.ak_cuda_learn_forward(x.device().index(), op, dt, m, n,
                    Activations.memory(params), groups, Activations.memory(x), biasMemory(bias),
                    Activations.memory(y), x.numel(), channels));
            return;
        }
        long es = x.dtype().byteSize();
        MemorySegment ps = Activations.workers(params), xs = Activations.workers(x), ys = Activations.workers(y);
        MemorySegment bs = bias == null ? MemorySegment.NULL : Activations.workers(bias);
        CpuCalls.Kernel kernel = (s, e, isa) -> ActiniumNative.ak_learn_forward(op, dt, m, n, ps, groups,
                xs.asSlice(s * es, (e - s) * es), bs, ys.asSlice(s * es, (e - s) * es), e - s, channels,
                s % channels, isa);
        Tensor[] tensors = bias == null ? new Tensor[] {x, y, params} : new Tensor[] {x, y, params, bias};
        if (f.normalizesRows()) {
            int isa = ActiniumNative.ak_cpu_isa();
            CpuCalls.runPieces(parallel, x.numel(), rowPiece(isa, channels), isa,
                    (p, s, e, flags) -> kernel.call(s, e, flags), X_Y_PARAMS_BIAS, tensors);
        } else {
            CpuCalls.run(parallel, x.numel(), kernel, X_Y_PARAMS_BIAS, tensors);
        }
    }

    private static MemorySegment biasMemory(Tensor bias) {
        return bias == null ? MemorySegment.NULL : Activations.memory(bias);
    }

    /** A bias as {@link Activations#checkBias} takes it, for an op that takes one. */
    private static void checkBias(LearnableActivation f, Tensor bias, Tensor x, Tensor out, String outArg) {
        if (bias == null) return;
        if (f.normalizesRows()) {
            throw new IllegalArgumentException("bias: " + f + " normalizes each row and takes no fused bias");
        }
        Activations.checkBias(bias, x, out, outArg);
    }

    /** Pieces of whole rows, about {@link CpuCalls#callElements} long (one row where a row is longer). */
    private static long rowPiece(int isa, long channels) {
        if (channels < 1) return CpuCalls.callElements(isa);  // x has no elements: no piece runs
        return Math.max(1, CpuCalls.callElements(isa) / channels) * channels;
    }

    /**
     * dx = dy * df/dx, and dparams = the sum over every element of dy * df/dparams (written, not added
     * to). dx may be dy or x (in place).
     */
    public static void backward(LearnableActivation f, Tensor params, Tensor x, Tensor dy, Tensor dx, Tensor dparams) {
        backward(f, params, x, dy, dx, dparams, CpuCalls.defaultParallel());
    }

    public static void backward(LearnableActivation f, Tensor params, Tensor x, Tensor dy, Tensor dx, Tensor dparams,
                                Parallel parallel) {
        backwardCall(f, params, x, null, dy, dx, dparams, parallel);
    }

    /**
     * dx = dy * f'(x + bias), and dparams as {@link #backward}: the backward of {@link #forwardBias}. dx is
     * also the bias's gradient element by element. dx may be dy or x; bias must not overlap dx.
     */
    public static void backwardBias(LearnableActivation f, Tensor params, Tensor x, Tensor bias, Tensor dy,
                                    Tensor dx, Tensor dparams) {
        backwardBias(f, params, x, bias, dy, dx, dparams, CpuCalls.defaultParallel());
    }

    public static void backwardBias(LearnableActivation f, Tensor params, Tensor x, Tensor bias, Tensor dy,
                                    Tensor dx, Tensor dparams, Parallel parallel) {
        Objects.requireNonNull(bias, "bias");
        backwardCall(f, params, x, bias, dy, dx, dparams, parallel);
    }

    private static void backwardCall(LearnableActivation f, Tensor params, Tensor x, Tensor bias, Tensor dy,
                                     Tensor dx, Tensor dparams, Parallel parallel) {
        Objects.requireNonNull(f, "f");
        Objects.requireNonNull(parallel, "parallel");
        CORE.ensureLoaded();
        Activations.elementwise(x, "x", dx, "dx");
        Checks.like(dy, "dy", x, "x");
        Checks.sameShape(dy, "dy", x, "x");
        Checks.noPartialOverlap(dx, "dx", dy, "dy");
        long channels = channels(x);
        long groups = checkGroups(f, channels);
        checkParams(f, params, "params", x, channels, false);
        checkParams(f, dparams, "dparams", x, channels, true);
        Checks.noOverlap(dparams, "dparams", params, "params");
        for (Tensor t : new Tensor[] {x, dy, dx}) Checks.noOverlap(dparams, "dparams", t, name(t, x, dy));
        Checks.noOverlap(dx, "dx", params, "params");
        checkBias(f, bias, x, dx, "dx");
        if (bias != null) Checks.noOverlap(dparams, "dparams", bias, "bias");
        int op = f.op().code(), dt = x.dtype().code(), m = f.numDegree(), n = f.denDegree();
        if (x.device().isCuda()) {
            NativeCalls.check(ActiniumNative.ak_cuda_learn_backward(x.device().index(), op, dt, m, n,
                    Activations.memory(params), groups, Activations.memory(x), biasMemory(bias),
                    Activations.memory(dy), Activations.memory(dx), Activations.memory(dparams), x.numel(),
                    channels));
            return;
        }
        long es = x.dtype().byteSize(), count = params.numel(), total = x.numel();
        int isa = ActiniumNative.ak_cpu_isa();
        long piece = f.normalizesRows() ? rowPiece(isa, channels) : CpuCalls.callElements(isa);
        long pieces = Math.max(1, Math.ceilDiv(total, piece));
        MemorySegment ps = Activations.workers(params), xs = Activations.workers(x), gs = Activations.workers(dy);
        MemorySegment dxs = Activations.workers(dx);
        MemorySegment bs = bias == null ? MemorySegment.NULL : Activations.workers(bias);
        Tensor[] tensors = bias == null ? new Tensor[] {x, dy, dx, params, dparams}
                : new Tensor[] {x, dy, dx, params, dparams, bias};
        try (Arena arena = Arena.ofShared()) {
            MemorySegment partial = arena.allocate(ValueLayout.JAVA_DOUBLE, pieces * count);
            if (total > 0) {
                CpuCalls.runPieces(parallel, total, piece, isa, (p, s, e, flags) -> ActiniumNative.ak_learn_backward(op,
                        dt, m, n, ps, groups, xs.asSlice(s * es, (e - s) * es), bs, gs.asSlice(s * es, (e - s) * es),
                        dxs.asSlice(s * es, (e - s) * es), partial.asSlice(p * count * 8, count * 8), e - s, channels,
                        s % channels, flags), X_DY_DX_PARAMS_DPARAMS_BIAS, tensors);
            }
            MemorySegment out = Activations.workers(dparams);
            for (long k = 0; k < count; k++) {
                double sum = 0;
                for (long p = 0; p < pieces; p++) sum += partial.getAtIndex(ValueLayout.JAVA_DOUBLE, p * count + k);
                out.setAtIndex(ValueLayout.JAVA_FLOAT, k, (float) sum);
            }
        }
    }

    private static String name(Tensor t, Tensor x, Tensor dy) {
        return t == x ? "x" : t == dy ? "dy" : "dx";
    }

    private static long channels(Tensor x) {
        if (x.shape().rank() == 0) throw new IllegalArgumentException("x: a scalar has no channels (rank >= 1)");
        return x.shape().lastDim();
    }

    private static long checkGroups(LearnableActivation f, long channels) {
        long groups = f.groupsFor(channels);
        if (channels > 0 && channels % groups != 0) {
            throw new IllegalArgumentException("groups: " + groups + " groups do not divide the " + channels
                    + " channels of x (its last dimension) into equal groups");
        }
        return Math.max(1, Math.min(groups, Math.max(1, channels)));
    }

    private static void checkParams(LearnableActivation f, Tensor p, String arg, Tensor x, long channels,
                                    boolean output) {
        Checks.live(p, arg);
        if (p.dtype() != DType.F32) {
            throw new IllegalArgumentException(arg + ": dtype " + p.dtype() + " must be F32 (parameters are fp32)");
        }
        Checks.sameDevice(p, arg, x, "x");
        long expected = f.paramCount(Math.max(1, channels));
        if (p.numel() != expected) {
            throw new IllegalArgumentException(arg + ": " + f + " over " + channels + " channels takes " + expected
                    + " parameters " + f.parameterNames() + (f.groupCount() > 0 && f.groupsFor(channels) > 1
                    ? " (grouped ones once per group)" : "") + ", not " + p.numel());
        }
        if (output) {
            Checks.writable(p, arg);
        } else if (!p.device().isCuda()) {
            // Values on the host are checked here, by name; on a GPU they are the kernels' to read.
            int status = ActiniumNative.ak_learn_check_params(f.op().code(), f.numDegree(), f.denDegree(),
                    Activations.memory(p), f.groupsFor(Math.max(1, channels)));
            if (status != ActiniumNative.AK_OK) throw new IllegalArgumentException(arg + ": "
                    + ActiniumNative.lastFailure());
        }
    }
}
