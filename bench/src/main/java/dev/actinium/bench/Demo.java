package dev.actinium.bench;

import dev.actinium.act.Activation;
import dev.actinium.act.Activations;
import dev.actinium.act.Reference;

import dev.actinium.Actinium;
import dev.actinium.DType;
import dev.actinium.Device;
import dev.actinium.Parallel;
import dev.actinium.Tensor;
import java.lang.foreign.Arena;
import java.util.Locale;

/**
 * The demo: prints {@link Actinium#info()}, then runs every activation forward and backward on a
 * large tensor and prints time, GB/s and the error against the float64 {@link Reference}, side by
 * side with a plain Java loop on the same threads; then fits a learnable rational unit to GELU and
 * trains it ({@link LearnableDemo}).
 *
 * <pre>
 *   Demo [--device cpu|cuda|cuda:N] [--size N] [--dtype f32|bf16] [--repeat R]
 * </pre>
 */
public final class Demo {
    private static final int SAMPLE = 1 << 20;  // elements checked against float64 (evenly spaced)

    public static void main(String[] args) {
        Device device = Device.CPU;
        int size = 1 << 24, repeat = 5;
        DType dtype = DType.F32;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--device" -> device = Device.parse(value(args, ++i));
                case "--size" -> size = Integer.parseInt(value(args, ++i).replace("_", ""));
                case "--dtype" -> dtype = DType.valueOf(value(args, ++i).toUpperCase(Locale.ROOT));
                case "--repeat" -> repeat = Integer.parseInt(value(args, ++i));
                case "-h", "--help" -> {
                    System.out.println("usage: Demo [--device cpu|cuda|cuda:N] [--size N] [--dtype f32|bf16] [--repeat R]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (try --help)");
            }
        }
        if (size < 1) throw new IllegalArgumentException("--size must be positive");
        System.out.println(Actinium.info());
        Actinium.Info info = Actinium.info();
        if (device.isCuda() && !info.cudaAvailable()) {
            System.out.println("\n--device " + device + " asked for, but CUDA is unavailable: " + info.cudaUnavailableReason());
            System.exit(2);
        }
        run(device, dtype, size, repeat);
        LearnableDemo.run(device);
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) throw new IllegalArgumentException(args[i - 1] + " needs a value");
        return args[i];
    }

    private static void run(Device device, DType dtype, int n, int repeat) {
        int threads = Parallel.defaults().parallelism();
        System.out.printf(Locale.ROOT, "%nn = %,d %s on %s%s; time = best of %d; error = max relative error against float64 away from zeros of f and f' (|ref| >= 1e-3 * scale), over %,d evenly spaced elements%n%n",
                n, dtype, device, device.isCpu() ? " (" + threads + " threads)" : "", repeat, Math.min(n, SAMPLE));
        System.out.printf(Locale.ROOT, "%-16s %-8s | %10s %8s %10s | %14s %8s %10s | %8s%n",
                "op", "pass", "Actinium", "GB/s", "error", "Java loop", "GB/s", "error", "speed-up");
        float[] x = Inputs.normal(n, 11, 3), dy = Inputs.normal(n, 12, 1);
        float[] javaOut = new float[n];
        try (Arena arena = Arena.ofShared()) {
            Tensor xh = Tensor.wrap(x, n), dyh = Tensor.wrap(dy, n);
            Tensor xt = (dtype == DType.F32 ? xh : xh.to(dtype, arena)).to(device, arena);
            Tensor dyt = (dtype == DType.F32 ? dyh : dyh.to(dtype, arena)).to(device, arena);
            Tensor yt = Tensor.allocate(arena, dtype, device, n);
            // The values the kernels actually see (bf16 rounds the inputs).
            float[] xs = dtype == DType.F32 ? x : xt.toFloatArray(), dys = dtype == DType.F32 ? dy : dyt.toFloatArray();
            Device dev = device;
            for (Activation op : Activation.values()) {
                if (op.isGated()) continue;
                for (boolean backward : new boolean[] {false, true}) {
                    double bytes = (backward ? 3.0 : 2.0) * n * dtype.byteSize();
                    double t = best(repeat, () -> {
                        if (op.isSeeded() && backward) Activations.backwardSeeded(op, SEED, 0, xt, dyt, yt);
                        else if (op.isSeeded()) Activations.forwardSeeded(op, SEED, 0, xt, yt);
                        else if (backward) Activations.backward(op, xt, dyt, yt);
                        else Activations.forward(op, xt, yt);
                        Actinium.synchronize(dev);
                    });
                    double err = error(op, backward, xs, dys, yt.toFloatArray());
                    if (!JavaScalar.OPS.contains(op)) {  // no plain Java loop written for this op
                        System.out.printf(Locale.ROOT, "%-16s %-8s | %8.2f ms %8.1f %10.2e |%n", op.nativeName(),
                                backward ? "backward" : "forward", t * 1e3, bytes / t / 1e9, err);
                        continue;
                    }
                    double tj = best(repeat, () -> Parallel.defaults().forRange(n, (s, e) -> {
                        if (backward) JavaScalar.backward(op, x, dy, javaOut, (int) s, (int) e);
                        else JavaScalar.forward(op, x, javaOut, (int) s, (int) e);
                    }));
                    double errJ = error(op, backward, x, dy, javaOut);
                    double javaBytes = (backward ? 3.0 : 2.0) * n * 4;
                    System.out.printf(Locale.ROOT,
                            "%-16s %-8s | %8.2f ms %8.1f %10.2e | %11.2f ms %8.1f %10.2e | %7.1fx%n",
                            op.nativeName(), backward ? "backward" : "forward", t * 1e3, bytes / t / 1e9, err,
                            tj * 1e3, javaBytes / tj / 1e9, errJ, tj / t);
                }
            }
        }
        System.out.println("\n(The Java loop is plain float arithmetic with Math.exp/tanh and an Abramowitz-Stegun erf, over float[] F32.)");
    }

    private static double best(int repeat, Runnable r) {
        r.run();  // warm up (JIT, page faults)
        double best = Double.MAX_VALUE;
        for (int i = 0; i < repeat; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    /** The stochastic op's seed in the demo. */
    private static final long SEED = 1;

    private static double error(Activation op, boolean backward, float[] x, float[] dy, float[] got) {
        int n = x.length, step = Math.max(1, n / SAMPLE);
        double worst = 0;
        for (int i = 0; i < n; i += step) {
            // A stochastic op is measured against the function its draw chose for element i.
            Activation f = op.isSeeded() ? Reference.seededChoice(op, SEED, i) : op;
            double ref = backward ? dy[i] * Reference.derivative(f, x[i]) : Reference.forward(f, x[i]);
            double scale = backward ? Math.abs(dy[i]) : 1;
            if (Math.abs(ref) >= 1e-3 * scale && Math.abs(ref) > 0) worst = Math.max(worst, Math.abs(got[i] - ref) / Math.abs(ref));
        }
        return worst;
    }
}
