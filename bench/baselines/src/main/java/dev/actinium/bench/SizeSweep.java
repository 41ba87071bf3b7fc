package dev.actinium.bench;

import dev.actinium.act.Activation;

import dev.actinium.DType;
import dev.actinium.Parallel;
import dev.actinium.bindings.ActiniumNative;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Throughput against size, for the report's ceiling plots: relu (memory-bound) and gelu_erf
 * (compute-bound) forward, F32, from 4K to 16M elements, Actinium, PyTorch and ONNX Runtime in
 * interleaved rounds per size, with the copy of the same bytes and the FMA peak measured in the same
 * rounds. Appends CSV rows: threads, n, series (an implementation, "copy" or "compute ceiling"), op,
 * GB/s (8 bytes per element over the median time; the compute ceiling as the bytes the peak allows).
 *
 * <pre>
 *   SizeSweep --threads 2 --csv sweep.csv [--quick]
 * </pre>
 */
public final class SizeSweep {
    private static final Activation[] OPS = {Activation.RELU, Activation.GELU_ERF};

    public static void main(String[] args) throws Exception {
        int threads = 1;
        boolean quick = false;
        Path csv = Path.of("sweep.csv");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--csv" -> csv = Path.of(args[++i]);
                case "--quick" -> quick = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Parallel parallel = threads == 1 ? Parallel.serial() : Parallel.of(Parallel.newPool(threads));
        List<Implementation> impls = new ArrayList<>();
        impls.add(new ActiniumImplementation(parallel));
        int t = threads;
        try {
            impls.add(new TorchImplementation(t));
        } catch (Exception | LinkageError e) {
            System.err.println("pytorch could not run: " + e);
        }
        try {
            impls.add(new OnnxImplementation(t, false));
        } catch (Exception | LinkageError e) {
            System.err.println("onnxruntime could not run: " + e);
        }
        StringBuilder rows = new StringBuilder();
        for (int n = 1 << 12; n <= 1 << 24; n <<= 2) {
            int rounds = Math.max(quick ? 5 : 9, Math.min(quick ? 41 : 101, (1 << 26) / n));
            sweep(n, threads, rounds, impls, parallel, rows);
        }
        for (Implementation impl : impls) impl.close();
        if (!Files.exists(csv)) Files.writeString(csv, "threads,n,series,op,gbps\n");
        Files.writeString(csv, rows, StandardOpenOption.APPEND);
        System.exit(0);
    }

    private static void sweep(int n, int threads, int rounds, List<Implementation> impls, Parallel parallel,
                              StringBuilder rows) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            float[] xs = Inputs.normal(n, n, 3);
            MemorySegment x = arena.allocate(4L * n, 64), dy = arena.allocate(4L * n, 64);
            MemorySegment y = arena.allocate(4L * n, 64);
            MemorySegment.copy(xs, 0, x, ValueLayout.JAVA_FLOAT, 0, n);
            Implementation.Buffers b = new Implementation.Buffers(DType.F32, n, x, dy, y, xs, xs, new float[n]);
            List<TimedCase> cases = new ArrayList<>();
            TimedCase copy = new TimedCase("copy", "copy", "copy", 8, 0,
                    () -> parallel.forRange(n, (s, e) -> MemorySegment.copy(x, 4 * s, y, 4 * s, 4 * (e - s))),
                    new double[rounds]);
            cases.add(copy);
            for (Activation op : OPS) {
                int flops = ActiniumNative.ak_activation_flops(op.code(), ActiniumNative.AK_FORWARD);
                for (Implementation impl : impls) {
                    cases.add(new TimedCase(op.nativeName(), "forward", impl.name(), 8, flops, impl.forward(op, b),
                            new double[rounds]));
                }
            }
            double peak = ApiBench.median(TimedCase.rounds(cases, rounds, threads, 1_000_000_000L));
            double gbps = 8.0 * n / ApiBench.median(copy.micros()) / 1e3;
            for (Activation op : OPS) {
                rows.append(String.format(Locale.ROOT, "%d,%d,copy,%s,%.2f%n", threads, n, op.nativeName(), gbps));
                TimedCase any = TimedCase.find(cases, op.nativeName(), "forward", "actinium");
                rows.append(String.format(Locale.ROOT, "%d,%d,compute ceiling,%s,%.2f%n", threads, n, op.nativeName(),
                        peak / any.flops() * 8 / 1e9));
                for (Implementation impl : impls) {
                    TimedCase c = TimedCase.find(cases, op.nativeName(), "forward", impl.name());
                    rows.append(String.format(Locale.ROOT, "%d,%d,%s,%s,%.2f%n", threads, n, impl.name(),
                            op.nativeName(), 8.0 * n / ApiBench.median(c.micros()) / 1e3));
                }
            }
        }
    }
}
