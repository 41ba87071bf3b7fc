package dev.actinium;

import dev.actinium.act.Activation;
import dev.actinium.act.Activations;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        int n = 1_234_567;
        float[] x = Harness.inputs(42, n, true);
        float[] dy = Harness.gradients(43, n);
        for (Activation op : Activation.values()) {
            if (op.isGated() || op.isSeeded()) continue;  // GatedActivationsTest, StochasticActivationTest
            float[] serial = new float[n], one = new float[n], three = new float[n];
            Activations.backward(op, Tensor.wrap(x, n), Tensor.wrap(dy, n), Tensor.wrap(serial, n), Parallel.serial());
            Activations.backward(op, Tensor.wrap(x, n), Tensor.wrap(dy, n), Tensor.wrap(one, n),
                    Parallel.of(Parallel.newPool(1)));
            Activations.backward(op, Tensor.wrap(x, n), Tensor.wrap(dy, n), Tensor.wrap(three, n),
                    Parallel.of(Parallel.newPool(3)).withGrain(1000));
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
    void chunksAreAtLeastTheGrainAtMost64PerRangeAndIndependentOfThreads() {
        for (long n : new long[] {1_000, 262_145, 1L << 24, 3_000_000_001L}) {
            long chunk = Parallel.chunkSize(n, Parallel.DEFAULT_GRAIN);
            assertTrue(chunk >= Parallel.DEFAULT_GRAIN, n + ": chunk " + chunk);
            assertEquals(0, chunk % Parallel.ALIGN_ELEMENTS, n + ": chunk " + chunk);
            assertTrue((n + chunk - 1) / chunk <= Parallel.MAX_CHUNKS, n + ": chunk " + chunk);
        }
        // The same cut on any pool: what ran, chunk by chunk, is the same set of ranges.
        Set<String> two = ConcurrentHashMap.newKeySet(), five = ConcurrentHashMap.newKeySet();
        Parallel.of(Parallel.newPool(2)).withGrain(1000).forRange(1_000_003, (s, e) -> two.add(s + ".." + e));
        Parallel.of(Parallel.newPool(5)).withGrain(1000).forRange(1_000_003, (s, e) -> five.add(s + ".." + e));
        assertEquals(two, five);
    }

    @Test
    void exceptionsReachTheCaller() {
        Parallel p = Parallel.of(Parallel.newPool(2)).withGrain(10);
        assertThrows(IllegalStateException.class, () -> p.forRange(1000, (s, e) -> {
            if (s > 0) throw new IllegalStateException("chunk " + s);
        }));
    }

    @Test
    void anExceptionFromAPoolThreadCarriesTheCallersFrames() {
        Parallel p = Parallel.of(Parallel.newPool(2)).withGrain(10);
        Thread caller = Thread.currentThread();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.forRange(100_000, (s, e2) -> {
            if (Thread.currentThread() != caller) throw new IllegalStateException("on a pool thread");
            try {
                Thread.sleep(1);  // leaves the pool thread its chunks
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }));
        assertEquals(1, e.getSuppressed().length, "the caller's frames as a suppressed exception");
        assertTrue(java.util.Arrays.stream(e.getSuppressed()[0].getStackTrace())
                .anyMatch(f -> f.getMethodName().contains("anExceptionFromAPoolThreadCarriesTheCallersFrames")));
    }

    /** Every element visited exactly once. */
    private static void assertCoversOnce(Parallel p, int n) {
        byte[] visits = new byte[n];
        p.forRange(n, (s, e) -> {
            for (long i = s; i < e; i++) visits[(int) i]++;
        });
        for (int i = 0; i < n; i++) assertEquals(1, visits[i], "element " + i);
    }

    @Test
    void theCallerTakesPartAlongsideThePool() {
        Parallel p = Parallel.of(Parallel.newPool(2)).withGrain(64);
        Thread caller = Thread.currentThread();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        CountDownLatch callerRan = new CountDownLatch(1);
        p.forRange(1 << 16, (s, e) -> {
            threads.add(Thread.currentThread().getName());
            if (Thread.currentThread() == caller) {
                callerRan.countDown();
            } else {
                try {  // a pool thread waits here, so it cannot claim every chunk before the caller starts
                    callerRan.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        assertTrue(threads.contains(caller.getName()), "chunks ran on " + threads);
        assertTrue(threads.size() <= 2, "2-way work ran on " + threads);
    }

    @Test
    void finishesOnTheCallerWhenEveryPoolThreadIsBusy() throws InterruptedException {
        ForkJoinPool pool = Parallel.newPool(2);
        CountDownLatch release = new CountDownLatch(1), busy = new CountDownLatch(2);
        for (int i = 0; i < 2; i++) {
            pool.execute(() -> {
                busy.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertTrue(busy.await(10, TimeUnit.SECONDS));
        try {
            assertCoversOnce(Parallel.of(pool).withGrain(64), 100_003);
        } finally {
            release.countDown();
            pool.shutdown();
        }
    }

    @Test
    void aShutDownPoolLeavesTheWorkToTheCaller() {
        ForkJoinPool pool = Parallel.newPool(2);
        pool.shutdown();
        assertCoversOnce(Parallel.of(pool).withGrain(64), 10_000);
    }

    @Test
    void worksFromInsideItsOwnPool() throws Exception {
        ForkJoinPool pool = Parallel.newPool(2);
        Parallel p = Parallel.of(pool).withGrain(64);
        pool.submit(() -> assertCoversOnce(p, 100_003)).get(30, TimeUnit.SECONDS);
        pool.shutdown();
    }

    @Test
    void concurrentCallersShareOnePool() throws Exception {
        Parallel p = Parallel.of(Parallel.newPool(2)).withGrain(64);
        Thread[] callers = new Thread[4];
        Throwable[] failures = new Throwable[callers.length];
        for (int t = 0; t < callers.length; t++) {
            int k = t;
            callers[t] = new Thread(() -> {
                try {
                    for (int rep = 0; rep < 20; rep++) assertCoversOnce(p, 50_000 + 997 * k);
                } catch (Throwable e) {
                    failures[k] = e;
                }
            });
            callers[t].start();
        }
        for (Thread c : callers) c.join(60_000);
        for (Throwable f : failures) if (f != null) throw new AssertionError(f);
    }

    @Test
    void aChunkMaySplitAgainOnTheSamePool() {
        Parallel p = Parallel.of(Parallel.newPool(2)).withGrain(64);
        int n = 300, m = 1000;
        byte[] visits = new byte[n * m];
        p.forRange(n, (s, e) -> {
            for (long row = s; row < e; row++) {
                long base = row * m;
                p.forRange(m, (a, b) -> {
                    for (long i = a; i < b; i++) visits[(int) (base + i)]++;
                });
            }
        });
        for (int i = 0; i < visits.length; i++) assertEquals(1, visits[i], "element " + i);
    }

    @Test
    void anInterruptedCallerStillWaitsForEveryChunkAndKeepsItsFlag() {
        Parallel p = Parallel.of(Parallel.newPool(2)).withGrain(64);
        Thread.currentThread().interrupt();
        try {
            assertCoversOnce(p, 100_003);
            assertTrue(Thread.currentThread().isInterrupted(), "interrupt flag kept");
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void workerThreadsHaveDistinctNames() {
        ForkJoinPool pool = Parallel.newPool(3);
        Set<String> names = ConcurrentHashMap.newKeySet();
        CountDownLatch all = new CountDownLatch(3);
        for (int i = 0; i < 3; i++) {
            pool.execute(() -> {
                names.add(Thread.currentThread().getName());
                all.countDown();
                try {
                    all.await();  // holds each worker until all three have started
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        try {
            assertTrue(all.await(10, TimeUnit.SECONDS));
            assertEquals(Set.of("actinium-0", "actinium-1", "actinium-2"), names);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } finally {
            pool.shutdown();
        }
    }
}
