package dev.actinium.bindings;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The native libraries, each loaded on first use from the first place that works: the directory
 * named by {@value #PATH_PROPERTY} / {@value #PATH_ENV} (alone, when set), else the copy packaged
 * in the jar, extracted once into a cache directory shared by every JVM of the user
 * ({@value #CACHE_PROPERTY} / {@value #CACHE_ENV}, else the per-user cache folder, else
 * {@code <java.io.tmpdir>/actinium-<user>}), else the system library path. See
 * {@link LibraryLoader} for the order and {@link LibraryCache} for the cache.
 *
 * <p>The CUDA library is loaded only when the CUDA driver ({@code libcuda.so.1}) is present;
 * otherwise {@link #cuda()} throws with the reason, and nothing falls back silently (the tests may
 * name an emulated build instead: {@value #CUDA_EMULATION_PROPERTY}). A library that
 * cannot be loaded is not retried: every later use throws a fresh {@link UnsatisfiedLinkError}
 * with the same reason.
 */
public final class NativeLibraries {
    public static final String PATH_PROPERTY = "actinium.library.path";
    public static final String PATH_ENV = "ACTINIUM_LIBRARY_PATH";
    public static final String CACHE_PROPERTY = "actinium.cache.dir";
    public static final String CACHE_ENV = "ACTINIUM_CACHE_DIR";
    /**
     * For tests without a GPU: the path of a build of the CUDA library against the CPU emulation of
     * CUDA ({@code libactinium_cuda_emulated.so}, native/cuda/emulation.h), loaded instead of the
     * CUDA library without a driver. Orders of magnitude slower than a GPU; never packaged.
     */
    public static final String CUDA_EMULATION_PROPERTY = "actinium.cuda.emulation";

    private NativeLibraries() {}

    /** A loaded library and where it came from. */
    public record Library(String name, String origin, SymbolLookup lookup) {
        public MemorySegment findOrThrow(String symbol) {
            return lookup.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError(
                    "symbol " + symbol + " not found in " + name + " (" + origin + ")"));
        }
    }

    /**
     * A library, or why it could not be loaded. Holders keep this rather than failing their own
     * initialisation, which would turn every use after the first into a NoClassDefFoundError.
     */
    private record Outcome(Library library, Throwable failure) {
        static Outcome of(Supplier<Library> loader) {
            try {
                return new Outcome(loader.get(), null);
            } catch (RuntimeException | LinkageError e) {  // LinkageError: a helper class that failed to initialise
                return new Outcome(null, e);
            }
        }

        String reason() {
            if (failure == null) return null;
            Throwable cause = failure instanceof ExceptionInInitializerError && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof IllegalCallerException) {
                return "native access is not enabled for Actinium (" + cause.getMessage() + "); run with"
                        + " --enable-native-access=ALL-UNNAMED, or with the module's name on the module path";
            }
            return cause instanceof UnsatisfiedLinkError ? cause.getMessage() : cause.toString();
        }

        /** The library, or a fresh error per call, so each caller's stack trace is its own. */
        Library get(String prefix) {
            if (library != null) return library;
            UnsatisfiedLinkError e = new UnsatisfiedLinkError(prefix + reason());
            if (!(failure instanceof UnsatisfiedLinkError)) e.initCause(failure);  // a bug: keep its trace
            throw e;
        }
    }

    private static final class Cpu {
        static final Outcome LOADED = Outcome.of(() -> LibraryLoader.load("actinium", LoaderSettings.system()));
    }

    private static final class Cuda {
        static final Outcome LOADED = Outcome.of(Cuda::load);

        private static Library load() {
            LoaderSettings settings = LoaderSettings.system();
            String emulated = settings.property(CUDA_EMULATION_PROPERTY);
            if (emulated != null) return LibraryLoader.emulatedCuda(emulated);
            try {
                DynamicLoader.open("libcuda.so.1");
            } catch (UnsatisfiedLinkError e) {
                throw new UnsatisfiedLinkError("no CUDA driver on this machine (" + e.getMessage() + ")");
            }
            return LibraryLoader.load("actinium_cuda", settings);
        }
    }

    /** The CPU library; loads it on first use, throws {@link UnsatisfiedLinkError} saying why if it cannot. */
    public static Library cpu() {
        return Cpu.LOADED.get("");
    }

    /** The CUDA library; throws {@link UnsatisfiedLinkError} saying why if it cannot be used. */
    public static Library cuda() {
        return Cuda.LOADED.get("CUDA unavailable: ");
    }

    /** Why the CUDA library is not available, or empty if it is loaded. */
    public static Optional<String> cudaUnavailableReason() {
        return Optional.ofNullable(Cuda.LOADED.reason());
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
