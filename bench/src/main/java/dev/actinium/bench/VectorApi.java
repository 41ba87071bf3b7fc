package dev.actinium.bench;

import dev.actinium.act.Activation;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Baseline: the same activations with the JDK Vector API (preferred species), the best a pure-JVM
 * library can do today. EXP and TANH are the JDK's vector math (SVML intrinsics on x86); erf is
 * Abramowitz-Stegun 7.1.26 as in {@link JavaScalar}. Tails run through the scalar loop.
 */
final class VectorApi {
    private VectorApi() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    static final FloatVector ONE = FloatVector.broadcast(S, 1f);

    /** a * b + c with a scalar c. */
    static FloatVector fma(FloatVector a, FloatVector b, float c) {
        return a.fma(b, FloatVector.broadcast(S, c));
    }

    static FloatVector erf(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector t = ONE.div(a.fma(0.3275911f, 1f));
        FloatVector p = fma(fma(fma(t.mul(1.061405429f).add(-1.453152027f), t, 1.421413741f), t, -0.284496736f), t, 0.254829592f).mul(t);
        FloatVector r = p.mul(a.mul(a).neg().lanewise(VectorOperators.EXP)).neg().add(1f);
        return r.blend(r.neg(), x.compare(VectorOperators.LT, 0f));
    }

    static FloatVector forward(Activation op, FloatVector x) {
        return switch (op) {
            case RELU -> x.max(0f);
            case GELU_ERF -> x.mul(0.5f).mul(erf(x.mul(JavaScalar.SQRT1_2)).add(1f));
            case GELU_TANH -> {
                FloatVector u = x.mul(x).fma(JavaScalar.C, 1f).mul(x).mul(JavaScalar.K);
                yield x.mul(0.5f).mul(u.lanewise(VectorOperators.TANH).add(1f));
            }
            case SILU -> x.div(x.neg().lanewise(VectorOperators.EXP).add(1f));
            default -> throw new UnsupportedOperationException(op + ": no Vector API baseline");
        };
    }

    static FloatVector derivative(Activation op, FloatVector x) {
        return switch (op) {
            case RELU -> FloatVector.broadcast(S, 0f).blend(1f, x.compare(VectorOperators.GT, 0f));
            case GELU_ERF -> {
                FloatVector cdf = erf(x.mul(JavaScalar.SQRT1_2)).add(1f).mul(0.5f);
                FloatVector pdf = x.mul(x).mul(-0.5f).lanewise(VectorOperators.EXP).mul(JavaScalar.INV_SQRT_2PI);
                yield x.fma(pdf, cdf);
            }
            case GELU_TANH -> {
                FloatVector x2 = x.mul(x);
                FloatVector t = x2.fma(JavaScalar.C, 1f).mul(x).mul(JavaScalar.K).lanewise(VectorOperators.TANH);
                FloatVector du = x2.fma(3f * JavaScalar.C, 1f).mul(JavaScalar.K);
                FloatVector sech2 = t.mul(t).neg().add(1f);
                yield t.add(1f).mul(0.5f).add(x.mul(0.5f).mul(sech2).mul(du));
            }
            case SILU -> {
                FloatVector s = ONE.div(x.neg().lanewise(VectorOperators.EXP).add(1f));
                yield s.mul(x.mul(s.neg().add(1f)).add(1f));
            }
            default -> throw new UnsupportedOperationException(op + ": no Vector API baseline");
        };
    }

    static void forward(Activation op, float[] x, float[] y, int from, int to) {
        int i = from, bound = from + S.loopBound(to - from);
        for (; i < bound; i += S.length()) forward(op, FloatVector.fromArray(S, x, i)).intoArray(y, i);
        JavaScalar.forward(op, x, y, i, to);
    }

    static void backward(Activation op, float[] x, float[] dy, float[] dx, int from, int to) {
        int i = from, bound = from + S.loopBound(to - from);
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, dy, i).mul(derivative(op, FloatVector.fromArray(S, x, i))).intoArray(dx, i);
        }
        JavaScalar.backward(op, x, dy, dx, i, to);
    }

}
