package dev.actinium.act;

import dev.actinium.Tensor;
import dev.actinium.bindings.ActiniumNative;
import dev.actinium.internal.Checks;
import dev.actinium.internal.CpuCalls;
import dev.actinium.internal.Internals;
import dev.actinium.internal.NativeCalls;
import dev.actinium.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Fused activations, forward and backward, on CPU (the best ISA, split over {@link Parallel}) and
 * CUDA (queued on the device's stream). Storage F32, BF16 or F16; compute fp32. Every tensor
 * argument is checked (liveness, access by the calling thread, dtype, device, shape, aliasing)
 * before any native call, and the native library checks every argument again. One call runs on
 * one ISA from start to end. An {@link ActivationFunction} is an {@link Activation} (PyTorch's
 * default parameters) or {@code Activation.X.with(...)}.
 */
public final class Activations {
    /** The core package's side, fetched once (Internals checks the caller). */
    private static final Internals.Core CORE = Internals.core();

    private Activations() {}

    private static final String[] XY = {"x", "y"}, X_DY_DX = {"x", "dy", "dx"}, Y_DY_DX = {"y", "dy", "dx"},
            X_BIAS_Y = {"x", "bias", "y"}, X_BIAS_DY_DX = {"x", "bias", "dy", "dx"};

    /** y = f(x). y may be x (in place). */
    public static void forward(ActivationFunction f, Tensor x, Tensor y) {
        forward(f, x, y, CpuCalls.defaultParallel());
    }

    public static void forward(ActivationFunction f, Tensor x, Tensor y, Parallel parallel) {
        Activation op = elementwiseOp(f, parallel);
        elementwise(x, "x", y, "y");
        MemorySegment p = params(f);
        if (x.device().isCuda()) {
            NativeCalls.check(ActiniumNative.ak_cuda_act_forward(x.device().index(), op.code(), x.dtype().code(), p,
                    memory(x), memory(y), x.numel()));
            return;
        }
        long es = x.dtype().byteSize();
        int flags = streamFlag(op, y, parallel);
        MemorySegment xs = workers(x), ys = workers(y);
        CpuCalls.run(parallel, x.numel(), (s, e, isa) -> ActiniumNative.ak_act_forward(op.code(), x.dtype().code(), p,
                xs.asSlice(s * es, (e - s) * es), ys.asSlice(s * es, (e - s) * es), e - s, flags | isa), XY, x, y);
    }

    /** A new tensor f(x) on x's device, owned by arena; nothing is allocated when the call fails. */
    public static Tensor forward(ActivationFunction f, Tensor x, Arena arena) {
        Objects.requireNonNull(arena, "arena");
        Parallel parallel = CpuCalls.defaultParallel();
        elementwiseOp(f, parallel);
        Checks.live(x, "x");
        Checks.activationDType(x, "x");
        if (x.device().isCuda()) CORE.requireCuda(x.device(), "x");
        Tensor y = Tensor.allocate(arena, x.dtype(), x.device(), x.shape().toArray());
        forward(f, x, y, parallel);
        return y;
    }

    /** dx = dy * f'(x), from the saved input x. dx may be dy or x (in place). */
    public static void backward(ActivationFunction f, Tensor x, Tensor dy, Tensor dx) {
        backward(f, x, dy, dx, CpuCalls.defaultParallel());
    }

    public static void backward(ActivationFunction f, Tensor x, Tensor dy, Tensor dx, Parallel parallel) {
        backward(f, false, x, dy, dx, parallel);
    }

    /**
     * dx = dy * f'(x), from the saved output y = f(x), for ops whose output determines f'
     * ({@link Activation#hasBackwardFromOutput()}; leaky_relu and elu need a slope or alpha >= 0,
     * which the native check reports). dx may be dy or y.
     */
    public static void backwardFromOutput(ActivationFunction f, Tensor y, Tensor dy, Tensor dx) {
        backwardFromOutput(f, y, dy, dx, CpuCalls.defaultParallel());
    }

    public static void backwardFromOutput(ActivationFunction f, Tensor y, Tensor dy, Tensor dx, Parallel parallel) {
        Objects.requireNonNull(f, "op");
        if (!f.op().hasBackwardFromOutput()) {
            throw new IllegalArgumentException("op: " + f.op()
                    + " has no backward from the output (its output does not determine f')");
        }
        backward(f, true, y, dy, dx, parallel);
    }

    private static void backward(ActivationFunction f, boolean fromOutput, Tensor saved, Tensor dy, Tensor dx,
                                 Parallel parallel) {
        Activation op = elementwiseOp(f, parallel);
        String savedArg = fromOutput ? "y" : "x";
        elementwise(saved, savedArg, dx, "dx");
        Checks.like(dy, "dy", saved, savedArg);
        Checks.sameShape(dy, "dy", saved, savedArg);
        Checks.noPartialOverlap(dx, "dx", dy, "dy");
        MemorySegment p = params(f);
        int dt = saved.dtype().code();
        if (saved.device().isCuda()) {
            int d = saved.device().index();
            NativeCalls.check(fromOutput
                    ? ActiniumNative.ak_cuda_act_backward_from_output(d, op.code(), dt, p, memory(saved), memory(dy),
                    memory(dx), saved.numel())
                    : ActiniumNative.ak_cuda_act_backward(d, op.code(), dt, p, memory(saved), memory(dy), memory(dx),
                    saved.numel()));
            return;
        }
        long es = saved.dtype().byteSize();
        int flags = streamFlag(op, dx, parallel);
        MemorySegment ss = workers(saved), dys = workers(dy), dxs = workers(dx);
        CpuCalls.run(parallel, saved.numel(), (s, e, isa) -> {
            MemorySegment a = ss.asSlice(s * es, (e - s) * es), g = dys.asSlice(s * es, (e - s) * es);
            MemorySegment out = dxs.asSlice(s * es, (e - s) * es);
            return fromOutput ? ActiniumNative.ak_act_backward_from_output(op.code(), dt, p, a, g, out, e - s,
                    flags | isa)
                    : ActiniumNative.ak_act_backward(op.code(), dt, p, a, g, out, e - s, flags | isa);
        }, fromOutput ? Y_DY_DX : X_DY_DX, saved, dy, dx);
    }

    /**
     * y = f(x) for a stochastic op ({@link Activation#isSeeded()}): element i draws its function from
     * Philox4x32-10 keyed by (seed, offset + i), so {@link #backwardSeeded} with the same seed and
     * offset replays the draw, and the result is the same on every ISA, on CUDA and for any split.
     * offset: x's first element's index in the whole tensor (0 unless x is a part of it).
     */
    public static void forwardSeeded(ActivationFunction f, long seed, long offset, Tensor x, Tensor y) {
        forwardSeeded(f, seed, offset, x, y, CpuCalls.defaultParallel());
    }

    public static void forwardSeeded(ActivationFunction f, long seed, long offset, Tensor x, Tensor y,
            Parallel parallel) {
        seededCall(f, seed, offset, x, null, y, parallel);
    }

    /** dx = dy * f'(x) of {@link #forwardSeeded} with the same seed and offset. dx may be x or dy. */
    public static void backwardSeeded(ActivationFunction f, long seed, long offset, Tensor x, Tensor dy, Tensor dx) {
        backwardSeeded(f, seed, offset, x, dy, dx, CpuCalls.defaultParallel());
    }

    public static void backwardSeeded(ActivationFunction f, long seed, long offset, Tensor x, Tensor dy, Tensor dx,
                                      Parallel parallel) {
        Objects.requireNonNull(dy, "dy");
        seededCall(f, seed, offset, x, dy, dx, parallel);
    }

    private static void seededCall(ActivationFunction f, long seed, long offset, Tensor x, Tensor dy, Tensor out,
                                   Parallel parallel) {
        Activation op = checkedOp(f, parallel);
        if (!op.isSeeded()) throw new IllegalArgumentException("op: " + op
                + " is not stochastic; use forward/backward");
        boolean backward = dy != null;
        String outArg = backward ? "dx" : "y";
        elementwise(x, "x", out, outArg);
        if (backward) {
            Checks.like(dy, "dy", x, "x");
            Checks.sameShape(dy, "dy", x, "x");
            Checks.noPartialOverlap(out, outArg, dy, "dy");
        }
        if (offset < 0 || offset > Long.MAX_VALUE - x.numel()) {
            throw new IllegalArgumentException("offset: " + offset + " must be >= 0 with offset + " + x.numel()
                    + " elements within a long");
        }
        MemorySegment p = params(f);
        int dt = x.dtype().code();
        if (x.device().isCuda()) {
            int d = x.device().index();
            NativeCalls.check(backward
                    ? ActiniumNative.ak_cuda_act_seeded_backward(d, op.code(), dt, p, seed, offset, memory(x),
                    memory(dy), memory(out),
                            x.numel())
                    : ActiniumNative.ak_cuda_act_seeded_forward(d, op.code(), dt, p, seed, offset, memory(x),
                    memory(out), x.numel()));
            return;
        }
        long es = x.dtype().byteSize();
        int flags = streamFlag(op, out, parallel);
        MemorySegment xs = workers(x), os = workers(out), gs = backward ? workers(dy) : null;
        CpuCalls.run(parallel, x.numel(), (s, e, isa) -> backward
                ? ActiniumNative.ak_act_seeded_backward(op.code(), dt, p, seed, offset + s, xs.asSlice(s * es,
                (e - s) * es),
                        gs.asSlice(s * es, (e - s) * es), os.asSlice(s * es, (e - s) * es), e - s, flags | isa)
                : ActiniumNative.ak_act_seeded_forward(op.code(), dt, p, seed, offset + s, xs.asSlice(s * es,
                (e - s) * es),
                        os.asSlice(s * es, (e - s) * es), e - s, flags | isa),
                backward ? X_DY_DX : XY, backward ? new Tensor[] {x, dy, out} : new Tensor[] {x, out});
    }

    /**
     * y = f(x + bias), bias broadcast along the last dimension of x (bias has shape [cols]); the
     * add is done in fp32. y may be x; bias must not overlap y.
     */
    public static void forwardBias(ActivationFunction f, Tensor x, Tensor bias, Tensor y) {
        forwardBias(f, x, bias, y, CpuCalls.defaultParallel());
    }

    public static void forwardBias(ActivationFunction f, Tensor x, Tensor bias, Tensor y, Parallel parallel) {
        biasCall(f, x, bias, null, y, parallel);
    }

    /**
     * dx = dy * f'(x + bias): the backward of {@link #forwardBias} (the bias gradient is the sum of
     * dx over the rows). dx may be x or dy; bias must not overlap dx.
     */
    public static void backwardBias(ActivationFunction f, Tensor x, Tensor bias, Tensor dy, Tensor dx) {
        backwardBias(f, x, bias, dy, dx, CpuCalls.defaultParallel());
    }

    public static void backwardBias(ActivationFunction f, Tensor x, Tensor bias, Tensor dy, Tensor dx,
            Parallel parallel) {
        Objects.requireNonNull(dy, "dy");
        biasCall(f, x, bias, dy, dx, parallel);
    }

    /**
     * A fused bias: shape [the last dimension of x], x's dtype and device, overlapping no byte of
     * the output out (named outArg), which it is read throughout writing.
     */
    static void checkBias(Tensor bias, Tensor x, Tensor out, String outArg) {
        Checks.like(bias, "bias", x, "x");
        long cols = x.shape().lastDim();
        if (bias.shape().rank() != 1 || bias.shape().dim(0) != cols) {
            throw new IllegalArgumentException("bias: shape " + bias.shape() + " must be [" + cols
                    + "], the last dimension of x " + x.shape());
        }
        Checks.noOverlap(out, outArg, bias, "bias");
    }

    /** Forward (dy null, out = y) or backward (out = dx) of the bias-fused ops. */
    private static void biasCall(ActivationFunction f, Tensor x, Tensor bias, Tensor dy, Tensor out,
            Parallel parallel) {
        Activation op = elementwiseOp(f, parallel);
        boolean backward = dy != null;
        String outArg = backward ? "dx" : "y";
        elementwise(x, "x", out, outArg);
        checkBias(bias, x, out, outArg);
        long cols = x.shape().lastDim();
        if (backward) {
            Checks.like(dy, "dy", x, "x");
            Checks.sameShape(dy, "dy", x, "x");
            Checks.noPartialOverlap(out, outArg, dy, "dy");
        }
        long rows = cols == 0 ? 0 : x.numel() / cols;
        MemorySegment p = params(f);
        int dt = x.dtype().code();
        if (x.device().isCuda()) {
            int d = x.device().index();
            NativeCalls.check(backward
                    ? ActiniumNative.ak_cuda_act_backward_bias(d, op.code(), dt, p, memory(x), memory(bias),
                    memory(dy), memory(out), rows,
                            cols)
                    : ActiniumNative.ak_cuda_act_forward_bias(d, op.code(), dt, p, memory(x), memory(bias),
                    memory(out), rows, cols));
            return;
        }
        long es = x.dtype().byteSize();
        int flags = streamFlag(op, out, parallel);
        MemorySegment xs = workers(x), bs = workers(bias), os = workers(out), gs = backward ? workers(dy) : null;
        // Split over elements, not rows: a few long rows still spread over the pool, and every
        // downcall stays bounded; a chunk edge inside a row becomes a call on part of that row.
        CpuCalls.run(parallel, rows * cols, (s, e, isa) -> CpuCalls.rowPieces(s, e, cols, (row, col, r, c) -> {
            long at = (row * cols + col) * es, len = r * c * es;
            MemorySegment b = bs.asSlice(col * es, c * es);
            return backward
                    ? ActiniumNative.ak_act_backward_bias(op.code(), dt, p, xs.asSlice(at, len), b, gs.asSlice(at, len),
                            os.asSlice(at, len), r, c, flags | isa)
                    : ActiniumNative.ak_act_forward_bias(op.code(), dt, p, xs.asSlice(at, len), b, os.asSlice(at, len),
                            r, c, flags | isa);
        }), backward ? X_BIAS_DY_DX : X_BIAS_Y, backward ? new Tensor[] {x, bias, dy, out} : new Tensor[] {x, bias,
                out});
    }

    /**
     * A gated op (GLU, SwiGLU, GeGLU, ...): x's last dimension, 2 cols wide, holds the gate and the
     * up halves (which is which: half); y[..., c] = f(gate[c] + bias_gate[c]) * g(up[c] + bias_up[c]),
     * with y's last dimension cols. bias, of shape [2 cols] laid out as x's last dimension, may be
     * null. y must not overlap x or bias.
     */
    public static void gatedForward(ActivationFunction f, Tensor x, Tensor bias, Tensor y, GateHalf half) {
        gatedForward(f, x, bias, y, half, CpuCalls.defaultParallel());
    }

    public static void gatedForward(ActivationFunction f, Tensor x, Tensor bias, Tensor y, GateHalf half,
            Parallel parallel) {
        gatedCall(f, x, bias, null, y, half, parallel);
    }

    /**
     * Both halves' gradients of {@link #gatedForward}: dx has x's shape, dgate in the gate's half
     * and dup in the up half. dx may be x (in place); dy must not overlap dx.
     */
    public static void gatedBackward(ActivationFunction f, Tensor x, Tensor bias, Tensor dy, Tensor dx, GateHalf half) {
        gatedBackward(f, x, bias, dy, dx, half, CpuCalls.defaultParallel());
    }

    public static void gatedBackward(ActivationFunction f, Tensor x, Tensor bias, Tensor dy, Tensor dx, GateHalf half,
                                     Parallel parallel) {
        Objects.requireNonNull(dy, "dy");
        gatedCall(f, x, bias, dy, dx, half, parallel);
    }

    private static void gatedCall(ActivationFunction f, Tensor x, Tensor bias, Tensor dy, Tensor out, GateHalf half,
                                  Parallel parallel) {
        Objects.requireNonNull(half, "half");
        Activation op = checkedOp(f, parallel);
        if (!op.isGated()) throw new IllegalArgumentException("op: " + op + " is not gated; use forward/backward");
        boolean backward = dy != null;
        String outArg = backward ? "dx" : "y";
        Checks.live(x, "x");
        Checks.activationDType(x, "x");
        Checks.like(out, outArg, x, "x");
        Checks.writable(out, outArg);
        long width = x.shape().rank() == 0 ? 0 : x.shape().lastDim();
        if (x.shape().rank() == 0 || width % 2 != 0) {
            throw new IllegalArgumentException("x: the last dimension of " + x.shape()
                    + " must be even (gate and up halves)");
        }
        long cols = width / 2;
        if (backward) {
            Checks.like(dy, "dy", x, "x");
            if (!dy.shape().equals(x.shape().withLast(cols))) {
                throw new IllegalArgumentException("dy: shape " + dy.shape() + " must be " + x.shape().withLast(cols)
                        + " (x's with half its last dimension)");
            }
            Checks.sameShape(out, "dx", x, "x");
            Checks.noPartialOverlap(out, "dx", x, "x");
            Checks.noOverlap(out, "dx", dy, "dy");
        } else {
            if (!out.shape().equals(x.shape().withLast(cols))) {
                throw new IllegalArgumentException("y: shape " + out.shape() + " must be " + x.shape().withLast(cols)
                        + " (x's with half its last dimension)");
            }
            Checks.noOverlap(out, "y", x, "x");
        }
        if (bias != null) {
            Checks.like(bias, "bias", x, "x");
            if (bias.shape().rank() != 1 || bias.shape().dim(0) != width) {
                throw new IllegalArgumentException("bias: shape " + bias.shape() + " must be [" + width
                        + "], the last dimension of x "
                                + x.shape());
            }
            Checks.noOverlap(out, outArg, bias, "bias");
        }
        if (x.device().isCuda()) CORE.requireCuda(x.device(), "x");
        long rows = cols == 0 ? 0 : x.numel() / width;
        long gateOff = half == GateHalf.FIRST ? 0 : cols, upOff = cols - gateOff;
        MemorySegment p = params(f);
        int dt = x.dtype().code();
        long es = x.dtype().byteSize();
        if (x.device().isCuda()) {
            int d = x.device().index();
            MemorySegment xm = memory(x), om = memory(out);
            MemorySegment bg = bias == null ? MemorySegment.NULL : memory(bias).asSlice(gateOff * es);
            MemorySegment bu = bias == null ? MemorySegment.NULL : memory(bias).asSlice(upOff * es);
            NativeCalls.check(backward
                    ? ActiniumNative.ak_cuda_act_gated_backward(d, op.code(), dt, p, xm.asSlice(gateOff * es),
                    xm.asSlice(upOff * es),
                            width, bg, bu, memory(dy), om.asSlice(gateOff * es), om.asSlice(upOff * es), rows, cols)
                    : ActiniumNative.ak_cuda_act_gated_forward(d, op.code(), dt, p, xm.asSlice(gateOff * es),
                    xm.asSlice(upOff * es),
                            width, bg, bu, om, rows, cols));
            return;
        }
        int flags = backward ? ActiniumNative.AK_FLAG_NONE : streamFlag(op, out, parallel);
        MemorySegment xs = workers(x), os = workers(out), bs = bias == null ? null : workers(bias);
        MemorySegment gs = backward ? workers(dy) : null;
        // Split over output elements (rows x cols), in row pieces as forwardBias.
        CpuCalls.run(parallel, rows * cols, (s, e, isa) -> CpuCalls.rowPieces(s, e, cols, (row, col, r, c) -> {
            long in = (row * width + col) * es, inLen = ((r - 1) * width + c) * es;
            MemorySegment gate = xs.asSlice(in + gateOff * es, inLen), up = xs.asSlice(in + upOff * es, inLen);
            MemorySegment bg = bs == null ? MemorySegment.NULL : bs.asSlice((gateOff + col) * es, c * es);
            MemorySegment bu = bs == null ? MemorySegment.NULL : bs.asSlice((upOff + col) * es, c * es);
            long at = (row * cols + col) * es, len = r * c * es;
            if (!backward) {
                return ActiniumNative.ak_act_gated_forward(op.code(), dt, p, gate, up, width, bg, bu, os.asSlice(at,
                        len),
                        r, c, flags | isa);
            }
            return ActiniumNative.ak_act_gated_backward(op.code(), dt, p, gate, up, width, bg, bu, gs.asSlice(at, len),
                    os.asSlice(in + gateOff * es, inLen), os.asSlice(in + upOff * es, inLen), r, c, flags | isa);
        }), backward ? X_BIAS_DY_DX : X_BIAS_Y, backward ? new Tensor[] {x, bias == null ? x : bias, dy, out}
                : new Tensor[] {x, bias == null ? x : bias, out});
    }

    /** What every call checks first: f and parallel given, the library loaded; then f's op. */
    private static Activation checkedOp(ActivationFunction f, Parallel parallel) {
        Objects.requireNonNull(f, "op");
        Objects.requireNonNull(parallel, "parallel");
        CORE.ensureLoaded();
        return f.op();
    }

    /** The op of an element-wise call, after the checks every call starts with. */
    private static Activation elementwiseOp(ActivationFunction f, Parallel parallel) {
        Activation op = checkedOp(f, parallel);
        if (op.isGated()) {
            throw new IllegalArgumentException("op: " + op
                    + " is gated: its input has two halves (gatedForward, gatedBackward)");
        }
        if (op.isSeeded()) throw new IllegalArgumentException("op: " + op
                + " is stochastic: it takes a seed (forwardSeeded, backwardSeeded)");
        return op;
    }

    /** Checks shared by every element-wise call: in and out alive, supported dtype, same dtype/device/shape. */
    static void elementwise(Tensor in, String inArg, Tensor out, String outArg) {
        Checks.live(in, inArg);
        Checks.live(out, outArg);
        Checks.activationDType(in, inArg);
        Checks.sameDType(out, outArg, in, inArg);
        Checks.sameDevice(out, outArg, in, inArg);
        Checks.sameShape(out, outArg, in, inArg);
        Checks.writable(out, outArg);
        Checks.noPartialOverlap(out, outArg, in, inArg);
        if (in.device().isCuda()) CORE.requireCuda(in.device(), inArg);
    }

    /** Non-temporal stores for large outputs of memory-bound kernels only (see Parallel). */
    private static int streamFlag(Activation op, Tensor out, Parallel parallel) {
        return op.isMemoryBound() && out.byteSize() >= parallel.streamThresholdBytes()
                ? ActiniumNative.AK_FLAG_STREAM : ActiniumNative.AK_FLAG_NONE;
    }

    static MemorySegment memory(Tensor t) {
        return CORE.memory(t);
    }

    static MemorySegment workers(Tensor t) {
        return CORE.memoryForWorkers(t);
    }

    /** The parameters as the native calls take them: NULL for none, the defaults of the op, or f's own. */
    private static MemorySegment params(ActivationFunction f) {
        if (f instanceof ParameterizedActivation p) return p.memory();
        return Defaults.OF[f.op().ordinal()];
    }

    /** Each op's default parameters in native memory, made once. */
    private static final class Defaults {
        static final MemorySegment[] OF = new MemorySegment[Activation.values().length];

        static {
            for (Activation op : Activation.values()) {
                float[] values = op.params();
                OF[op.ordinal()] = values.length == 0 ? MemorySegment.NULL
                        : Arena.global().allocateFrom(ValueLayout.JAVA_FLOAT, values);
            }
        }
    }
}
