package dev.actinium.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import java.lang.foreign.MemorySegment;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The library can be loaded by two class loaders at once. Both load the same cached file: each
 * {@code SymbolLookup.libraryLookup} holds its own reference to the one mapping.
 */
class ClassLoaderTest {

    @Test
    void twoClassLoadersEachLoadAndCallTheLibrary() throws Exception {
        URL classes = Path.of("target/classes").toUri().toURL();
        URL libs = Path.of("target/test-classes").toUri().toURL();
        try (URLClassLoader second =
                     new URLClassLoader(new URL[] {classes, libs}, ClassLoader.getPlatformClassLoader())) {
            Class<?> other = second.loadClass("dev.actinium.bindings.ActiniumNative");
            assertNotSame(ActiniumNative.class, other);
            MemorySegment v2 = (MemorySegment) other.getMethod("ak_version").invoke(null);
            MemorySegment v1 = ActiniumNative.ak_version();
            assertEquals(v1.reinterpret(64).getString(0), v2.reinterpret(64).getString(0));
            Class<?> loader = second.loadClass("dev.actinium.bindings.NativeLibraries");
            Object library = loader.getMethod("cpu").invoke(null);
            String origin = (String) library.getClass().getMethod("origin").invoke(library);
            assertEquals(NativeLibraries.cpu().origin(), origin, "the same file, found the same way");
        }
    }
}
