package dev.actinium;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InfoTest {

    @Test
    void infoNamesVersionIsaLibraryAndCuda() {
        Actinium.Info info = Actinium.info();
        String text = info.toString();
        System.out.println(text);
        assertTrue(info.version().matches("\\d+\\.\\d+\\.\\d+.*"));
        assertTrue(text.contains("CPU ISA:") && text.contains("actinium.isa") && text.contains("CUDA:"), text);
        assertTrue(info.cudaAvailable() || !info.cudaUnavailableReason().isBlank());
        assertFalse(info.library().isBlank());
        assertEquals(Isa.values().length, info.isaStatus().size());
        for (Actinium.IsaStatus status : info.isaStatus()) {
            if (!status.runs()) assertTrue(text.contains("not " + status.isa().nativeName() + ": " + status.reason()));
        }
    }

    /** Each ISA runs exactly where a reason is missing, and the reason says which of the three it is. */
    @Test
    void everyIsaThatDoesNotRunSaysWhy() {
        var supported = Actinium.supportedIsas();
        assertTrue(Actinium.isaStatus(Isa.SCALAR).runs());
        for (Isa isa : Isa.values()) {
            Actinium.IsaStatus status = Actinium.isaStatus(isa);
            assertEquals(isa, status.isa());
            assertEquals(supported.contains(isa), status.runs(), status.toString());
            assertEquals(status.runs(), status.reason().isEmpty(), status.toString());
            String expected = switch (status.support()) {
                case RUNS -> "";
                case CPU_LACKS -> "this CPU lacks " + isa.nativeName();
                case OS_DISABLED -> "but the OS has not enabled";
                case NOT_BUILT -> "built without its kernels";
            };
            assertTrue(status.reason().contains(expected), status.toString());
        }
    }

    @Test
    void everySupportedIsaCanBeForcedAndTheBestIsTheDefault() {
        var supported = Actinium.supportedIsas();
        for (Isa isa : supported) {
            Actinium.useIsa(isa);
            assertEquals(isa, Actinium.isa());
        }
        Actinium.useIsa(supported.get(supported.size() - 1));
        for (Isa isa : Isa.values()) {
            if (!supported.contains(isa)) assertThrows(ActiniumException.class, () -> Actinium.useIsa(isa));
        }
        assertEquals(Isa.AVX2, Actinium.parseIsa("AVX2"));
        assertThrows(IllegalArgumentException.class, () -> Actinium.parseIsa("neon"));
    }
}
