package dev.actinium.bindings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The mounted file systems as Linux lists them in {@code /proc/self/mounts}, to tell whether a
 * directory sits on a file system mounted {@code noexec}, where {@code dlopen} cannot map a library
 * ("failed to map segment from shared object"). Elsewhere the table is empty and nothing is known.
 */
final class MountTable {
    /** One line of the table: where it is mounted, its type and its mount options. */
    record Mount(Path mountPoint, String type, Set<String> options) {
        boolean noexec() {
            return options.contains("noexec");
        }
    }

    static final MountTable EMPTY = new MountTable(List.of());

    private static final Path PROC_MOUNTS = Path.of("/proc/self/mounts");

    private final List<Mount> mounts;

    private MountTable(List<Mount> mounts) {
        this.mounts = mounts;
    }

    /** The table of this process, or {@link #EMPTY} where there is none or it cannot be read. */
    static MountTable current() {
        try {
            return Files.isReadable(PROC_MOUNTS) ? parse(Files.readString(PROC_MOUNTS)) : EMPTY;
        } catch (IOException | RuntimeException e) {
            return EMPTY;  // not knowing only loses the early noexec message: dlopen still says why
        }
    }

    /**
     * Parses the {@code /proc/self/mounts} format: one mount per line, "source mount-point type
     * options dump pass", with space, tab, newline and backslash in names written as octal escapes.
     * Lines that do not have those fields are skipped.
     */
    static MountTable parse(String text) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] fields = line.trim().split("[ \t]+");
            if (fields.length < 4 || !fields[1].startsWith("/")) continue;
            mounts.add(new Mount(Path.of(unescape(fields[1])), unescape(fields[2]),
                    Set.of(unescape(fields[3]).split(","))));
        }
        return new MountTable(List.copyOf(mounts));
    }

    /**
     * The mount that holds a path: the longest mount point that is a prefix of it, component by
     * component; of equal ones the last listed, which is mounted over the others. The path must be
     * real (absolute, no symbolic links), or the answer is about the wrong file system.
     */
    Optional<Mount> mountOf(Path realPath) {
        Mount best = null;
        for (Mount m : mounts) {
            if (realPath.startsWith(m.mountPoint())
                    && (best == null || m.mountPoint().getNameCount() >= best.mountPoint().getNameCount())) {
                best = m;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Decodes the kernel's octal escapes, e.g. {@code \040} for a space. */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) return field;
        StringBuilder s = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                s.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                s.append(c);
            }
        }
        return s.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) return false;
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') return false;
        }
        return true;
    }
}
