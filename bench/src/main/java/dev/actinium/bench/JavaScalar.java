package dev.actinium.bench;

import dev.actinium.act.Activation;


/**
 * Baseline: the plain Java loops a JVM user writes, over float[] ranges. GELU (erf) uses the
 * Abramowitz-Stegun 7.1.26 erf (absolute error 1.5e-7), since the JDK has no erf.
 */
final class JavaScalar {
    private JavaScalar() {}

    static final float SQRT1_2 = 0.70710678f, K = 0.7978845608f, C = 0.044715f, INV_SQRT_2PI = 0.39894228f;

    static float erf(float x) {
        float a = Math.abs(x);
        float t = 1f / (1f + 0.3275911f * a);
        float p = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
        float r = 1f - p * (float) Math.exp(-a * a);
        return x < 0 ? -r : r;
    }

    /** The ops this loop is written for. */
    static final java.util.List<Activation> OPS = java.util.List.of(Activation.RELU, Activation.GELU_ERF,
            Activation.GELU_TANH, Activation.SILU);

    static float forward(Activation op, float x) {
        return switch (op) {
            case RELU -> Math.max(x, 0f);
            case GELU_ERF -> 0.5f * x * (1f + erf(x * SQRT1_2));
            case GELU_TANH -> 0.5f * x * (1f + (float) Math.tanh(K * (x + C * x * x * x)));
            case SILU -> x / (1f + (float) Math.exp(-x));
            default -> throw new UnsupportedOperationException(op + ": no Java loop baseline");
        };
    }

    static float derivative(Activation op, float x) {
        return switch (op) {
            case RELU -> x > 0 ? 1f : 0f;
            case GELU_ERF -> 0.5f * (1f + erf(x * SQRT1_2)) + x * INV_SQRT_2PI * (float) Math.exp(-0.5f * x * x);
            case GELU_TANH -> {
                float t = (float) Math.tanh(K * (x + C * x * x * x));
                yield 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * K * (1f + 3f * C * x * x);
            }
            case SILU -> {
                float s = 1f / (1f + (float) Math.exp(-x));
                yield s * (1f + x * (1f - s));
            }
            default -> throw new UnsupportedOperationException(op + ": no Java loop baseline");
        };
    }

    static void forward(Activation op, float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) y[i] = forward(op, x[i]);
    }

    static void backward(Activation op, float[] x, float[] dy, float[] dx, int from, int to) {
        for (int i = from; i < to; i++) dx[i] = dy[i] * derivative(op, x[i]);
    }
}
