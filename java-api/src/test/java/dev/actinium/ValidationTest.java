package dev.actinium;

import dev.actinium.act.GateHalf;

import dev.actinium.act.Activation;
import dev.actinium.act.Activations;
import dev.actinium.internal.NativeCalls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input gets a clear Java exception naming the argument, never a crash. */
class ValidationTest {

    static <T extends Throwable> void fails(Class<T> type, String fragment, Executable call) {
        T e = assertThrows(type, call);
        assertTrue(e.getMessage() != null && e.getMessage().contains(fragment),
                "expected a message containing '" + fragment + "', got: " + e.getMessage());
    }

    @Test
    void nulls() {
        Tensor x = Tensor.wrap(new float[4], 4);
        fails(NullPointerException.class, "op", () -> Activations.forward(null, x, x));
        fails(NullPointerException.class, "x", () -> Activations.forward(Activation.RELU, null, x));
        fails(NullPointerException.class, "y", () -> Activations.forward(Activation.RELU, x, (Tensor) null));
        fails(NullPointerException.class, "dy", () -> Activations.backward(Activation.RELU, x, null, x));
        fails(NullPointerException.class, "bias", () -> Activations.forwardBias(Activation.RELU, x, null, x));
        fails(NullPointerException.class, "parallel", () -> Activations.forward(Activation.RELU, x, x, null));
        fails(NullPointerException.class, "data", () -> Tensor.wrap((float[]) null, 1));
        fails(NullPointerException.class, "arena", () -> Tensor.allocate(null, DType.F32, 1));
    }

    @Test
    void shapesAndLengths() {
        Tensor x = Tensor.wrap(new float[12], 3, 4);
        fails(IllegalArgumentException.class, "y: shape [12] does not match x [3, 4]",
                () -> Activations.forward(Activation.SILU, x, Tensor.wrap(new float[12],
                        12)));
        fails(IllegalArgumentException.class, "dy: shape", () -> Activations.backward(Activation.SILU, x,
                Tensor.wrap(new float[12], 4, 3), Tensor.wrap(new float[12], 3,
                        4)));
        fails(IllegalArgumentException.class, "bias: shape [3] must be [4]",
                () -> Activations.forwardBias(Activation.SILU, x, Tensor.wrap(new float[3], 3),
                        Tensor.wrap(new float[12], 3,
                                4)));
        fails(IllegalArgumentException.class, "data: length 10 does not match shape [3, 4]",
                () -> Tensor.wrap(new float[10], 3,
                        4));
        fails(IllegalArgumentException.class, "negative", () -> Tensor.wrap(new float[0], -1));
        fails(IllegalArgumentException.class, "dims: shape [5]", () -> x.reshape(5));
        fails(IndexOutOfBoundsException.class, "slice", () -> x.slice(2, 4));
        try (Arena arena = Arena.ofConfined()) {
            fails(IllegalArgumentException.class, "segment: 8 bytes", () -> Tensor.wrap(arena.allocate(8), DType.F32,
                    3));
        }
    }

    @Test
    void dtypes() {
        Tensor x = Tensor.wrap(new float[4], 4);
        Tensor b = Tensor.wrap(new short[4], DType.BF16, 4);
        fails(IllegalArgumentException.class, "y: dtype BF16 does not match x (F32)",
                () -> Activations.forward(Activation.GELU_ERF, x,
                        b));
        fails(IllegalArgumentException.class, "dy: dtype BF16", () -> Activations.backward(Activation.GELU_ERF, x, b,
                x));
        fails(IllegalArgumentException.class, "dtype: a short[] holds BF16 or F16, not F32",
                () -> Tensor.wrap(new short[4], DType.F32,
                        4));
        try (Arena arena = Arena.ofConfined()) {
            Tensor i8 = Tensor.allocate(arena, DType.I8, 4);
            fails(IllegalArgumentException.class, "x: dtype I8 is not supported by activations",
                    () -> Activations.forward(Activation.RELU, i8,
                            i8));
            fails(IllegalArgumentException.class, "no conversion from I8", () -> i8.to(DType.F32, arena));
            fails(IllegalArgumentException.class, "segment: address is not aligned",
                    () -> Tensor.wrap(arena.allocate(16, 8).asSlice(1, 12), DType.F32,
                            3));
        }
    }

    @Test
    void closedArena() {
        Tensor x, y;
        try (Arena arena = Arena.ofConfined()) {
            x = Tensor.allocate(arena, DType.F32, 8);
            y = Tensor.allocate(arena, DType.F32, 8);
        }
        Tensor live = Tensor.wrap(new float[8], 8);
        fails(IllegalStateException.class, "x: the tensor's arena is closed",
                () -> Activations.forward(Activation.RELU, x,
                        live));
        fails(IllegalStateException.class, "y: the tensor's arena is closed",
                () -> Activations.forward(Activation.RELU, live,
                        y));
        fails(IllegalStateException.class, "closed", () -> x.segment());
        fails(IllegalStateException.class, "src: the tensor's arena is closed", () -> live.copyFrom(x));
        assertEquals(false, x.isAlive());
    }

    @Test
    void aliasing() {
        float[] data = new float[20];
        Tensor whole = Tensor.wrap(data, 20);
        Tensor a = whole.slice(0, 16), b = whole.slice(1, 17);
        fails(IllegalArgumentException.class, "y overlaps x partially", () -> Activations.forward(Activation.RELU, a,
                b));
        fails(IllegalArgumentException.class, "dx overlaps dy partially", () -> Activations.backward(Activation.RELU,
                Tensor.wrap(new float[16], 16), a,
                        b));
        Activations.forward(Activation.RELU, a, a);  // exactly in place is allowed
        Tensor m = whole.slice(0, 16).reshape(4, 4);
        fails(IllegalArgumentException.class, "y overlaps bias", () -> Activations.forwardBias(Activation.RELU, m,
                whole.slice(12, 16), m));
        try (Arena arena = Arena.ofConfined()) {  // native memory too
            MemorySegment s = arena.allocate(64 * 4, 64);
            Tensor x = Tensor.wrap(s.asSlice(0, 32 * 4), DType.F32, 32), y = Tensor.wrap(s.asSlice(16 * 4, 32 * 4),
                    DType.F32, 32);
            fails(IllegalArgumentException.class, "y overlaps x partially", () -> Activations.forward(Activation.SILU,
                    x, y));
        }
    }

    @Test
    void readOnly() {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = Tensor.allocate(arena, DType.F32, 16);
            Tensor ro = Tensor.wrap(Tensor.allocate(arena, DType.F32, 16).segment().asReadOnly(), DType.F32, 16);
            fails(IllegalArgumentException.class, "y is read-only", () -> Activations.forward(Activation.RELU, x, ro));
            fails(IllegalArgumentException.class, "read-only", () -> ro.copyFrom(x));
        }
    }

    @Test
    void devices() {
        // A CUDA tensor over a raw address: its memory is never touched from Java, so no GPU is needed.
        Tensor onGpu = Tensor.wrapAddress(1L << 20, DType.F32, Device.cuda(0), 16);
        Tensor onCpu = Tensor.wrap(new float[16], 16);
        fails(IllegalArgumentException.class, "y: device cuda:0 does not match x (cpu)",
                () -> Activations.forward(Activation.RELU, onCpu,
                        onGpu));
        fails(IllegalStateException.class, "cannot be read from Java", () -> onGpu.segment());
        if (!Actinium.info().cudaAvailable()) {
            fails(ActiniumException.class, "x: device cuda:0 is not available",
                    () -> Activations.forward(Activation.RELU, onGpu, onGpu));
            fails(ActiniumException.class, "is not available", () -> onCpu.copyFrom(onGpu));
            try (Arena arena = Arena.ofConfined()) {
                fails(ActiniumException.class, "device cuda:0 is not available",
                        () -> Tensor.allocate(arena, DType.F32, Device.cuda(0), 4));
            }
        }
        fails(IllegalArgumentException.class, "device must be cpu, cuda or cuda:N", () -> Device.parse("tpu"));
        fails(IllegalArgumentException.class, "address is null", () -> Tensor.wrapAddress(0, DType.F32, Device.CPU, 1));
        fails(IllegalArgumentException.class, "address: 0x3 is not aligned", () -> Tensor.wrapAddress(3, DType.F32,
                Device.CPU, 1));
    }

    @Test
    void everyMessageStartsWithTheArgument() throws Exception {
        Tensor x = Tensor.wrap(new float[12], 3, 4);
        fails(IllegalArgumentException.class, "dims: shape [3, -1]", () -> Tensor.wrap(new float[0], 3, -1));
        fails(IllegalArgumentException.class, "dims: shape",
                () -> Tensor.wrapAddress(64, DType.F32, Device.CPU, 1L << 62, 4));
        fails(IndexOutOfBoundsException.class, "from: slice [-1, 2)", () -> x.slice(-1, 2));
        fails(IndexOutOfBoundsException.class, "to: slice [1, 4)", () -> x.slice(1, 4));
        fails(IllegalArgumentException.class, "this: a scalar tensor", () -> Tensor.wrap(new float[1]).slice(0, 1));
        fails(IllegalArgumentException.class, "elements: grain 0 < 1", () -> Parallel.serial().withGrain(0));
        fails(IllegalArgumentException.class, "bytes: streaming threshold -1",
                () -> Parallel.serial().withStreamThreshold(-1));
        fails(IllegalArgumentException.class, "index: device index -1", () -> Device.cuda(-1));
        fails(IllegalArgumentException.class, "name: an ISA is one of", () -> Actinium.parseIsa("neon"));
        Arena closed = Arena.ofConfined();
        closed.close();
        fails(IllegalStateException.class, "arena: ", () -> Tensor.allocate(closed, DType.F32, 4));
        fails(IllegalStateException.class, "arena: ", () -> x.to(DType.BF16, closed));
        fails(IllegalStateException.class, "arena: ", () -> Activations.forward(Activation.RELU, x, closed));
        try (var other = java.util.concurrent.Executors.newSingleThreadExecutor()) {
            Arena foreign = other.submit(Arena::ofConfined).get();
            fails(WrongThreadException.class, "arena: ", () -> Tensor.allocate(foreign, DType.F32, 4));
            other.submit(foreign::close).get();
        }
        try (Arena arena = Arena.ofConfined()) {
            Tensor i8 = Tensor.allocate(arena, DType.I8, 4);
            fails(IllegalStateException.class, "this: a I8 tensor has no float values", i8::toFloatArray);
            if (!Actinium.info().cudaAvailable()) {
                fails(ActiniumException.class, "target: device cuda:0", () -> x.to(Device.cuda(0), arena));
                Tensor g = Tensor.wrapAddress(1L << 20, DType.F32, Device.cuda(0), 4);
                fails(IllegalStateException.class, "this: a cuda:0 tensor's memory", g::segment);
            }
            assertEquals(0, Tensor.allocate(arena, DType.F32, 1L << 40, 1L << 40, 0).numel());  // empty is valid
        }
        Tensor dead;
        try (Arena arena = Arena.ofConfined()) {
            dead = Tensor.allocate(arena, DType.F32, 4);
        }
        try (Arena arena = Arena.ofConfined()) {
            fails(IllegalStateException.class, "this: the tensor's arena is closed", dead::toFloatArray);
            fails(IllegalStateException.class, "this: the tensor's arena is closed", () -> dead.to(Device.CPU, arena));
        }
    }

    /** An arena that counts what it allocates. */
    static final class CountingArena implements Arena {
        final Arena inner = Arena.ofConfined();
        long allocations;

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            allocations++;
            return inner.allocate(byteSize, byteAlignment);
        }

        @Override
        public MemorySegment.Scope scope() {
            return inner.scope();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    @Test
    void aFailingCallAllocatesNothing() {
        try (CountingArena arena = new CountingArena()) {
            Tensor i8 = Tensor.wrap(MemorySegment.ofArray(new byte[16]), DType.I8, 16);
            Tensor f32 = Tensor.wrap(new float[16], 16);
            fails(IllegalArgumentException.class, "target: no conversion", () -> i8.to(DType.BF16, arena));
            fails(IllegalArgumentException.class, "x: dtype I8", () -> Activations.forward(Activation.RELU, i8, arena));
            fails(NullPointerException.class, "op", () -> Activations.forward(null, f32, arena));
            assertEquals(0, arena.allocations);
        }
    }

    @Test
    void mappedFilesAreRefused() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("actinium-mapped", ".bin");
        try (var channel = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
            MemorySegment mapped = channel.map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, 4096, arena);
            fails(IllegalArgumentException.class, "segment: a mapped file cannot be wrapped",
                    () -> Tensor.wrap(mapped, DType.F32, 1024));
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    @Test
    void nativeErrorsBecomeActiniumExceptions() {
        ActiniumException e = assertThrows(ActiniumException.class, () -> NativeCalls.check(
                dev.actinium.bindings.ActiniumNative.ak_act_forward(700, 0, MemorySegment.NULL, MemorySegment.NULL,
                        MemorySegment.NULL, 1, 0)));
        assertTrue(e.getMessage().contains("ak_act_forward: op 700 is not an activation"), e.getMessage());
        assertEquals(dev.actinium.bindings.ActiniumNative.AK_ERR_INVALID_ARGUMENT, e.status());
        fails(ActiniumException.class, "unknown flags", () -> NativeCalls.check(
                dev.actinium.bindings.ActiniumNative.ak_act_forward(0, 0, MemorySegment.NULL, MemorySegment.NULL,
                        MemorySegment.NULL, 0, 8)));
    }

    @Test
    void badParametersNameTheParameter() {
        fails(IllegalArgumentException.class, "params: LEAKY_RELU takes 1 parameters [negative_slope], not 2",
                () -> Activation.LEAKY_RELU.with(0.1f, 0.2f));
        fails(IllegalArgumentException.class, "negative_slope: LEAKY_RELU's negative_slope = NaN",
                () -> Activation.LEAKY_RELU.with(Float.NaN));
        fails(IllegalArgumentException.class, "lambda: SOFTSHRINK's lambda = -1.0 is outside [0.0",
                () -> Activation.SOFTSHRINK.with(-1f));
        fails(IllegalArgumentException.class, "max_val must be greater than min_val",
                () -> Activation.HARDTANH.with(2f,
                        1f));
        fails(IllegalArgumentException.class, "alpha: CELU's alpha = 0.0 is outside [1.1754944E-38",
                () -> Activation.CELU.with(0f));
        fails(IllegalArgumentException.class, "sigma: SAU's sigma = 1.0E-39 is outside",
                () -> Activation.SAU.with(0.1f, 1e-39f));
        fails(IllegalArgumentException.class, "beta must not be 0", () -> Activation.SOFTPLUS.with("beta", 0f));
        fails(IllegalArgumentException.class, "name: SWISH has no parameter alpha",
                () -> Activation.SWISH.with("alpha",
                        1f));
        fails(IllegalArgumentException.class, "params: RELU takes 0 parameters", () -> Activation.RELU.with(1f));
        assertEquals("LEAKY_RELU(negative_slope=0.2)", Activation.LEAKY_RELU.with("negative_slope", 0.2f).toString());
    }

    @Test
    void entryPointsRefuseOpsOfTheOtherKind() {
        Tensor x = Tensor.wrap(new float[12], 3, 4), y = Tensor.wrap(new float[6], 3, 2);
        fails(IllegalArgumentException.class, "op: SWIGLU is gated", () -> Activations.forward(Activation.SWIGLU, x,
                x));
        fails(IllegalArgumentException.class, "op: SILU is not gated",
                () -> Activations.gatedForward(Activation.SILU, x, null, y, GateHalf.FIRST));
        fails(IllegalArgumentException.class, "x: the last dimension of [3, 3] must be even",
                () -> Activations.gatedForward(Activation.SWIGLU, Tensor.wrap(new float[9], 3, 3), null, y,
                        GateHalf.FIRST));
        fails(IllegalArgumentException.class, "y: shape [3, 4] must be [3, 2]",
                () -> Activations.gatedForward(Activation.SWIGLU, x, null, x, GateHalf.FIRST));
        fails(IllegalArgumentException.class, "op: GELU_ERF has no backward from the output",
                () -> Activations.backwardFromOutput(Activation.GELU_ERF, x, x, x));
        ActiniumException e = assertThrows(ActiniumException.class,
                () -> Activations.backwardFromOutput(Activation.LEAKY_RELU.with(-0.5f), x, x, x));
        assertTrue(e.getMessage().contains("negative_slope < 0"), e.getMessage());
    }
}
