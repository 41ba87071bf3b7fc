package dev.actinium.bindings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the packaged libraries may be extracted, in the order tried: the directory named by
 * {@code actinium.cache.dir} / {@code ACTINIUM_CACHE_DIR} alone when one is set (the user said
 * where); else the per-user cache folder ({@code $XDG_CACHE_HOME/actinium}, else
 * {@code ~/.cache/actinium}), then {@code <java.io.tmpdir>/actinium-<user name>}.
 */
final class CacheRoots {
    private CacheRoots() {}

    /** A directory to try, the setting it comes from (as messages name it), and whether the user named it. */
    record Candidate(Path dir, String source, boolean explicit) {
        @Override
        public String toString() {
            return dir + " (" + source + ")";
        }
    }

    static List<Candidate> candidates(LoaderSettings settings) {
        Setting explicit = settings.either(NativeLibraries.CACHE_PROPERTY, NativeLibraries.CACHE_ENV)
                .orElse(null);
        if (explicit != null) return List.of(new Candidate(Path.of(explicit.value()), explicit.source(), true));
        List<Candidate> list = new ArrayList<>();
        String xdg = settings.environment().apply("XDG_CACHE_HOME");
        String home = settings.property("user.home");
        if (xdg != null && Path.of(xdg).isAbsolute()) {  // the XDG spec: a relative value is to be ignored
            list.add(new Candidate(Path.of(xdg, "actinium"), "XDG_CACHE_HOME", false));
        } else if (home != null) {
            list.add(new Candidate(Path.of(home, ".cache", "actinium"), "user.home", false));
        }
        String tmp = settings.property("java.io.tmpdir");
        if (tmp != null) {
            String user = String.valueOf(settings.property("user.name")).replaceAll("[^A-Za-z0-9._-]", "_");
            list.add(new Candidate(Path.of(tmp, "actinium-" + user), "java.io.tmpdir", false));
        }
        return List.copyOf(list);
    }
}
