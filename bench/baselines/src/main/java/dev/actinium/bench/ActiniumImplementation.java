package dev.actinium.bench;

import dev.actinium.act.Activation;
import dev.actinium.act.Activations;

import dev.actinium.Parallel;
import dev.actinium.Tensor;

/** Actinium through its public Java API, on the benchmark's Parallel. */
final class ActiniumImplementation implements Implementation {
    private final Parallel parallel;

    ActiniumImplementation(Parallel parallel) {
        this.parallel = parallel;
    }

    @Override
    public String name() {
        return "actinium";
    }

    @Override
    public Runnable forward(Activation op, Buffers b) {
        Tensor x = Tensor.wrap(b.x(), b.dtype(), b.n()), y = Tensor.wrap(b.y(), b.dtype(), b.n());
        return () -> Activations.forward(op, x, y, parallel);
    }

    @Override
    public Runnable backward(Activation op, Buffers b) {
        Tensor x = Tensor.wrap(b.x(), b.dtype(), b.n()), dy = Tensor.wrap(b.dy(), b.dtype(), b.n());
        Tensor dx = Tensor.wrap(b.y(), b.dtype(), b.n());
        return () -> Activations.backward(op, x, dy, dx, parallel);
    }
}
