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
