package dev.actinium;

import dev.actinium.bindings.ActiniumNative;
import dev.actinium.internal.NativeCalls;
import dev.actinium.bindings.NativeLibraries;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The CUDA side: availability, devices, memory owned by an Arena, copies. */
final class Cuda {
    private Cuda() {}

    private static final class State {
        static final String UNAVAILABLE;
        static final List<Actinium.CudaDevice> DEVICES;

        static {
            String reason = NativeLibraries.cudaUnavailableReason().orElse(null);
            List<Actinium.CudaDevice> devices = List.of();
            if (reason == null) {
                // Never fails its own initialisation (that would be NoClassDefFoundError later):
                // a driver error here becomes the reason CUDA is unavailable.
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
                    int status = ActiniumNative.ak_cuda_device_count(count);
                    if (status != ActiniumNative.AK_OK) {
                        reason = NativeCalls.string(ActiniumNative.ak_cuda_last_error());
                    } else if (count.get(ValueLayout.JAVA_INT, 0) == 0) {
                        reason = "the CUDA driver reports no devices";
                    } else {
                        devices = enumerate(arena, count.get(ValueLayout.JAVA_INT, 0));
                    }
                } catch (RuntimeException | LinkageError e) {
                    reason = "the CUDA library failed: " + e.getMessage();
                    devices = List.of();
                }
            }
            UNAVAILABLE = reason;
            DEVICES = devices;
        }

        private static List<Actinium.CudaDevice> enumerate(Arena arena, int count) {
            List<Actinium.CudaDevice> list = new ArrayList<>();
            MemorySegment name = arena.allocate(256);
            MemorySegment major = arena.allocate(ValueLayout.JAVA_INT), minor = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment total = arena.allocate(ValueLayout.JAVA_LONG);
            for (int i = 0; i < count; i++) {
                NativeCalls.check(ActiniumNative.ak_cuda_device_info(i, name, 256, major, minor, total));
                list.add(new Actinium.CudaDevice(i, name.getString(0), major.get(ValueLayout.JAVA_INT, 0),
                        minor.get(ValueLayout.JAVA_INT, 0), total.get(ValueLayout.JAVA_LONG, 0)));
            }
            return List.copyOf(list);
        }
    }

    static Optional<String> unavailableReason() {
        return Optional.ofNullable(State.UNAVAILABLE);
    }

    static List<Actinium.CudaDevice> devices() {
        return State.DEVICES;
    }

    /**
     * Throws an ActiniumException (status AK_ERR_NO_DEVICE) naming arg and the reason if device
     * cannot be used: the same exception on every call, whatever the first call was.
     */
    static void require(Device device, String arg) {
        if (State.UNAVAILABLE != null) {
            throw new ActiniumException(ActiniumNative.AK_ERR_NO_DEVICE,
                    arg + ": device " + device + " is not available: " + State.UNAVAILABLE);
        }
        if (device.index() >= State.DEVICES.size()) {
            throw new ActiniumException(ActiniumNative.AK_ERR_NO_DEVICE,
                    arg + ": device " + device + " does not exist (" + State.DEVICES.size() + " CUDA devices)");
        }
    }

    /** Device memory whose lifetime is the arena's: closing the arena frees it. */
    static MemorySegment allocate(Arena arena, Device device, long bytes) {
        require(device, "device");
        int dev = device.index();
        long address;
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment out = tmp.allocate(ValueLayout.ADDRESS);
            NativeCalls.check(ActiniumNative.ak_cuda_malloc(dev, bytes, out));
            address = out.get(ValueLayout.ADDRESS, 0).address();
        }
        // The segment only carries the device address and the arena's lifetime; Tensor never
        // dereferences it from Java.
        return MemorySegment.ofAddress(address).reinterpret(bytes, arena, s -> ActiniumNative.ak_cuda_free(dev, s));
    }

    static void copyToDevice(Device device, MemorySegment dst, MemorySegment src, long bytes) {
        if (src.isNative()) {
            NativeCalls.check(ActiniumNative.ak_cuda_copy_to_device(device.index(), dst, src, bytes));
            return;
        }
        try (Arena tmp = Arena.ofConfined()) {  // heap memory cannot be handed to the CUDA runtime
            MemorySegment staged = tmp.allocate(bytes, 64);
            MemorySegment.copy(src, 0, staged, 0, bytes);
            NativeCalls.check(ActiniumNative.ak_cuda_copy_to_device(device.index(), dst, staged, bytes));
        }
    }

    static void copyToHost(Device device, MemorySegment dst, MemorySegment src, long bytes) {
        if (dst.isNative()) {
            NativeCalls.check(ActiniumNative.ak_cuda_copy_to_host(device.index(), dst, src, bytes));
            return;
        }
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment staged = tmp.allocate(bytes, 64);
            NativeCalls.check(ActiniumNative.ak_cuda_copy_to_host(device.index(), staged, src, bytes));
            MemorySegment.copy(staged, 0, dst, 0, bytes);
        }
    }

    static void copyOnDevice(Device device, MemorySegment dst, MemorySegment src, long bytes) {
        NativeCalls.check(ActiniumNative.ak_cuda_copy_on_device(device.index(), dst, src, bytes));
    }

    static void synchronize(Device device) {
        require(device, "device");
        NativeCalls.check(ActiniumNative.ak_cuda_synchronize(device.index()));
    }
}
