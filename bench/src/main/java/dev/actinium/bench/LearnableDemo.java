package dev.actinium.bench;

import dev.actinium.DType;
import dev.actinium.Device;
import dev.actinium.Tensor;
import dev.actinium.act.Activation;
import dev.actinium.act.LearnableActivation;
import dev.actinium.act.LearnableActivations;
import dev.actinium.act.RationalFit;
import java.lang.foreign.Arena;
import java.util.Locale;
import java.util.Random;

/**
 * The demo's learnable section: a rational unit (degrees (5, 4), in 4 groups of channels as KAT
 * groups them) fitted to GELU, then trained with Adam on a generated regression task, y = target(x)
 * with one target per group, printing the loss as it goes. Forward, backward and the parameter
 * gradients run in Actinium, on the demo's device; the optimizer step is a few lines of Java.
 */
final class LearnableDemo {
    private static final int ROWS = 4096, CHANNELS = 256, GROUPS = 4, STEPS = 300;

    private LearnableDemo() {}

    /** What each group of channels is trained to become. */
    private static double target(int group, double x) {
        return switch (group) {
            case 0 -> x / (1 + Math.exp(-2 * x));      // Swish, beta 2
            case 1 -> Math.tanh(x);
            case 2 -> Math.max(x, 0) - 0.1 * Math.max(-x, 0);  // leaky ReLU, slope 0.1
            default -> 0.5 * x + Math.sin(2 * x) / 2;
        };
    }

    static void run(Device device) {
        LearnableActivation f = LearnableActivation.rational(5, 4).withGroups(GROUPS);
        RationalFit.Result fit = RationalFit.fit(f, Activation.GELU_ERF, -4, 4);
        System.out.printf(Locale.ROOT, "%nLearnable: %s fitted to gelu_erf on [-4, 4]: max error %.2e, rms %.2e%n", f,
                fit.maxError(), fit.rmsError());
        float[] params = f.spread(fit.coefficients(), CHANNELS);
        int n = ROWS * CHANNELS;
        float[] x = new float[n], want = new float[n];
        Random r = new Random(5);
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 1.5);
            want[i] = (float) target(i % CHANNELS / (CHANNELS / GROUPS), x[i]);
        }
        System.out.printf(Locale.ROOT, "training it on %,d x %d samples, each group of %d channels towards its own "
                + "function (swish, tanh, leaky relu, x/2 + sin(2x)/2), Adam, %s:%n", ROWS, CHANNELS,
                CHANNELS / GROUPS, device);
        try (Arena arena = Arena.ofConfined()) {
            Tensor xs = onDevice(arena, device, x), ps = onDevice(arena, device, params);
            Tensor y = Tensor.allocate(arena, DType.F32, device, ROWS, CHANNELS);
            Tensor dy = Tensor.allocate(arena, DType.F32, device, ROWS, CHANNELS);
            Tensor dx = Tensor.allocate(arena, DType.F32, device, ROWS, CHANNELS);
            Tensor dp = Tensor.allocate(arena, DType.F32, device, params.length);
            xs = xs.reshape(ROWS, CHANNELS);
            double[] m = new double[params.length], v = new double[params.length];
            double lr = 3e-3, b1 = 0.9, b2 = 0.999;
            long kernelNanos = 0;
            for (int step = 0; step <= STEPS; step++) {
                long t0 = System.nanoTime();
                LearnableActivations.forward(f, ps, xs, y);
                kernelNanos += System.nanoTime() - t0;
                float[] out = y.toFloatArray();
                float[] grad = new float[n];
                double loss = 0;
                for (int i = 0; i < n; i++) {
                    double e = out[i] - want[i];
                    loss += e * e;
                    grad[i] = (float) (2 * e / n);
                }
                loss /= n;
                if (step % 50 == 0) System.out.printf(Locale.ROOT, "  step %3d  loss %.3e%n", step, loss);
                if (step == STEPS) break;
                dy.copyFrom(Tensor.wrap(grad, ROWS, CHANNELS));
                long t1 = System.nanoTime();
                LearnableActivations.backward(f, ps, xs, dy, dx, dp);
                float[] g = dp.toFloatArray();  // on a GPU: waits for the kernels, so they are timed whole
                kernelNanos += System.nanoTime() - t1;
                for (int k = 0; k < params.length; k++) {
                    m[k] = b1 * m[k] + (1 - b1) * g[k];
                    v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k];
                    double mh = m[k] / (1 - Math.pow(b1, step + 1)), vh = v[k] / (1 - Math.pow(b2, step + 1));
                    params[k] -= (float) (lr * mh / (Math.sqrt(vh) + 1e-8));
                }
                ps.copyFrom(Tensor.wrap(params, params.length));
            }
            System.out.printf(Locale.ROOT, "(forward, backward and parameter gradients of %,d elements: %.2f ms a "
                    + "step on average)%n", n, kernelNanos / 1e6 / STEPS);
        }
    }

    private static Tensor onDevice(Arena arena, Device device, float[] values) {
        Tensor t = Tensor.allocate(arena, DType.F32, device, values.length);
        t.copyFrom(Tensor.wrap(values, values.length));
        return t;
    }
}
