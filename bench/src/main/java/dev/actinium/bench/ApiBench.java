package dev.actinium.bench;

import dev.actinium.act.Activation;
import dev.actinium.act.Activations;
import dev.actinium.act.GateHalf;

import dev.actinium.Actinium;
import dev.actinium.DType;
import dev.actinium.Parallel;
import dev.actinium.Tensor;
import dev.actinium.bindings.ActiniumNative;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The public Java API (Activations over a Parallel, as a user calls it) timed the way
 * bench/native/kernel_bench.cpp times the C ABI: every case once per round in turn, and each
 * fraction of the floor taken within its round against the copy and the FMA peak of that same
 * round, then the median over rounds. On a shared machine the copy bandwidth drifts by 2x over minutes; a round
 * lasts milliseconds, so the drift cancels in the ratio. JMH (ActivationBenchmark) runs one case
 * for seconds before the next and divides by a copy measured at another time.
 *
 * <p>The copy is MemorySegment.copy of n elements split over the same Parallel, the denominator
 * of the JMH report too. The FMA peak is measured after every round (about 1 ms), with as many
 * threads at once as the cases: a neighbour on the same physical cores slows compute-bound
 * kernels without touching the copy.
 *
 * <pre>
 *   ApiBench [--n 16777216] [--threads 2] [--rounds 31] [--dtype f32|bf16] [--grain elements]
 * </pre>
 * Prints a markdown section to stdout (bench/run-rounds.sh writes it under bench/results/).
 */
public final class ApiBench {
    /** Bias rows of 4096 columns, as in ActivationBenchmark and kernel_bench. */
    private static final int COLS = 4096;
    private static final long SEED = 42;  // the seed of the stochastic ops, as kernel_bench's
    private static final int WARMUP_ROUNDS = 5;
    private static final long WARMUP_NANOS = 3_000_000_000L;
    /** About 1 ms of the FMA probe per round. */
    private static final long PEAK_ITERATIONS = 500_000;

    private record Case(String op, String pass, double bytesPerElement, int flopsPerElement, Runnable run, double[] micros) {}

    public static void main(String[] args) {
        int n = 1 << 24, threads = 2, rounds = 31;
        long grain = Parallel.DEFAULT_GRAIN;
        DType dtype = DType.F32;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--n" -> n = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--dtype" -> dtype = DType.valueOf(args[i + 1].toUpperCase(Locale.ROOT));
                case "--grain" -> grain = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (args.length % 2 != 0) throw new IllegalArgumentException("option " + args[args.length - 1] + " needs a value");
        if (n <= 0 || n % COLS != 0) throw new IllegalArgumentException("--n must be a positive multiple of " + COLS);
        if (dtype != DType.F32 && dtype != DType.BF16) throw new IllegalArgumentException("--dtype must be f32 or bf16");
        System.out.print(run(n, threads, rounds, dtype, grain));
        System.exit(0);  // the pool's daemon threads would not hold the JVM, the Cleaner's might
    }

    static String run(int n, int threads, int rounds, DType dtype, long grain) {
        Parallel parallel = (threads == 1 ? Parallel.serial() : Parallel.of(Parallel.newPool(threads))).withGrain(grain);
        long es = dtype.byteSize();
        try (Arena arena = Arena.ofShared()) {
            // The copy reads x and writes y, like the kernels: separate buffers would push x and y
            // out of L2 at 64K, and the copy would not see the caches the kernels see.
            MemorySegment src = arena.allocate(es * n, 64), dst = arena.allocate(es * n, 64);
            Tensor x = Tensor.wrap(src, dtype, n), y = Tensor.wrap(dst, dtype, n);
            x.copyFrom(Tensor.wrap(Inputs.normal(n, 1, 3), n).to(dtype, arena));
            y.copyFrom(x);
            Tensor dy = Tensor.wrap(Inputs.normal(n, 2, 1), n).to(dtype, arena);
            Tensor bias = Tensor.wrap(Inputs.normal(COLS, 3, 1), COLS).to(dtype, arena);
            Tensor x2 = x.reshape(n / COLS, COLS), y2 = y.reshape(n / COLS, COLS);
            // Gated ops: n outputs from [n / COLS, 2 COLS] inputs (gate first); per output element the
            // forward reads 2 and writes 1, the backward reads 3 and writes 2, as kernel_bench counts.
            Tensor gatedX = Tensor.wrap(Inputs.normal(2 * n, 4, 3), n / COLS, 2 * COLS).to(dtype, arena);
            Tensor gatedDx = Tensor.allocate(arena, dtype, n / COLS, 2 * COLS);
            Tensor dy2 = dy.reshape(n / COLS, COLS);

            List<Case> cases = new ArrayList<>();
            Case copy = new Case("copy", "copy", 2 * es, 0,
                    () -> parallel.forRange(n, (s, e) -> MemorySegment.copy(src, es * s, dst, es * s, es * (e - s))), new double[rounds]);
            cases.add(copy);
            for (Activation op : Activation.values()) {
                int ff = ActiniumNative.ak_activation_flops(op.code(), ActiniumNative.AK_FORWARD);
                int bf = ActiniumNative.ak_activation_flops(op.code(), ActiniumNative.AK_BACKWARD);
                if (op.isGated()) {
                    cases.add(new Case(op.nativeName(), "gated forward", 3 * es, ff,
                            () -> Activations.gatedForward(op, gatedX, null, y2, GateHalf.FIRST, parallel),
                            new double[rounds]));
                    cases.add(new Case(op.nativeName(), "gated backward", 5 * es, bf,
                            () -> Activations.gatedBackward(op, gatedX, null, dy2, gatedDx, GateHalf.FIRST, parallel),
                            new double[rounds]));
                    continue;
                }
                if (op.isSeeded()) {
                    cases.add(new Case(op.nativeName(), "seeded forward", 2 * es, ff,
                            () -> Activations.forwardSeeded(op, SEED, 0, x, y, parallel), new double[rounds]));
                    cases.add(new Case(op.nativeName(), "seeded backward", 3 * es, bf,
                            () -> Activations.backwardSeeded(op, SEED, 0, x, dy, y, parallel), new double[rounds]));
                    continue;
                }
                cases.add(new Case(op.nativeName(), "forward", 2 * es, ff, () -> Activations.forward(op, x, y, parallel), new double[rounds]));
                cases.add(new Case(op.nativeName(), "forward+bias", 2 * es, ff, () -> Activations.forwardBias(op, x2, bias, y2, parallel), new double[rounds]));
                cases.add(new Case(op.nativeName(), "backward", 3 * es, bf, () -> Activations.backward(op, x, dy, y, parallel), new double[rounds]));
            }
            // Warm-up until the JIT is done with the Java side (validation, splitter, the downcall
            // handles): at 64K a round takes 0.2 ms, so a few rounds would time interpreted code
            // and share the cores with the compiler threads.
            long warmupEnd = System.nanoTime() + WARMUP_NANOS;
            for (int round = 0; round < WARMUP_ROUNDS || System.nanoTime() < warmupEnd; round++) {
                for (Case c : cases) c.run().run();
            }
            double[] peaks = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                for (Case c : cases) {
                    long start = System.nanoTime();
                    c.run().run();
                    c.micros()[round] = (System.nanoTime() - start) / 1e3;
                }
                peaks[round] = Report.measurePeak(threads, PEAK_ITERATIONS);
            }
            return render(n, threads, rounds, dtype, parallel, cases, copy, peaks);
        }
    }

    private static String render(int n, int threads, int rounds, DType dtype, Parallel parallel, List<Case> cases, Case copy, double[] peaks) {
        StringBuilder s = new StringBuilder();
        double copyUs = median(copy.micros()), peak = median(peaks);
        s.append(String.format(Locale.ROOT, "## Java API: n = %,d %s, %d thread(s), ISA %s, %d rounds%n%n", n, dtype, threads,
                Actinium.isa().nativeName(), rounds));
        s.append(String.format(Locale.ROOT, "copy %.1f GB/s (%.0f us, %.0f-%.0f); FMA peak %.0f GFLOP/s (%.0f-%.0f) with %d thread(s) at once; "
                        + "grain %,d elements%n%n", copy.bytesPerElement() * n / copyUs / 1e3, copyUs, min(copy.micros()), max(copy.micros()),
                peak / 1e9, min(peaks) / 1e9, max(peaks) / 1e9, threads, parallel.grain()));
        s.append("| op | pass | us (median, min-max) | GB/s | of copy BW | floor us | of floor |\n|---|---|---:|---:|---:|---:|---:|\n");
        for (Case c : cases) {
            if (c == copy) continue;
            double us = median(c.micros());
            double computeUs = (double) c.flopsPerElement() * n / peak * 1e6;
            double[] ofCopy = new double[rounds], ofFloor = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                double memoryUs = copy.micros()[r] * c.bytesPerElement() / copy.bytesPerElement();
                ofCopy[r] = memoryUs / c.micros()[r];
                ofFloor[r] = Math.max(memoryUs, (double) c.flopsPerElement() * n / peaks[r] * 1e6) / c.micros()[r];
            }
            double memoryUs = copyUs * c.bytesPerElement() / copy.bytesPerElement();
            String f = us < 100 ? "%.1f (%.1f-%.1f)" : "%.0f (%.0f-%.0f)";
            s.append(String.format(Locale.ROOT, "| %s | %s | " + f + " | %.1f | %.0f%% | %.0f (%s) | **%.0f%%** |%n", c.op(), c.pass(),
                    us, min(c.micros()), max(c.micros()), c.bytesPerElement() * n / us / 1e3, 100 * median(ofCopy),
                    Math.max(memoryUs, computeUs), memoryUs >= computeUs ? "memory" : "compute", 100 * median(ofFloor)));
        }
        return s.toString();
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }
}
