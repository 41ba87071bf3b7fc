package dev.actinium.bindings;

import dev.actinium.bindings.NativeLibraries.Library;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads one native library from the first place that works, in this order:
 * <ol>
 *   <li>the directory named by {@code actinium.library.path} / {@code ACTINIUM_LIBRARY_PATH}: when
 *       one is set it is the only place tried, so a wrong setting is an error and never silently
 *       replaced by another copy;</li>
 *   <li>the copy packaged in the jar under {@code dev/actinium/native/<os>-<arch>/}, extracted into
 *       the first cache directory of {@link CacheRoots} where it can be written and loaded
 *       ({@link LibraryCache});</li>
 *   <li>the system library path ({@code LD_LIBRARY_PATH}, {@code ldconfig}).</li>
 * </ol>
 * When every place fails, the {@link UnsatisfiedLinkError} lists each with the reason the file
 * system or the dynamic loader gave.
 */
final class LibraryLoader {
    private LibraryLoader() {}

    /** A place that did not give the library, and why. */
    private static final class Refused extends Exception {
        Refused(String reason) {
            super(reason, null, false, false);
        }
    }

    static Library load(String name, LoaderSettings settings) {
        return load(name, System.mapLibraryName(name), settings);
    }

    /** Loads the library called name in messages from the file named file (a test may pick another file). */
    static Library load(String name, String file, LoaderSettings settings) {
        Setting explicit = settings.either(NativeLibraries.PATH_PROPERTY, NativeLibraries.PATH_ENV)
                .orElse(null);
        if (explicit != null) return explicit(name, file, explicit);
        List<String> tried = new ArrayList<>();
        tried.add(NativeLibraries.PATH_PROPERTY + " / " + NativeLibraries.PATH_ENV + ": not set");
        String resource = "/dev/actinium/native/" + NativeLibraries.platform() + "/" + file;
        String notPackaged;
        try {
            return packaged(name, file, resource, settings);
        } catch (Refused e) {
            notPackaged = e.getMessage();
            tried.add("the copy packaged in the jar (" + resource + "): " + notPackaged);
        }
        try {
            return new Library(name, "system library path (the copy in the jar: " + notPackaged + ")",
                    DynamicLoader.open(file));
        } catch (UnsatisfiedLinkError e) {
            tried.add("the system library path: " + e.getMessage());
        }
        StringBuilder message = new StringBuilder(file + " cannot be loaded; tried, in order:");
        for (int i = 0; i < tried.size(); i++) message.append("\n  (").append(i + 1).append(") ").append(tried.get(i));
        throw new UnsatisfiedLinkError(message.toString());
    }

    /** The CUDA library built against the CPU emulation of CUDA, from the file the tests name. */
    static Library emulatedCuda(String file) {
        String setBy = " (set by " + NativeLibraries.CUDA_EMULATION_PROPERTY + ")";
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            throw new UnsatisfiedLinkError(file + " is not a path: " + e.getMessage() + setBy);
        }
        if (!Files.isRegularFile(path)) throw new UnsatisfiedLinkError(file + " not found" + setBy);
        return new Library("actinium_cuda", "CUDA emulation on the CPU, " + path + setBy, DynamicLoader.open(path));
    }

    private static Library explicit(String name, String file, Setting setting) {
        String strict = " (set by " + setting.source() + ": the only place tried when set)";
        Path path;
        try {
            path = Path.of(setting.value()).resolve(file);
        } catch (InvalidPathException e) {
            throw new UnsatisfiedLinkError(setting.value() + " is not a path: " + e.getMessage() + strict);
        }
        if (!Files.isRegularFile(path)) {
            throw new UnsatisfiedLinkError(file + " not found in " + setting.value() + strict);
        }
        try {
            return new Library(name, "explicit path " + path + " (" + setting.source() + ")", DynamicLoader.open(path));
        } catch (UnsatisfiedLinkError e) {
            throw new UnsatisfiedLinkError(path + " cannot be loaded: " + e.getMessage() + strict);
        }
    }

    private static Library packaged(String name, String file, String resource, LoaderSettings settings) throws Refused {
        byte[] library;
        try (InputStream in = settings.resources().apply(resource)) {
            if (in == null) throw new Refused("not packaged for " + NativeLibraries.platform());
            library = in.readAllBytes();
        } catch (IOException e) {
            throw new Refused("cannot be read: " + describe(e));
        }
        List<CacheRoots.Candidate> candidates;
        try {
            candidates = CacheRoots.candidates(settings);
        } catch (InvalidPathException e) {
            throw new Refused("a cache directory setting is not a path: " + e.getMessage());
        }
        List<String> skipped = new ArrayList<>();
        for (CacheRoots.Candidate c : candidates) {
            Path path;
            try {
                path = LibraryCache.install(c.dir(), NativeLibraries.platform(), file, library, settings.mounts());
            } catch (IOException e) {
                skipped.add(c + ": " + describe(e));
                continue;
            }
            try {
                String origin = "extracted from the jar (" + resource + ") to " + path
                        + (skipped.isEmpty() ? "" : " (not to " + String.join("; ", skipped) + ")");
                return new Library(name, origin, DynamicLoader.open(path));
            } catch (UnsatisfiedLinkError e) {
                skipped.add(c + ": extracted to " + path + ", but it cannot be loaded: " + e.getMessage());
            }
        }
        String hint = candidates.stream().anyMatch(CacheRoots.Candidate::explicit) ? ""
                : "\n      set " + NativeLibraries.CACHE_PROPERTY + " or " + NativeLibraries.CACHE_ENV
                        + " to a directory of yours where libraries may be loaded";
        throw new Refused("could not be extracted and loaded:\n      " + String.join("\n      ", skipped) + hint);
    }

    /** Our own refusals are plain IOExceptions whose message says it all; the JDK's need their type. */
    private static String describe(IOException e) {
        return e.getClass() == IOException.class
                ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
