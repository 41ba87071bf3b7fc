package dev.actinium;

import dev.actinium.bindings.ActiniumNative;
import dev.actinium.bindings.NativeLibraries;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Library-wide state: version, the CPU instruction set in use, CUDA devices. The native library
 * loads on first use of any Actinium class and logs {@link #info()} once (System.Logger
 * {@code dev.actinium}, level INFO).
 *
 * <p>The CPU ISA is the best this machine supports. To force a lower one, set
 * {@code -Dactinium.isa=scalar|avx2|avx512} or the environment variable {@code ACTINIUM_ISA}
 * before the first use, or call {@link #useIsa(Isa)} at any time.
 */
public final class Actinium {
    public static final String ISA_PROPERTY = "actinium.isa";

    private Actinium() {}

    /** A CUDA device as the driver reports it. */
    public record CudaDevice(int index, String name, int computeMajor, int computeMinor, long totalBytes) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "cuda:%d %s (sm_%d%d, %.1f GiB)", index, name, computeMajor, computeMinor, totalBytes / (double) (1L << 30));
        }
    }

    /** What {@link #info()} reports. */
    public record Info(String version, Isa isa, List<Isa> supportedIsas, String library,
                       List<CudaDevice> cudaDevices, String cudaUnavailableReason) {
        public boolean cudaAvailable() {
            return cudaUnavailableReason == null;
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            s.append("Actinium ").append(version).append('\n');
            s.append("  CPU ISA:   ").append(isa.nativeName()).append(" (supported: ")
                    .append(String.join(", ", supportedIsas.stream().map(Isa::nativeName).toList()))
                    .append("; force a lower one with -D").append(ISA_PROPERTY).append("=<isa> or ACTINIUM_ISA)\n");
            s.append("  library:   ").append(library).append('\n');
            if (cudaAvailable()) {
                s.append("  CUDA:      ").append(cudaDevices.size()).append(" device(s)");
                for (CudaDevice d : cudaDevices) s.append("\n    ").append(d);
            } else {
                s.append("  CUDA:      unavailable: ").append(cudaUnavailableReason);
            }
            return s.toString();
        }
    }

    private static final class Loaded {
        static {
            String forced = System.getProperty(ISA_PROPERTY);
            if (forced != null && !forced.isBlank()) useIsa(parseIsa(forced));
            System.getLogger("dev.actinium").log(System.Logger.Level.INFO, info().toString());
        }

        static void ensure() {}
    }

    /**
     * Applies {@code -Dactinium.isa} and logs {@link #info()}, once. The entry classes (Tensor,
     * Activations) call it from their static initialisers, so it happens before any kernel runs.
     */
    static void ensureLoaded() {
        Loaded.ensure();
    }

    /** Version, ISA, library origin and CUDA state. */
    public static Info info() {
        String reason = Cuda.unavailableReason().orElse(null);
        return new Info(version(), isa(), supportedIsas(), NativeLibraries.cpu().origin(),
                reason == null ? Cuda.devices() : List.of(), reason);
    }

    public static String version() {
        return NativeCalls.string(ActiniumNative.ak_version());
    }

    /** The ISA every CPU kernel uses now. */
    public static Isa isa() {
        Loaded.ensure();
        return Isa.ofCode(ActiniumNative.ak_cpu_isa());
    }

    /** The ISAs this CPU can run, lowest first. */
    public static List<Isa> supportedIsas() {
        List<Isa> list = new ArrayList<>();
        for (Isa i : Isa.values()) if (ActiniumNative.ak_cpu_isa_supported(i.code()) == 1) list.add(i);
        return List.copyOf(list);
    }

    /** Makes every later CPU kernel use isa; throws if this CPU cannot run it. Process-wide. */
    public static void useIsa(Isa isa) {
        Objects.requireNonNull(isa, "isa");
        NativeCalls.check(ActiniumNative.ak_cpu_set_isa(isa.code()));
    }

    /** Parses an ISA name (scalar, avx2, avx512). */
    public static Isa parseIsa(String name) {
        for (Isa i : Isa.values()) if (i.nativeName().equalsIgnoreCase(name.trim())) return i;
        throw new IllegalArgumentException("isa must be one of scalar, avx2, avx512, not '" + name + "'");
    }

    /** Waits until all work queued on a CUDA device is done. */
    public static void synchronize(Device device) {
        Objects.requireNonNull(device, "device");
        if (device.isCuda()) Cuda.synchronize(device);
    }
}
