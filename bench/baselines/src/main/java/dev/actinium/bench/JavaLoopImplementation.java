package dev.actinium.bench;

import dev.actinium.act.Activation;

import dev.actinium.DType;
import dev.actinium.Parallel;

/** The plain Java loops of actinium-bench (scalar, or the Vector API), split over the same Parallel. */
final class JavaLoopImplementation implements Implementation {
    private final Parallel parallel;
    private final boolean vector;

    JavaLoopImplementation(Parallel parallel, boolean vector) {
        this.parallel = parallel;
        this.vector = vector;
    }

    @Override
    public String name() {
        return vector ? "Vector API loop" : "scalar Java loop";
    }

    @Override
    public Runnable forward(Activation op, Buffers b) {
        if (b.dtype() != DType.F32 || !JavaScalar.OPS.contains(op)) return null;  // float[] loops, four ops
        float[] x = b.xs(), y = b.ys();
        return vector ? () -> parallel.forRange(x.length, (s, e) -> VectorApi.forward(op, x, y, (int) s, (int) e))
                : () -> parallel.forRange(x.length, (s, e) -> JavaScalar.forward(op, x, y, (int) s, (int) e));
    }

    @Override
    public Runnable backward(Activation op, Buffers b) {
        if (b.dtype() != DType.F32 || !JavaScalar.OPS.contains(op)) return null;
        float[] x = b.xs(), dy = b.dys(), dx = b.ys();
        return vector ? () -> parallel.forRange(x.length, (s, e) -> VectorApi.backward(op, x, dy, dx, (int) s, (int) e))
                : () -> parallel.forRange(x.length, (s, e) -> JavaScalar.backward(op, x, dy, dx, (int) s, (int) e));
    }
}
