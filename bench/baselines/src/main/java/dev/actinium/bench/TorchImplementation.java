package dev.actinium.bench;

import dev.actinium.act.Activation;

import dev.actinium.DType;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * PyTorch (libtorch CPU through bytedeco's pytorch artifact): the out= variants on tensors made with
 * from_blob over the benchmark's own memory, so nothing is allocated or copied in the timed call.
 * relu uses clamp_min_out: relu_out is not a real out-variant (it allocates and copies); selu is
 * elu_out with selu's constants, as torch.selu computes it, and celu (alpha 1) is elu_out, which it
 * then equals: libtorch's celu_out computes into a new tensor and copies. Parameters are PyTorch's
 * defaults, as Actinium's. Not wired: sigmoid and tanh backward (PyTorch's take the output), mish
 * and celu backward (no out= variant), hardswish backward (its out= variant allocates and copies),
 * and logsigmoid (its out= forward allocates the buffer its backward needs on every call).
 */
final class TorchImplementation implements Implementation {
    private static final Scalar ZERO = new Scalar(0.0), ONE = new Scalar(1.0), HALF = new Scalar(0.5);
    private static final Scalar MINUS_ONE = new Scalar(-1.0), SLOPE = new Scalar(0.01), THRESHOLD = new Scalar(20.0);
    private static final Scalar SELU_ALPHA = new Scalar(1.6732632423543772848170429916717);
    private static final Scalar SELU_SCALE = new Scalar(1.0507009873554804934193349852946);

    TorchImplementation(int threads) {
        torch.set_num_threads(threads);
    }

    @Override
    public String name() {
        return "pytorch";
    }

    private static Tensor view(java.lang.foreign.MemorySegment s, Buffers b) {
        return torch.from_blob(new Pointer(Buffers.bytes(s)), new long[] {b.n()},
                new TensorOptions(b.dtype() == DType.BF16 ? torch.kBFloat16() : torch.kFloat()));
    }

    @Override
    public Runnable forward(Activation op, Buffers b) {
        Tensor x = view(b.x(), b), y = view(b.y(), b);
        return switch (op) {
            case RELU -> () -> torch.clamp_min_out(y, x, ZERO);
            case GELU_ERF -> () -> torch.gelu_out(y, x, "none");
            case GELU_TANH -> () -> torch.gelu_out(y, x, "tanh");
            case SILU -> () -> torch.silu_out(y, x);
            case SIGMOID -> () -> torch.sigmoid_out(y, x);
            case TANH -> () -> torch.tanh_out(y, x);
            case MISH -> () -> torch.mish_out(y, x);
            case HARDSWISH -> () -> torch.hardswish_out(y, x);
            case SOFTPLUS -> () -> torch.softplus_out(y, x, ONE, THRESHOLD);
            case ELU -> () -> torch.elu_out(y, x, ONE, ONE, ONE);
            case SELU -> () -> torch.elu_out(y, x, SELU_ALPHA, SELU_SCALE, ONE);
            case CELU -> () -> torch.elu_out(y, x, ONE, ONE, ONE);
            case LEAKY_RELU -> () -> torch.leaky_relu_out(y, x, SLOPE);
            case HARDSIGMOID -> () -> torch.hardsigmoid_out(y, x);
            case HARDTANH -> () -> torch.hardtanh_out(y, x, MINUS_ONE, ONE);
            case SOFTSHRINK -> () -> torch.softshrink_out(y, x, HALF);
            case HARDSHRINK -> () -> torch.hardshrink_out(y, x, HALF);
            default -> throw new UnsupportedOperationException(op + ": not wired to PyTorch here");
        };
    }

    @Override
    public Runnable backward(Activation op, Buffers b) {
        Tensor x = view(b.x(), b), dy = view(b.dy(), b), dx = view(b.y(), b);
        return switch (op) {
            case RELU -> () -> torch.threshold_backward_out(dx, dy, x, ZERO);
            case GELU_ERF -> () -> torch.gelu_backward_out(dx, dy, x, "none");
            case GELU_TANH -> () -> torch.gelu_backward_out(dx, dy, x, "tanh");
            case SILU -> () -> torch.silu_backward_out(dx, dy, x);
            case SOFTPLUS -> () -> torch.softplus_backward_out(dx, dy, x, ONE, THRESHOLD);
            case ELU -> () -> torch.elu_backward_out(dx, dy, ONE, ONE, ONE, false, x);
            case SELU -> () -> torch.elu_backward_out(dx, dy, SELU_ALPHA, SELU_SCALE, ONE, false, x);
            case LEAKY_RELU -> () -> torch.leaky_relu_backward_out(dx, dy, x, SLOPE, false);
            case HARDSIGMOID -> () -> torch.hardsigmoid_backward_out(dx, dy, x);
            case HARDTANH -> () -> torch.hardtanh_backward_out(dx, dy, x, MINUS_ONE, ONE);
            case SOFTSHRINK -> () -> torch.softshrink_backward_out(dx, dy, x, HALF);
            case HARDSHRINK -> () -> torch.hardshrink_backward_out(dx, dy, x, HALF);
            default -> throw new UnsupportedOperationException(op + ": not wired to PyTorch here");
        };
    }
}
