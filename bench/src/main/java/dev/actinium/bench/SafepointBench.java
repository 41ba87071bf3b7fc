package dev.actinium.bench;

import dev.actinium.act.Activation;
import dev.actinium.act.Activations;

import dev.actinium.DType;
import dev.actinium.Parallel;
import dev.actinium.Tensor;
import dev.actinium.bindings.ActiniumNative;
import dev.actinium.bindings.NativeLibraries;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What a long kernel downcall costs the rest of the JVM, and what bounding it costs the kernel.
 *
 * <p>A critical downcall ({@code Linker.Option.critical(true)}, how every kernel is linked) holds
 * off safepoints until it returns. While one thread runs gelu_erf over n elements on the calling
 * thread (Parallel.serial()), the main thread takes a thread dump, a VM operation at a safepoint,
 * and times it: the time to reach the safepoint plus the dump itself (small: a few threads; the
 * idle row gives it). Three ways to run the same serial kernel:
 * <ul>
 *   <li>one critical downcall over the whole range (the library before downcalls were bounded);</li>
 *   <li>the library now: critical downcalls of at most 256K elements;</li>
 *   <li>one downcall over the whole range linked without critical (native segments only).</li>
 * </ul>
 * Then the kernel time of each way, alternated in rounds, at a large and a small n.
 *
 * <pre>  SafepointBench [--n 67108864] [--rounds 15]</pre>
 */
public final class SafepointBench {
    private SafepointBench() {}

    public static void main(String[] args) throws Exception {
        long n = 1L << 26;
        int rounds = 15;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--n" -> n = Long.parseLong(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        MethodHandle plain = Linker.nativeLinker().downcallHandle(NativeLibraries.cpu().findOrThrow("ak_act_forward"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
        int op = Activation.GELU_ERF.code(), f32 = ActiniumNative.AK_DTYPE_F32;
        try (Arena arena = Arena.ofShared()) {
            Tensor x = Tensor.allocate(arena, DType.F32, n), y = Tensor.allocate(arena, DType.F32, n);
            MemorySegment xs = x.segment(), ys = y.segment();
            for (long i = 0; i < n; i++) xs.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) ((i % 2000) * 0.01 - 10));
            long count = n;
            List<Way> ways = List.of(
                    new Way("one critical downcall (unbounded)",
                            () -> check(ActiniumNative.ak_act_forward(op, f32, MemorySegment.NULL, xs, ys, count, 0))),
                    new Way("library: critical downcalls of <= 256K",
                            () -> Activations.forward(Activation.GELU_ERF, x, y, Parallel.serial())),
                    new Way("one downcall, not critical", () -> {
                        try {
                            check((int) plain.invokeExact(op, f32, xs, ys, count, 0));
                        } catch (Throwable t) {
                            throw new IllegalStateException(t);
                        }
                    }));
            System.out.printf(Locale.ROOT,
                    "## Time to a safepoint during a serial gelu_erf call over %d F32 elements%n%n", n);
            System.out.println("A thread dump (a safepoint operation) while the call runs on another thread"
                    + " (median and max over " + rounds + " calls, ms; idle: no call running):");
            System.out.println();
            System.out.println("| way | call ms | dump ms median | dump ms max |");
            System.out.println("|---|---:|---:|---:|");
            double[] idle = new double[rounds];
            for (int r = 0; r < rounds; r++) idle[r] = timeSafepoint();
            System.out.printf(Locale.ROOT, "| idle | | %.2f | %.2f |%n", median(idle), max(idle));
            for (Way w : ways) w.run.run();  // warm up
            for (Way w : ways) {
                double[] dump = new double[rounds], call = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    AtomicBoolean started = new AtomicBoolean();
                    long[] took = new long[1];
                    Thread worker = new Thread(() -> {
                        started.set(true);
                        long t0 = System.nanoTime();
                        w.run.run();
                        took[0] = System.nanoTime() - t0;
                    });
                    worker.start();
                    while (!started.get()) Thread.onSpinWait();
                    Thread.sleep(5 + r % 7);  // inside the call, at a varying point
                    dump[r] = timeSafepoint();
                    worker.join();
                    call[r] = took[0] / 1e6;
                }
                System.out.printf(Locale.ROOT, "| %s | %.1f | %.2f | %.2f |%n",
                        w.name, median(call), median(dump), max(dump));
            }
            System.out.println();
            throughput(ways, n, rounds);
        }
        try (Arena arena = Arena.ofShared()) {
            long small = 4096;
            Tensor x = Tensor.allocate(arena, DType.F32, small), y = Tensor.allocate(arena, DType.F32, small);
            MemorySegment xs = x.segment(), ys = y.segment();
            int relu = Activation.RELU.code();
            throughput(List.of(
                    new Way("critical downcall",
                            () -> check(ActiniumNative.ak_act_forward(relu, f32, MemorySegment.NULL, xs, ys, small,
                                    0))),
                    new Way("downcall, not critical", () -> {
                        try {
                            check((int) plain.invokeExact(relu, f32, xs, ys, small, 0));
                        } catch (Throwable t) {
                            throw new IllegalStateException(t);
                        }
                    })), small, 2001);
        }
    }

    private record Way(String name, Runnable run) {}

    /** Each way once per round, in turn; median call time. */
    private static void throughput(List<Way> ways, long n, int rounds) {
        double[][] us = new double[ways.size()][rounds];
        for (int r = -rounds / 5; r < rounds; r++) {
            for (int w = 0; w < ways.size(); w++) {
                long t0 = System.nanoTime();
                ways.get(w).run.run();
                if (r >= 0) us[w][r] = (System.nanoTime() - t0) / 1e3;
            }
        }
        System.out.printf(Locale.ROOT,
                "Kernel time, %d elements, same rounds (median us, relative to the first row):%n%n", n);
        System.out.println("| way | us | ratio |");
        System.out.println("|---|---:|---:|");
        double base = median(us[0]);
        for (int w = 0; w < ways.size(); w++) {
            double median = median(us[w]);
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.3f |%n", ways.get(w).name, median, median / base);
        }
        System.out.println();
    }

    /** A thread dump: a VM operation at a safepoint whose own work is small (a few threads). */
    private static double timeSafepoint() {
        long t0 = System.nanoTime();
        ManagementFactory.getThreadMXBean().dumpAllThreads(false, false);
        return (System.nanoTime() - t0) / 1e6;
    }

    private static void check(int status) {
        if (status != ActiniumNative.AK_OK) throw new IllegalStateException("status " + status);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(0);
    }
}
