package dev.actinium.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order of places and the reasons, in this JVM with settings written here. Most tests load the
 * C library's file, which the system library path always has, so a fallback to it can succeed.
 */
@EnabledOnOs(OS.LINUX)
class LibraryLoaderTest {
    private static final String LIBC = "libc.so.6";
    private static final byte[] NOT_A_LIBRARY = "not a library\n".repeat(400).getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private final Map<String, String> properties = new HashMap<>();
    private final Map<String, String> environment = new HashMap<>();

    @BeforeAll
    static void unixOnly() {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Path.of("/").getFileSystem().supportedFileAttributeViews().contains("unix"));
    }

    private LoaderSettings settings(MountTable mounts, Function<String, InputStream> resources) {
        return new LoaderSettings(properties::get, environment::get, mounts, resources);
    }

    private static Function<String, InputStream> packaged(byte[] bytes) {
        return packaged(LIBC, bytes);
    }

    private static Function<String, InputStream> packaged(String file, byte[] bytes) {
        return name -> name.equals(resource(file)) ? new ByteArrayInputStream(bytes) : null;
    }

    private static String resource(String file) {
        return "/dev/actinium/native/" + NativeLibraries.platform() + "/" + file;
    }

    /** A packaged copy that extracts but cannot be loaded gives way to the system library path. */
    @Test
    void anUnloadablePackagedCopyFallsBackToTheSystemLibraryPath() {
        properties.put(NativeLibraries.CACHE_PROPERTY, dir.resolve("cache").toString());
        NativeLibraries.Library lib =
                LibraryLoader.load("c", LIBC, settings(MountTable.EMPTY, packaged(NOT_A_LIBRARY)));
        assertTrue(lib.origin().startsWith("system library path"), lib.origin());
        assertTrue(lib.origin().contains("invalid ELF header"), lib.origin());
        assertTrue(lib.lookup().find("getpid").isPresent());
    }

    /** So does one that cannot be read from the jar (the old loader threw). */
    @Test
    void aPackagedCopyThatCannotBeReadFallsBackToTheSystemLibraryPath() {
        Function<String, InputStream> broken = name -> new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("the jar is damaged");
            }
        };
        NativeLibraries.Library lib = LibraryLoader.load("c", LIBC, settings(MountTable.EMPTY, broken));
        assertTrue(lib.origin().contains("cannot be read: the jar is damaged"), lib.origin());
    }

    /** A cache directory on a noexec mount is skipped with a message naming the setting; the system path follows. */
    @Test
    void aNoexecCacheIsSkippedSayingWhatMovesIt() throws IOException {
        properties.put(NativeLibraries.CACHE_PROPERTY, dir.resolve("cache").toString());
        MountTable noexec = MountTable.parse("tmpfs " + dir.toRealPath() + " tmpfs rw,noexec 0 0\n");
        NativeLibraries.Library lib = LibraryLoader.load("c", LIBC, settings(noexec, packaged(NOT_A_LIBRARY)));
        assertTrue(lib.origin().contains("mounted noexec"), lib.origin());
        assertTrue(lib.origin().contains("set " + NativeLibraries.CACHE_PROPERTY + " or " + NativeLibraries.CACHE_ENV),
                lib.origin());
    }

    /** The first cache directory that does not work gives way to the next. */
    @Test
    void aCacheDirectoryThatCannotBeCreatedGivesWayToTheNext() throws IOException {
        String file = System.mapLibraryName("actinium");
        byte[] actinium;
        try (InputStream in = LibraryLoaderTest.class.getResourceAsStream(resource(file))) {
            actinium = in.readAllBytes();
        }
        properties.put("user.home", "/dev/null");
        properties.put("java.io.tmpdir", dir.toString());
        properties.put("user.name", "some one");
        NativeLibraries.Library lib =
                LibraryLoader.load("actinium", settings(MountTable.EMPTY, packaged(file, actinium)));
        Path expected = dir.toRealPath().resolve("actinium-some_one").resolve(NativeLibraries.platform());
        assertTrue(lib.origin().startsWith("extracted from the jar (" + resource(file) + ") to " + expected),
                lib.origin());
        assertTrue(lib.origin().contains("/dev/null/.cache/actinium (user.home): "), lib.origin());
        assertTrue(lib.lookup().find("ak_version").isPresent());
    }

    /** An explicit path is the only place tried, even when the system has the library. */
    @Test
    void anExplicitPathIsStrictAndSaysWhy() throws IOException {
        Files.write(dir.resolve(LIBC), NOT_A_LIBRARY);
        environment.put(NativeLibraries.PATH_ENV, dir.toString());
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class,
                () -> LibraryLoader.load("c", LIBC, settings(MountTable.EMPTY, packaged(NOT_A_LIBRARY))));
        assertTrue(e.getMessage().contains("invalid ELF header"), e.getMessage());
        assertTrue(e.getMessage().contains("set by " + NativeLibraries.PATH_ENV + ": the only place tried"),
                e.getMessage());
        properties.put(NativeLibraries.PATH_PROPERTY, dir.resolve("elsewhere").toString());
        e = assertThrows(UnsatisfiedLinkError.class,
                () -> LibraryLoader.load("c", LIBC, settings(MountTable.EMPTY, packaged(NOT_A_LIBRARY))));
        assertTrue(e.getMessage().startsWith(LIBC + " not found in " + dir.resolve("elsewhere")), e.getMessage());
    }

    @Test
    void whenNoPlaceWorksEachIsListedWithItsReason() {
        properties.put(NativeLibraries.CACHE_PROPERTY, "/dev/null/cache");
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class,
                () -> LibraryLoader.load("nowhere", "libnowhere.so", settings(MountTable.EMPTY,
                        name -> new ByteArrayInputStream(NOT_A_LIBRARY))));
        List<String> lines = e.getMessage().lines().toList();
        assertEquals("libnowhere.so cannot be loaded; tried, in order:", lines.get(0));
        assertEquals("  (1) actinium.library.path / ACTINIUM_LIBRARY_PATH: not set", lines.get(1));
        assertTrue(lines.get(2).startsWith("  (2) the copy packaged in the jar"), e.getMessage());
        assertTrue(lines.get(3).startsWith("      /dev/null/cache (actinium.cache.dir): "), e.getMessage());
        assertEquals(5, lines.size(), "no advice to set the cache directory, it is set: " + e.getMessage());
        assertTrue(lines.get(4).startsWith(
                "  (3) the system library path: libnowhere.so: cannot open shared object file"), e.getMessage());
    }

    @Test
    void cacheDirectoriesInOrder() {
        properties.put("user.home", "/home/me");
        properties.put("java.io.tmpdir", "/tmp");
        properties.put("user.name", "me");
        assertEquals(List.of("/home/me/.cache/actinium", "/tmp/actinium-me"), dirs());
        environment.put("XDG_CACHE_HOME", "relative/is/ignored");
        assertEquals(List.of("/home/me/.cache/actinium", "/tmp/actinium-me"), dirs());
        environment.put("XDG_CACHE_HOME", "/xdg");
        assertEquals(List.of("/xdg/actinium", "/tmp/actinium-me"), dirs());
        environment.put(NativeLibraries.CACHE_ENV, "/from/env");
        assertEquals(List.of("/from/env"), dirs(), "a named directory is the only one");
        properties.put(NativeLibraries.CACHE_PROPERTY, "/from/property");
        assertEquals(List.of("/from/property"), dirs(), "the property before the variable");
    }

    private List<String> dirs() {
        return CacheRoots.candidates(settings(MountTable.EMPTY, name -> null)).stream()
                .map(c -> c.dir().toString()).toList();
    }
}
