package dev.actinium.bench;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * The report's plots, from BaselineRounds' CSV: for each size and thread count, Actinium's speedup over
 * each baseline per op and pass (the baseline's time over Actinium's, log scale, 1 marked: above it
 * Actinium is faster). Baselines that compute another function (WRONG) are left out of the plot.
 *
 * <pre>
 *   BaselinePlots rounds.csv out-dir
 * </pre>
 * Prints the markdown image lines for the report.
 */
public final class BaselinePlots {
    private record Row(int n, int threads, String dtype, String op, String pass, String impl, double ratio,
                       boolean wrong) {}

    public static void main(String[] args) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            String[] f = line.split(",");
            if (f[0].equals("n")) continue;
            rows.add(new Row(Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2], f[3], f[4], f[5],
                    Double.parseDouble(f[7]), Boolean.parseBoolean(f[8])));
        }
        Path out = Path.of(args[1]);
        TreeSet<String> configs = new TreeSet<>();
        for (Row r : rows) configs.add(String.format(Locale.ROOT, "%s-%09d-%d", r.dtype(), r.n(), r.threads()));
        for (String config : configs) {
            String[] parts = config.split("-");
            String dtype = parts[0];
            int n = Integer.parseInt(parts[1]), threads = Integer.parseInt(parts[2]);
            DefaultCategoryDataset data = new DefaultCategoryDataset();
            for (Row r : rows) {
                if (r.n() != n || r.threads() != threads || !r.dtype().equals(dtype) || r.impl().equals("actinium")
                        || r.wrong()) {
                    continue;
                }
                data.addValue(r.ratio(), r.impl(), r.op() + " " + (r.pass().equals("forward") ? "fwd" : "bwd"));
            }
            String size = n >= 1 << 20 ? (n >> 20) + "M" : (n >> 10) + "K";
            String title = String.format(Locale.ROOT, "Actinium's speedup, %s, %s elements, %d thread(s)", dtype, size,
                    threads);
            JFreeChart chart = ChartFactory.createBarChart(title, null, "baseline time / Actinium time", data,
                    PlotOrientation.VERTICAL, true, false, false);
            CategoryPlot plot = chart.getCategoryPlot();
            LogAxis axis = new LogAxis("baseline time / Actinium time (log)");
            axis.setBase(2);
            axis.setSmallestValue(0.25);
            axis.setTickUnit(new NumberTickUnit(1));  // one tick per doubling
            axis.setNumberFormatOverride(new DecimalFormat("0.##"));
            plot.setRangeAxis(axis);
            plot.getDomainAxis().setMaximumCategoryLabelLines(2);
            plot.addRangeMarker(new ValueMarker(1.0, Color.BLACK, new java.awt.BasicStroke(1.5f)));
            plot.setBackgroundPaint(Color.WHITE);
            plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
            chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            String file = String.format(Locale.ROOT, "speedup-%s-%s-%dt.png", dtype.toLowerCase(Locale.ROOT), size,
                    threads);
            ChartUtils.saveChartAsPNG(out.resolve(file).toFile(), chart, 1100, 480);
            System.out.printf(Locale.ROOT, "![%s](%s)%n%n", title, file);
        }
    }
}
