package dev.actinium;

import java.util.Arrays;

/** The dimensions of a row-major contiguous tensor. Immutable. */
public final class Shape {
    private final long[] dims;
    private final long numel;

    private Shape(long[] dims) {
        this.dims = dims;
        long n = 1;
        boolean empty = false;
        for (long d : dims) empty |= d == 0;  // an empty tensor's other dimensions may be as large as they like
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0) {
                throw new IllegalArgumentException(
                        "dims: shape " + Arrays.toString(dims) + ": dimension " + i + " is negative");
            }
            if (empty) continue;
            try {
                n = Math.multiplyExact(n, dims[i]);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(
                        "dims: shape " + Arrays.toString(dims) + " has more than 2^63 elements");
            }
        }
        this.numel = empty ? 0 : n;
    }

    public static Shape of(long... dims) {
        if (dims == null) throw new NullPointerException("dims");
        return new Shape(dims.clone());
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int i) {
        return dims[i];
    }

    /** The last dimension (1 for a scalar shape). */
    public long lastDim() {
        return dims.length == 0 ? 1 : dims[dims.length - 1];
    }

    public long numel() {
        return numel;
    }

    public long[] toArray() {
        return dims.clone();
    }

    /** This shape with its last dimension replaced (rank >= 1). */
    public Shape withLast(long last) {
        long[] d = dims.clone();
        d[d.length - 1] = last;
        return of(d);
    }

    Shape withFirst(long first) {
        long[] d = dims.clone();
        d[0] = first;
        return new Shape(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
