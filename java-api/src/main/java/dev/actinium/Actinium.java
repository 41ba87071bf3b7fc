package dev.actinium;

import dev.actinium.bindings.ActiniumNative;
import dev.actinium.internal.NativeCalls;
import dev.actinium.bindings.NativeLibraries;
import dev.actinium.bindings.Setting;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Library-wide state: version, the CPU instruction set in use, CUDA devices. The native library
 * loads on first use of any Actinium class and logs {@link #info()} once (System.Logger
 * {@code dev.actinium}, level INFO).
 *
 * <p>The CPU ISA is the best this machine supports. {@code avx512_bf16} is AVX-512 with the
 * hardware bf16 rounding for bf16 activation outputs, which flushes results below 2^-126 in
 * magnitude to zero; {@code avx512} keeps them (conversions, {@link Tensor#to(DType, java.lang.foreign.Arena)}, are
 * bit-exact on every ISA). To force a lower one, set
 * {@code -Dactinium.isa=scalar|avx2|avx512|avx512_bf16} or the environment variable {@code ACTINIUM_ISA}
 * (the property wins; both case-insensitive) before the first use, or call {@link #useIsa(Isa)}
 * at any time: calls already running finish on the ISA they started with. A value that names no
 * ISA, or one this machine cannot run, makes every later call that runs a kernel throw an
 * {@link IllegalStateException} naming the setting and the valid values; a native library that
 * cannot be loaded makes them throw an {@link UnsatisfiedLinkError} with the loader's reason.
 */
public final class Actinium {
    public static final String ISA_PROPERTY = "actinium.isa";
    public static final String ISA_ENV = "ACTINIUM_ISA";
    private static final String ISA_NAMES =
            String.join(", ", java.util.Arrays.stream(Isa.values()).map(Isa::nativeName).toList());

    private Actinium() {}

    /** A CUDA device as the driver reports it. */
    public record CudaDevice(int index, String name, int computeMajor, int computeMinor, long totalBytes) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "cuda:%d %s (sm_%d%d, %.1f GiB)", index, name, computeMajor,
                    computeMinor, totalBytes / (double) (1L << 30));
        }
    }

    /**
     * Whether the CPU kernels can run an ISA on this machine, and if not, why: {@code reason} is
     * empty where it runs, else a sentence (for example that the CPU has AVX-512 but the OS has
     * not enabled its register state).
     */
    public record IsaStatus(Isa isa, IsaSupport support, String reason) {
        public boolean runs() {
            return support == IsaSupport.RUNS;
        }
    }

    /** What {@link #info()} reports; {@code isaStatus} has one row per ISA, lowest first. */
    public record Info(String version, Isa isa, List<Isa> supportedIsas, List<IsaStatus> isaStatus, String library,
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
            for (IsaStatus status : isaStatus) {
                if (!status.runs()) s.append("    not ").append(status.isa().nativeName()).append(": ")
                        .append(status.reason()).append('\n');
            }
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

    /**
     * Loads the library, applies the ISA setting and logs {@link #info()}, once. Its initialiser
     * never throws: a failure is kept and thrown anew by every {@link #ensureLoaded()}, so a bad
     * setting never turns into NoClassDefFoundError for the rest of the JVM's life.
     */
    private static final class Loaded {
        static final Throwable FAILURE = load();

        private static Throwable load() {
            try {
                NativeLibraries.cpu();
                applyIsaSetting();
                System.getLogger("dev.actinium").log(System.Logger.Level.INFO, describe().toString());
                return null;
            } catch (RuntimeException | LinkageError e) {  // e.g. a library without a symbol it needs
                System.getLogger("dev.actinium").log(System.Logger.Level.ERROR,
                        "Actinium cannot run: " + e.getMessage());
                return e;
            }
        }
    }

    /** -Dactinium.isa, else ACTINIUM_ISA: one rule for both. */
    private static void applyIsaSetting() {
        Setting setting = Setting.of(ISA_PROPERTY, ISA_ENV).orElse(null);
        if (setting == null) return;
        String value = setting.value();
        Isa isa;
        try {
            isa = parseIsa(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(setting + ": not an ISA; valid values (case-insensitive): "
                    + ISA_NAMES, e);
        }
        IsaStatus status = isaStatus(isa);
        if (!status.runs()) {
            throw new IllegalStateException(setting + ": " + status.reason() + "; it runs "
                    + String.join(", ", supportedIsas().stream().map(Isa::nativeName).toList()));
        }
        NativeCalls.check(ActiniumNative.ak_cpu_set_isa(isa.code()));
    }

    /**
     * Loads the library and applies {@code -Dactinium.isa} / {@code ACTINIUM_ISA} on first use;
     * then, and on every later call, throws what made that fail. Every operation that runs a
     * kernel calls it first.
     */
    static void ensureLoaded() {
        Throwable failure = Loaded.FAILURE;
        if (failure == null) return;
        if (failure instanceof LinkageError e) {
            UnsatisfiedLinkError again = new UnsatisfiedLinkError(e.getMessage());
            again.initCause(e);
            throw again;
        }
        throw new IllegalStateException(failure.getMessage(), failure);
    }

    /** Version, ISA, library origin and CUDA state. */
    public static Info info() {
        ensureLoaded();
        return describe();
    }

    private static Info describe() {
        String reason = Cuda.unavailableReason().orElse(null);
        return new Info(NativeCalls.string(ActiniumNative.ak_version()), Isa.ofCode(ActiniumNative.ak_cpu_isa()),
                supportedIsas(), isaStatus(), NativeLibraries.cpu().origin(),
                reason == null ? Cuda.devices() : List.of(), reason);
    }

    public static String version() {
        ensureLoaded();
        return NativeCalls.string(ActiniumNative.ak_version());
    }

    /** The ISA every CPU kernel uses now. */
    public static Isa isa() {
        ensureLoaded();
        return Isa.ofCode(ActiniumNative.ak_cpu_isa());
    }

    /** The ISAs this machine runs, lowest first ({@link #isaStatus()} says why the others do not). */
    public static List<Isa> supportedIsas() {
        NativeLibraries.cpu();  // not ensureLoaded(): the ISA setting's error message lists these
        List<Isa> list = new ArrayList<>();
        for (Isa i : Isa.values()) if (ActiniumNative.ak_cpu_isa_supported(i.code()) == 1) list.add(i);
        return List.copyOf(list);
    }

    /** Whether this machine runs isa, and why not (the CPU lacks it, the OS disabled it, or this build lacks it). */
    public static IsaStatus isaStatus(Isa isa) {
        Objects.requireNonNull(isa, "isa");
        NativeLibraries.cpu();  // not ensureLoaded(), as supportedIsas()
        return new IsaStatus(isa, IsaSupport.ofCode(ActiniumNative.ak_cpu_isa_support(isa.code())),
                NativeCalls.string(ActiniumNative.ak_cpu_isa_support_reason(isa.code())));
    }

    /** {@link #isaStatus(Isa)} of every ISA, lowest first. */
    public static List<IsaStatus> isaStatus() {
        return java.util.Arrays.stream(Isa.values()).map(Actinium::isaStatus).toList();
    }

    /**
     * Makes every later CPU operation use isa; throws if this machine cannot run it. Process-wide.
     * Operations already running finish on the ISA they started with.
     */
    public static void useIsa(Isa isa) {
        Objects.requireNonNull(isa, "isa");
        // Load first, so a setting applied on first use cannot override this call later. A bad
        // setting fails here too: it fails every kernel call until it is corrected.
        ensureLoaded();
        NativeCalls.check(ActiniumNative.ak_cpu_set_isa(isa.code()));
    }

    /** Parses an ISA name (scalar, avx2, avx512, avx512_bf16), ignoring case and surrounding blanks. */
    public static Isa parseIsa(String name) {
        Objects.requireNonNull(name, "name");
        for (Isa i : Isa.values()) if (i.nativeName().equalsIgnoreCase(name.trim())) return i;
        throw new IllegalArgumentException("name: an ISA is one of "
                + ISA_NAMES
                + ", not '" + name + "'");
    }

    /** Waits until all work queued on a CUDA device is done. */
    public static void synchronize(Device device) {
        Objects.requireNonNull(device, "device");
        ensureLoaded();
        if (device.isCuda()) Cuda.synchronize(device);
    }
}
