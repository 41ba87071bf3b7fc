package dev.actinium.bench;

import dev.actinium.act.Activation;
import dev.actinium.act.Reference;

import dev.actinium.Actinium;
import dev.actinium.DType;
import dev.actinium.Parallel;
import dev.actinium.bindings.ActiniumNative;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Actinium and what a JVM user would pick instead (PyTorch, ONNX Runtime, the Java loops) in the same
 * interleaved rounds: every case once per round in a shuffled order, back to back (no pause that
 * would let OpenMP workers sleep), plus the copy and the FMA peak; every ratio taken within its
 * round, then the median over rounds. Before timing, each implementation's values are checked against
 * the float64 reference, and one that computes another function is marked WRONG in every table.
 *
 * <pre>
 *   BaselineRounds [--n 16777216] [--threads 2] [--rounds 31] [--dtype f32|bf16] [--csv rounds.csv]
 * </pre>
 * Prints a markdown section, and appends one row per case to the CSV (for BaselinePlots);
 * bench/run-baselines.sh runs one JVM per thread count and size.
 */
public final class BaselineRounds {
    /** The ops timed side by side: the four every baseline offers, then ones PyTorch or ONNX Runtime offer. */
    static final java.util.List<Activation> OPS = java.util.List.of(Activation.RELU, Activation.GELU_ERF,
            Activation.GELU_TANH, Activation.SILU, Activation.SIGMOID, Activation.TANH, Activation.SOFTPLUS,
            Activation.ELU, Activation.SELU, Activation.LEAKY_RELU, Activation.HARDSWISH, Activation.MISH,
            Activation.CELU, Activation.SOFTSIGN, Activation.HARDSIGMOID, Activation.HARDTANH, Activation.SOFTSHRINK,
            Activation.HARDSHRINK);

    private static final int CHECK_N = 4096;
    /**
     * Error at unit scale (|got - ref| / (|ref| + scale), scale 1 forward and |dy| backward) above which
     * an implementation computes another function: the erf and tanh GELUs differ by up to 4.7e-4, the
     * sigmoid approximations by 1e-2; F32 rounding, even in the tails, stays below 1e-6.
     */
    private static final double WRONG = 1e-5;
    /**
     * The same for BF16 outputs: two bf16 roundings (derivative, then product) reach 1e-2, so in BF16
     * the check tells the sigmoid approximations from GELU but not the erf GELU from the tanh one.
     */
    private static final double WRONG_BF16 = 1.5e-2;
    private static final long WARMUP_NANOS = 3_000_000_000L;

    public static void main(String[] args) throws Exception {
        int n = 1 << 24, threads = 2, rounds = 31;
        DType dtype = DType.F32;
        java.nio.file.Path csv = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--csv" -> csv = java.nio.file.Path.of(args[i + 1]);
                case "--dtype" -> dtype = DType.valueOf(args[i + 1].toUpperCase(Locale.ROOT));
                case "--n" -> n = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        StringBuilder rows = new StringBuilder();
        System.out.print(run(n, threads, rounds, dtype, rows));
        if (csv != null) {
            if (!java.nio.file.Files.exists(csv)) java.nio.file.Files.writeString(csv, CSV_HEADER);
            java.nio.file.Files.writeString(csv, rows, java.nio.file.StandardOpenOption.APPEND);
        }
        System.exit(0);  // pools of the baselines would hold the JVM
    }

    /** The columns BaselinePlots reads: one row per case, ratio = its time over Actinium's (median per round). */
    static final String CSV_HEADER = "n,threads,dtype,op,pass,impl,us,ratio,wrong\n";

    static String run(int n, int threads, int rounds, DType dtype, StringBuilder csv) throws Exception {
        Parallel parallel = threads == 1 ? Parallel.serial() : Parallel.of(Parallel.newPool(threads));
        Map<String, String> unavailable = new LinkedHashMap<>();
        List<Implementation> impls = new ArrayList<>();
        impls.add(new ActiniumImplementation(parallel));
        add(impls, unavailable, "pytorch", () -> new TorchImplementation(threads));
        add(impls, unavailable, "onnxruntime", () -> new OnnxImplementation(threads, false));
        add(impls, unavailable, "onnxruntime FastGelu", () -> new OnnxImplementation(threads, true));
        add(impls, unavailable, "ND4J", () -> new Nd4jImplementation(threads));
        impls.add(new JavaLoopImplementation(parallel, true));
        impls.add(new JavaLoopImplementation(parallel, false));
        try (Arena arena = Arena.ofShared()) {
            Map<String, double[]> errors = check(impls, arena, dtype, unavailable);
            Implementation.Buffers b = buffers(arena, n, 1, dtype);
            long es = dtype.byteSize();
            List<TimedCase> cases = new ArrayList<>();
            MemorySegment src = b.x(), dst = b.y();
            TimedCase copy = new TimedCase("copy", "copy", "copy", 2 * es, 0,
                    () -> parallel.forRange(n, (s, e) -> MemorySegment.copy(src, es * s, dst, es * s, es * (e - s))),
                    new double[rounds]);
            cases.add(copy);
            for (Activation op : OPS) {
                int ff = ActiniumNative.ak_activation_flops(op.code(), ActiniumNative.AK_FORWARD);
                int bf = ActiniumNative.ak_activation_flops(op.code(), ActiniumNative.AK_BACKWARD);
                for (Implementation impl : impls) {
                    String name = op.nativeName();
                    Runnable f = bind(impl, op, false, b, unavailable), g = bind(impl, op, true, b, unavailable);
                    if (f != null) {
                        cases.add(new TimedCase(name, "forward", impl.name(), 2 * es, ff, f, new double[rounds]));
                    }
                    if (g != null) {
                        cases.add(new TimedCase(name, "backward", impl.name(), 3 * es, bf, g, new double[rounds]));
                    }
                }
            }
            double[] peaks = TimedCase.rounds(cases, rounds, threads, WARMUP_NANOS);
            for (Implementation impl : impls) impl.close();
            List<String> names = impls.stream().map(Implementation::name).filter(i -> !i.equals("actinium")).toList();
            return render(n, threads, rounds, dtype, cases, copy, peaks, errors, unavailable, names, csv);
        }
    }

    private interface Maker {
        Implementation make() throws Exception;
    }

    private static void add(List<Implementation> impls, Map<String, String> unavailable, String name, Maker maker) {
        try {
            impls.add(maker.make());
        } catch (Exception | LinkageError e) {
            unavailable.put(name, e.toString());
        }
    }

    /** A pass bound to buffers, or null where the implementation has none or cannot (the reason is kept). */
    private static Runnable bind(Implementation impl, Activation op, boolean backward, Implementation.Buffers b,
                                 Map<String, String> unavailable) {
        String what = impl.name() + " " + op.nativeName() + (backward ? " backward" : " forward");
        if (unavailable.containsKey(what)) return null;  // it failed on the check's buffers
        try {
            return backward ? impl.backward(op, b) : impl.forward(op, b);
        } catch (Exception | LinkageError e) {
            unavailable.put(what, e.toString());
            return null;
        }
    }

    private static Implementation.Buffers buffers(Arena arena, int n, long seed, DType dtype) {
        float[] xs = Inputs.normal(n, seed, 3), dys = Inputs.normal(n, seed + 1, 1);
        long es = dtype.byteSize();
        MemorySegment x = arena.allocate(es * n, 64), dy = arena.allocate(es * n, 64), y = arena.allocate(es * n, 64);
        store(xs, x, dtype);
        store(dys, dy, dtype);
        return new Implementation.Buffers(dtype, n, x, dy, y, xs, dys, new float[n]);
    }

    /** Stores values in the dtype, and rounds them in place to what was stored (the reference's input). */
    private static void store(float[] values, MemorySegment s, DType dtype) {
        for (int i = 0; i < values.length; i++) {
            if (dtype == DType.F32) {
                s.setAtIndex(ValueLayout.JAVA_FLOAT, i, values[i]);
            } else {
                short h = Reference.toBf16(values[i]);
                s.setAtIndex(ValueLayout.JAVA_SHORT, i, h);
                values[i] = Reference.fromBf16(h);
            }
        }
    }

    /**
     * The largest errors of each implementation, op and pass against the float64 reference: at unit
     * scale (which decides WRONG) and relative (|error| / max(|ref|, 1e-3): accuracy in the tails).
     */
    private static Map<String, double[]> check(List<Implementation> impls, Arena arena, DType dtype,
                                               Map<String, String> unavailable) {
        Implementation.Buffers b = buffers(arena, CHECK_N, 7, dtype);
        Map<String, double[]> errors = new LinkedHashMap<>();
        for (Implementation impl : impls) {
            boolean heap = impl instanceof JavaLoopImplementation;
            for (Activation op : OPS) {
                for (boolean backward : new boolean[] {false, true}) {
                    Runnable r = bind(impl, op, backward, b, unavailable);
                    if (r == null) continue;
                    b.y().fill((byte) 0xff);  // NaN: an implementation that writes nothing fails the check
                    java.util.Arrays.fill(b.ys(), Float.NaN);
                    try {
                        r.run();
                    } catch (RuntimeException e) {
                        unavailable.put(impl.name() + " " + op.nativeName() + (backward ? " backward" : " forward"),
                                e.toString());
                        continue;
                    }
                    float[] got = b.result(heap);
                    double unit = 0, relative = 0;
                    for (int i = 0; i < CHECK_N; i++) {
                        double x = b.xs()[i], scale = backward ? Math.abs(b.dys()[i]) : 1;
                        double ref = backward ? b.dys()[i] * Reference.derivative(op, x) : Reference.forward(op, x);
                        double error = Math.abs(got[i] - ref);
                        unit = Math.max(unit, error / (Math.abs(ref) + scale));
                        relative = Math.max(relative, error / Math.max(Math.abs(ref), 1e-3));
                    }
                    errors.put(key(op.nativeName(), backward ? "backward" : "forward", impl.name()),
                            new double[] {unit, relative});
                }
            }
        }
        return errors;
    }

    private static String key(String op, String pass, String impl) {
        return op + "/" + pass + "/" + impl;
    }

    private static String render(int n, int threads, int rounds, DType dtype, List<TimedCase> cases, TimedCase copy,
                                 double[] peaks,
                                 Map<String, double[]> errors, Map<String, String> unavailable, List<String> impls,
                                 StringBuilder csv) {
        StringBuilder s = new StringBuilder();
        double copyUs = ApiBench.median(copy.micros()), peak = ApiBench.median(peaks);
        double wrongAbove = dtype == DType.BF16 ? WRONG_BF16 : WRONG;
        s.append(String.format(Locale.ROOT, "## n = %,d %s, %d thread(s), ISA %s, %d rounds%n%n", n, dtype, threads,
                Actinium.isa().nativeName(), rounds));
        s.append(String.format(Locale.ROOT, "copy %.1f GB/s; FMA peak %.0f GFLOP/s with %d thread(s) at once%n%n",
                copy.bytesPerElement() * n / copyUs / 1e3, peak / 1e9, threads));
        unavailable.forEach((name, why) -> s.append("- ").append(name).append(" could not run: ").append(why)
                .append('\n'));
        s.append("| op | pass | Actinium us | of floor |");
        for (String impl : impls) s.append(' ').append(impl).append(" us | Actinium x |");
        s.append("\n|---|---|---:|---:|");
        s.append("---:|---:|".repeat(impls.size())).append('\n');
        for (Activation op : OPS) {
            for (String pass : new String[] {"forward", "backward"}) {
                TimedCase mine = TimedCase.find(cases, op.nativeName(), pass, "actinium");
                if (mine == null) continue;
                double us = ApiBench.median(mine.micros());
                double[] ofFloor = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    double memoryUs = copy.micros()[r] * mine.bytesPerElement() / copy.bytesPerElement();
                    ofFloor[r] = Math.max(memoryUs, (double) mine.flops() * n / peaks[r] * 1e6) / mine.micros()[r];
                }
                s.append(String.format(Locale.ROOT, "| %s | %s | %s | %.0f%% |", op.nativeName(), pass, format(us),
                        100 * ApiBench.median(ofFloor)));
                csv.append(String.format(Locale.ROOT, "%d,%d,%s,%s,%s,actinium,%.3f,1,false%n", n, threads, dtype,
                        op.nativeName(), pass, us));
                for (String impl : impls) {
                    TimedCase other = TimedCase.find(cases, op.nativeName(), pass, impl);
                    if (other == null) {
                        s.append(" - | - |");
                        continue;
                    }
                    double[] ratio = new double[rounds];
                    for (int r = 0; r < rounds; r++) ratio[r] = other.micros()[r] / mine.micros()[r];
                    double err = errors.getOrDefault(key(op.nativeName(), pass, impl), new double[] {Double.NaN})[0];
                    String wrong = err > wrongAbove ? String.format(Locale.ROOT, " WRONG (error %.1e)", err) : "";
                    s.append(String.format(Locale.ROOT, " %s%s | %.2f |", format(ApiBench.median(other.micros())),
                            wrong, ApiBench.median(ratio)));
                    csv.append(String.format(Locale.ROOT, "%d,%d,%s,%s,%s,%s,%.3f,%.4f,%b%n", n, threads, dtype,
                            op.nativeName(), pass, impl, ApiBench.median(other.micros()), ApiBench.median(ratio),
                            err > wrongAbove));
                }
                s.append('\n');
            }
        }
        s.append("\nLargest errors against the float64 reference on ").append(CHECK_N)
                .append(" normal(0, 3) inputs: at unit scale, |error| / (|ref| + scale) with scale 1 forward and |dy|")
                .append(" backward (above ").append(wrongAbove)
                .append(": WRONG, another function); relative, |error| /")
                .append(" max(|ref|, 1e-3) (accuracy where the result is small)\n\n")
                .append("| implementation | op | pass | unit scale | relative |\n|---|---|---|---:|---:|\n");
        errors.forEach((k, v) -> {
            String[] parts = k.split("/");
            s.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1e%s | %.1e |%n", parts[2], parts[0], parts[1],
                    v[0], v[0] > wrongAbove ? " WRONG" : "", v[1]));
        });
        return s.toString();
    }

    private static String format(double us) {
        return String.format(Locale.ROOT, us < 100 ? "%.1f" : "%.0f", us);
    }
}
