package dev.actinium;

import dev.actinium.act.Activation;
import dev.actinium.act.Activations;

import static org.junit.jupiter.api.Assertions.fail;

import dev.actinium.FuzzArgs.Arg;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Random calls through the public API mixing valid and invalid shapes, dtypes, devices, offsets,
 * views, aliasing, closed and foreign-confined arenas and thread counts. An independent oracle
 * lists the arguments that make a call invalid; each call must then either throw an exception
 * whose message starts with one of them, or, when there is none, give the float64 reference's
 * result within the op's bound. The seed is printed; -Dfuzz.seed=S replays it.
 */
class FuzzTest extends ApiFuzz {
    static final int CALLS = 40_000;
    static final long BUDGET_NANOS = 30_000_000_000L;
    static final int[] SIZES = {0, 1, 5, 15, 16, 17, 63, 64, 65, 300, 1000, 4099};
    static final DType[] DTYPES = {DType.F32, DType.F32, DType.BF16, DType.BF16, DType.F16, DType.I8};
    static final Parallel[] PARALLELS = {Parallel.serial(), Parallel.of(Parallel.newPool(2)).withGrain(64),
            Parallel.of(Parallel.newPool(3)).withGrain(1000).withStreamThreshold(0)};

    @Test
    void randomCallsGiveTheReferenceOrAnExceptionNamingTheArgument() throws Exception {
        fuzz("FuzzTest", CALLS, BUDGET_NANOS, 10_000, true);
    }

    @Override
    boolean oneCall(int index) throws Exception {
        // The API's checks are the same for every element-wise op: four with different kernels suffice.
        Activation[] ops = {Activation.RELU, Activation.GELU_ERF, Activation.GELU_TANH, Activation.SILU};
        Activation op = random.nextInt(50) == 0 ? null : ops[random.nextInt(ops.length)];
        Parallel parallel = random.nextInt(60) == 0 ? null : PARALLELS[random.nextInt(PARALLELS.length)];
        int kind = random.nextInt(4);  // forward, backward, forward with bias, forward into a new tensor
        long[] dims = dims(SIZES, null);
        Arg x = args.arg("x", dims, pick(DTYPES));
        Set<String> culprits = new HashSet<>();
        if (op == null) culprits.add("op");
        if (parallel == null && kind != 3) culprits.add("parallel");
        List<Arg> inputs = new ArrayList<>(List.of(x));
        Arg out, dy = null, bias = null;
        if (kind == 3) {
            out = null;
        } else {
            String name = kind == 1 ? "dx" : "y";
            out = random.nextInt(8) == 0 ? args.alias(x, name) : args.arg(name, mutate(dims, 12), mutate(x));
        }
        if (kind == 1) {
            boolean sameAsDx = random.nextInt(10) == 0 && out != null && out.tensor() != null;
            dy = sameAsDx ? new Arg("dy", out.tensor(), out.values(), out.where())
                    : args.arg("dy", mutate(dims, 12), mutate(x));
            inputs.add(dy);
        }
        if (kind == 2) {
            long cols = Shape.of(dims).lastDim();
            long[] biasDims = random.nextInt(10) == 0 ? new long[] {cols + 1}
                    : random.nextInt(15) == 0 ? new long[] {1, cols} : new long[] {cols};
            bias = random.nextInt(20) == 0 && out != null ? args.alias(out, "bias")
                    : args.arg("bias", biasDims, mutate(x));
            inputs.add(bias);
        }
        oracle(x, out, dy, bias, kind, culprits);
        float[][] before = new float[inputs.size()][];
        for (int i = 0; i < inputs.size(); i++) {
            float[] values = inputs.get(i).values();
            before[i] = values == null ? null : values.clone();
        }
        Tensor result;
        try {
            result = switch (kind) {
                case 0 -> {
                    Activations.forward(op, x.tensor(), out.tensor(), parallel);
                    yield out.tensor();
                }
                case 1 -> {
                    Activations.backward(op, x.tensor(), dy.tensor(), out.tensor(), parallel);
                    yield out.tensor();
                }
                case 2 -> {
                    Activations.forwardBias(op, x.tensor(), bias.tensor(), out.tensor(), parallel);
                    yield out.tensor();
                }
                default -> Activations.forward(op, x.tensor(), args.arena);
            };
        } catch (RuntimeException e) {
            String lead = e.getMessage() == null ? "" : e.getMessage().split("[: ]", 2)[0];
            if (!culprits.contains(lead)) {
                throw new AssertionError("call " + index + " (" + describe(op, kind, x, out, dy, bias) + "): culprits "
                        + culprits + ", threw " + e, e);
            }
            return false;
        }
        if (!culprits.isEmpty()) {
            fail("call " + index + " (" + describe(op, kind, x, out, dy, bias) + ") should fail naming one of "
                    + culprits);
        }
        check(op, kind, before, result, index);
        return true;
    }

    /** The arguments that make the call invalid, in the library's terms. */
    static void oracle(Arg x, Arg out, Arg dy, Arg bias, int kind, Set<String> culprits) {
        for (Arg a : new Arg[] {x, out, dy, bias}) {
            if (a == null) continue;
            if (!a.usable()) culprits.add(a.name());
        }
        if (!x.usable()) return;
        Tensor xt = x.tensor();
        if (xt.dtype() != DType.F32 && xt.dtype() != DType.BF16 && xt.dtype() != DType.F16) culprits.add("x");
        if (xt.device().isCuda()) culprits.add("x");
        for (Arg a : new Arg[] {out, dy, bias}) {
            if (a == null || !a.usable()) continue;
            Tensor t = a.tensor();
            if (t.dtype() != xt.dtype() || !t.device().equals(xt.device())) culprits.add(a.name());
            if (a != bias && !t.shape().equals(xt.shape())) culprits.add(a.name());
            if (t.device().isCuda()) culprits.add(a.name());
        }
        if (bias != null && bias.usable()) {
            Shape s = bias.tensor().shape();
            if (s.rank() != 1 || s.dim(0) != xt.shape().lastDim()) culprits.add("bias");
            if (out != null && out.usable() && FuzzArgs.overlaps(out.tensor(), bias.tensor())) culprits.add("y");
        }
        if (out != null && out.usable()) {
            if (FuzzArgs.partial(out.tensor(), xt)) culprits.add(out.name());
            if (dy != null && dy.usable() && FuzzArgs.partial(out.tensor(), dy.tensor())) culprits.add(out.name());
        }
    }

    void check(Activation op, int kind, float[][] before, Tensor result, int index) {
        OpInfo info = OpInfo.of(op);
        float[] x = before[0];
        int n = x.length;
        DType dtype = result.dtype();
        double[] ref = new double[n];
        float[] scale = null, input = x;
        if (kind == 1) {
            float[] dy = before[1];
            for (int i = 0; i < n; i++) {
                // relu's gradient is a select, as PyTorch's: 0 where x <= 0 even for dy = NaN or inf
                ref[i] = Float.isNaN(x[i]) ? Double.NaN : op == Activation.RELU ? (x[i] > 0 ? dy[i] : 0)
                        : (double) dy[i] * info.derivative(x[i]);
            }
            scale = dy;
        } else if (kind == 2) {
            float[] b = before[1];
            int cols = b.length;
            input = new float[n];
            for (int i = 0; i < n; i++) {
                input[i] = x[i] + b[i % cols];  // the add is fp32; only the output is rounded
                ref[i] = info.forward(input[i]);
            }
        } else {
            for (int i = 0; i < n; i++) ref[i] = info.forward(x[i]);
        }
        Harness.compare("fuzz call " + index + " " + op + " " + dtype + " kind " + kind, info, dtype,
                kind == 1 ? "backward" : "forward", input, result.toFloatArray(), ref, scale);
    }

    DType mutate(Arg like) {
        if (random.nextInt(12) == 0 || like.tensor() == null) return pick(DTYPES);
        return like.tensor().dtype();
    }

    DType pick(DType[] dtypes) {
        return dtypes[random.nextInt(dtypes.length)];
    }

    static String describe(Activation op, int kind, Arg... args) {
        return FuzzArgs.describe(op + " kind " + kind, args);
    }
}
