package dev.actinium.internal;

import dev.actinium.Actinium;
import dev.actinium.Parallel;
import dev.actinium.Tensor;
import dev.actinium.bindings.ActiniumNative;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * How one CPU operation becomes native calls: split over a {@link Parallel}, each chunk cut into
 * downcalls of a bounded number of elements, all on the ISA read once at the start, and an arena
 * closed meanwhile reported by the name of its tensor.
 *
 * <p>Every kernel is linked with {@code Linker.Option.critical(true)}, which passes heap arrays
 * without a copy but holds off safepoints (and so every GC) for the whole downcall. Bounding the
 * elements per downcall bounds that pause by construction, on the serial path too.
 */
public final class CpuCalls {
    /** The core package's side, fetched once (Internals checks the caller). */
    private static final Internals.Core CORE = Internals.core();

    private CpuCalls() {}

    /**
     * Elements per downcall at most (AVX-512; {@link #callElements} for the others), chosen so a
     * safepoint waits at most about 0.4 ms on the slowest input measured, gelu_tanh backward on
     * its left tail in BF16: 0.21 ms per 256K elements with AVX-512, 0.29 ms per 128K with AVX2,
     * 0.4 ms per 16K with the scalar code (relu takes about 25 us per 256K).
     *
     * <p>Why not fewer: measured 2026-11-24 (gelu_erf over 64M elements, serial, a few rounds
     * through the Java API), each downcall cost about 1.3 us beyond its elements, so 64K-element
     * downcalls ran 5-7% slower than one call over the whole range, 256K-element ones within 0.5%
     * (bench/run-safepoint.sh). From C the same blocks cost 0.2-0.4 us each: the rest is on the
     * JVM's side, not yet measured further (a short run, so possibly code not yet compiled by C2).
     */
    public static final long MAX_CALL_ELEMENTS = 1L << 18;

    /** Elements per downcall on an ISA: fewer where the same elements take longer. */
    public static long callElements(int isa) {
        if (isa >= ActiniumNative.AK_ISA_AVX512) return MAX_CALL_ELEMENTS;
        if (isa == ActiniumNative.AK_ISA_AVX2) return MAX_CALL_ELEMENTS / 2;
        return MAX_CALL_ELEMENTS / 16;
    }

    /**
     * Parallel.defaults(), after the library: a library that cannot be loaded is the error every
     * call reports, before a bad thread setting. Operations call it before they allocate.
     */
    public static Parallel defaultParallel() {
        CORE.ensureLoaded();
        return Parallel.defaults();
    }

    /** The largest downcall made so far, in elements: tests check the bound with it. */
    public static final LongAccumulator LARGEST_CALL = new LongAccumulator(Math::max, 0);

    /**
     * One kernel downcall over elements [start, end) of the operation, with the flags that pin
     * its ISA (to be or-ed into the kernel's flags); returns its status.
     */
    @FunctionalInterface
    public interface Kernel {
        int call(long start, long end, int isaFlags);
    }

    /**
     * Runs kernel over [0, n) split by parallel, on the ISA active now for every downcall (so
     * {@link Actinium#useIsa} from another thread cannot give one output elements of two ISAs),
     * in downcalls of at most {@link #callElements} for it, and checks every status. An arena
     * closed during the call becomes an IllegalStateException naming the tensor (names[i] for
     * tensors[i]).
     */
    public static void run(Parallel parallel, long n, Kernel kernel, String[] names, Tensor... tensors) {
        int isa = ActiniumNative.ak_cpu_isa();
        int isaFlags = isaFlags(isa);
        long perCall = callElements(isa);
        naming(() -> parallel.forRange(n, (start, end) -> {
            for (long s = start; s < end; ) {
                long e = s + Math.min(perCall, end - s);
                LARGEST_CALL.accumulate(e - s);
                NativeCalls.check(kernel.call(s, e, isaFlags));
                s = e;
            }
        }), names, tensors);
    }

    /** The flags that pin a downcall to an ISA. */
    public static int isaFlags(int isa) {
        return (isa + 1) << ActiniumNative.AK_FLAG_ISA_SHIFT;
    }

    /** One downcall over elements [start, end), the piece'th of the operation. */
    @FunctionalInterface
    public interface PieceKernel {
        int call(long piece, long start, long end, int isaFlags);
    }

    /**
     * Runs kernel over [0, n) in pieces of {@link #callElements}(isa) elements, piece p over
     * [p P, min(n, (p + 1) P)), each one downcall, on isa. The pieces depend on n and the ISA alone, so
     * an operation whose pieces write partial results of their own, reduced afterwards in piece order,
     * gives the same bits on any pool. Groups of pieces of about the grain are spread over parallel.
     */
    public static void runPieces(Parallel parallel, long n, int isa, PieceKernel kernel, String[] names,
                                 Tensor... tensors) {
        runPieces(parallel, n, callElements(isa), isa, kernel, names, tensors);
    }

    /** As above, in pieces of the given elements (an operation on whole rows: a multiple of the rows' length). */
    public static void runPieces(Parallel parallel, long n, long piece, int isa, PieceKernel kernel, String[] names,
                                 Tensor... tensors) {
        int flags = isaFlags(isa);
        long pieces = Math.ceilDiv(n, piece);
        long perGroup = Math.max(1, parallel.grain() / piece), groups = Math.ceilDiv(pieces, perGroup);
        naming(() -> parallel.forEachChunk(groups, (first, last) -> {
            for (long p = first * perGroup; p < Math.min(pieces, last * perGroup); p++) {
                long s = p * piece, e = Math.min(n, s + piece);
                LARGEST_CALL.accumulate(e - s);
                NativeCalls.check(kernel.call(p, s, e, flags));
            }
        }), names, tensors);
    }

    /** Runs work; an arena closed meanwhile becomes an IllegalStateException naming its tensor. */
    private static void naming(Runnable work, String[] names, Tensor... tensors) {
        try {
            work.run();
        } catch (IllegalStateException e) {
            for (int i = 0; i < tensors.length; i++) {
                if (!tensors[i].isAlive()) {
                    throw new IllegalStateException(names[i] + ": the tensor's arena was closed during the call", e);
                }
            }
            throw e;
        }
    }

    /** Row-aligned pieces of the elements [start, end) of a rows x cols matrix. */
    @FunctionalInterface
    public interface RowPiece {
        /** Rows [row, row + rows), columns [col, col + cols); rows > 1 only with col = 0 and whole rows. */
        int call(long row, long col, long rows, long cols);
    }

    /**
     * Runs piece over the elements [start, end) of a row-major matrix with the given columns:
     * a partial first row, whole rows, a partial last row. The pieces are element-wise the same
     * computation as one call over whole rows, so the split changes no bit.
     */
    public static int rowPieces(long start, long end, long columns, RowPiece piece) {
        long s = start;
        while (s < end) {
            long row = s / columns, col = s % columns;
            int status;
            if (col != 0 || end - s < columns) {
                long cols = Math.min(columns - col, end - s);
                status = piece.call(row, col, 1, cols);
                s += cols;
            } else {
                long rows = (end - s) / columns;
                status = piece.call(row, 0, rows, columns);
                s += rows * columns;
            }
            if (status != ActiniumNative.AK_OK) return status;
        }
        return ActiniumNative.AK_OK;
    }
}
