package dev.actinium.bindings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The generated bindings against the header they came from and the libraries that were built. */
class BindingsTest {

    /** Every declaration in the raw header, found without the generator or the preprocessor. */
    @Test
    void generatorSawEveryFunctionOfTheHeader() throws IOException {
        String header = Files.readString(Path.of("../native/include/actinium.h"));
        Matcher m = Pattern.compile("AK_API\\s+(?:AK_SHORT\\s+)?[\\w\\s*]+?\\b(ak_\\w+)\\s*\\(").matcher(header);
        Set<String> declared = new TreeSet<>();
        while (m.find()) declared.add(m.group(1));
        Set<String> generated = ActiniumNative.FUNCTIONS.stream().map(ActiniumNative.FunctionInfo::name)
                .collect(Collectors.toCollection(TreeSet::new));
        assertFalse(declared.isEmpty());
        assertEquals(declared, generated);
    }

    @Test
    void everyCpuFunctionResolvesWithItsDescriptor() {
        Linker linker = Linker.nativeLinker();
        int checked = 0;
        for (ActiniumNative.FunctionInfo f : ActiniumNative.FUNCTIONS) {
            if (f.cuda()) continue;
            MemorySegment symbol = NativeLibraries.cpu().findOrThrow(f.name());
            MethodHandle h = f.critical()
                    ? linker.downcallHandle(symbol, f.descriptor(), Linker.Option.critical(true))
                    : linker.downcallHandle(symbol, f.descriptor());
            assertEquals(f.descriptor().toMethodType(), h.type(), f.name());
            checked++;
        }
        assertTrue(checked > 10, "checked " + checked);
    }

    /** The CUDA library loads without a driver (the runtime is static), so its symbols can be checked anywhere. */
    @Test
    void everyCudaFunctionResolvesInTheCudaLibrary() throws URISyntaxException {
        URL url = BindingsTest.class.getResource("/dev/actinium/native/" + NativeLibraries.platform() + "/"
                + System.mapLibraryName("actinium_cuda"));
        Assumptions.assumeTrue(url != null, "libactinium_cuda was not built (no nvcc at build time)");
        SymbolLookup cuda = SymbolLookup.libraryLookup(Path.of(url.toURI()), Arena.global());
        int checked = 0;
        for (ActiniumNative.FunctionInfo f : ActiniumNative.FUNCTIONS) {
            if (!f.cuda()) continue;
            MemorySegment symbol = cuda.find(f.name()).orElseThrow(() -> new AssertionError(f.name() + " missing"));
            assertEquals(f.descriptor().toMethodType(),
                    Linker.nativeLinker().downcallHandle(symbol, f.descriptor()).type());
            checked++;
        }
        assertTrue(checked > 5, "checked " + checked);
    }

    /** Without a CUDA driver every call says why, the second as the first (it was NoClassDefFoundError). */
    @Test
    void everyCallOfAnUnavailableCudaFunctionThrowsTheReason() {
        String reason = NativeLibraries.cudaUnavailableReason().orElse(null);
        Assumptions.assumeTrue(reason != null, "the CUDA library is loaded here");
        UnsatisfiedLinkError first = assertThrows(UnsatisfiedLinkError.class,
                () -> ActiniumNative.ak_cuda_device_count(MemorySegment.NULL));
        UnsatisfiedLinkError second = assertThrows(UnsatisfiedLinkError.class,
                () -> ActiniumNative.ak_cuda_device_count(MemorySegment.NULL));
        assertEquals("CUDA unavailable: " + reason, first.getMessage());
        assertEquals(first.getMessage(), second.getMessage());
        assertNotSame(first, second, "a fresh error, with this call's stack trace");
        assertThrows(UnsatisfiedLinkError.class, () -> ActiniumNative.ak_cuda_synchronize(0));
    }

    /** A symbol missing from a loaded library: the binding is made, and each call throws saying which. */
    @Test
    void aMissingSymbolThrowsOnEveryCall() throws Throwable {
        MethodHandle h = Downcalls.bind(new ActiniumNative.FunctionInfo("ak_no_such_function",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG), false, false));
        for (int i = 0; i < 2; i++) {
            UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> {
                int ignored = (int) h.invokeExact(1L);
            });
            assertTrue(e.getMessage().startsWith("symbol ak_no_such_function not found in actinium"), e.getMessage());
        }
    }

    /** Short calls stay linked critical: a Java array passes as a heap segment, without a copy. */
    @Test
    void shortCallsTakeHeapArrays() {
        float[] x = {-1, 2}, y = new float[2];
        assertEquals(ActiniumNative.AK_OK, ActiniumNative.ak_act_forward(ActiniumNative.AK_ACT_RELU,
                ActiniumNative.AK_DTYPE_F32, MemorySegment.NULL, MemorySegment.ofArray(x), MemorySegment.ofArray(y), 2,
                        0));
        assertArrayEquals(new float[] {0, 2}, y);
        // parameters too: leaky_relu's negative_slope from a heap array
        float[] slope = {0.5f};
        assertEquals(ActiniumNative.AK_OK, ActiniumNative.ak_act_forward(ActiniumNative.AK_ACT_LEAKY_RELU,
                ActiniumNative.AK_DTYPE_F32, MemorySegment.ofArray(slope), MemorySegment.ofArray(x),
                MemorySegment.ofArray(y), 2, 0));
        assertArrayEquals(new float[] {-0.5f, 2}, y);
    }

    @Test
    void callsReachTheLibrary() {
        String version = ActiniumNative.ak_version().reinterpret(64).getString(0);
        assertTrue(version.matches("\\d+\\.\\d+\\.\\d+.*"), version);
        assertEquals("relu",
                ActiniumNative.ak_activation_name(ActiniumNative.AK_ACT_RELU).reinterpret(64).getString(0));
        assertEquals(ActiniumNative.AK_ERR_INVALID_ARGUMENT,
                ActiniumNative.ak_act_forward(999, ActiniumNative.AK_DTYPE_F32, MemorySegment.NULL, MemorySegment.NULL,
                        MemorySegment.NULL, 1, 0));
        String error = ActiniumNative.ak_last_error().reinterpret(512).getString(0);
        assertTrue(error.contains("op 999"), error);
        // The failing status function kept its library's message for the caller.
        assertEquals(error, ActiniumNative.lastFailure());
        assertNotNull(NativeLibraries.cpu().origin());
    }
}
