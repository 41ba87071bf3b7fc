package dev.actinium.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The ceiling plots, from SizeSweep's CSV: GB/s against elements (both log scale) per op and thread
 * count, each implementation as a line, the copy bandwidth and the compute ceiling (the bytes the
 * FMA peak allows for the op's flops) dashed.
 *
 * <pre>
 *   SweepPlots sweep.csv out-dir
 * </pre>
 * Prints the markdown image lines for the report.
 */
public final class SweepPlots {
    private static final BasicStroke DASHED =
            new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f);

    public static void main(String[] args) throws IOException {
        List<String[]> rows = Files.readAllLines(Path.of(args[0])).stream().skip(1).map(l -> l.split(",")).toList();
        TreeSet<String> configs = new TreeSet<>();
        for (String[] r : rows) configs.add(r[3] + "," + r[0]);
        for (String config : configs) {
            String op = config.split(",")[0], threads = config.split(",")[1];
            Map<String, XYSeries> series = new LinkedHashMap<>();
            for (String[] r : rows) {
                if (!r[3].equals(op) || !r[0].equals(threads)) continue;
                series.computeIfAbsent(r[2], XYSeries::new).add(Double.parseDouble(r[1]), Double.parseDouble(r[4]));
            }
            XYSeriesCollection data = new XYSeriesCollection();
            series.values().forEach(data::addSeries);
            String title = String.format(Locale.ROOT, "%s forward, F32, %s thread(s): GB/s against size", op, threads);
            JFreeChart chart = ChartFactory.createXYLineChart(title, "elements", "GB/s (8 bytes per element)", data,
                    PlotOrientation.VERTICAL, true, false, false);
            XYPlot plot = chart.getXYPlot();
            LogAxis x = new LogAxis("elements");
            x.setBase(4);
            x.setTickUnit(new NumberTickUnit(1));
            x.setNumberFormatOverride(new DecimalFormat("#,###"));
            LogAxis y = new LogAxis("GB/s (8 bytes per element)");
            y.setBase(2);
            y.setTickUnit(new NumberTickUnit(1));
            y.setNumberFormatOverride(new DecimalFormat("0.#"));
            plot.setDomainAxis(x);
            plot.setRangeAxis(y);
            plot.setBackgroundPaint(Color.WHITE);
            plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
            plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
            XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
            int i = 0;
            for (String name : series.keySet()) {
                boolean ceiling = name.equals("copy") || name.equals("compute ceiling");
                renderer.setSeriesStroke(i, ceiling ? DASHED : new BasicStroke(2.5f));
                renderer.setSeriesShapesVisible(i, !ceiling);
                if (name.equals("copy")) renderer.setSeriesPaint(i, Color.GRAY);
                if (name.equals("compute ceiling")) renderer.setSeriesPaint(i, Color.BLACK);
                i++;
            }
            plot.setRenderer(renderer);
            String file = String.format(Locale.ROOT, "sweep-%s-%st.png", op, threads);
            ChartUtils.saveChartAsPNG(Path.of(args[1]).resolve(file).toFile(), chart, 1000, 500);
            System.out.printf(Locale.ROOT, "![%s](%s)%n%n", title, file);
        }
    }
}
