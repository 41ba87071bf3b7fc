package dev.actinium.bench;

import dev.actinium.act.Activation;
import dev.actinium.act.Activations;

import dev.actinium.DType;
import dev.actinium.Parallel;
import dev.actinium.Tensor;
import dev.actinium.bindings.ActiniumNative;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * What one call costs on tiny tensors, and from which size Actinium beats a Java loop: each way of
 * calling (the raw generated binding on native memory; the API on a native segment; the API on a
 * heap array; wrapping the heap arrays and calling the API, as a caller with plain float[] does)
 * against the Vector API and scalar loops on the same heap arrays, relu and gelu_erf forward, F32,
 * 16 to 64K elements, serial. Interleaved rounds: each round runs every case as a batch of calls
 * (about 50 us) in a shuffled order; per call time = batch time / calls, median over rounds.
 *
 * <pre>
 *   CallCostBench [--rounds 41]
 * </pre>
 * Prints a markdown section; bench/run-callcost.sh writes it under bench/results/.
 */
public final class CallCostBench {
    private static final int[] SIZES = {16, 64, 256, 1024, 4096, 16384, 65536};
    private static final Activation[] OPS = {Activation.RELU, Activation.GELU_ERF};
    private static final String[] WAYS = {"raw binding", "API, native segment", "API, heap array", "wrap + API",
        "Vector API loop", "scalar loop"};

    private record Case(Activation op, int n, int way, Runnable call, int calls, double[] nanos) {}

    public static void main(String[] args) {
        int rounds = 41;
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].equals("--rounds")) throw new IllegalArgumentException("unknown option " + args[i]);
            rounds = Integer.parseInt(args[i + 1]);
        }
        System.out.print(run(rounds));
        System.exit(0);
    }

    static String run(int rounds) {
        Parallel serial = Parallel.serial();
        List<Case> cases = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            for (Activation op : OPS) {
                for (int n : SIZES) {
                    float[] xs = Inputs.normal(n, n, 3), ys = new float[n];
                    MemorySegment x = arena.allocate(4L * n, 64), y = arena.allocate(4L * n, 64);
                    MemorySegment.copy(xs, 0, x, ValueLayout.JAVA_FLOAT, 0, n);
                    Tensor xt = Tensor.wrap(x, DType.F32, n), yt = Tensor.wrap(y, DType.F32, n);
                    Tensor xh = Tensor.wrap(xs, n), yh = Tensor.wrap(ys, n);
                    int code = op.code(), f32 = ActiniumNative.AK_DTYPE_F32;
                    Runnable[] ways = {
                        () -> ActiniumNative.ak_act_forward(code, f32, java.lang.foreign.MemorySegment.NULL, x, y, n,
                                0),
                        () -> Activations.forward(op, xt, yt, serial),
                        () -> Activations.forward(op, xh, yh, serial),
                        () -> Activations.forward(op, Tensor.wrap(xs, n), Tensor.wrap(ys, n), serial),
                        () -> VectorApi.forward(op, xs, ys, 0, n),
                        () -> JavaScalar.forward(op, xs, ys, 0, n),
                    };
                    int calls = Math.max(1, 400_000 / (n + 64));  // about 50 us per batch for relu
                    for (int w = 0; w < ways.length; w++) {
                        cases.add(new Case(op, n, w, ways[w], calls, new double[rounds]));
                    }
                }
            }
            long end = System.nanoTime() + 5_000_000_000L;  // the JIT of every path, the Vector API's above all
            while (System.nanoTime() < end) for (Case c : cases) batch(c);
            Random random = new Random(42);
            List<Case> order = new ArrayList<>(cases);
            for (int round = 0; round < rounds; round++) {
                Collections.shuffle(order, random);
                for (Case c : order) c.nanos()[round] = batch(c);
            }
        }
        return render(cases, rounds);
    }

    private static double batch(Case c) {
        long start = System.nanoTime();
        for (int i = 0; i < c.calls(); i++) c.call().run();
        return (double) (System.nanoTime() - start) / c.calls();
    }

    private static String render(List<Case> cases, int rounds) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "## Time per call, F32 forward, serial, ns (median of %d rounds)%n", rounds));
        for (Activation op : OPS) {
            s.append("\n### ").append(op.nativeName()).append("\n\n| n |");
            for (String w : WAYS) s.append(' ').append(w).append(" |");
            s.append(" smallest Actinium call over the best Java loop |\n|---:|")
                    .append("---:|".repeat(WAYS.length + 1)).append('\n');
            for (int n : SIZES) {
                s.append(String.format(Locale.ROOT, "| %,d |", n));
                double[] median = new double[WAYS.length];
                for (Case c : cases) {
                    if (c.op() != op || c.n() != n) continue;
                    median[c.way()] = ApiBench.median(c.nanos());
                }
                for (double m : median) s.append(String.format(Locale.ROOT, " %,.0f |", m));
                double actinium = Math.min(median[1], median[2]), java = Math.min(median[4], median[5]);
                s.append(String.format(Locale.ROOT, " %.2f |%n", actinium / java));
            }
        }
        s.append("\nThe last column is the faster API call (native segment or heap array) over the faster Java loop:")
                .append(" below 1, calling Actinium pays.\n");
        return s.toString();
    }
}
