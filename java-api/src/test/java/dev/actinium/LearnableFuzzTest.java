package dev.actinium;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.actinium.FuzzArgs.Arg;
import dev.actinium.act.Learnable;
import dev.actinium.act.LearnableActivation;
import dev.actinium.act.LearnableActivations;
import java.lang.foreign.Arena;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Random learnable-activation calls through the public API (forward and backward, with and without a
 * bias) mixing valid and invalid shapes, dtypes, groupings, parameter counts and values, placements,
 * aliasing, closed and foreign-confined arenas and thread counts. An oracle lists the arguments that
 * make a call invalid; each call must then throw an exception whose message starts with one of them,
 * or, when there is none, give the bits of the same call on fresh copies run on one thread (the
 * values themselves are held to the float64 reference by {@link LearnableActivationsTest}). The seed is
 * printed; -Dfuzz.seed=S replays it.
 */
class LearnableFuzzTest extends ApiFuzz {
    static final int CALLS = 60_000;
    static final long BUDGET_NANOS = 20_000_000_000L;
    static final int[] SIZES = {0, 1, 6, 16, 17, 48, 65, 300, 1000};
    static final DType[] DTYPES = {DType.F32, DType.F32, DType.BF16, DType.F16, DType.I8};
    static final Parallel[] PARALLELS = {Parallel.serial(), Parallel.of(Parallel.newPool(2)).withGrain(64),
            Parallel.of(Parallel.newPool(3)).withGrain(1000)};
    static final List<LearnableActivation> SPECS = List.of(LearnableActivation.rational(5, 4),
            LearnableActivation.rational(3, 2).withGroups(2), LearnableActivation.polyrelu(2).perChannel(),
            LearnableActivation.polynorm(2), LearnableActivation.polynorm(3).withGroups(3),
            LearnableActivation.of(Learnable.DYT).perChannel(), LearnableActivation.of(Learnable.APA).withGroups(4),
            LearnableActivation.of(Learnable.SWISH), LearnableActivation.of(Learnable.CAUCHY).perChannel());

    @Test
    void randomCallsGiveTheSerialBitsOrAnExceptionNamingTheArgument() throws Exception {
        fuzz("LearnableFuzzTest", CALLS, BUDGET_NANOS, 3_000, false);
    }

    /** The arguments of one call. */
    record Call(LearnableActivation f, boolean backward, Arg x, Arg out, Arg dy, Arg params, Arg dparams, Arg bias) {}

    @Override
    boolean oneCall(int index) throws Exception {
        LearnableActivation f = SPECS.get(random.nextInt(SPECS.size()));
        Parallel parallel = random.nextInt(60) == 0 ? null : PARALLELS[random.nextInt(PARALLELS.length)];
        boolean backward = random.nextBoolean(), withBias = random.nextInt(3) == 0;
        long[] dims = dims(SIZES, new long[] {3, 12 * (1 + random.nextInt(4))});  // groups of 2, 3, 4 fit
        long channels = dims.length == 0 ? 1 : dims[dims.length - 1];
        Arg x = args.arg("x", dims, dtype(null));
        String outName = backward ? "dx" : "y";
        Arg out = random.nextInt(8) == 0 ? args.alias(x, outName) : args.arg(outName, mutate(dims, 15), dtype(x));
        Arg dy = null;
        if (backward) {
            boolean sameAsDx = random.nextInt(10) == 0 && out.tensor() != null;
            dy = sameAsDx ? new Arg("dy", out.tensor(), out.values(), out.where())
                    : args.arg("dy", mutate(dims, 15), dtype(x));
        }
        long count = f.paramCount(Math.max(1, channels)) + (random.nextInt(20) == 0 ? 1 : 0);
        float[] values = params(f, channels, (int) count);
        Arg params = args.arg("params", new long[] {count}, random.nextInt(25) == 0 ? DType.BF16 : DType.F32, values);
        Arg dparams = null;
        if (backward) {
            long dcount = f.paramCount(Math.max(1, channels)) + (random.nextInt(25) == 0 ? -1 : 0);
            dparams = random.nextInt(25) == 0 ? args.alias(params, "dparams")
                    : args.arg("dparams", new long[] {Math.max(0, dcount)}, DType.F32);
        }
        Arg bias = null;
        if (withBias) {
            long[] biasDims = random.nextInt(10) == 0 ? new long[] {channels + 1} : new long[] {channels};
            bias = random.nextInt(20) == 0 ? args.alias(out, "bias") : args.arg("bias", biasDims, dtype(x));
        }
        Call c = new Call(f, backward, x, out, dy, params, dparams, bias);
        Set<String> culprits = oracle(c);
        if (parallel == null) culprits.add("parallel");
        try {
            run(c, parallel);
        } catch (RuntimeException e) {
            String lead = e.getMessage() == null ? "" : e.getMessage().split("[: ]", 2)[0];
            if (!culprits.contains(lead)) {
                throw new AssertionError("call " + index + " (" + describe(c) + "): culprits " + culprits + ", threw "
                        + e, e);
            }
            return false;
        }
        if (!culprits.isEmpty()) fail("call " + index + " (" + describe(c) + ") should fail naming one of " + culprits);
        checkSerialBits(c, index);
        return true;
    }

    static void run(Call c, Parallel parallel) {
        Tensor b = c.bias() == null ? null : c.bias().tensor(), p = c.params().tensor();
        if (!c.backward()) {
            if (c.bias() == null) LearnableActivations.forward(c.f(), p, c.x().tensor(), c.out().tensor(), parallel);
            else LearnableActivations.forwardBias(c.f(), p, c.x().tensor(), b, c.out().tensor(), parallel);
        } else if (c.bias() == null) {
            LearnableActivations.backward(c.f(), p, c.x().tensor(), c.dy().tensor(), c.out().tensor(),
                    c.dparams().tensor(), parallel);
        } else {
            LearnableActivations.backwardBias(c.f(), p, c.x().tensor(), b, c.dy().tensor(), c.out().tensor(),
                    c.dparams().tensor(), parallel);
        }
    }

    /** The arguments that make the call invalid, in the library's terms. */
    static Set<String> oracle(Call c) {
        Set<String> culprits = new HashSet<>();
        for (Arg a : new Arg[] {c.x(), c.out(), c.dy(), c.params(), c.dparams(), c.bias()}) {
            if (a != null && !a.usable()) culprits.add(a.name());
        }
        if (!c.x().usable()) return culprits;
        Tensor x = c.x().tensor();
        DType dt = x.dtype();
        if (dt != DType.F32 && dt != DType.BF16 && dt != DType.F16) culprits.add("x");
        if (x.shape().rank() == 0) culprits.add("x");
        long channels = x.shape().rank() == 0 ? 1 : x.shape().lastDim();
        for (Arg a : new Arg[] {c.out(), c.dy()}) {
            if (a == null || !a.usable()) continue;
            if (a.tensor().dtype() != dt || !a.tensor().shape().equals(x.shape())) culprits.add(a.name());
        }
        if (c.out().usable()) {
            if (FuzzArgs.partial(c.out().tensor(), x)) culprits.add(c.out().name());
            if (c.dy() != null && c.dy().usable() && FuzzArgs.partial(c.out().tensor(), c.dy().tensor())) {
                culprits.add("dx");
            }
        }
        long groups = c.f().groupsFor(channels);
        if (channels > 0 && channels % groups != 0) culprits.add("groups");
        long expected = c.f().paramCount(Math.max(1, channels));
        if (c.params().usable()) {
            Tensor p = c.params().tensor();
            if (p.dtype() != DType.F32 || p.numel() != expected) culprits.add("params");
            else if (!finite(c.params().values())) culprits.add("params");
            if (c.out().usable() && FuzzArgs.overlaps(c.out().tensor(), p)) culprits.add(c.out().name());
        }
        if (c.dparams() != null && c.dparams().usable()) {
            Tensor d = c.dparams().tensor();
            if (d.dtype() != DType.F32 || d.numel() != expected) culprits.add("dparams");
            for (Arg a : new Arg[] {c.params(), c.x(), c.dy(), c.out(), c.bias()}) {
                if (a != null && a.usable() && FuzzArgs.overlaps(d, a.tensor())) culprits.add("dparams");
            }
        }
        if (c.bias() != null && c.bias().usable()) {
            Tensor b = c.bias().tensor();
            boolean shape = b.shape().rank() == 1 && b.shape().dim(0) == channels;
            if (c.f().normalizesRows() || b.dtype() != dt || !shape) culprits.add("bias");
            if (c.out().usable() && FuzzArgs.overlaps(c.out().tensor(), b)) culprits.add(c.out().name());
        }
        return culprits;
    }

    static boolean finite(float[] values) {
        for (float v : values) if (!Float.isFinite(v)) return false;
        return true;
    }

    /** The same call on fresh, separate copies, one thread: the same output (and dparams) bits. */
    void checkSerialBits(Call c, int index) {
        try (Arena arena = Arena.ofConfined()) {
            Tensor x = copy(arena, c.x()), out = Tensor.allocate(arena, c.x().tensor().dtype(),
                    c.x().tensor().shape().toArray());
            Tensor p = copy(arena, c.params()), b = c.bias() == null ? null : copy(arena, c.bias());
            Tensor dy = c.dy() == null ? null : copy(arena, c.dy());
            Tensor dp = c.dparams() == null ? null : Tensor.allocate(arena, DType.F32, c.dparams().tensor().numel());
            Call plain = new Call(c.f(), c.backward(), with(c.x(), x), with(c.out(), out), with(c.dy(), dy),
                    with(c.params(), p), with(c.dparams(), dp), with(c.bias(), b));
            run(plain, Parallel.serial());
            String what = "call " + index + " (" + describe(c) + ")";
            assertArrayEquals(bits(out), bits(c.out().tensor()), what + ": output bits");
            if (dp != null) assertArrayEquals(bits(dp), bits(c.dparams().tensor()), what + ": dparams bits");
        }
    }

    /** A copy of a's values as they were before the call (an input the call may have overwritten in place). */
    static Tensor copy(Arena arena, Arg a) {
        Tensor t = Tensor.allocate(arena, a.tensor().dtype(), a.tensor().shape().toArray());
        if (a.values() != null) t.copyFrom(Tensor.wrap(a.values().clone(), a.tensor().shape().toArray()).to(
                a.tensor().dtype(), arena));
        return t;
    }

    static Arg with(Arg a, Tensor t) {
        return a == null ? null : new Arg(a.name(), t, a.values(), FuzzArgs.Where.CONFINED);
    }

    static int[] bits(Tensor t) {
        float[] v = t.toFloatArray();
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) b[i] = Float.floatToRawIntBits(v[i]);
        return b;
    }

    /** One group's initial parameters, spread and moved a little; sometimes one not finite. */
    float[] params(LearnableActivation f, long channels, int count) {
        float[] init = f.initialParams(Math.max(1, channels)), values = new float[count];
        for (int k = 0; k < count; k++) {
            float v = k < init.length ? init[k] : 0.5f;
            values[k] = v * (1 + 0.1f * (random.nextFloat() - 0.5f));
        }
        if (count > 0 && random.nextInt(25) == 0) {
            values[random.nextInt(count)] = new float[] {Float.NaN, Float.POSITIVE_INFINITY}[random.nextInt(2)];
        }
        return values;
    }

    /** x's dtype mostly, another sometimes; any for x itself (like == null). */
    DType dtype(Arg like) {
        if (like == null || random.nextInt(15) == 0 || like.tensor() == null) {
            return DTYPES[random.nextInt(DTYPES.length)];
        }
        return like.tensor().dtype();
    }

    static String describe(Call c) {
        return FuzzArgs.describe(c.f() + (c.backward() ? " backward" : " forward"), c.x(), c.out(), c.dy(),
                c.params(), c.dparams(), c.bias());
    }
}
