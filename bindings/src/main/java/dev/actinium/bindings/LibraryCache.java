package dev.actinium.bindings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * Puts a library packaged in the jar into a cache directory once, for every later JVM to load:
 * {@code <root>/<platform>/<first 16 hex digits of its SHA-256>/<file>}. The name is derived from
 * the content, so two versions never share a file and a file is only ever replaced by the same
 * bytes. It is written under a temporary name in the same directory and renamed into place
 * atomically, so JVMs that start together each see either no file or a whole one; a file found
 * there is used only when its SHA-256 matches (one cut short by a crash is replaced). Nothing is
 * left per run; temporaries of a JVM that died while writing are deleted by the next one that
 * passes after {@link #STALE}.
 */
final class LibraryCache {
    private LibraryCache() {}

    /** Older than this, a temporary belongs to a JVM that died: writing one takes milliseconds. */
    static final Duration STALE = Duration.ofMinutes(10);

    /**
     * The path of the library in the cache under root, written there if it is not already.
     * Throws, saying why, when root cannot be used: a noexec mount (told by mounts), a directory
     * others can change ({@link PrivateDirectory}), or a file system error.
     */
    static Path install(Path root, String platform, String file, byte[] library, MountTable mounts) throws IOException {
        checkExecutable(root, mounts);
        Path realRoot = PrivateDirectory.ensure(root);
        String hash = sha256(library);
        Path dir = PrivateDirectory.ensure(realRoot.resolve(platform).resolve(hash.substring(0, 16)));
        deleteStaleTemporaries(dir, file);
        Path target = dir.resolve(file);
        if (holds(target, hash)) return target;
        Path temporary = Files.createTempFile(dir, temporaryPrefix(file), ".tmp");
        try {
            Files.write(temporary, library);
            // rename(2): replaces a damaged file, and a JVM that mapped the old one keeps its copy.
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
        return target;
    }

    /** Throws if dir (existing or not) is on a file system mounted noexec, naming the setting that moves it. */
    static void checkExecutable(Path dir, MountTable mounts) throws IOException {
        Path real = realPathOfNearestExisting(dir.toAbsolutePath());
        MountTable.Mount mount = mounts.mountOf(real).orElse(null);
        if (mount != null && mount.noexec()) {
            throw new IOException(real + " is on " + mount.mountPoint() + ", mounted noexec, where libraries cannot be"
                    + " loaded; set " + NativeLibraries.CACHE_PROPERTY + " or " + NativeLibraries.CACHE_ENV
                    + " to a directory elsewhere");
        }
    }

    /** The real path of the closest existing ancestor, followed by the names that do not exist yet. */
    private static Path realPathOfNearestExisting(Path absolute) throws IOException {
        Path existing = absolute;
        while (existing.getParent() != null && !Files.exists(existing)) existing = existing.getParent();
        return existing.toRealPath().resolve(existing.relativize(absolute));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    static String temporaryPrefix(String file) {
        return "." + file + ".";
    }

    /** Whether target is a regular file with this SHA-256; unreadable counts as no, to be replaced. */
    private static boolean holds(Path target, String hash) {
        try {
            return Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)
                    && sha256(Files.readAllBytes(target)).equals(hash);
        } catch (IOException e) {
            return false;
        }
    }

    /** Best effort: a temporary that cannot be deleted now is tried again by the next JVM. */
    private static void deleteStaleTemporaries(Path dir, String file) {
        Instant before = Instant.now().minus(STALE);
        try (Stream<Path> entries = Files.list(dir)) {
            entries.filter(p -> p.getFileName().toString().startsWith(temporaryPrefix(file))
                            && p.getFileName().toString().endsWith(".tmp"))
                    .forEach(p -> {
                        try {
                            if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(before)) {
                                Files.deleteIfExists(p);
                            }
                        } catch (IOException e) {
                            // left for the next JVM
                        }
                    });
        } catch (IOException | UncheckedIOException e) {
            // left for the next JVM
        }
    }
}
