package dev.actinium;

import dev.actinium.bindings.ActiniumNative;
import dev.actinium.internal.CpuCalls;
import dev.actinium.internal.Internals;
import dev.actinium.internal.NativeCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A contiguous row-major tensor: a dtype, a shape, a device and memory owned by an {@link Arena}
 * (or by the caller, for wrapped arrays and addresses). Closing the arena ends the tensor; using it
 * afterwards is an {@link IllegalStateException}. A tensor of a confined arena is used by the
 * arena's owner thread only: from any other thread every operation throws
 * {@link WrongThreadException}, as FFM does. No finalizers, no hidden copies: {@link #wrap}
 * methods share the caller's memory.
 *
 * <p>The memory of a CUDA tensor cannot be read from Java; copy it to a CPU tensor
 * ({@link #copyFrom}, {@link #to(Device, Arena)}, {@link #toFloatArray()}).
 */
public final class Tensor {
    static {
        Internals.install(new Internals.Core() {
            @Override
            public MemorySegment memory(Tensor t) {
                return t.memory;
            }

            @Override
            public MemorySegment memoryForWorkers(Tensor t) {
                return t.memoryForWorkers();
            }

            @Override
            public void requireUsable(Tensor t, String arg) {
                t.requireUsable(arg);
            }

            @Override
            public void ensureLoaded() {
                Actinium.ensureLoaded();
            }

            @Override
            public void requireCuda(Device device, String arg) {
                Cuda.require(device, arg);
            }
        });
    }

    /** Alignment of memory Actinium allocates: a cache line, so streaming stores need no peeling. */
    static final long ALIGNMENT = 64;

    private final DType dtype;
    private final Shape shape;
    private final Device device;
    private final MemorySegment memory;  // exactly numel * byteSize bytes

    private Tensor(DType dtype, Shape shape, Device device, MemorySegment memory) {
        this.dtype = dtype;
        this.shape = shape;
        this.device = device;
        this.memory = memory;
    }

    // ---- creation ------------------------------------------------------------------------------

    /** A new CPU tensor owned by arena, zero-filled. */
    public static Tensor allocate(Arena arena, DType dtype, long... dims) {
        return allocate(arena, dtype, Device.CPU, dims);
    }

    /** A new tensor on device owned by arena (CPU memory zero-filled; device memory uninitialised). */
    public static Tensor allocate(Arena arena, DType dtype, Device device, long... dims) {
        Objects.requireNonNull(arena, "arena");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(device, "device");
        Shape shape = Shape.of(Objects.requireNonNull(dims, "dims"));
        long bytes = bytes(shape, dtype);
        MemorySegment memory;
        try {
            memory = device.isCpu() ? arena.allocate(bytes, ALIGNMENT) : Cuda.allocate(arena, device, bytes);
        } catch (WrongThreadException e) {
            throw new WrongThreadException("arena: " + e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("arena: " + e.getMessage(), e);
        }
        return new Tensor(dtype, shape, device, memory);
    }

    /** An F32 CPU tensor over data, without copying. */
    public static Tensor wrap(float[] data, long... dims) {
        Objects.requireNonNull(data, "data");
        Shape shape = Shape.of(Objects.requireNonNull(dims, "dims"));
        requireLength("data", data.length, shape);
        return new Tensor(DType.F32, shape, Device.CPU, MemorySegment.ofArray(data));
    }

    /** A BF16 or F16 CPU tensor over data (the raw 16-bit codes), without copying. */
    public static Tensor wrap(short[] data, DType dtype, long... dims) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(dtype, "dtype");
        if (dtype != DType.BF16 && dtype != DType.F16) {
            throw new IllegalArgumentException("dtype: a short[] holds BF16 or F16, not " + dtype);
        }
        Shape shape = Shape.of(Objects.requireNonNull(dims, "dims"));
        requireLength("data", data.length, shape);
        return new Tensor(dtype, shape, Device.CPU, MemorySegment.ofArray(data));
    }

    /**
     * A CPU tensor over a memory segment (native or heap), without copying. The segment must be
     * aligned to the element size and at least as large as the tensor; its scope becomes the
     * tensor's lifetime.
     */
    public static Tensor wrap(MemorySegment segment, DType dtype, long... dims) {
        Objects.requireNonNull(segment, "segment");
        Objects.requireNonNull(dtype, "dtype");
        Shape shape = Shape.of(Objects.requireNonNull(dims, "dims"));
        long bytes = bytes(shape, dtype);
        if (segment.byteSize() < bytes) {
            throw new IllegalArgumentException("segment: " + segment.byteSize() + " bytes, shape " + shape + " of " + dtype + " needs " + bytes);
        }
        if (!segment.scope().isAlive()) throw new IllegalStateException("segment: its arena is closed");
        if (segment.isMapped()) {
            // A file truncated while a kernel reads its mapping raises SIGBUS in native code, which
            // the JVM cannot turn into an exception as it does for its own accesses.
            throw new IllegalArgumentException("segment: a mapped file cannot be wrapped (truncating the file during a"
                    + " call would crash the JVM); copy it into an arena's memory, or vouch for it with wrapAddress");
        }
        // For a heap segment address() is the offset in its array, whose base is aligned to at
        // least 4 bytes (8, or 4 with compact object headers): enough for every dtype's elements.
        if (segment.address() % dtype.byteSize() != 0) {
            throw new IllegalArgumentException("segment: address is not aligned to the " + dtype.byteSize() + "-byte elements of " + dtype);
        }
        return new Tensor(dtype, shape, Device.CPU, segment.asSlice(0, bytes));
    }

    /**
     * A tensor over raw memory at address (for example a buffer of another library), host or CUDA,
     * without copying. The caller keeps the memory alive while the tensor is used.
     *
     * <p>This method is <em>restricted</em> in the sense of the FFM API's restricted methods (such
     * as {@link MemorySegment#reinterpret(long)}, which it performs on the caller's behalf): a
     * wrong address or size lets native code read and write memory the JVM does not own. The
     * calling module must have native access ({@code --enable-native-access=<module>}, or
     * {@code ALL-UNNAMED} on the class path); otherwise it throws {@link IllegalCallerException}.
     *
     * @throws IllegalCallerException if the caller's module does not have native access
     */
    public static Tensor wrapAddress(long address, DType dtype, Device device, long... dims) {
        Module caller = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).getCallerClass().getModule();
        if (!caller.isNativeAccessEnabled()) {
            throw new IllegalCallerException("wrapAddress is restricted: " + caller + " does not have native access;"
                    + " run with --enable-native-access=" + (caller.isNamed() ? caller.getName() : "ALL-UNNAMED"));
        }
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(device, "device");
        Shape shape = Shape.of(Objects.requireNonNull(dims, "dims"));
        if (address == 0) throw new IllegalArgumentException("address is null");
        if (address % dtype.byteSize() != 0) {
            throw new IllegalArgumentException("address: 0x" + Long.toHexString(address) + " is not aligned to the " + dtype.byteSize() + "-byte elements of " + dtype);
        }
        long bytes = bytes(shape, dtype);
        if (Long.compareUnsigned(address, -1L - bytes) > 0) {
            throw new IllegalArgumentException(
                    "address: 0x" + Long.toHexString(address) + " + " + bytes + " bytes wraps the address space");
        }
        return new Tensor(dtype, shape, device, MemorySegment.ofAddress(address).reinterpret(bytes));
    }

    // ---- properties -------------------------------------------------------------------------------

    public DType dtype() {
        return dtype;
    }

    public Shape shape() {
        return shape;
    }

    public Device device() {
        return device;
    }

    public long numel() {
        return shape.numel();
    }

    public long byteSize() {
        return memory.byteSize();
    }

    /** False once the arena that owns the memory is closed. */
    public boolean isAlive() {
        return memory.scope().isAlive();
    }

    /** The memory of a CPU tensor. */
    public MemorySegment segment() {
        requireUsable("this");
        if (!device.isCpu()) {
            throw new IllegalStateException(
                    "this: a " + device + " tensor's memory cannot be read from Java: copy it to a CPU tensor");
        }
        return memory;
    }

    // ---- views ------------------------------------------------------------------------------------

    /** The same memory with another shape of the same element count. */
    public Tensor reshape(long... dims) {
        Shape s = Shape.of(Objects.requireNonNull(dims, "dims"));
        if (s.numel() != numel()) throw new IllegalArgumentException("dims: shape " + s + " has " + s.numel() + " elements, the tensor " + numel());
        return new Tensor(dtype, s, device, memory);
    }

    /** Rows [from, to) along the first dimension: a contiguous view. */
    public Tensor slice(long from, long to) {
        if (shape.rank() == 0) throw new IllegalArgumentException("this: a scalar tensor has no rows to slice");
        if (from < 0 || from > shape.dim(0) || to < from || to > shape.dim(0)) {
            String arg = from < 0 || from > shape.dim(0) ? "from" : "to";
            throw new IndexOutOfBoundsException(
                    arg + ": slice [" + from + ", " + to + ") of a first dimension of " + shape.dim(0));
        }
        long rowBytes = shape.dim(0) == 0 ? 0 : memory.byteSize() / shape.dim(0);
        return new Tensor(dtype, shape.withFirst(to - from), device, memory.asSlice(from * rowBytes, (to - from) * rowBytes));
    }

    // ---- copies and conversions -----------------------------------------------------------------

    /** Copies src into this tensor: same dtype and element count, any devices. */
    public void copyFrom(Tensor src) {
        Objects.requireNonNull(src, "src");
        copy(src, "src", this, "this");
    }

    /**
     * Copies src into dst, naming them srcArg and dstArg as the calling method's caller knows
     * them (copyFrom: src and this; to(Device): this and arena).
     */
    private static void copy(Tensor src, String srcArg, Tensor dst, String dstArg) {
        src.requireUsable(srcArg);
        dst.requireUsable(dstArg);
        if (src.dtype != dst.dtype) {
            throw new IllegalArgumentException(srcArg + ": dtype " + src.dtype + " does not match " + dst.dtype);
        }
        if (src.numel() != dst.numel()) {
            throw new IllegalArgumentException(
                    srcArg + ": " + src.numel() + " elements, " + dstArg + " " + dst.numel());
        }
        if (dst.memory.isReadOnly()) throw new IllegalArgumentException(dstArg + " is read-only");
        long bytes = dst.byteSize();
        if (bytes == 0) return;
        if (src.device.isCpu() && dst.device.isCpu()) {
            try {
                MemorySegment.copy(src.memory, 0, dst.memory, 0, bytes);
            } catch (IllegalStateException e) {  // a shared arena closed by another thread meanwhile
                String closed = src.isAlive() ? dstArg : srcArg;
                throw new IllegalStateException(closed + ": the tensor's arena was closed during the copy", e);
            }
        } else if (src.device.isCpu()) {
            Cuda.require(dst.device, dstArg);
            Cuda.copyToDevice(dst.device, dst.memory, src.memory, bytes);
        } else if (dst.device.isCpu()) {
            Cuda.require(src.device, srcArg);
            Cuda.copyToHost(src.device, dst.memory, src.memory, bytes);
        } else if (src.device.equals(dst.device)) {
            Cuda.require(dst.device, dstArg);
            Cuda.copyOnDevice(dst.device, dst.memory, src.memory, bytes);
        } else {
            try (Arena tmp = Arena.ofConfined()) {  // between two GPUs, through the host
                Tensor staged = allocate(tmp, src.dtype, src.shape.toArray());
                copy(src, srcArg, staged, dstArg);
                copy(staged, srcArg, dst, dstArg);
            }
        }
    }

    /** A copy of this tensor on another device, owned by arena. */
    public Tensor to(Device target, Arena arena) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(arena, "arena");
        requireUsable("this");
        if (target.isCuda()) Cuda.require(target, "target");
        Tensor t = allocate(arena, dtype, target, shape.toArray());
        copy(this, "this", t, "arena");
        return t;
    }

    /**
     * This tensor converted to another floating dtype (round to nearest even; NaN quieted, its
     * payload kept as far as it fits), on the same device. The same bits on every ISA. CPU work is
     * split over {@link Parallel#defaults()}.
     */
    public Tensor to(DType target, Arena arena) {
        Objects.requireNonNull(target, "target");
        requireUsable("this");
        Objects.requireNonNull(arena, "arena");
        boolean convertible = dtype.isFloating() && target.isFloating() && (dtype == DType.F32 || target == DType.F32);
        if (target != dtype && !convertible) {
            throw new IllegalArgumentException("target: no conversion from " + dtype + " to " + target
                    + " (F32 <-> BF16, F32 <-> F16)");
        }
        if (device.isCuda()) Cuda.require(device, "this");
        Parallel parallel = CpuCalls.defaultParallel();  // before allocating: a failing call allocates nothing
        Tensor out = allocate(arena, target, device, shape.toArray());
        if (target == dtype) {
            copy(this, "this", out, "arena");
            return out;
        }
        if (device.isCuda()) {
            NativeCalls.check(ActiniumNative.ak_cuda_convert(device.index(), dtype.code(), memory, target.code(),
                    out.memory, numel()));
        } else {
            long inSize = dtype.byteSize(), outSize = target.byteSize();
            MemorySegment src = memoryForWorkers(), dst = out.memoryForWorkers();
            CpuCalls.run(parallel, numel(), (s, e, isa) -> ActiniumNative.ak_convert(
                    dtype.code(), src.asSlice(s * inSize, (e - s) * inSize), target.code(),
                    dst.asSlice(s * outSize, (e - s) * outSize), e - s, isa), THIS_OUT, this, out);
        }
        return out;
    }

    private static final String[] THIS_OUT = {"this", "arena"};

    /** The elements as floats (from F32, BF16 or F16, on any device). */
    public float[] toFloatArray() {
        requireUsable("this");
        if (!dtype.isFloating()) throw new IllegalStateException("this: a " + dtype + " tensor has no float values");
        if (numel() > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("this: a tensor of " + numel() + " elements does not fit a float[]");
        }
        float[] out = new float[(int) numel()];
        try (Arena tmp = Arena.ofConfined()) {
            Tensor f32 = dtype == DType.F32 ? this : to(DType.F32, tmp);
            copy(f32.reshape(numel()), "this", Tensor.wrap(out, numel()), "the float[]");
        }
        return out;
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + shape + " " + device + (isAlive() ? "" : " closed") + "]";
    }

    // ---- for the operations of this package and, through Internals, of the families ---------------

    /** The memory, for native calls: a host segment, or a segment carrying a device address. */
    MemorySegment memory() {
        return memory;
    }

    /**
     * The memory for worker threads of a split call. A confined arena's segment refuses other
     * threads, but its owner is blocked in the split call until every chunk is done and so cannot
     * close it meanwhile: workers may use an alias of the same address without the scope.
     */
    MemorySegment memoryForWorkers() {
        if (!memory.isNative() || memory.isAccessibleBy(NOT_THE_OWNER)) return memory;
        return MemorySegment.ofAddress(memory.address()).reinterpret(memory.byteSize());
    }

    /** A thread that owns no arena, to ask a segment whether it is confined. Never started. */
    private static final Thread NOT_THE_OWNER = new Thread(() -> {});

    /**
     * Throws, naming arg, unless the tensor's arena is open and the calling thread may use it:
     * a confined arena's tensor is its owner thread's only, exactly as FFM checks its segments.
     * Every operation checks this before its memory is aliased for pool workers.
     */
    void requireUsable(String arg) {
        if (!memory.scope().isAlive()) throw new IllegalStateException(arg + ": the tensor's arena is closed");
        if (!memory.isAccessibleBy(Thread.currentThread())) {
            throw new WrongThreadException(arg + ": the tensor belongs to a confined arena of another thread ("
                    + Thread.currentThread() + " may not use it)");
        }
    }

    private static long bytes(Shape shape, DType dtype) {
        try {
            return Math.multiplyExact(shape.numel(), (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("dims: shape " + shape + " of " + dtype + " exceeds 2^63 bytes");
        }
    }

    private static void requireLength(String arg, int length, Shape shape) {
        if (length != shape.numel()) {
            throw new IllegalArgumentException(arg + ": length " + length + " does not match shape " + shape + " (" + shape.numel() + " elements)");
        }
    }
}
