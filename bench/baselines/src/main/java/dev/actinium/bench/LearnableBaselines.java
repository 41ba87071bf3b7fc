package dev.actinium.bench;

import dev.actinium.DType;
import dev.actinium.Parallel;
import dev.actinium.Tensor;
import dev.actinium.act.Activation;
import dev.actinium.act.Learnable;
import dev.actinium.act.LearnableActivation;
import dev.actinium.act.LearnableActivations;
import dev.actinium.act.RationalFit;
import dev.actinium.bindings.ActiniumNative;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The learnable activations through Actinium against the same math composed from PyTorch ops with
 * autograd (TorchLearnable), in interleaved rounds (TimedCase): forward, backward with every parameter
 * gradient, and the two together (a training step's share), F32, x as rows of channels. Before
 * timing, PyTorch's y, dx and parameter gradients are compared with Actinium's on a few rows.
 *
 * <pre>
 *   LearnableBaselines [--n 16777216] [--channels 4096] [--threads 1] [--rounds 11] [--note TEXT]
 * </pre>
 * Prints a markdown section; bench/run-learnable-baselines.sh runs one JVM per thread count.
 */
public final class LearnableBaselines {
    private static final long WARMUP_NANOS = 2_000_000_000L;
    private static final int CHECK_ROWS = 8;

    public static void main(String[] args) {
        int n = 1 << 24, threads = 1, rounds = 11;
        long channels = 4096;
        String note = "";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--n" -> n = Integer.parseInt(args[i + 1]);
                case "--channels" -> channels = Long.parseLong(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--note" -> note = args[i + 1];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (n % channels != 0) throw new IllegalArgumentException("--n must be a multiple of --channels");
        System.out.print(run(n, channels, threads, rounds, note));
        System.exit(0);  // libtorch's pool would hold the JVM
    }

    /** What is timed: the published modules' defaults, rational as PAU and KAT use it (fitted to GELU). */
    static Map<String, LearnableActivation> specs() {
        Map<String, LearnableActivation> m = new LinkedHashMap<>();
        m.put("rational (5, 4)", LearnableActivation.rational(5, 4));
        m.put("rational (5, 4), 8 groups", LearnableActivation.rational(5, 4).withGroups(8));
        m.put("polyrelu 3", LearnableActivation.polyrelu(3));
        m.put("polynorm 3", LearnableActivation.polynorm(3));
        m.put("dyt per channel", LearnableActivation.of(Learnable.DYT).perChannel());
        for (Learnable op : new Learnable[] {Learnable.APA, Learnable.SWISH, Learnable.CRRELU,
                Learnable.TEMPERED_SIGMOID, Learnable.SINE, Learnable.CAUCHY}) {
            m.put(op.nativeName(), LearnableActivation.of(op));
        }
        return m;
    }

    static String run(int n, long channels, int threads, int rounds, String note) {
        torch.set_num_threads(threads);
        Parallel parallel = threads == 1 ? Parallel.serial() : Parallel.of(Parallel.newPool(threads));
        long rows = n / channels;
        StringBuilder out = new StringBuilder();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment x = arena.allocate(4L * n, 64), dy = arena.allocate(4L * n, 64);
            MemorySegment y = arena.allocate(4L * n, 64), dx = arena.allocate(4L * n, 64);
            MemorySegment.copy(Inputs.normal(n, 1, 1.5), 0, x, ValueLayout.JAVA_FLOAT, 0, n);
            MemorySegment.copy(Inputs.normal(n, 2, 1), 0, dy, ValueLayout.JAVA_FLOAT, 0, n);
            List<TimedCase> cases = new ArrayList<>();
            TimedCase copy = new TimedCase("copy", "copy", "copy", 8, 0,
                    () -> parallel.forRange(n, (s, e) -> MemorySegment.copy(x, 4 * s, y, 4 * s, 4 * (e - s))),
                    new double[rounds]);
            cases.add(copy);
            Map<String, String> errors = new LinkedHashMap<>();
            for (Map.Entry<String, LearnableActivation> spec : specs().entrySet()) {
                LearnableActivation f = spec.getValue();
                String name = spec.getKey();
                MemorySegment params = arena.allocate(4 * f.paramCount(channels), 64);
                float[] start = startingParams(f, channels);
                MemorySegment.copy(start, 0, params, ValueLayout.JAVA_FLOAT, 0, start.length);
                MemorySegment dparams = arena.allocate(4 * f.paramCount(channels), 64);
                errors.put(name, compare(f, arena, params, x, dy, channels));
                Tensor pt = Tensor.wrap(params, DType.F32, f.paramCount(channels));
                Tensor dpt = Tensor.wrap(dparams, DType.F32, f.paramCount(channels));
                Tensor xt = Tensor.wrap(x, DType.F32, rows, channels), yt = Tensor.wrap(y, DType.F32, rows, channels);
                Tensor dyt = Tensor.wrap(dy, DType.F32, rows, channels);
                Tensor dxt = Tensor.wrap(dx, DType.F32, rows, channels);
                int ff = ActiniumNative.ak_learn_flops(f.op().code(), ActiniumNative.AK_FORWARD);
                int bf = ActiniumNative.ak_learn_flops(f.op().code(), ActiniumNative.AK_BACKWARD);
                Runnable forward = () -> LearnableActivations.forward(f, pt, xt, yt, parallel);
                Runnable backward = () -> LearnableActivations.backward(f, pt, xt, dyt, dxt, dpt, parallel);
                cases.add(new TimedCase(name, "forward", "actinium", 8, ff, forward, new double[rounds]));
                cases.add(new TimedCase(name, "backward", "actinium", 12, bf, backward, new double[rounds]));
                cases.add(new TimedCase(name, "forward+backward", "actinium", 20, ff + bf, () -> {
                    forward.run();
                    backward.run();
                }, new double[rounds]));
                TorchLearnable composed = new TorchLearnable(f, x, params, rows, channels);
                org.bytedeco.pytorch.Tensor dyTorch = TorchLearnable.blob(dy, composed.outputShape());
                cases.add(new TimedCase(name, "forward", "pytorch", 8, ff, () -> {
                    try (PointerScope scope = new PointerScope()) {
                        composed.forward();
                    }
                }, new double[rounds]));
                cases.add(new TimedCase(name, "forward+backward", "pytorch", 20, ff + bf, () -> {
                    try (PointerScope scope = new PointerScope()) {
                        composed.backward(dyTorch);
                    }
                }, new double[rounds]));
            }
            double[] peaks = TimedCase.rounds(cases, rounds, threads, WARMUP_NANOS);
            out.append(render(n, channels, threads, rounds, note, cases, copy, peaks, errors));
        }
        return out.toString();
    }

    /** The initial parameters, rational fitted to GELU on [-4, 4], DyT's per-channel values spread a little. */
    static float[] startingParams(LearnableActivation f, long channels) {
        if (f.op() == Learnable.RATIONAL) {
            return f.spread(RationalFit.fit(f.withGroups(1), Activation.GELU_ERF, -4, 4).coefficients(), channels);
        }
        float[] p = f.initialParams(channels);
        for (int k = f.sharedCount(); k < p.length; k++) p[k] += 0.01f * (k % 7);
        return p;
    }

    /**
     * PyTorch's y, dx and parameter gradients against Actinium's over the first CHECK_ROWS rows: the
     * largest difference over the largest value of each (normwise, relative).
     */
    private static String compare(LearnableActivation f, Arena arena, MemorySegment params, MemorySegment x,
                                  MemorySegment dy, long channels) {
        long count = CHECK_ROWS * channels, pc = f.paramCount(channels);
        MemorySegment xs = x.asSlice(0, 4 * count), dys = dy.asSlice(0, 4 * count);
        MemorySegment y = arena.allocate(4 * count), dx = arena.allocate(4 * count), dp = arena.allocate(4 * pc);
        Tensor pt = Tensor.wrap(params, DType.F32, pc);
        Tensor xt = Tensor.wrap(xs, DType.F32, CHECK_ROWS, channels);
        LearnableActivations.forward(f, pt, xt, Tensor.wrap(y, DType.F32, CHECK_ROWS, channels));
        LearnableActivations.backward(f, pt, xt, Tensor.wrap(dys, DType.F32, CHECK_ROWS, channels),
                Tensor.wrap(dx, DType.F32, CHECK_ROWS, channels), Tensor.wrap(dp, DType.F32, pc));
        MemorySegment ty = arena.allocate(4 * count), tdx = arena.allocate(4 * count), tdp = arena.allocate(4 * pc);
        try (PointerScope scope = new PointerScope()) {
            TorchLearnable composed = new TorchLearnable(f, xs, params, CHECK_ROWS, channels);
            long[] shape = composed.outputShape();
            TorchLearnable.blob(ty, shape).copy_(composed.forward());
            TensorVector grads = composed.backward(TorchLearnable.blob(dys, shape));
            TorchLearnable.blob(tdx, shape).copy_(grads.get(0).reshape(shape));
            long groups = f.groupsFor(channels);
            for (int k = 0; k < f.parameterNames().size(); k++) {
                boolean shared = k < f.sharedCount();
                long at = f.slot(k, 0, channels), len = shared ? 1 : groups;
                MemorySegment slice = tdp.asSlice(4 * at, 4 * len);
                if (composed.isLeaf(k)) {
                    TorchLearnable.blob(slice, len).copy_(grads.get(composed.gradientIndex(k)).reshape(len));
                } else {
                    slice.copyFrom(dp.asSlice(4 * at, 4 * len));  // no gradient in PyTorch (polynorm's eps)
                }
            }
        }
        return String.format(Locale.ROOT, "y %.1e, dx %.1e, dparams %.1e", normwise(y, ty), normwise(dx, tdx),
                normwise(dp, tdp));
    }

    private static double normwise(MemorySegment a, MemorySegment b) {
        float[] u = a.toArray(ValueLayout.JAVA_FLOAT), v = b.toArray(ValueLayout.JAVA_FLOAT);
        double diff = 0, size = 1e-30;
        for (int i = 0; i < u.length; i++) {
            diff = Math.max(diff, Math.abs((double) u[i] - v[i]));
            size = Math.max(size, Math.abs((double) v[i]));
        }
        return diff / size;
    }

    private static String render(int n, long channels, int threads, int rounds, String note, List<TimedCase> cases,
                                 TimedCase copy, double[] peaks, Map<String, String> errors) {
        StringBuilder s = new StringBuilder();
        double copyUs = ApiBench.median(copy.micros()), peak = ApiBench.median(peaks);
        s.append(String.format(Locale.ROOT, "## n = %,d F32 (%d rows of %d channels), %d thread(s), %d rounds%s%n%n",
                n, n / channels, channels, threads, rounds, note.isEmpty() ? "" : "; " + note));
        s.append(String.format(Locale.ROOT, "copy %.1f GB/s; FMA peak %.0f GFLOP/s with %d thread(s) at once%n%n",
                copy.bytesPerElement() * n / copyUs / 1e3, peak / 1e9, threads));
        s.append("| activation | pass | Actinium us | of floor | PyTorch composed us | Actinium x |\n"
                + "|---|---|---:|---:|---:|---:|\n");
        for (String name : errors.keySet()) {
            for (String pass : new String[] {"forward", "backward", "forward+backward"}) {
                TimedCase mine = TimedCase.find(cases, name, pass, "actinium");
                double[] ofFloor = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    double memoryUs = copy.micros()[r] * mine.bytesPerElement() / copy.bytesPerElement();
                    ofFloor[r] = Math.max(memoryUs, (double) mine.flops() * n / peaks[r] * 1e6) / mine.micros()[r];
                }
                s.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.0f%% |", name, pass,
                        ApiBench.median(mine.micros()), 100 * ApiBench.median(ofFloor)));
                TimedCase other = TimedCase.find(cases, name, pass, "pytorch");
                if (other == null) {
                    s.append(" - | - |\n");
                    continue;
                }
                double[] ratio = new double[rounds];
                for (int r = 0; r < rounds; r++) ratio[r] = other.micros()[r] / mine.micros()[r];
                s.append(String.format(Locale.ROOT, " %.0f | %.2f |%n", ApiBench.median(other.micros()),
                        ApiBench.median(ratio)));
            }
        }
        s.append("\nPyTorch's results against Actinium's on ").append(CHECK_ROWS).append(" rows (largest difference")
                .append(" over largest value):\n\n");
        errors.forEach((name, e) -> s.append("- ").append(name).append(": ").append(e).append('\n'));
        return s.toString();
    }
}
