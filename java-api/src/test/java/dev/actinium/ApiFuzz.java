package dev.actinium;

import java.util.Random;

/** A fuzz test of the public API: the random source and argument placements its calls draw from. */
abstract class ApiFuzz {
    Random random;
    FuzzArgs args;

    /** One random call, checked; true if the oracle found it valid. */
    abstract boolean oneCall(int index) throws Exception;

    /** Runs the calls (FuzzArgs.drive says how many and what it then asks of them). */
    void fuzz(String name, int calls, long budgetNanos, int leastCalls, boolean cuda) throws Exception {
        FuzzArgs.drive(name, calls, budgetNanos, leastCalls, cuda, (a, index) -> {
            args = a;
            random = a.random;
            return oneCall(index);
        });
    }
}
