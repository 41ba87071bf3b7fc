package dev.actinium;

import java.util.Random;

/** A fuzz test of the public API: the random source and argument placements its calls draw from. */
abstract class ApiFuzz {
    Random random;
    FuzzArgs args;

    /** One random call, checked; true if the oracle found it valid. */
    abstract boolean oneCall(int index) throws Exception;

    /**
     * A shape of one of sizes' element counts: a vector (a scalar, rarely), rows of it, or three
     * dimensions; last: the shape the rest of the time (null: a vector).
     */
    long[] dims(int[] sizes, long[] last) {
        int n = sizes[random.nextInt(sizes.length)];
        return switch (random.nextInt(6)) {
            case 0 -> random.nextInt(30) == 0 ? new long[0] : new long[] {n};
            case 1, 2 -> {
                int rows = 1 + random.nextInt(7);
                yield new long[] {rows, Math.max(0, n / rows)};
            }
            case 3 -> new long[] {2, 3, Math.max(0, n / 6)};
            default -> last != null ? last : new long[] {n};
        };
    }

    /** dims, or one in oneIn times dims with one dimension grown by 1. */
    long[] mutate(long[] dims, int oneIn) {
        if (random.nextInt(oneIn) != 0) return dims.clone();
        long[] d = dims.length == 0 ? new long[] {1} : dims.clone();
        d[random.nextInt(d.length)] += 1;
        return d;
    }

    /** Runs the calls (FuzzArgs.drive says how many and what it then asks of them). */
    void fuzz(String name, int calls, long budgetNanos, int leastCalls, boolean cuda) throws Exception {
        FuzzArgs.drive(name, calls, budgetNanos, leastCalls, cuda, (a, index) -> {
            args = a;
            random = a.random;
            return oneCall(index);
        });
    }
}
