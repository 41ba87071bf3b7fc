package dev.actinium.bench;

import dev.actinium.act.Activation;
import dev.actinium.act.Activations;

import dev.actinium.DType;
import dev.actinium.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Every activation, forward and backward, F32: Actinium (off-heap tensors, best ISA) against a
 * plain Java loop and a Vector API loop (float[]), all split over the same ForkJoinPool of
 * {@code threads} threads with the same grain (PooledState). Bytes moved per call: forward 8n, backward 12n.
 * Report.java turns the times into GB/s and fractions of the floor.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class ActivationBenchmark extends PooledState {
    @Param
    public Activation op;

    private Tensor x, dy, y, x2d, bias;
    private float[] xa, dya, ya;

    @Override
    protected void prepare() {
        xa = Inputs.normal(size, 1, 3);
        dya = Inputs.normal(size, 2, 1);
        ya = new float[size];
        x = Tensor.allocate(arena, DType.F32, size);
        dy = Tensor.allocate(arena, DType.F32, size);
        y = Tensor.allocate(arena, DType.F32, size);
        x.copyFrom(Tensor.wrap(xa, size));
        dy.copyFrom(Tensor.wrap(dya, size));
        x2d = x.reshape(size / BiasShape.COLS, BiasShape.COLS);
        bias = Tensor.allocate(arena, DType.F32, BiasShape.COLS);
        bias.copyFrom(Tensor.wrap(Inputs.normal(BiasShape.COLS, 3, 1), BiasShape.COLS));
    }

    @Benchmark
    public void actiniumForward() {
        Activations.forward(op, x, y, parallel);
    }

    @Benchmark
    public void actiniumBackward() {
        Activations.backward(op, x, dy, y, parallel);
    }

    /** y = op(x + bias), x as [size/4096, 4096]. */
    @Benchmark
    public void actiniumForwardBias() {
        Activations.forwardBias(op, x2d, bias, y.reshape(size / BiasShape.COLS, BiasShape.COLS), parallel);
    }

    @Benchmark
    public void javaScalarForward() {
        parallel.forRange(size, (s, e) -> JavaScalar.forward(op, xa, ya, (int) s, (int) e));
    }

    @Benchmark
    public void javaScalarBackward() {
        parallel.forRange(size, (s, e) -> JavaScalar.backward(op, xa, dya, ya, (int) s, (int) e));
    }

    @Benchmark
    public void vectorApiForward() {
        parallel.forRange(size, (s, e) -> VectorApi.forward(op, xa, ya, (int) s, (int) e));
    }

    @Benchmark
    public void vectorApiBackward() {
        parallel.forRange(size, (s, e) -> VectorApi.backward(op, xa, dya, ya, (int) s, (int) e));
    }

    /** The bias benchmark's row length. */
    static final class BiasShape {
        static final int COLS = 4096;
    }
}
