package dev.actinium.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Opens libraries through FFM and, when that fails, asks the C library's dynamic loader why.
 * {@link SymbolLookup#libraryLookup} only says "Cannot open library": the loader's own message
 * ("invalid ELF header", "failed to map segment from shared object" on a noexec mount, a missing
 * dependency) is what a user needs, so on failure the same file is opened again with
 * {@code dlopen} and {@code dlerror} read. Where those do not exist (Windows) the message says so.
 */
final class DynamicLoader {
    private DynamicLoader() {}

    /** {@code RTLD_LAZY}, as the JVM opens libraries; the same value on Linux and macOS. */
    private static final int RTLD_LAZY = 1;

    private static final class Libc {
        static final Optional<MethodHandle> DLOPEN =
                function("dlopen", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT));
        static final Optional<MethodHandle> DLERROR = function("dlerror", FunctionDescriptor.of(ValueLayout.ADDRESS));
        static final Optional<MethodHandle> DLCLOSE =
                function("dlclose", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }

    /** A function of the C library the JVM runs on, if it has one by that name. */
    static Optional<MethodHandle> function(String name, FunctionDescriptor descriptor) {
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find(name).map(symbol -> linker.downcallHandle(symbol, descriptor));
    }

    /** Opens a library file; throws {@link UnsatisfiedLinkError} carrying the loader's reason. */
    static SymbolLookup open(Path file) {
        Path absolute = file.toAbsolutePath();
        try {
            return SymbolLookup.libraryLookup(absolute, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new UnsatisfiedLinkError(reason(absolute.toString()));
        }
    }

    /** Opens a library by name, searched on the system library path; throws as {@link #open(Path)}. */
    static SymbolLookup open(String name) {
        try {
            return SymbolLookup.libraryLookup(name, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new UnsatisfiedLinkError(reason(name));
        }
    }

    /** Why {@code dlopen} refuses a library (a path or a name), by trying it once more. */
    static String reason(String library) {
        if (Libc.DLOPEN.isEmpty() || Libc.DLERROR.isEmpty()) {
            return library + " cannot be opened, and the reason is not known (no dlopen/dlerror on "
                    + System.getProperty("os.name") + ")";
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle =
                    (MemorySegment) Libc.DLOPEN.get().invokeExact(arena.allocateFrom(library), RTLD_LAZY);
            if (!handle.equals(MemorySegment.NULL)) {
                // Opened this time: give the reference back, so the retry changes nothing.
                if (Libc.DLCLOSE.isPresent()) {
                    int ignored = (int) Libc.DLCLOSE.get().invokeExact(handle);
                }
                return library + " could not be opened by the JVM, but dlopen opened it when asked again"
                        + " (a failure that passed?)";
            }
            MemorySegment message = (MemorySegment) Libc.DLERROR.get().invokeExact();
            return message.equals(MemorySegment.NULL)
                    ? library + " cannot be opened (dlerror gives no message)"
                    : message.reinterpret(Integer.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            throw NativeLibraries.rethrow(t);
        }
    }
}
