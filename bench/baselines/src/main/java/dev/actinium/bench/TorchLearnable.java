package dev.actinium.bench;

import dev.actinium.act.LearnableActivation;
import java.lang.foreign.MemorySegment;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.BoolOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * A learnable activation as its published PyTorch modules compute it: a composition of PyTorch ops on
 * leaf tensors that require gradients, the backward from autograd ({@code torch.autograd.grad}). The
 * tensors are views (from_blob) of the benchmark's memory: x as [rows, groups, channels / groups], each
 * shared parameter as [1], each grouped one as [groups, 1], so one composition serves every grouping.
 * Rational and polyrelu are written in Horner's form (fewer ops than the published modules' stacked
 * powers); polynorm as PolyCom's module, with eps a constant there (not a leaf).
 */
final class TorchLearnable {
    private static final Scalar ONE = kept(1.0), MINUS_ONE = kept(-1.0), TWENTY = kept(20.0);
    private static final Scalar HALF = kept(0.5), MIN_LAMBDA = kept(1e-4);

    /** A constant that outlives the PointerScope its class may be loaded in (the scope would free it). */
    private static Scalar kept(double value) {
        Scalar s = new Scalar(value);
        s.retainReference();
        return s;
    }

    private final LearnableActivation f;
    private final Tensor x;
    private final Tensor[] params;
    private final TensorVector inputs;
    private final long rows, channels;

    /** x and params are F32 native memory of rows x channels and of f.paramCount(channels) floats. */
    TorchLearnable(LearnableActivation f, MemorySegment x, MemorySegment params, long rows, long channels) {
        this.f = f;
        this.rows = rows;
        this.channels = channels;
        long groups = f.groupsFor(channels);
        this.x = blob(x, rows, groups, channels / groups).set_requires_grad(true);
        int count = f.parameterNames().size();
        this.params = new Tensor[count];
        java.util.List<Tensor> leaves = new java.util.ArrayList<>(java.util.List.of(this.x));
        for (int k = 0; k < count; k++) {
            boolean shared = k < f.sharedCount();
            long at = f.slot(k, 0, channels);
            MemorySegment values = params.asSlice(4 * at, 4 * (shared ? 1 : groups));
            this.params[k] = shared ? blob(values, 1) : blob(values, groups, 1);
            if (isLeaf(k)) leaves.add(this.params[k].set_requires_grad(true));
        }
        this.inputs = new TensorVector(leaves.toArray(new Tensor[0]));
    }

    /** Whether parameter k is a leaf of the graph: all but polynorm's eps, a constant in PolyCom's module. */
    boolean isLeaf(int k) {
        return !(f.normalizesRows() && k == 0);
    }

    /** Where parameter k's gradient lies in backward()'s result (x's is at 0), for a leaf. */
    int gradientIndex(int k) {
        return f.normalizesRows() ? k : k + 1;
    }

    static Tensor blob(MemorySegment s, long... shape) {
        return torch.from_blob(new Pointer(s.asByteBuffer()), shape, new TensorOptions(torch.kFloat()));
    }

    /** y = f(x; params), recorded for autograd. */
    Tensor forward() {
        Tensor[] p = params;
        return switch (f.op()) {
            case RATIONAL -> {
                int m = f.numDegree(), n = f.denDegree();
                Tensor num = p[m];
                for (int i = m - 1; i >= 0; i--) num = num.mul(x).add(p[i]);
                if (n == 0) yield num.mul(ONE);
                Tensor den = p[m + n];
                for (int j = n - 1; j >= 1; j--) den = den.mul(x).add(p[m + j]);
                yield num.div(den.mul(x).abs().add(ONE));
            }
            case POLYRELU -> {
                Tensor r = x.relu(), sum = p[f.numDegree()];
                for (int i = f.numDegree() - 1; i >= 0; i--) sum = sum.mul(r).add(p[i]);
                yield sum;
            }
            case DYT -> p[1].mul(p[0].mul(x).tanh()).add(p[2]);
            case APA -> {
                // AGLU: exp((1 / lambda) * softplus_{beta = -1}(kappa x - log lambda)), lambda clamped at 1e-4
                Tensor lambda = p[1].clamp_min(MIN_LAMBDA);
                Tensor z = p[0].mul(x).sub(lambda.log());
                yield torch.softplus(z, MINUS_ONE, TWENTY).div(lambda).exp();
            }
            case SWISH -> x.mul(p[0].mul(x).sigmoid());
            case CRRELU -> x.relu().add(p[0].mul(x).mul(x.square().mul(HALF).neg().exp()));
            case TEMPERED_SIGMOID -> p[0].mul(p[1].mul(x).sigmoid()).sub(p[2]);
            case SINE -> p[0].mul(x).sin();
            case CAUCHY -> p[0].mul(x).add(p[1]).div(x.square().add(p[2].square()));
            case POLYNORM -> {
                Tensor x2 = x.view(rows, channels), sum = p[1];
                float eps = p[0].item_float();
                for (int k = 1; k <= f.numDegree(); k++) {
                    Tensor u = k == 1 ? x2 : k == 2 ? x2.square() : x2.square().mul(x2);
                    Tensor norm = u.mul(u.square().mean(new long[] {-1}, true, new org.bytedeco.pytorch
                            .ScalarTypeOptional()).add(new Scalar(eps)).rsqrt());
                    sum = sum.add(p[k + 1].mul(norm));
                }
                yield sum;
            }
        };
    }

    /**
     * The gradients of x, then of each parameter, of sum(dy * f): autograd over a fresh forward. dy has
     * y's shape ({@link #outputShape}); the parameters' gradients at {@link #gradientIndex}.
     */
    TensorVector backward(Tensor dy) {
        Tensor y = forward();
        return torch.grad(new TensorVector(y), inputs, new TensorVector(dy), new BoolOptional(false), false, false);
    }

    /** The shape of forward()'s result. */
    long[] outputShape() {
        long groups = f.groupsFor(channels);
        return f.normalizesRows() ? new long[] {rows, channels} : new long[] {rows, groups, channels / groups};
    }

}
