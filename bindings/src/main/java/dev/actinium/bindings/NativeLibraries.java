package dev.actinium.bindings;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds and loads the native libraries, in this order:
 * <ol>
 *   <li>a directory named by the system property {@code actinium.library.path} or the environment
 *       variable {@code ACTINIUM_LIBRARY_PATH};</li>
 *   <li>the copy packaged in the jar under {@code dev/actinium/native/<os>-<arch>/}, extracted to a
 *       fresh temporary directory (one per class loader, so two class loaders never share or
 *       overwrite a file);</li>
 *   <li>the system library path ({@code LD_LIBRARY_PATH}, {@code ldconfig}).</li>
 * </ol>
 * The CUDA library is loaded only when the CUDA driver ({@code libcuda.so.1}) is present; otherwise
 * {@link #cuda()} throws with the reason, and nothing falls back silently.
 */
public final class NativeLibraries {
    public static final String PATH_PROPERTY = "actinium.library.path";
    public static final String PATH_ENV = "ACTINIUM_LIBRARY_PATH";

    private NativeLibraries() {}

    /** A loaded library and where it came from. */
    public record Library(String name, String origin, SymbolLookup lookup) {
        public MemorySegment findOrThrow(String symbol) {
            return lookup.find(symbol).orElseThrow(() -> new UnsatisfiedLinkError(
                    "symbol " + symbol + " not found in " + name + " (" + origin + ")"));
        }
    }

    private static final class Cpu {
        static final Library LIBRARY = load("actinium");
    }

    private static final class Cuda {
        static final Library LIBRARY;
        static final String UNAVAILABLE;

        static {
            Library library = null;
            String reason = null;
            try {
                SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
                library = load("actinium_cuda");
            } catch (IllegalArgumentException e) {
                reason = "no CUDA driver: libcuda.so.1 cannot be loaded on this machine";
            } catch (UnsatisfiedLinkError e) {
                reason = e.getMessage();
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

    private static Library load(String name) {
        String file = System.mapLibraryName(name);
        String dir = System.getProperty(PATH_PROPERTY, System.getenv(PATH_ENV));
        if (dir != null && !dir.isBlank()) {
            Path path = Path.of(dir).resolve(file);
            if (!Files.isRegularFile(path)) {
                throw new UnsatisfiedLinkError(file + " not found in " + dir + " (set by " + PATH_PROPERTY + " or " + PATH_ENV + ")");
            }
            return new Library(name, "explicit path " + path, SymbolLookup.libraryLookup(path, Arena.global()));
        }
        String resource = "/dev/actinium/native/" + platform() + "/" + file;
        try (InputStream in = NativeLibraries.class.getResourceAsStream(resource)) {
            if (in != null) {
                Path tmp = Files.createTempDirectory("actinium-");
                Path path = tmp.resolve(file);
                Files.copy(in, path, StandardCopyOption.REPLACE_EXISTING);
                path.toFile().deleteOnExit();
                tmp.toFile().deleteOnExit();
                return new Library(name, "extracted from the jar (" + resource + ") to " + path,
                        SymbolLookup.libraryLookup(path, Arena.global()));
            }
        } catch (IOException e) {
            throw new UnsatisfiedLinkError("cannot extract " + resource + ": " + e);
        }
        try {
            return new Library(name, "system library path", SymbolLookup.libraryLookup(file, Arena.global()));
        } catch (IllegalArgumentException e) {
            throw new UnsatisfiedLinkError(file + " not found: not in " + PATH_PROPERTY + "/" + PATH_ENV
                    + ", not packaged for " + platform() + " (" + resource + "), not on the system library path");
        }
    }

    /** Rethrows what a downcall threw: unchecked as is, anything else wrapped. */
    public static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException("unexpected exception from a native call", t);
    }
}
