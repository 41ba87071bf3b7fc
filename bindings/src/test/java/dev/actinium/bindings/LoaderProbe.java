package dev.actinium.bindings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The main class of the child JVMs that the loading tests start, so that properties, environment
 * variables and java.io.tmpdir are read afresh. Runs its arguments in order, printing "key: value":
 * <ul>
 *   <li>{@code await=<dir>}: creates {@code <dir>/ready-<pid>}, then waits for {@code <dir>/go}, so
 *       several children load at the same moment;</li>
 *   <li>{@code version}: calls ak_version;</li>
 *   <li>{@code origin}: prints where the CPU library came from;</li>
 *   <li>{@code failures}: calls ak_version and NativeLibraries.cpu() twice each, expecting each to
 *       throw, and prints each throwable and whether all four are distinct objects.</li>
 * </ul>
 */
public final class LoaderProbe {
    private LoaderProbe() {}

    public static void main(String[] args) throws Exception {
        for (String arg : args) {
            if (arg.startsWith("await=")) {
                Path dir = Path.of(arg.substring("await=".length()));
                Files.createFile(dir.resolve("ready-" + ProcessHandle.current().pid()));
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (!Files.exists(dir.resolve("go"))) {
                    if (System.nanoTime() > deadline) throw new IllegalStateException("no go within 60 s");
                    Thread.sleep(2);
                }
            } else if (arg.equals("version")) {
                System.out.println("version: " + ActiniumNative.ak_version().reinterpret(64).getString(0));
            } else if (arg.equals("origin")) {
                System.out.println("origin: " + NativeLibraries.cpu().origin());
            } else if (arg.equals("failures")) {
                List<Throwable> thrown = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    thrown.add(thrown(() -> ActiniumNative.ak_version()));
                    thrown.add(thrown(NativeLibraries::cpu));
                }
                for (Throwable t : thrown) {
                    System.out.println("thrown: " + (t == null ? "nothing" : t.getClass().getName() + ": "
                            + String.valueOf(t.getMessage()).replace('\n', '|')));
                }
                System.out.println("distinct: " + (thrown.stream().distinct().count() == thrown.size()));
            } else {
                throw new IllegalArgumentException("unknown probe step " + arg);
            }
        }
    }

    private static Throwable thrown(Supplier<?> call) {
        try {
            call.get();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }
}
