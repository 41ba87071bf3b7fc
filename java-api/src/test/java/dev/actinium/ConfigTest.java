package dev.actinium;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.actinium.bindings.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Settings read once per JVM (-Dactinium.isa, ACTINIUM_ISA, -Dactinium.threads) and the native
 * access gate of wrapAddress, each in a fresh JVM: a bad setting is an error naming it and the
 * valid values, thrown again on every call, never NoClassDefFoundError.
 */
class ConfigTest {
    static final List<String> NATIVE_ACCESS = List.of("--enable-native-access=ALL-UNNAMED");

    static String probe(List<String> jvmArgs, Map<String, String> env, String... probes) {
        try {
            Path output = Files.createTempFile("actinium-config-probe", ".txt");
            try {
                String out = ChildJvm.start(output, jvmArgs, env, ConfigProbe.class, probes).await().output();
                System.out.println(out);
                return out;
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static void contains(String out, String line) {
        assertTrue(out.contains(line), "expected a line with '" + line + "' in:\n" + out);
    }

    @Test
    void aBogusIsaPropertyFailsEveryCallNamingTheValidValues() {
        String out = probe(List.of("--enable-native-access=ALL-UNNAMED", "-Dactinium.isa=bogus"), Map.of(),
                "forward", "forward", "isa");
        String expected = "java.lang.IllegalStateException: -Dactinium.isa=bogus: not an ISA;"
                + " valid values (case-insensitive): scalar, avx2, avx512, avx512_bf16";
        contains(out, "forward: " + expected);
        contains(out, "isa: " + expected);
        assertTrue(!out.contains("NoClassDefFoundError") && !out.contains("ExceptionInInitializerError"), out);
    }

    @Test
    void theEnvironmentVariableFollowsTheSameRule() {
        contains(probe(NATIVE_ACCESS, Map.of("ACTINIUM_ISA", "Scalar"), "isa"), "isa: SCALAR");
        String out = probe(NATIVE_ACCESS, Map.of("ACTINIUM_ISA", "bogus"), "forward", "forward");
        contains(out, "forward: java.lang.IllegalStateException: ACTINIUM_ISA=bogus: not an ISA; valid values");
        // the property wins over the environment
        contains(probe(List.of("--enable-native-access=ALL-UNNAMED", "-Dactinium.isa=SCALAR"),
                Map.of("ACTINIUM_ISA", "bogus"), "isa"), "isa: SCALAR");
    }

    @Test
    void threadCountsOutsideTheRangeNameThePropertyAndTheRange() {
        String out = probe(NATIVE_ACCESS, Map.of(),
                "threads=0", "threads=-3", "threads=40000", "threads=abc", "threads=3");
        for (String bad : new String[] {"0", "-3", "40000", "abc"}) {
            contains(out, "threads=" + bad + ": java.lang.IllegalStateException: -Dactinium.threads=" + bad
                    + ": must be an integer in [1, 32767]");
        }
        contains(out, "threads=3: 3");
    }

    @Test
    void aLibraryMissingASymbolFailsEveryCallTheSameWay() throws IOException {
        // The CUDA library loads without a driver and has none of the CPU symbols: an old or
        // foreign libactinium on the path looks like this.
        java.net.URL cuda = ConfigTest.class.getResource("/dev/actinium/native/"
                + dev.actinium.bindings.NativeLibraries.platform() + "/" + System.mapLibraryName("actinium_cuda"));
        Assumptions.assumeTrue(cuda != null, "libactinium_cuda was not built (no nvcc at build time)");
        Path dir = Files.createTempDirectory("actinium-impostor");
        try {
            Path impostor = dir.resolve(System.mapLibraryName("actinium"));
            try (var in = cuda.openStream()) {
                Files.copy(in, impostor);
            }
            // a bad thread setting too: the library is what every call reports
            String out = probe(List.of("--enable-native-access=ALL-UNNAMED", "-Dactinium.library.path=" + dir,
                    "-Dactinium.threads=0"), Map.of(), "forward", "forward", "isa");
            long linkErrors = out.lines().filter(l -> l.contains("java.lang.UnsatisfiedLinkError: symbol ak_")).count();
            assertEquals(3, linkErrors, out);
            assertTrue(!out.contains("NoClassDefFoundError") && !out.contains("ExceptionInInitializerError"), out);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            Files.delete(dir);
        }
    }

    @Test
    void deniedNativeAccessFailsEveryCallTheSameWay() {
        String out = probe(List.of("--illegal-native-access=deny"), Map.of(), "forward", "forward", "isa");
        assertEquals(3, out.lines().filter(l -> l.contains("UnsatisfiedLinkError: native access is not enabled")
                && l.contains("--enable-native-access=ALL-UNNAMED")).count(), out);
        assertTrue(!out.contains("NoClassDefFoundError") && !out.contains("ExceptionInInitializerError"), out);
    }

    @Test
    void wrapAddressNeedsNativeAccessOfTheCallingModule() {
        contains(probe(List.of(), Map.of(), "wrapAddress"),
                "wrapAddress: java.lang.IllegalCallerException: wrapAddress is restricted: unnamed module");
        contains(probe(NATIVE_ACCESS, Map.of(), "wrapAddress"), "wrapAddress: Tensor[F32 [4] cpu]");
    }
}
