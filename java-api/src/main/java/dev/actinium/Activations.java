package dev.actinium;

import dev.actinium.bindings.ActiniumNative;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Fused activations, forward and backward, on CPU (the best ISA, split over {@link Parallel}) and
 * CUDA (queued on the device's stream). Storage F32 or BF16; compute fp32. Every tensor argument
 * is checked (liveness, access by the calling thread, dtype, device, shape, aliasing) before any
 * native call. One call runs on one ISA from start to end.
 */
public final class Activations {
    private Activations() {}

    /** y = op(x). y may be x (in place). */
    public static void forward(Activation op, Tensor x, Tensor y) {
        forward(op, x, y, CpuCalls.defaultParallel());
    }

    public static void forward(Activation op, Tensor x, Tensor y, Parallel parallel) {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(parallel, "parallel");
        Actinium.ensureLoaded();
        elementwise(x, "x", y, "y");
        if (x.device().isCuda()) {
            NativeCalls.checkCuda(ActiniumNative.ak_cuda_act_forward(x.device().index(), op.code(), x.dtype().code(),
                    x.memory(), y.memory(), x.numel()));
            return;
        }
        long es = x.dtype().byteSize();
        int flags = streamFlag(op, ActiniumNative.AK_FORWARD, y, parallel);
        MemorySegment xs = x.memoryForWorkers(), ys = y.memoryForWorkers();
        CpuCalls.run(parallel, x.numel(), (s, e, isa) -> ActiniumNative.ak_act_forward(op.code(), x.dtype().code(),
                xs.asSlice(s * es, (e - s) * es), ys.asSlice(s * es, (e - s) * es), e - s, flags | isa), XY, x, y);
    }

    private static final String[] XY = {"x", "y"}, X_DY_DX = {"x", "dy", "dx"}, X_BIAS_Y = {"x", "bias", "y"};

    /** A new tensor op(x) on x's device, owned by arena; nothing is allocated when the call fails. */
    public static Tensor forward(Activation op, Tensor x, Arena arena) {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(arena, "arena");
        Parallel parallel = CpuCalls.defaultParallel();
        Checks.live(x, "x");
        Checks.activationDType(x, "x");
        if (x.device().isCuda()) Cuda.require(x.device(), "x");
        Tensor y = Tensor.allocate(arena, x.dtype(), x.device(), x.shape().toArray());
        forward(op, x, y, parallel);
        return y;
    }


    /** dx = dy * op'(x), from the saved input x. dx may be dy or x (in place). */
    public static void backward(Activation op, Tensor x, Tensor dy, Tensor dx) {
        backward(op, x, dy, dx, CpuCalls.defaultParallel());
    }

    public static void backward(Activation op, Tensor x, Tensor dy, Tensor dx, Parallel parallel) {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(parallel, "parallel");
        Actinium.ensureLoaded();
        elementwise(x, "x", dx, "dx");
        Checks.like(dy, "dy", x, "x");
        Checks.sameShape(dy, "dy", x, "x");
        Checks.noPartialOverlap(dx, "dx", dy, "dy");
        if (x.device().isCuda()) {
            NativeCalls.checkCuda(ActiniumNative.ak_cuda_act_backward(x.device().index(), op.code(), x.dtype().code(),
                    x.memory(), dy.memory(), dx.memory(), x.numel()));
            return;
        }
        long es = x.dtype().byteSize();
        int flags = streamFlag(op, ActiniumNative.AK_BACKWARD, dx, parallel);
        MemorySegment xs = x.memoryForWorkers(), dys = dy.memoryForWorkers(), dxs = dx.memoryForWorkers();
        CpuCalls.run(parallel, x.numel(), (s, e, isa) -> ActiniumNative.ak_act_backward(op.code(), x.dtype().code(),
                xs.asSlice(s * es, (e - s) * es), dys.asSlice(s * es, (e - s) * es), dxs.asSlice(s * es, (e - s) * es),
                e - s, flags | isa), X_DY_DX, x, dy, dx);
    }

    /**
     * y = op(x + bias), bias broadcast along the last dimension of x (bias has shape [cols]); the
     * add is done in fp32. y may be x; bias must not overlap y.
     */
    public static void forwardBias(Activation op, Tensor x, Tensor bias, Tensor y) {
        forwardBias(op, x, bias, y, CpuCalls.defaultParallel());
    }

    public static void forwardBias(Activation op, Tensor x, Tensor bias, Tensor y, Parallel parallel) {
        Objects.requireNonNull(op, "op");
        Objects.requireNonNull(parallel, "parallel");
        Actinium.ensureLoaded();
        elementwise(x, "x", y, "y");
        Checks.like(bias, "bias", x, "x");
        long cols = x.shape().lastDim();
        if (bias.shape().rank() != 1 || bias.shape().dim(0) != cols) {
            throw new IllegalArgumentException("bias: shape " + bias.shape() + " must be [" + cols + "], the last dimension of x " + x.shape());
        }
        Checks.noOverlap(y, "y", bias, "bias");
        long rows = cols == 0 ? 0 : x.numel() / cols;
        if (x.device().isCuda()) {
            NativeCalls.checkCuda(ActiniumNative.ak_cuda_act_forward_bias(x.device().index(), op.code(), x.dtype().code(),
                    x.memory(), bias.memory(), y.memory(), rows, cols));
            return;
        }
        long es = x.dtype().byteSize();
        int flags = streamFlag(op, ActiniumNative.AK_FORWARD, y, parallel);
        MemorySegment xs = x.memoryForWorkers(), bs = bias.memoryForWorkers(), ys = y.memoryForWorkers();
        // Split over elements, not rows: a few long rows still spread over the pool, and every
        // downcall stays bounded; a chunk edge inside a row becomes a call on part of that row.
        CpuCalls.run(parallel, rows * cols, (s, e, isa) -> CpuCalls.rowPieces(s, e, cols, (row, col, r, c) -> {
            long at = (row * cols + col) * es;
            return ActiniumNative.ak_act_forward_bias(op.code(), x.dtype().code(), xs.asSlice(at, r * c * es),
                    bs.asSlice(col * es, c * es), ys.asSlice(at, r * c * es), r, c, flags | isa);
        }), X_BIAS_Y, x, bias, y);
    }

    /** Checks shared by every activation: in and out alive, supported dtype, same dtype/device/shape. */
    private static void elementwise(Tensor in, String inArg, Tensor out, String outArg) {
        Checks.live(in, inArg);
        Checks.live(out, outArg);
        Checks.activationDType(in, inArg);
        Checks.sameDType(out, outArg, in, inArg);
        Checks.sameDevice(out, outArg, in, inArg);
        Checks.sameShape(out, outArg, in, inArg);
        Checks.writable(out, outArg);
        Checks.noPartialOverlap(out, outArg, in, inArg);
        if (in.device().isCuda()) Cuda.require(in.device(), inArg);
    }

    /** Ops doing at most this much arithmetic per element are memory-bound (about 1 flop per byte). */
    private static final int MEMORY_BOUND_FLOPS = 8;

    /** Non-temporal stores for large outputs of memory-bound kernels only (see Parallel). */
    private static int streamFlag(Activation op, int direction, Tensor out, Parallel parallel) {
        boolean memoryBound = ActiniumNative.ak_activation_flops(op.code(), direction) <= MEMORY_BOUND_FLOPS;
        return memoryBound && out.byteSize() >= parallel.streamThresholdBytes() ? ActiniumNative.AK_FLAG_STREAM : ActiniumNative.AK_FLAG_NONE;
    }
}
