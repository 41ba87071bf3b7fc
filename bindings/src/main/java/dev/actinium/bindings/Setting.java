package dev.actinium.bindings;

import java.util.Optional;
import java.util.function.Function;

/**
 * A setting of Actinium as it was given: by a system property or, when that is unset or blank, by
 * an environment variable. One rule for every setting (library path, cache, ISA).
 *
 * @param source the property or variable that gave it
 * @param value  its value, not blank
 * @param byProperty whether the system property gave it
 */
public record Setting(String source, String value, boolean byProperty) {

    /** The setting from this JVM's system properties and environment. */
    public static Optional<Setting> of(String property, String variable) {
        return read(System::getProperty, System::getenv, property, variable);
    }

    static Optional<Setting> read(Function<String, String> properties, Function<String, String> environment,
                                  String property, String variable) {
        String p = properties.apply(property);
        if (p != null && !p.isBlank()) return Optional.of(new Setting(property, p, true));
        String v = environment.apply(variable);
        if (v != null && !v.isBlank()) return Optional.of(new Setting(variable, v, false));
        return Optional.empty();
    }

    /** As a user would write it: {@code -Dname=value} or {@code NAME=value}. */
    @Override
    public String toString() {
        return (byProperty ? "-D" : "") + source + "=" + value;
    }
}
