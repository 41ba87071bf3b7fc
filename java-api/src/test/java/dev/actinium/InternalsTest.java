package dev.actinium;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actinium.internal.Internals;
import org.junit.jupiter.api.Test;

/** The internal bridge refuses callers that are not Actinium's own classes. */
class InternalsTest {
    @Test
    void userCodeGetsNoCore() {
        IllegalCallerException e = assertThrows(IllegalCallerException.class, Outsider::askForTheCore);
        assertTrue(e.getMessage().contains("org.example.UserCode"), e.getMessage());
    }

    @Test
    void nobodyButTensorInstalls() {
        assertThrows(IllegalCallerException.class, () -> Internals.install(null));
    }

    /** Stands for user code: a class of another package on the same class path. */
    static final class Outsider {
        static Internals.Core askForTheCore() {
            return org.example.UserCode.core();
        }
    }
}
