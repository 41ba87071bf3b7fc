package dev.actinium.bindings;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Directories that only their owner can change, for a library that will run inside this process:
 * whoever can write to the directory that holds it, or to one of that directory's parents (rename
 * it away and put another in its place), can run code as this user. So a directory is created
 * owner-only (rwx------) and, created now or found, is used only when it and every parent is owned
 * by this user or by root, no parent is writable by group or others unless sticky (as {@code /tmp}
 * is: there nobody can rename what another owns), and the directory itself is not writable by group
 * or others at all. The checks use its real path, and the library is then written and loaded
 * through that real path: a symbolic link planted on the way (a link owned by someone else at the
 * directory itself is refused) can only lead to a directory that passes every check on its own, one
 * of this user's private directories, and cannot be swapped after the check. Where the file
 * system has no Unix owners and modes (Windows) the directory is created and used without checks:
 * there the temporary and cache folders are per user.
 */
final class PrivateDirectory {
    private PrivateDirectory() {}

    private static final int GROUP_OR_OTHERS_WRITE = 0022;
    private static final int STICKY = 01000;
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private static final class Uid {
        static final OptionalInt CURRENT = current();

        private static OptionalInt current() {
            try {
                MethodHandle getuid =
                        DynamicLoader.function("getuid", FunctionDescriptor.of(ValueLayout.JAVA_INT)).orElse(null);
                return getuid == null ? OptionalInt.empty() : OptionalInt.of((int) getuid.invokeExact());
            } catch (Throwable t) {
                throw NativeLibraries.rethrow(t);
            }
        }
    }

    /** Creates dir (and missing parents) owner-only if it does not exist, checks it, returns its real path. */
    static Path ensure(Path dir) throws IOException {
        boolean unix = dir.getFileSystem().supportedFileAttributeViews().contains("unix");
        if (unix) {
            Files.createDirectories(dir, OWNER_ONLY);
        } else {
            Files.createDirectories(dir);
        }
        Path real = dir.toRealPath();
        if (unix) {
            int uid = Uid.CURRENT.orElseThrow(() -> new IOException("cannot check " + real
                    + ": the current user id is unknown (no getuid)"));
            if (Files.isSymbolicLink(dir)) {
                // A link someone else planted where this directory was expected is theirs to turn.
                checkOwner(attributes(dir), uid, "the symbolic link " + dir + " is owned by ");
            }
            check(real, uid);
        }
        return real;
    }

    /** Throws, saying why, unless realDir is a directory that only uid (or root) can change. */
    static void check(Path realDir, int uid) throws IOException {
        Map<String, Object> own = attributes(realDir);
        if (!Boolean.TRUE.equals(own.get("isDirectory"))) throw new IOException(realDir + " is not a directory");
        checkOwner(own, uid, realDir + " is owned by ");
        if (((int) own.get("mode") & GROUP_OR_OTHERS_WRITE) != 0) {
            throw new IOException(realDir + " is writable by group or others (" + modeString(own) + ")");
        }
        for (Path parent = realDir.getParent(); parent != null; parent = parent.getParent()) {
            Map<String, Object> a = attributes(parent);
            String which = parent + ", a parent of " + realDir + ",";
            checkOwner(a, uid, which + " is owned by ");
            int mode = (int) a.get("mode");
            if ((mode & GROUP_OR_OTHERS_WRITE) != 0 && (mode & STICKY) == 0) {
                throw new IOException(which + " is writable by group or others without the sticky bit ("
                        + modeString(a) + "), so they could replace what it holds");
            }
        }
    }

    private static void checkOwner(Map<String, Object> a, int uid, String what) throws IOException {
        int owner = (int) a.get("uid");
        if (owner != uid && owner != 0) {
            throw new IOException(what + a.get("owner") + " (uid " + owner + "), not by this user (uid " + uid
                    + ") or root, so it cannot be trusted with a library for this process");
        }
    }

    private static Map<String, Object> attributes(Path p) throws IOException {
        return Files.readAttributes(p, "unix:mode,uid,owner,isDirectory", LinkOption.NOFOLLOW_LINKS);
    }

    private static String modeString(Map<String, Object> a) {
        int mode = (int) a.get("mode");
        StringBuilder s = new StringBuilder();
        String letters = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) s.append((mode & (0400 >> i)) != 0 ? letters.charAt(i) : '-');
        if ((mode & STICKY) != 0) s.setCharAt(8, (mode & 1) != 0 ? 't' : 'T');
        return s.toString();
    }
}
