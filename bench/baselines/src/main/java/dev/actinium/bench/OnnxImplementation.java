package dev.actinium.bench;

import dev.actinium.act.Activation;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.actinium.DType;
import dev.actinium.bench.OnnxModel.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime's Java package (MLAS kernels on the CPU): a one-node model per op, inputs and
 * preallocated outputs as tensors over the benchmark's own memory (run with pinned outputs), intra-op
 * threads set per JVM. Forward only: backward ops exist only in ORT's training builds. With
 * fastGelu, gelu_tanh runs the contrib FastGelu op (ORT's fast path for it) instead of Gelu.
 */
final class OnnxImplementation implements Implementation {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    private final boolean fastGelu;
    private final List<AutoCloseable> open = new ArrayList<>();

    OnnxImplementation(int threads, boolean fastGelu) throws OrtException {
        this.fastGelu = fastGelu;
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        // Idle pool threads sleep instead of spinning on the cores the next case needs (as
        // OMP_WAIT_POLICY=PASSIVE does for PyTorch in bench/run-baselines.sh).
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
    }

    @Override
    public String name() {
        return fastGelu ? "onnxruntime FastGelu" : "onnxruntime";
    }

    private static Node[] graph(Activation op, boolean fastGelu) {
        String[] x = {"x"};
        return switch (op) {
            case RELU -> new Node[] {new Node("Relu", "", x, "y")};
            case GELU_ERF -> new Node[] {new Node("Gelu", "", x, "y", "approximate", "none")};
            case GELU_TANH -> fastGelu ? new Node[] {new Node("FastGelu", "com.microsoft", x, "y")}
                    : new Node[] {new Node("Gelu", "", x, "y", "approximate", "tanh")};
            case SILU -> new Node[] {
                new Node("Sigmoid", "", x, "s"), new Node("Mul", "", new String[] {"x", "s"}, "y")};
            // ONNX operators whose defaults are PyTorch's (HardSigmoid's alpha is not: left out).
            case SIGMOID -> new Node[] {new Node("Sigmoid", "", x, "y")};
            case TANH -> new Node[] {new Node("Tanh", "", x, "y")};
            case SOFTPLUS -> new Node[] {new Node("Softplus", "", x, "y")};
            case ELU -> new Node[] {new Node("Elu", "", x, "y")};
            case SELU -> new Node[] {new Node("Selu", "", x, "y")};
            case LEAKY_RELU -> new Node[] {new Node("LeakyRelu", "", x, "y")};
            case HARDSWISH -> new Node[] {new Node("HardSwish", "", x, "y")};
            case MISH -> new Node[] {new Node("Mish", "", x, "y")};
            case CELU -> new Node[] {new Node("Celu", "", x, "y")};
            case SOFTSIGN -> new Node[] {new Node("Softsign", "", x, "y")};
            default -> throw new UnsupportedOperationException(op + ": not offered");
        };
    }

    @Override
    public Runnable forward(Activation op, Buffers b) throws OrtException {
        if (fastGelu && op != Activation.GELU_TANH) return null;
        boolean bf16 = b.dtype() == DType.BF16;
        OnnxJavaType type = bf16 ? OnnxJavaType.BFLOAT16 : OnnxJavaType.FLOAT;
        OrtSession session = env.createSession(OnnxModel.model(bf16, graph(op, fastGelu)), options);
        OnnxTensor x = OnnxTensor.createTensor(env, Buffers.bytes(b.x()), new long[] {b.n()}, type);
        OnnxTensor y = OnnxTensor.createTensor(env, Buffers.bytes(b.y()), new long[] {b.n()}, type);
        open.add(session);
        open.add(x);
        open.add(y);
        Map<String, OnnxTensor> inputs = Map.of("x", x), outputs = Map.of("y", y);
        return () -> {
            try (OrtSession.Result r = session.run(inputs, outputs)) {
                // the output is y itself (pinned): nothing to read back
            } catch (OrtException e) {
                throw new IllegalStateException(e);
            }
        };
    }

    @Override
    public Runnable backward(Activation op, Buffers b) {
        return null;
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : open) c.close();
        options.close();
    }
}
