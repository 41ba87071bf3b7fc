package dev.actinium.bench;

import dev.actinium.act.Activation;

import java.lang.foreign.MemorySegment;
import dev.actinium.DType;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinearDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.strict.GELU;
import org.nd4j.linalg.api.ops.impl.transforms.strict.GELUDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.strict.PreciseGELU;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Swish;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SwishDerivative;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J (libnd4j, AVX-512 build), the ops Deeplearning4j's activations call, on arrays over the
 * benchmark's own memory. gelu_erf maps to PreciseGELU and gelu_tanh to GELU, as DL4J's ActivationGELU
 * does with and without `precise`; neither computes GELU (the check marks them WRONG). Backward is
 * what DL4J's backprop does: the derivative into dx, then dx *= dy (relu has a fused op).
 */
final class Nd4jImplementation implements Implementation {
    Nd4jImplementation(int threads) {
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
    }

    @Override
    public String name() {
        return "ND4J";
    }

    private static INDArray view(MemorySegment s, Buffers b) {
        DataType type = b.dtype() == DType.BF16 ? DataType.BFLOAT16 : DataType.FLOAT;
        return Nd4j.create(Nd4j.createBuffer(new Pointer(Buffers.bytes(s)), b.n(), type), new long[] {b.n()},
                new long[] {1}, 0, 'c', type);
    }

    @Override
    public Runnable forward(Activation op, Buffers b) {
        INDArray x = view(b.x(), b), y = view(b.y(), b);
        return switch (op) {
            case RELU -> () -> Nd4j.exec(new RectifiedLinear(x, y, 0.0));
            case GELU_ERF -> () -> Nd4j.exec(new PreciseGELU(x, y));
            case GELU_TANH -> () -> Nd4j.exec(new GELU(x, y));
            case SILU -> () -> Nd4j.exec(new Swish(x, y));
            default -> throw new UnsupportedOperationException(op + ": not offered");
        };
    }

    @Override
    public Runnable backward(Activation op, Buffers b) {
        INDArray x = view(b.x(), b), dy = view(b.dy(), b), dx = view(b.y(), b);
        return switch (op) {
            case RELU -> () -> Nd4j.exec(new RectifiedLinearDerivative(x, dy, dx));
            case GELU_ERF, GELU_TANH -> () -> {
                Nd4j.exec(new GELUDerivative(x, dx));
                dx.muli(dy);
            };
            case SILU -> () -> {
                Nd4j.exec(new SwishDerivative(x, dx));
                dx.muli(dy);
            };
            default -> throw new UnsupportedOperationException(op + ": not offered");
        };
    }
}
