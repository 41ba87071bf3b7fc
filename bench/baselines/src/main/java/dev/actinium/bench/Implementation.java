package dev.actinium.bench;

import dev.actinium.Activation;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

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
     * n F32 elements of x, dy and y in native memory (what Actinium, PyTorch and ONNX Runtime run
     * on), and heap copies for the Java loops, which run on float[] as a Java user has them.
     */
    record Buffers(int n, MemorySegment x, MemorySegment dy, MemorySegment y, float[] xs, float[] dys, float[] ys) {
        static FloatBuffer floats(MemorySegment s) {
            return s.asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
        }

        /** What the last pass wrote: y, or ys for the Java loops. */
        float[] result(boolean heap) {
            return heap ? ys.clone() : y.toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT);
        }
    }
}
