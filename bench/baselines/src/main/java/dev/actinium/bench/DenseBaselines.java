package dev.actinium.bench;

import dev.actinium.act.Reference;

import dev.actinium.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/**
 * The dense baselines of the sparse family, measured before it lands: y = W x for the down-projection
 * shape of a 7B model (W: 11008 x 4096, row-major, each output neuron's row contiguous) at batch 1, 8
 * and 32, through OpenBLAS (cblas_sgemv / cblas_sgemm, F32) and PyTorch (mm_out, F32 and BF16), in
 * interleaved rounds with a copy of W's bytes. At small batch the product is memory-bound: its floor
 * is reading W once, so the table gives the weight bytes per second and their fraction of the copy
 * bandwidth.
 *
 * <pre>
 *   OPENBLAS_NUM_THREADS=2 DenseBaselines [--threads 2] [--rounds 11]
 * </pre>
 * OpenBLAS takes its thread count from the environment (the run script sets it per JVM).
 */
public final class DenseBaselines {
    private static final int M = 11008, K = 4096;
    private static final int[] BATCHES = {1, 8, 32};

    public static void main(String[] args) {
        int threads = 2, rounds = 11;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        torch.set_num_threads(threads);
        Parallel parallel = threads == 1 ? Parallel.serial() : Parallel.of(Parallel.newPool(threads));
        try (Arena arena = Arena.ofShared()) {
            long weights = (long) M * K;
            MemorySegment w = arena.allocate(4 * weights, 64), wCopy = arena.allocate(4 * weights, 64);
            MemorySegment w16 = arena.allocate(2 * weights, 64);
            float[] values = Inputs.normal(K, 5, 0.02);
            for (long i = 0; i < weights; i++) {
                w.setAtIndex(ValueLayout.JAVA_FLOAT, i, values[(int) (i % K)]);
                w16.setAtIndex(ValueLayout.JAVA_SHORT, i, dev.actinium.act.Reference.toBf16(values[(int) (i % K)]));
            }
            List<TimedCase> cases = new ArrayList<>();
            TimedCase copy = new TimedCase("copy", "copy", "copy", 8, 0,
                    () -> parallel.forRange(weights, (s, e) -> MemorySegment.copy(w, 4 * s, wCopy, 4 * s, 4 * (e - s))),
                    new double[rounds]);
            cases.add(copy);
            Tensor wt = view(w, M, K, torch.kFloat()).t(), w16t = view(w16, M, K, torch.kBFloat16()).t();
            for (int b : BATCHES) {
                MemorySegment x = arena.allocate(4L * b * K, 64), y = arena.allocate(4L * b * M, 64);
                MemorySegment x16 = arena.allocate(2L * b * K, 64), y16 = arena.allocate(2L * b * M, 64);
                float[] xs = Inputs.normal(b * K, b, 1);
                for (int i = 0; i < b * K; i++) {
                    x.setAtIndex(ValueLayout.JAVA_FLOAT, i, xs[i]);
                    x16.setAtIndex(ValueLayout.JAVA_SHORT, i, dev.actinium.act.Reference.toBf16(xs[i]));
                }
                FloatPointer wp = new FloatPointer(Implementation.Buffers.bytes(w).asFloatBuffer());
                FloatPointer xp = new FloatPointer(Implementation.Buffers.bytes(x).asFloatBuffer());
                FloatPointer yp = new FloatPointer(Implementation.Buffers.bytes(y).asFloatBuffer());
                String shape = "batch " + b;
                int rowMajor = openblas.CblasRowMajor, noTrans = openblas.CblasNoTrans, trans = openblas.CblasTrans;
                Runnable blas = b == 1
                        ? () -> openblas.cblas_sgemv(rowMajor, noTrans, M, K, 1f, wp, K, xp, 1, 0f, yp, 1)
                        : () -> openblas.cblas_sgemm(rowMajor, noTrans, trans, b, M, K, 1f, xp, K, wp, K, 0f, yp, M);
                cases.add(new TimedCase(shape, "F32", "OpenBLAS", 4, 0, blas, new double[rounds]));
                Tensor xt = view(x, b, K, torch.kFloat()), yt = view(y, b, M, torch.kFloat());
                Tensor x16t = view(x16, b, K, torch.kBFloat16()), y16t = view(y16, b, M, torch.kBFloat16());
                cases.add(new TimedCase(shape, "F32", "PyTorch", 4, 0, () -> torch.mm_out(yt, xt, wt),
                        new double[rounds]));
                cases.add(new TimedCase(shape, "BF16", "PyTorch", 2, 0, () -> torch.mm_out(y16t, x16t, w16t),
                        new double[rounds]));
            }
            TimedCase.rounds(cases, rounds, threads, 2_000_000_000L);
            System.out.print(render(threads, rounds, cases, copy));
        }
        System.exit(0);
    }

    private static Tensor view(MemorySegment s, long rows, long cols, torch.ScalarType type) {
        return torch.from_blob(new Pointer(Implementation.Buffers.bytes(s)), new long[] {rows, cols},
                new TensorOptions(type));
    }

    private static String render(int threads, int rounds, List<TimedCase> cases, TimedCase copy) {
        double copyGbps = 8.0 * M * K / ApiBench.median(copy.micros()) / 1e3;
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "## y = W x, W 11008 x 4096, %d thread(s), %d rounds%n%ncopy %.1f GB/s%n%n", threads, rounds,
                copyGbps));
        s.append("| batch | dtype | implementation | us (median) | weight GB/s | of copy GB/s (read + write) |\n")
                .append("|---|---|---|---:|---:|---:|\n");
        for (TimedCase c : cases) {
            if (c == copy) continue;
            double us = ApiBench.median(c.micros()), gbps = c.bytesPerElement() * M * K / us / 1e3;
            s.append(String.format(Locale.ROOT, "| %s | %s | %s | %.0f | %.1f | %.0f%% |%n", c.op(), c.pass(), c.impl(),
                    us, gbps, 100 * gbps / copyGbps));
        }
        return s.toString();
    }
}
