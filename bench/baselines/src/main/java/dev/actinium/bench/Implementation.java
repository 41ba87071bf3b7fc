package dev.actinium.bench;

import dev.actinium.act.Activation;
import dev.actinium.act.Reference;

import dev.actinium.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One implementation of the activations that BaselineRounds times: Actinium or what a JVM user would
 * pick instead. It binds a pass to buffers once (no allocation or copy in the timed call) and
 * returns null for a pass it does not have.
 */
interface Implementation extends AutoCloseable {
    String name();

    /** y = f(x), or null. */
    Runnable forward(Activation op, Buffers b) throws Exception;

    /** dx = dy * f'(x) into y, or null. */
    Runnable backward(Activation op, Buffers b) throws Exception;

    @Override
    default void close() throws Exception {}

    /**
     * n elements of x, dy and y of dtype (F32 or BF16) in native memory (what Actinium, PyTorch, ONNX
     * Runtime and ND4J run on), and their values as float[] (already rounded to the dtype) for the
     * reference and for the Java loops, which run on F32 heap arrays as a Java user has them.
     */
    record Buffers(DType dtype, int n, MemorySegment x, MemorySegment dy, MemorySegment y, float[] xs, float[] dys,
                   float[] ys) {
        static ByteBuffer bytes(MemorySegment s) {
            return s.asByteBuffer().order(ByteOrder.nativeOrder());
        }

        /** What the last pass wrote: y, or ys for the Java loops. */
        float[] result(boolean heap) {
            if (heap) return ys.clone();
            if (dtype == DType.F32) return y.toArray(ValueLayout.JAVA_FLOAT);
            short[] h = y.toArray(ValueLayout.JAVA_SHORT);
            float[] f = new float[h.length];
            for (int i = 0; i < h.length; i++) f[i] = Reference.fromBf16(h[i]);
            return f;
        }
    }
}
