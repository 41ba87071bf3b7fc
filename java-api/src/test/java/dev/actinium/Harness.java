package dev.actinium;

import dev.actinium.act.Reference;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds inputs (random plus edge values), places tensors at unaligned offsets between poisoned
 * guard regions, runs an operation on CPU or CUDA, and compares every element with the float64
 * reference. Unwritten outputs keep the poison and fail; writes outside the tensor hit a guard.
 */
final class Harness {
    static final float POISON = -7.7777e37f;  // no input and no correct output is near it
    static final int GUARD = 24;

    /** Special inputs: signed zeros, subnormals, infinities, NaN, huge values, range switch points. */
    static final float[] EDGES = {0f, -0f, 1e-40f, -1e-40f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e30f, -1e30f, Float.MAX_VALUE,
                    -Float.MAX_VALUE,
            20f, -20f, 19.99f, -19.99f, 200f, -200f, 0.70710677f, -0.70710677f, -0.7518f, 88.72f, -88.72f, -87.3f,
            -104f, 14.849f, -14.849f, 5.5f, -5.5f, 1f, -1f, 0.625f, -0.625f, 1e-7f, -1e-7f,
            // the caps that keep intermediates normal (GELU-erf at 13, sigmoid argument at 87), and the
            // GELU-tanh band where exp(-|z|) is subnormal
            13f, 13.01f, -13f, -13.3f, 87f, 87.01f, -87.01f, 9.4f, -9.4f, -9.9f, -10.3f};

    static final Random SEEDS = new Random();

    /** Fresh random inputs each run (the seed is printed on failure) with the edges sprinkled in. */
    static float[] inputs(long seed, int n, boolean withEdges) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = switch (i % 3) {
                case 0 -> (float) (r.nextGaussian() * 3);
                case 1 -> (float) (r.nextDouble() * 50 - 25);
                default -> (float) (r.nextGaussian() * 0.5);
            };
        }
        if (withEdges) for (int k = 0; k < EDGES.length && k < n; k++) x[(int) ((k * 7919L) % n)] = EDGES[k];
        return x;
    }

    /** Gradients: finite, mostly O(1), with zeros and extremes. */
    static float[] gradients(long seed, int n) {
        Random r = new Random(seed ^ 0x5DEECE66DL);
        float[] dy = new float[n];
        for (int i = 0; i < n; i++) dy[i] = (float) (r.nextGaussian() * 2);
        float[] edges = {0f, -0f, 1e30f, -1e-40f, 1f};
        for (int k = 0; k < edges.length && k < n; k++) dy[(int) ((k * 104729L + 3) % n)] = edges[k];
        return dy;
    }

    /** The values a tensor of dtype actually holds for these floats. */
    static float[] stored(float[] x, DType dtype) {
        if (dtype == DType.F32) return x.clone();
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = round(x[i], dtype);
        return y;
    }

    /** A tensor region: the tensor at an element offset inside a buffer with poisoned guards. */
    record Placed(Tensor tensor, MemorySegment buffer, long offsetBytes, DType dtype, int n) {}

    static Placed place(Arena arena, DType dtype, float[] values, int offset, long... dims) {
        int es = dtype.byteSize(), total = GUARD + offset + values.length + GUARD;
        MemorySegment buf = arena.allocate((long) total * es, 64);
        for (int i = 0; i < total; i++) put(buf, dtype, i, POISON);
        for (int i = 0; i < values.length; i++) put(buf, dtype, GUARD + offset + i, values[i]);
        long off = (long) (GUARD + offset) * es;
        Tensor t = Tensor.wrap(buf.asSlice(off, (long) values.length * es), dtype, dims);
        return new Placed(t, buf, off, dtype, values.length);
    }

    static Placed poisoned(Arena arena, DType dtype, int n, int offset, long... dims) {
        float[] p = new float[n];
        java.util.Arrays.fill(p, POISON);
        return place(arena, dtype, p, offset, dims);
    }

    static void put(MemorySegment buf, DType dtype, long i, float v) {
        if (dtype == DType.F32) buf.setAtIndex(ValueLayout.JAVA_FLOAT, i, v);
        else buf.setAtIndex(ValueLayout.JAVA_SHORT, i, dtype == DType.BF16 ? Reference.toBf16(v)
                : Float.floatToFloat16(v));
    }

    static float get(MemorySegment buf, DType dtype, long i) {
        if (dtype == DType.F32) return buf.getAtIndex(ValueLayout.JAVA_FLOAT, i);
        short h = buf.getAtIndex(ValueLayout.JAVA_SHORT, i);
        return dtype == DType.BF16 ? Reference.fromBf16(h) : Float.float16ToFloat(h);
    }

    /** f as a tensor of dtype stores it. */
    static float round(float f, DType dtype) {
        return dtype == DType.F32 ? f : dtype == DType.BF16 ? Reference.roundBf16(f)
                : Float.float16ToFloat(Float.floatToFloat16(f));
    }

    /** The output values, after checking that both guards still hold the poison. */
    static float[] read(Placed p, String what) {
        int es = p.dtype().byteSize();
        int start = (int) (p.offsetBytes() / es);
        long total = p.buffer().byteSize() / es;
        for (long i = 0; i < total; i++) {
            if (i >= start && i < start + p.n()) continue;
            float g = get(p.buffer(), p.dtype(), i);
            if (Float.floatToRawIntBits(g) != Float.floatToRawIntBits(round(POISON, p.dtype()))) {
                fail(what + ": guard element " + i + " was overwritten with " + g);
            }
        }
        float[] out = new float[p.n()];
        for (int i = 0; i < p.n(); i++) out[i] = get(p.buffer(), p.dtype(), start + i);
        return out;
    }

    /** got holds want's bits, element by element (NaN payloads and signed zeros included). */
    static void assertSameBits(float[] want, float[] got, String what) {
        if (want.length != got.length) fail(what + ": " + got.length + " elements, not " + want.length);
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                fail(what + "[" + i + "]: " + got[i] + " (bits " + Integer.toHexString(Float.floatToRawIntBits(got[i]))
                        + "), not " + want[i] + " (bits " + Integer.toHexString(Float.floatToRawIntBits(want[i]))
                        + ")");
            }
        }
    }

    /**
     * Whether the results being compared were rounded to bf16 by avx512_bf16's vcvtneps2bf16, which
     * flushes results below 2^-126 in magnitude to zero (DESIGN.md allows it for activation outputs).
     * CPU results only: the CUDA tests' directions start with "gpu", and CUDA keeps bf16 subnormals.
     */
    static boolean flushesBf16Subnormals(String direction) {
        return !direction.startsWith("gpu") && Actinium.isa() == Isa.AVX512_BF16;
    }

    /**
     * Per (op, dtype, direction): the largest relative error where |ref| >= 1e-6 * scale (away from
     * zeros of f or f'), and the largest fraction of the asserted bound used. Printed, quoted in README.
     */
    static final Map<String, double[]> MEASURED = new ConcurrentHashMap<>();

    /**
     * Compares got with ref element-wise under info's bound. scale[i] multiplies atol (|dy| for
     * backward, 1 forward). Special reference values (inf, NaN) must be matched exactly.
     */
    static void compare(String what, OpInfo info, DType dtype, String direction, float[] input, float[] got,
            double[] ref, float[] scale) {
        compare(what, info, dtype, direction, input, got, ref, scale, null);
    }

    /** As above, with extra[i] added to element i's bound (an ill-conditioned region's allowance), if given. */
    static void compare(String what, OpInfo info, DType dtype, String direction, float[] input, float[] got,
            double[] ref,
                        float[] scale, double[] extra) {
        double rtol = info.rtol(dtype), atol = info.atol(dtype);
        // Subnormal outputs have a fixed absolute spacing that no relative bound can express.
        // (8 of them: a product of two roundings that lands there may be off by a few.)
        double floor = 8 * (dtype == DType.F32 ? Float.MIN_VALUE : dtype == DType.BF16 ? 0x1p-133 : 0x1p-24);
        if (dtype == DType.BF16 && flushesBf16Subnormals(direction)) floor = 0x1p-126;
        double overflow = dtype == DType.BF16 ? 0x1.fefffep127 : dtype == DType.F16 ? 65519.99 : 0x1.ffffffp127;
        double worstRel = 0, worstAbs = 0;
        for (int i = 0; i < got.length; i++) {
            double g = got[i], r = ref[i];
            boolean ok;
            if (extra != null && Double.isInfinite(extra[i])) ok = true;  // a region without an accuracy claim
            else if (Double.isNaN(r)) ok = Double.isNaN(g);
            else if (Double.isInfinite(r)) ok = g == r;
            else if (Math.abs(r) > overflow) ok = Double.isInfinite(g) && Math.signum(g) == Math.signum(r)
                    || Math.abs(g - r) <= rtol * Math.abs(r);
            else {
                double err = Math.abs(g - r), s = scale == null ? 1 : Math.abs(scale[i]);
                double bound = rtol * Math.abs(r) + (atol == 0 ? 0 : atol * s) + floor;  // exact ops: no 0 * inf
                if (extra != null && extra[i] > 0) bound += extra[i] * s;
                ok = !Double.isNaN(g) && err <= bound;
                if (Math.abs(r) >= 1e-6 * s && Math.abs(r) >= 0x1p-126) worstRel = Math.max(worstRel,
                        err / Math.abs(r));
                if (bound > 0) worstAbs = Math.max(worstAbs, err / bound);
            }
            if (!ok) {
                fail(String.format("%s: element %d of %d, input %s: got %s, expected %s (rtol %.2g, atol %.2g)",
                        what, i, got.length, input[i], g, r, rtol, atol));
            }
        }
        double rel = worstRel, abs = worstAbs;
        MEASURED.merge(info.op() + " " + dtype + " " + direction, new double[] {rel, abs},
                (a, b) -> new double[] {Math.max(a[0], b[0]), Math.max(a[1], b[1])});
    }
}
