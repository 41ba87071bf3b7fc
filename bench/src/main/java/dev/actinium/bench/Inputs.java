package dev.actinium.bench;

import java.util.Random;

/** Benchmark inputs: activations drawn from N(0, 3) like pre-activations of a trained layer. */
final class Inputs {
    private Inputs() {}

    static float[] normal(int n, long seed, double sigma) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextGaussian() * sigma);
        return a;
    }
}
