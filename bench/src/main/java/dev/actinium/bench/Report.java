package dev.actinium.bench;

import dev.actinium.act.Activation;

import dev.actinium.Actinium;
import dev.actinium.bindings.ActiniumNative;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;

/**
 * Runs the JMH benchmarks and writes the report kept under bench/results/: GB/s, fraction of the
 * copy bandwidth and of the floor, side by side with the Java baselines of the same run. The FMA
 * peak is measured here, with as many threads running at once as the benchmark used (on shared
 * machines two vCPUs do not give twice one).
 *
 * <p>Each time is the median over the measurement iterations, shown with their range: on a
 * shared machine a neighbour's burst lands in one iteration and drags a mean (and its error bar)
 * with it, while the median stays. The raw per-iteration times go to the CSV next to the report.
 *
 * <p>Floor of a kernel = max(bytes / copy bandwidth, flops / peak), with bytes = 8n forward, 12n
 * backward, and flops from the AK_ACTIVATIONS list (counted from the object code).
 *
 * <p>Bursts on these machines can also outlast a whole benchmark (seconds). With {@code --rounds N}
 * the selected benchmarks run N times in turn, and each median is over the iterations of all
 * rounds: a burst then hits one round of a benchmark, not all of it.
 *
 * <p>Usage: {@code Report run <out> <command> [--rounds N] <JMH arguments...>} writes out.csv and out.md;
 * {@code Report render <out> <command>} redoes out.md from out.csv.
 */
public final class Report {
    record Row(String bench, String op, int size, int threads, double[] iterations) {
        double micros() {
            double[] v = iterations.clone();
            Arrays.sort(v);
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }

        double min() {
            return Arrays.stream(iterations).min().orElse(Double.NaN);
        }

        double max() {
            return Arrays.stream(iterations).max().orElse(Double.NaN);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3 || !(args[0].equals("run") || args[0].equals("render"))) {
            System.err.println("usage: Report run <out> <command> <JMH arguments...> | Report render <out> <command>");
            System.exit(2);
        }
        Path csv = Path.of(args[1] + ".csv"), md = Path.of(args[1] + ".md");
        if (args[0].equals("run")) {
            int first = 3, rounds = 1;
            if (args.length > 4 && args[3].equals("--rounds")) {
                rounds = Integer.parseInt(args[4]);
                first = 5;
            }
            Options options = new CommandLineOptions(Arrays.copyOfRange(args, first, args.length));
            List<Row> all = new ArrayList<>();
            for (int round = 0; round < rounds; round++) all = merge(all, rows(new Runner(options).run()));
            write(csv, all);
        }
        List<Row> rows = read(csv);
        Map<Integer, Double> peak = new TreeMap<>();
        for (Row r : rows) peak.computeIfAbsent(r.threads(), Report::measurePeak);
        Files.writeString(md, render(rows, peak, args[2]));
        System.out.println("wrote " + csv + " and " + md);
    }

    static List<Row> rows(Collection<RunResult> results) {
        List<Row> rows = new ArrayList<>();
        for (RunResult run : results) {
            BenchmarkParams p = run.getParams();
            if (!p.getTimeUnit().equals(TimeUnit.MICROSECONDS)) throw new IllegalStateException("expected us/op: " + p.getBenchmark());
            String name = p.getBenchmark().substring(p.getBenchmark().lastIndexOf('.', p.getBenchmark().lastIndexOf('.') - 1) + 1);
            List<Double> it = new ArrayList<>();
            for (BenchmarkResult b : run.getBenchmarkResults()) {
                for (IterationResult i : b.getIterationResults()) it.add(i.getPrimaryResult().getScore());
            }
            String op = p.getParam("op");
            rows.add(new Row(name, op == null ? "" : op, Integer.parseInt(p.getParam("size")), Integer.parseInt(p.getParam("threads")),
                    it.stream().mapToDouble(Double::doubleValue).toArray()));
        }
        return rows;
    }

    /** The rows of both, iterations of the same benchmark and parameters appended. */
    static List<Row> merge(List<Row> a, List<Row> b) {
        List<Row> out = new ArrayList<>(a);
        for (Row r : b) {
            Row same = find(out, r.bench(), r.op(), r.size(), r.threads());
            if (same == null) {
                out.add(r);
            } else {
                double[] it = Arrays.copyOf(same.iterations(), same.iterations().length + r.iterations().length);
                System.arraycopy(r.iterations(), 0, it, same.iterations().length, r.iterations().length);
                out.set(out.indexOf(same), new Row(r.bench(), r.op(), r.size(), r.threads(), it));
            }
        }
        return out;
    }

    /** One line per benchmark: name, op, size, threads, then the us/op of every measurement iteration. */
    static void write(Path csv, List<Row> rows) throws IOException {
        StringBuilder s = new StringBuilder("benchmark,op,size,threads,us per iteration...\n");
        for (Row r : rows) {
            s.append(r.bench()).append(',').append(r.op()).append(',').append(r.size()).append(',').append(r.threads());
            for (double v : r.iterations()) s.append(',').append(String.format(Locale.ROOT, "%.3f", v));
            s.append('\n');
        }
        Files.writeString(csv, s);
    }

    static List<Row> read(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            double[] it = new double[f.length - 4];
            for (int i = 0; i < it.length; i++) it[i] = Double.parseDouble(f[4 + i]);
            rows.add(new Row(f[0], f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), it));
        }
        return rows;
    }

    /** Aggregate fp32 FMA flop/s of the active ISA with this many threads measuring at once. */
    static double measurePeak(int threads) {
        return measurePeak(threads, 300_000_000L);
    }

    /** As above, each thread running iterations of the probe (384 flops each with AVX-512). */
    static double measurePeak(int threads, long iterations) {
        double[] each = new double[threads];
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int k = t;
            workers[t] = new Thread(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment out = arena.allocate(ValueLayout.JAVA_DOUBLE);
                    int status = ActiniumNative.ak_cpu_measure_fma_peak(Actinium.isa().code(), iterations, out);
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

    /** "median (min-max)" in microseconds, with one decimal below 100 us. */
    static String range(Row r) {
        String f = r.micros() < 100 ? "%.1f" : "%.0f";
        return String.format(Locale.ROOT, f + " (" + f + "-" + f + ")", r.micros(), r.min(), r.max());
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
        s.append("Times are the median of the measurement iterations, with their range (min-max).\n");
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
                s.append(String.format(Locale.ROOT, "%n## n = %,d F32, %d thread(s): copy %.1f GB/s (%.1f us, %.1f-%.1f)%n%n",
                        size, t, copyGBs, copy.micros(), copy.min(), copy.max()));
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
                        s.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1f | %.0f%% | %.0f (%s) | **%.0f%%** | %s | %s | %s | %s |%n",
                                op.nativeName(), pass.equals("ForwardBias") ? "forward+bias" : pass.toLowerCase(Locale.ROOT),
                                range(a), gbs, 100 * gbs / copyGBs, floor, memFloor >= computeFloor ? "memory" : "compute",
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
