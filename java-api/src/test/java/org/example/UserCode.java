package org.example;

import dev.actinium.internal.Internals;

/** User code: a class of a package not Actinium's, on the same class path. */
public final class UserCode {
    private UserCode() {}

    public static Internals.Core core() {
        return Internals.core();
    }
}
