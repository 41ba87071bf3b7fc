package dev.actinium.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Loading as a fresh JVM does it: each test starts child JVMs running {@link LoaderProbe}. */
class LoadingTest extends UnixFilesTest {
    private static final String LIBRARY = System.mapLibraryName("actinium");

    /** Several JVMs extract into one empty cache at the same moment: all load, one file remains, no temporaries. */
    @Test
    void jvmsStartingTogetherShareOneExtraction() throws Exception {
        Path cache = dir.toRealPath().resolve("cache"), barrier = Files.createDirectory(dir.resolve("barrier"));
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        int n = 4;
        List<ChildJvm.Child> children = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            children.add(ChildJvm.start(dir.resolve("out-" + i), Map.of("java.io.tmpdir", tmp.toString()),
                    Map.of(NativeLibraries.CACHE_ENV, cache.toString()), "await=" + barrier, "version", "origin"));
        }
        long deadline = System.nanoTime() + ChildJvm.TIMEOUT_SECONDS * 1_000_000_000L;
        while (count(barrier) < n && System.nanoTime() < deadline) Thread.sleep(5);
        Files.createFile(barrier.resolve("go"));
        for (ChildJvm.Child child : children) {
            ChildJvm.Result r = child.await();
            assertEquals(0, r.exit(), r.output());
            assertTrue(r.values("version").get(0).matches("\\d+\\.\\d+\\.\\d+.*"), r.output());
            assertTrue(r.values("origin").get(0).contains(cache.toString()), r.output());
        }
        List<Path> files;
        try (Stream<Path> all = Files.walk(cache)) {
            files = all.filter(Files::isRegularFile).toList();
        }
        assertEquals(1, files.size(), "only the library, no temporaries: " + files);
        assertEquals(LIBRARY, files.get(0).getFileName().toString());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
        assertEquals(0, count(tmp), "nothing in java.io.tmpdir");
    }

    /** The default cache is the per-user folder; a run leaves nothing in java.io.tmpdir (it left a folder per run). */
    @Test
    void aRunLeavesNothingInTheTemporaryDirectory() throws Exception {
        Path home = Files.createDirectory(dir.toRealPath().resolve("home"));
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        ChildJvm.Result r = ChildJvm.run(dir.resolve("out"),
                Map.of("java.io.tmpdir", tmp.toString(), "user.home", home.toString()), "version", "origin");
        assertEquals(0, r.exit(), r.output());
        assertEquals(0, count(tmp), r.output());
        String origin = r.values("origin").get(0);
        assertTrue(origin.contains(home.resolve(".cache/actinium/" + NativeLibraries.platform()).toString()), origin);
    }

    /** An explicit library that cannot be loaded: every call gives the loader's reason, never NoClassDefFoundError. */
    @Test
    void anUnloadableLibraryFailsEveryCallWithTheReason() throws Exception {
        Path libs = Files.createDirectory(dir.resolve("libs"));
        Files.writeString(libs.resolve(LIBRARY), "not a library\n".repeat(400));
        ChildJvm.Result r = ChildJvm.run(dir.resolve("out"), Map.of(NativeLibraries.PATH_PROPERTY, libs.toString()),
                "failures");
        assertEquals(0, r.exit(), r.output());
        List<String> thrown = r.values("thrown");
        assertEquals(4, thrown.size(), r.output());
        for (String t : thrown) {
            assertTrue(t.startsWith(UnsatisfiedLinkError.class.getName() + ": "), t);
            assertTrue(t.contains("invalid ELF header") || t.contains("not a mach-o file"), t);  // Linux, macOS
            assertTrue(t.contains(NativeLibraries.PATH_PROPERTY), t);
        }
        assertEquals(List.of("true"), r.values("distinct"), "a fresh error per call");
    }

    /**
     * No place works: the per-user cache cannot be created and the temporary one was made writable by
     * others (an attacker's), so the jar's copy is not extracted, and the system has none: the error
     * lists the three places with their reasons. The old loader extracted to a fresh temporary directory.
     */
    @Test
    void whenNothingLoadsTheErrorListsEveryPlaceWithItsReason() throws Exception {
        Path tmp = Files.createDirectory(dir.resolve("tmp"));
        String user = System.getProperty("user.name").replaceAll("[^A-Za-z0-9._-]", "_");
        Path planted = Files.createDirectory(tmp.resolve("actinium-" + user));
        Files.setPosixFilePermissions(planted, PosixFilePermissions.fromString("rwxrwxrwx"));
        ChildJvm.Result r = ChildJvm.run(dir.resolve("out"),
                Map.of("java.io.tmpdir", tmp.toString(), "user.home", "/dev/null"), "failures");
        assertEquals(0, r.exit(), r.output());
        String message = r.values("thrown").get(0);
        assertTrue(message.contains("(1) " + NativeLibraries.PATH_PROPERTY), message);
        assertTrue(message.contains("(2) the copy packaged in the jar"), message);
        assertTrue(message.contains("/dev/null/.cache/actinium"), message);
        assertTrue(message.contains(planted + " is writable by group or others (rwxrwxrwx)"), message);
        assertTrue(message.contains("set " + NativeLibraries.CACHE_PROPERTY + " or " + NativeLibraries.CACHE_ENV),
                message);
        assertTrue(message.contains("(3) the system library path: " + LIBRARY), message);
        assertEquals(0, count(planted), "nothing written where others can write");
    }

    private static long count(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.count();
        }
    }
}
