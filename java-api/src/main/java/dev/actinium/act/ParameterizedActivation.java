package dev.actinium.act;

import dev.actinium.bindings.ActiniumNative;
import dev.actinium.internal.Internals;
import dev.actinium.internal.NativeCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An activation with parameters other than its defaults, checked once here: the count, each value
 * against its range (messages name the parameter), then the op's own rules by the native library,
 * the same check every kernel call repeats. Holds the values in native memory for the calls.
 */
public final class ParameterizedActivation implements ActivationFunction {
    /** The core package's side, fetched once (Internals checks the caller). */
    private static final Internals.Core CORE = Internals.core();

    private final Activation op;
    private final float[] values;
    private final MemorySegment memory;

    ParameterizedActivation(Activation op, float... values) {
        this.op = Objects.requireNonNull(op, "op");
        Objects.requireNonNull(values, "values");
        List<Activation.Parameter> params = op.parameters();
        if (values.length != params.size()) {
            throw new IllegalArgumentException("params: " + op + " takes " + params.size() + " parameters "
                    + names(params) + ", not " + values.length);
        }
        for (int i = 0; i < values.length; i++) {
            Activation.Parameter p = params.get(i);
            if (!(values[i] >= p.min() && values[i] <= p.max())) {
                throw new IllegalArgumentException(p.name() + ": " + op + "'s " + p.name() + " = " + values[i]
                        + " is outside [" + p.min() + ", " + p.max() + "]");
            }
        }
        this.values = values.clone();
        this.memory = values.length == 0 ? MemorySegment.NULL
                : Arena.ofAuto().allocateFrom(ValueLayout.JAVA_FLOAT, this.values);
        CORE.ensureLoaded();
        int status = ActiniumNative.ak_activation_check_params(op.code(), memory);
        if (status != ActiniumNative.AK_OK) {
            throw new IllegalArgumentException("params: " + ActiniumNative.lastFailure());
        }
    }

    static ParameterizedActivation withOne(Activation op, String name, float value) {
        float[] values = op.params();
        List<Activation.Parameter> params = op.parameters();
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).name().equals(name)) {
                values[i] = value;
                return new ParameterizedActivation(op, values);
            }
        }
        throw new IllegalArgumentException("name: " + op + " has no parameter " + name + "; it has " + names(params));
    }

    private static String names(List<Activation.Parameter> params) {
        return params.stream().map(Activation.Parameter::name).toList().toString();
    }

    @Override
    public Activation op() {
        return op;
    }

    @Override
    public float[] params() {
        return values.clone();
    }

    /** The values as the native calls take them (NULL for none). */
    MemorySegment memory() {
        return memory;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParameterizedActivation p && p.op == op && Arrays.equals(p.values, values);
    }

    @Override
    public int hashCode() {
        return op.hashCode() * 31 + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(op.toString()).append('(');
        for (int i = 0; i < values.length; i++) {
            s.append(i == 0 ? "" : ", ").append(op.parameters().get(i).name()).append('=').append(values[i]);
        }
        return s.append(')').toString();
    }
}
