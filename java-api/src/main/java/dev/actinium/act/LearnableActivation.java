package dev.actinium.act;

import dev.actinium.bindings.ActiniumNative;
import dev.actinium.internal.Internals;
import dev.actinium.internal.NativeCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A learnable activation as a call takes it: the op, its degrees where it has them (rational's
 * numerator and denominator, polyrelu's order), and how its parameters are grouped over the
 * channels (the last dimension of x): one set for the tensor, one per group of channels (as the
 * grouped rationals of KAT), or one per channel. Shared parameters (DyT's alpha) have one value
 * whatever the grouping.
 *
 * <p>The parameters of a call are one F32 tensor of {@link #paramCount} values: the shared ones,
 * then each grouped parameter's values over the groups ({@code [grouped parameter][group]}).
 * Immutable; the degrees are checked by the native library when it is built.
 */
public final class LearnableActivation {
    /** The core package's side, fetched once (Internals checks the caller). */
    private static final Internals.Core CORE = Internals.core();

    /** {@link #groups()} of a per-channel activation: as many groups as x has channels. */
    public static final long PER_CHANNEL = -1;

    private final Learnable op;
    private final int numDegree, denDegree;
    private final long groups;
    private final List<String> names;

    private LearnableActivation(Learnable op, int numDegree, int denDegree, long groups) {
        this.op = Objects.requireNonNull(op, "op");
        if (groups < 1 && groups != PER_CHANNEL) {
            throw new IllegalArgumentException("groups: " + groups + " < 1 (PER_CHANNEL for one group per channel)");
        }
        CORE.ensureLoaded();
        int perGroup = ActiniumNative.ak_learn_group_count(op.code(), numDegree, denDegree);
        if (perGroup < 0) throw new IllegalArgumentException("degrees: " + ActiniumNative.lastFailure());
        this.numDegree = numDegree;
        this.denDegree = denDegree;
        this.groups = groups;
        List<String> n = new ArrayList<>();
        for (int k = 0; k < ActiniumNative.ak_learn_shared_count(op.code()) + perGroup; k++) {
            n.add(NativeCalls.string(ActiniumNative.ak_learn_param_name(op.code(), numDegree, denDegree, k)));
        }
        this.names = Collections.unmodifiableList(n);
    }

    /** An op without degrees (every one but rational, polyrelu and polynorm), one parameter set per tensor. */
    public static LearnableActivation of(Learnable op) {
        return new LearnableActivation(op, 0, 0, 1);
    }

    /**
     * The rational (Pade) unit P(x) / (1 + |b1 x + ... + bn x^n|), P of degree numDegree in [0, 6],
     * denominator degree denDegree in [0, 5]; PAU and KAT use (5, 4).
     */
    public static LearnableActivation rational(int numDegree, int denDegree) {
        return new LearnableActivation(Learnable.RATIONAL, numDegree, denDegree, 1);
    }

    /** PolyReLU: sum of a_i relu(x)^i for i in [0, order], order in [1, 3]. */
    public static LearnableActivation polyrelu(int order) {
        return new LearnableActivation(Learnable.POLYRELU, order, 0, 1);
    }

    /**
     * PolyNorm (PolyCom): a0 + sum of a_i N(x^i) for i in [1, order], order in [1, 3], N(u) = u / sqrt(mean(u^2)
     * + eps) over each row of x's last dimension; eps a shared parameter (1e-6 at first, > 0), a0..a_order
     * grouped. Its value at an element depends on the whole row.
     */
    public static LearnableActivation polynorm(int order) {
        return new LearnableActivation(Learnable.POLYNORM, order, 0, 1);
    }

    /** Whether the op normalizes rows (polynorm): its value at one element depends on the whole row. */
    public boolean normalizesRows() {
        return op == Learnable.POLYNORM;
    }

    /** The same op and degrees with the grouped parameters in groups groups of channels (it must divide them). */
    public LearnableActivation withGroups(long groups) {
        if (groups < 1) throw new IllegalArgumentException("groups: " + groups + " < 1");
        return new LearnableActivation(op, numDegree, denDegree, groups);
    }

    /** The same op and degrees with one value of each grouped parameter per channel. */
    public LearnableActivation perChannel() {
        return new LearnableActivation(op, numDegree, denDegree, PER_CHANNEL);
    }

    public Learnable op() {
        return op;
    }

    public int numDegree() {
        return numDegree;
    }

    public int denDegree() {
        return denDegree;
    }

    /** The groups, or {@link #PER_CHANNEL}. */
    public long groups() {
        return groups;
    }

    /** The groups of a tensor with this many channels (its last dimension). */
    public long groupsFor(long channels) {
        return groups == PER_CHANNEL ? channels : groups;
    }

    /** Shared parameters: one value each, whatever the grouping. */
    public int sharedCount() {
        return ActiniumNative.ak_learn_shared_count(op.code());
    }

    /** Grouped parameters: one value each per group. */
    public int groupCount() {
        return names.size() - sharedCount();
    }

    /** Parameter names: the shared ones, then the grouped ones. */
    public List<String> parameterNames() {
        return names;
    }

    /** The length of the params tensor for a tensor with this many channels. */
    public long paramCount(long channels) {
        return sharedCount() + groupCount() * groupsFor(channels);
    }

    /** Where parameter k (an index into {@link #parameterNames}) of group g lies in the params tensor. */
    public long slot(int k, long group, long channels) {
        Objects.checkIndex(k, names.size());
        return k < sharedCount() ? k : sharedCount() + (long) (k - sharedCount()) * groupsFor(channels) + group;
    }

    /**
     * Initial values for a tensor with this many channels, in the params tensor's layout: those of
     * the published modules (DyT alpha 0.5, gamma 1, beta 0; ...), polyrelu 1/n per power above 0,
     * rational the identity (fit one to an activation with {@link RationalFit}).
     */
    public float[] initialParams(long channels) {
        float[] one = new float[names.size()];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = arena.allocate(ValueLayout.JAVA_FLOAT, Math.max(1, one.length));
            int status = ActiniumNative.ak_learn_default_params(op.code(), numDegree, denDegree, m);
            if (status != ActiniumNative.AK_OK) throw new IllegalStateException(ActiniumNative.lastFailure());
            for (int k = 0; k < one.length; k++) one[k] = m.getAtIndex(ValueLayout.JAVA_FLOAT, k);
        }
        return spread(one, channels);
    }

    /** One set of values (shared, then one group's) repeated for every group, in the params tensor's layout. */
    public float[] spread(float[] oneGroup, long channels) {
        Objects.requireNonNull(oneGroup, "oneGroup");
        if (oneGroup.length != names.size()) {
            throw new IllegalArgumentException("oneGroup: " + this + " has " + names.size() + " parameters " + names
                    + ", not " + oneGroup.length);
        }
        long count = paramCount(channels);
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("channels: too many parameters for a float[]: " + count);
        }
        float[] all = new float[(int) count];
        long g = groupsFor(channels);
        for (int k = 0; k < names.size(); k++) {
            for (long group = 0; group < (k < sharedCount() ? 1 : g); group++) {
                all[(int) slot(k, group, channels)] = oneGroup[k];
            }
        }
        return all;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LearnableActivation a && a.op == op && a.numDegree == numDegree
                && a.denDegree == denDegree && a.groups == groups;
    }

    @Override
    public int hashCode() {
        return Objects.hash(op, numDegree, denDegree, groups);
    }

    @Override
    public String toString() {
        String degrees = switch (ActiniumNative.ak_learn_degree_count(op.code())) {
            case 2 -> "(" + numDegree + ", " + denDegree + ")";
            case 1 -> "(" + numDegree + ")";
            default -> "";
        };
        String grouping = groups == PER_CHANNEL ? ", per channel" : groups == 1 ? "" : ", " + groups + " groups";
        return NativeCalls.string(ActiniumNative.ak_learn_name(op.code())) + degrees + grouping;
    }
}
