package dev.actinium.bindings;

import java.io.InputStream;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the loader reads from the outside world: system properties, environment variables, the
 * mount table and the jar's resources. The JVM's own in use, a test's own where it checks one step.
 */
record LoaderSettings(Function<String, String> properties, Function<String, String> environment,
                      MountTable mounts, Function<String, InputStream> resources) {

    static LoaderSettings system() {
        return new LoaderSettings(System::getProperty, System::getenv, MountTable.current(),
                NativeLibraries.class::getResourceAsStream);
    }

    /** The system property if set, else the environment variable; blank counts as not set. */
    Optional<Setting> either(String property, String variable) {
        return Setting.read(properties, environment, property, variable);
    }

    /** A system property, or null when not set or blank. */
    String property(String name) {
        String p = properties.apply(name);
        return p == null || p.isBlank() ? null : p;
    }
}
