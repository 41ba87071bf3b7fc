package dev.actinium.bindings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The extraction cache and the directory checks that keep others from swapping the library. */
class LibraryCacheTest extends UnixFilesTest {
    private static final String FILE = "libexample.so";
    private static final byte[] LIBRARY = "the library's bytes".getBytes(StandardCharsets.UTF_8);
    private static final String PLATFORM = "test-platform";

    private Path install(Path root) throws IOException {
        return LibraryCache.install(root, PLATFORM, FILE, LIBRARY, MountTable.EMPTY);
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void theLibraryLandsUnderPlatformAndHashInOwnerOnlyDirectories() throws IOException {
        Path root = dir.toRealPath().resolve("a/cache");
        Path path = install(root);
        String hash = LibraryCache.sha256(LIBRARY);
        assertEquals(root.resolve(PLATFORM).resolve(hash.substring(0, 16)).resolve(FILE), path);
        assertArrayEquals(LIBRARY, Files.readAllBytes(path));
        for (Path d : new Path[] {root.getParent(), root, path.getParent().getParent(), path.getParent()}) {
            assertEquals("rwx------", mode(d), d.toString());
        }
    }

    @Test
    void aMatchingFileIsUsedAsItIs() throws IOException {
        Path path = install(dir.resolve("cache"));
        Object before = Files.readAttributes(path, "unix:ino").get("ino");
        assertEquals(path, install(dir.resolve("cache")));
        assertEquals(before, Files.readAttributes(path, "unix:ino").get("ino"), "not written again");
    }

    /** A file cut short (a crash) or changed is replaced by a rename, never rewritten in place. */
    @Test
    void aDamagedFileIsReplacedAtomically() throws IOException {
        Path path = install(dir.resolve("cache"));
        Files.write(path, new byte[] {1, 2, 3});
        Path link = Files.createLink(dir.resolve("hard-link"), path);
        assertEquals(path, install(dir.resolve("cache")));
        assertArrayEquals(LIBRARY, Files.readAllBytes(path));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(link), "the old file was not written over");
        try (Stream<Path> entries = Files.list(path.getParent())) {
            assertEquals(1, entries.count(), "no temporary left");
        }
    }

    @Test
    void staleTemporariesOfDeadJvmsAreDeletedAndLiveOnesKept() throws IOException {
        Path path = install(dir.resolve("cache"));
        Path stale = path.resolveSibling(LibraryCache.temporaryPrefix(FILE) + "123.tmp");
        Path live = path.resolveSibling(LibraryCache.temporaryPrefix(FILE) + "456.tmp");
        Files.write(stale, LIBRARY);
        Files.write(live, LIBRARY);
        Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minus(LibraryCache.STALE).minusSeconds(60)));
        install(dir.resolve("cache"));
        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(live), "another JVM may be writing it now");
    }

    @Test
    void aNoexecMountIsSkippedNamingTheSettingThatMovesIt() throws IOException {
        Path root = dir.toRealPath().resolve("cache");
        MountTable noexec = MountTable.parse("tmpfs " + dir.toRealPath() + " tmpfs rw,nosuid,noexec 0 0\n");
        IOException e = assertThrows(IOException.class,
                () -> LibraryCache.install(root, PLATFORM, FILE, LIBRARY, noexec));
        assertTrue(e.getMessage().contains("noexec"), e.getMessage());
        assertTrue(e.getMessage().contains(NativeLibraries.CACHE_PROPERTY), e.getMessage());
        assertTrue(e.getMessage().contains(NativeLibraries.CACHE_ENV), e.getMessage());
        assertFalse(Files.exists(root), "nothing created there");
    }

    @Test
    void aDirectoryOthersCanWriteIsRefused() throws IOException {
        Path root = Files.createDirectory(dir.resolve("cache"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwx---"));
        IOException e = assertThrows(IOException.class, () -> install(root));
        assertTrue(e.getMessage().contains("writable by group or others (rwxrwx---)"), e.getMessage());
        try (Stream<Path> entries = Files.list(root)) {
            assertEquals(0, entries.count(), "nothing written there");
        }
    }

    /** A parent that others can write and that is not sticky lets them rename the cache away. */
    @Test
    void aParentOthersCanWriteIsRefusedUnlessSticky() throws IOException {
        Path parent = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwxrwxrwx"));
        IOException e = assertThrows(IOException.class, () -> install(parent.resolve("cache")));
        assertTrue(e.getMessage().contains("without the sticky bit"), e.getMessage());
        Files.setAttribute(parent, "unix:mode", 01777);  // as /tmp
        install(parent.resolve("cache"));
    }

    /** As an attacker would leave it in a shared /tmp: a directory of the right name, owned by someone else. */
    @Test
    void aDirectoryOwnedBySomeoneElseIsRefused() throws IOException {
        Path root = Files.createDirectory(dir.resolve("cache"));
        int me = (int) Files.getAttribute(root, "unix:uid");
        IOException e;
        if (me == 0) {  // root trusts what root owns, so give the directory away
            Files.setAttribute(root, "unix:uid", 65534);
            e = assertThrows(IOException.class, () -> install(root));
        } else {  // only root can give it away: check it as another user would
            e = assertThrows(IOException.class, () -> PrivateDirectory.check(root.toRealPath(), me + 1));
        }
        String owner = me == 0 ? "65534" : String.valueOf(me), user = me == 0 ? "0" : String.valueOf(me + 1);
        assertTrue(e.getMessage().contains("(uid " + owner + "), not by this user (uid " + user + ")"), e.getMessage());
    }

    /** A symbolic link of someone else's, where the cache was expected, is not followed. */
    @Test
    void aSymbolicLinkOwnedBySomeoneElseIsRefused() throws IOException {
        Assumptions.assumeTrue((int) Files.getAttribute(dir, "unix:uid") == 0, "only root can give a link away");
        Path target = Files.createDirectory(dir.resolve("target"));
        Path link = Files.createSymbolicLink(dir.resolve("cache"), target);
        Files.setAttribute(link, "unix:uid", 65534, LinkOption.NOFOLLOW_LINKS);
        IOException e = assertThrows(IOException.class, () -> install(link));
        assertTrue(e.getMessage().contains("the symbolic link " + link), e.getMessage());
    }
}
