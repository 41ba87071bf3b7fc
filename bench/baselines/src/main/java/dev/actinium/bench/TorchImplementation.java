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
 * relu uses clamp_min_out: relu_out is not a real out-variant (it allocates and copies).
 */
final class TorchImplementation implements Implementation {
    private static final Scalar ZERO = new Scalar(0.0);

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
            default -> throw new UnsupportedOperationException(op + ": not wired to PyTorch here");
        };
    }
}
