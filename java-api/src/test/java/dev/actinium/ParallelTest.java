package dev.actinium;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        int n = 1_234_567;
        float[] x = Harness.inputs(42, n, true);
        float[] dy = Harness.gradients(43, n);
        for (Activation op : Activation.values()) {
            float[] serial = new float[n], one = new float[n], three = new float[n];
            Activations.backward(op, Tensor.wrap(x, n), Tensor.wrap(dy, n), Tensor.wrap(serial, n), Parallel.serial());
            Activations.backward(op, Tensor.wrap(x, n), Tensor.wrap(dy, n), Tensor.wrap(one, n), Parallel.of(Parallel.newPool(1)));
            Activations.backward(op, Tensor.wrap(x, n), Tensor.wrap(dy, n), Tensor.wrap(three, n), Parallel.of(Parallel.newPool(3)).withGrain(1000));
            assertArrayEquals(serial, one, op + " one thread");
            assertArrayEquals(serial, three, op + " three threads");
        }
    }

    @Test
    void chunksCoverTheRangeOnceAlignedTo64() {
        Parallel p = Parallel.of(Parallel.newPool(4)).withGrain(100);
        for (long n : new long[] {1, 63, 100, 101, 6400, 100_003}) {
            AtomicLong covered = new AtomicLong();
            ConcurrentLinkedQueue<long[]> chunks = new ConcurrentLinkedQueue<>();
            p.forRange(n, (s, e) -> {
                covered.addAndGet(e - s);
                chunks.add(new long[] {s, e});
            });
            assertEquals(n, covered.get());
            for (long[] c : chunks) assertEquals(0, c[0] % Parallel.ALIGN_ELEMENTS, "chunk start " + c[0]);
        }
    }

    @Test
    void exceptionsReachTheCaller() {
        Parallel p = Parallel.of(Parallel.newPool(2)).withGrain(10);
        assertThrows(IllegalStateException.class, () -> p.forRange(1000, (s, e) -> {
            if (s > 0) throw new IllegalStateException("chunk " + s);
        }));
    }
}
