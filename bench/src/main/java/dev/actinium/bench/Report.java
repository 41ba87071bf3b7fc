package dev.actinium.bench;

import dev.actinium.Activation;
import dev.actinium.Actinium;
import dev.actinium.bindings.ActiniumNative;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Turns a JMH CSV of ActivationBenchmark and CopyBenchmark into the markdown report kept under
 * bench/results/: GB/s, fraction of the copy bandwidth and of the floor, side by side with the
 * Java baselines of the same run. The FMA peak is measured here, with as many threads running
 * at once as the benchmark used (on shared machines two vCPUs do not give twice one).
 *
 * <p>Floor of a kernel = max(bytes / copy bandwidth, flops / peak), with bytes = 8n forward, 12n
 * backward, and flops from the AK_ACTIVATIONS list (counted from the object code).
 *
 * <p>Usage: Report &lt;jmh.csv&gt; &lt;out.md&gt; &lt;command line that produced the csv&gt;
 */
public final class Report {
    record Row(String bench, String op, int size, int threads, double micros, double error) {}

    public static void main(String[] args) throws Exception {
        List<Row> rows = read(Path.of(args[0]));
        String command = args.length > 2 ? args[2] : "";
        Map<Integer, Double> peak = new HashMap<>();
        for (Row r : rows) peak.computeIfAbsent(r.threads(), Report::measurePeak);
        Files.writeString(Path.of(args[1]), render(rows, peak, command));
        System.out.println("wrote " + args[1]);
    }

    static List<Row> read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        String[] head = split(lines.get(0));
        int score = index(head, "Score"), err = index(head, "Score Error (99.9%)"), unit = index(head, "Unit");
        int op = index(head, "Param: op"), size = index(head, "Param: size"), threads = index(head, "Param: threads");
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = split(line);
            if (!f[unit].equals("us/op")) throw new IllegalStateException("expected us/op, got " + f[unit]);
            String name = f[0].substring(f[0].lastIndexOf('.', f[0].lastIndexOf('.') - 1) + 1);
            rows.add(new Row(name, op >= 0 ? f[op] : "", Integer.parseInt(f[size]), Integer.parseInt(f[threads]),
                    Double.parseDouble(f[score]), parseOrNaN(f[err])));
        }
        return rows;
    }

    static double parseOrNaN(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    static String[] split(String line) {
        String[] f = line.split(",", -1);
        for (int i = 0; i < f.length; i++) f[i] = f[i].replace("\"", "").trim();
        return f;
    }

    static int index(String[] head, String name) {
        for (int i = 0; i < head.length; i++) if (head[i].equals(name)) return i;
        return -1;
    }

    /** Aggregate fp32 FMA flop/s of the active ISA with this many threads measuring at once. */
    static double measurePeak(int threads) {
        double[] each = new double[threads];
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int k = t;
            workers[t] = new Thread(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment out = arena.allocate(ValueLayout.JAVA_DOUBLE);
                    int status = ActiniumNative.ak_cpu_measure_fma_peak(Actinium.isa().code(), 300_000_000L, out);
                    if (status != 0) throw new IllegalStateException("peak probe failed: " + status);
                    each[k] = out.get(ValueLayout.JAVA_DOUBLE, 0);
                }
            });
        }
        for (Thread w : workers) w.start();
        double sum = 0;
        for (int t = 0; t < threads; t++) {
            try {
                workers[t].join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            sum += each[t];
        }
        return sum;
    }

    static Row find(List<Row> rows, String bench, String op, int size, int threads) {
        for (Row r : rows) if (r.bench().equals(bench) && r.op().equals(op) && r.size() == size && r.threads() == threads) return r;
        return null;
    }

    static String render(List<Row> rows, Map<Integer, Double> peak, String command) {
        StringBuilder s = new StringBuilder();
        s.append("# Actinium CPU benchmark\n\n");
        s.append("- command: `").append(command).append("`\n");
        s.append("- JDK: ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.version")).append('\n');
        s.append("- machine: ").append(Machine.describe()).append('\n');
        s.append("- Actinium ").append(Actinium.version()).append(", ISA ").append(Actinium.isa().nativeName()).append('\n');
        peak.forEach((t, p) -> s.append(String.format(Locale.ROOT, "- measured FMA peak, %d thread(s) at once: %.0f GFLOP/s%n", t, p / 1e9)));
        s.append("\nFloor = max(bytes / copy bandwidth, flops / peak); bytes 8n forward, 12n backward; flops per element from AK_ACTIVATIONS.\n");
        s.append("GB/s counts the bytes a kernel must move. Speed-ups compare with the Java loops of the same run.\n");
        TreeSet<Integer> sizes = new TreeSet<>(), threads = new TreeSet<>();
        for (Row r : rows) {
            sizes.add(r.size());
            threads.add(r.threads());
        }
        for (int size : sizes) {
            for (int t : threads) {
                Row copy = find(rows, "CopyBenchmark.copy", "", size, t);
                if (copy == null) continue;
                double copyGBs = 8.0 * size / copy.micros() / 1e3;
                s.append(String.format(Locale.ROOT, "%n## n = %,d F32, %d thread(s): copy %.1f GB/s (%.1f us)%n%n", size, t, copyGBs, copy.micros()));
                s.append("| op | pass | Actinium us | GB/s | of copy BW | floor us | of floor | Java loop GB/s | Vector API GB/s | vs Java loop | vs Vector API |\n");
                s.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
                for (Activation op : Activation.values()) {
                    for (String pass : new String[] {"Forward", "ForwardBias", "Backward"}) {
                        Row a = find(rows, "ActivationBenchmark.actinium" + pass, op.name(), size, t);
                        if (a == null) continue;
                        boolean bwd = pass.equals("Backward");
                        double bytes = (bwd ? 12.0 : 8.0) * size;
                        int flopsPerElement = ActiniumNative.ak_activation_flops(op.code(), bwd ? 1 : 0);
                        double memFloor = bytes / (copyGBs * 1e3), computeFloor = (double) flopsPerElement * size / peak.get(t) * 1e6;
                        double floor = Math.max(memFloor, computeFloor);
                        double gbs = bytes / a.micros() / 1e3;
                        String jPass = pass.equals("ForwardBias") ? null : pass;
                        Row js = jPass == null ? null : find(rows, "ActivationBenchmark.javaScalar" + jPass, op.name(), size, t);
                        Row vs = jPass == null ? null : find(rows, "ActivationBenchmark.vectorApi" + jPass, op.name(), size, t);
                        s.append(String.format(Locale.ROOT, "| %s | %s | %.0f ± %.0f | %.1f | %.0f%% | %.0f (%s) | **%.0f%%** | %s | %s | %s | %s |%n",
                                op.nativeName(), pass.equals("ForwardBias") ? "forward+bias" : pass.toLowerCase(Locale.ROOT),
                                a.micros(), a.error(), gbs, 100 * gbs / copyGBs, floor, memFloor >= computeFloor ? "memory" : "compute",
                                100 * floor / a.micros(),
                                js == null ? "" : String.format(Locale.ROOT, "%.1f", bytes / js.micros() / 1e3),
                                vs == null ? "" : String.format(Locale.ROOT, "%.1f", bytes / vs.micros() / 1e3),
                                js == null ? "" : String.format(Locale.ROOT, "%.1fx", js.micros() / a.micros()),
                                vs == null ? "" : String.format(Locale.ROOT, "%.1fx", vs.micros() / a.micros())));
                    }
                }
            }
        }
        return s.toString();
    }
}
