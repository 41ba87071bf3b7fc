package dev.actinium.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * One case of the interleaved rounds (BaselineRounds, SizeSweep): a bound call and its time in every
 * round. bytesPerElement and flops give its floor.
 */
record TimedCase(String op, String pass, String impl, double bytesPerElement, int flops, Runnable run,
                 double[] micros) {
    private static final long PEAK_ITERATIONS = 500_000;

    /**
     * Warms every case up for at least warmupNanos (the JIT of the Java loops and callers, the
     * baselines' pools), then times rounds: every case once per round in a shuffled order, back to back,
     * then the FMA peak with threads at once. Returns the peak of each round (FLOP/s).
     */
    static double[] rounds(List<TimedCase> cases, int rounds, int threads, long warmupNanos) {
        long end = System.nanoTime() + warmupNanos;
        for (int round = 0; round < 3 || System.nanoTime() < end; round++) for (TimedCase c : cases) c.run().run();
        double[] peaks = new double[rounds];
        List<TimedCase> order = new ArrayList<>(cases);
        Random random = new Random(42);
        for (int round = 0; round < rounds; round++) {
            Collections.shuffle(order, random);
            for (TimedCase c : order) {
                long start = System.nanoTime();
                c.run().run();
                c.micros()[round] = (System.nanoTime() - start) / 1e3;
            }
            peaks[round] = Report.measurePeak(threads, PEAK_ITERATIONS);
        }
        return peaks;
    }

    static TimedCase find(List<TimedCase> cases, String op, String pass, String impl) {
        for (TimedCase c : cases) if (c.op().equals(op) && c.pass().equals(pass) && c.impl().equals(impl)) return c;
        return null;
    }
}
