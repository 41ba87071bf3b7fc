package dev.actinium.bindings;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.util.Locale;
import java.util.Optional;

/**
 * The native libraries, each loaded on first use from the first place that works: the directory
 * named by {@value #PATH_PROPERTY} / {@value #PATH_ENV} (alone, when set), else the copy packaged
 * in the jar, extracted once into a cache directory shared by every JVM of the user
 * ({@value #CACHE_PROPERTY} / {@value #CACHE_ENV}, else the per-user cache folder, else
 * {@code <java.io.tmpdir>/actinium-<user>}), else the system library path. See
 * {@link LibraryLoader} for the order and {@link LibraryCache} for the cache.
 *
 * <p>The CUDA library is loaded only when the CUDA driver ({@code libcuda.so.1}) is present;
 * otherwise {@link #cuda()} throws with the reason, and nothing falls back silently.
 */
public final class NativeLibraries {
    public static final String PATH_PROPERTY = "actinium.library.path";
    public static final String PATH_ENV = "ACTINIUM_LIBRARY_PATH";
    public static final String CACHE_PROPERTY = "actinium.cache.dir";
    public static final String CACHE_ENV = "ACTINIUM_CACHE_DIR";

    private NativeLibraries() {}

    /** A loaded library and where it came from. */
    public record Library(String name, String origin, SymbolLookup lookup) {
        public MemorySegment findOrThrow(String symbol) {
            return lookup.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError(
                    "symbol " + symbol + " not found in " + name + " (" + origin + ")"));
        }
    }

    private static final class Cpu {
        static final Library LIBRARY = LibraryLoader.load("actinium", LoaderSettings.system());
    }

    private static final class Cuda {
        static final Library LIBRARY;
        static final String UNAVAILABLE;

        static {
            Library library = null;
            String reason = null;
            try {
                DynamicLoader.open("libcuda.so.1");
            } catch (UnsatisfiedLinkError e) {
                reason = "no CUDA driver on this machine (" + e.getMessage() + ")";
            }
            if (reason == null) {
                try {
                    library = LibraryLoader.load("actinium_cuda", LoaderSettings.system());
                } catch (UnsatisfiedLinkError e) {
                    reason = e.getMessage();
                }
            }
            LIBRARY = library;
            UNAVAILABLE = reason;
        }
    }

    /** The CPU library; loads it on first use. */
    public static Library cpu() {
        return Cpu.LIBRARY;
    }

    /** The CUDA library; throws {@link UnsatisfiedLinkError} saying why if it cannot be used. */
    public static Library cuda() {
        if (Cuda.LIBRARY == null) throw new UnsatisfiedLinkError("CUDA unavailable: " + Cuda.UNAVAILABLE);
        return Cuda.LIBRARY;
    }

    /** Why the CUDA library is not available, or empty if it is loaded. */
    public static Optional<String> cudaUnavailableReason() {
        return Optional.ofNullable(Cuda.UNAVAILABLE);
    }

    /** The platform directory of the packaged libraries, e.g. {@code linux-x86_64}. */
    public static String platform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String o = os.contains("linux") ? "linux" : os.contains("mac") ? "macos" : os.contains("win") ? "windows" : os;
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch.equals("aarch64") ? "aarch64" : arch;
        return o + "-" + a;
    }

    /** Rethrows what a downcall threw: unchecked as is, anything else wrapped. */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("unexpected exception from a native call", t);
    }
}
