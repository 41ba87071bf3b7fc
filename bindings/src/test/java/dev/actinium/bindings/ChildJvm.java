package dev.actinium.bindings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts a main class of the test class path in a fresh JVM (settings read once per JVM, the
 * environment, a clean tmpdir), and waits for it within a bound. The java-api tests use it too,
 * through this module's test jar.
 */
public final class ChildJvm {
    private ChildJvm() {}

    /** Never wait longer than this for a child: a hung loader fails the test instead of the build. */
    static final long TIMEOUT_SECONDS = 60;

    /** A finished child: its exit status and its stdout and stderr together. */
    public record Result(int exit, String output) {
        /** The values of the lines "key: value" printed by the probe. */
        public List<String> values(String key) {
            return output.lines().filter(l -> l.startsWith(key + ": ")).map(l -> l.substring(key.length() + 2))
                    .toList();
        }
    }

    /** A started child; its output goes to a file, so a full pipe can never block it. */
    public record Child(Process process, Path output) {
        public Result await() throws IOException, InterruptedException {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("child JVM still running after " + TIMEOUT_SECONDS + " s:\n"
                        + Files.readString(output));
            }
            return new Result(process.exitValue(), Files.readString(output));
        }
    }

    /**
     * Starts the loader probe with these system properties and environment changes (a null value
     * removes the variable).
     */
    static Child start(Path outputFile, Map<String, String> properties, Map<String, String> environment,
                       String... steps) throws IOException {
        List<String> jvmArgs = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC"));
        properties.forEach((k, v) -> jvmArgs.add("-D" + k + "=" + v));
        return start(outputFile, jvmArgs, environment, LoaderProbe.class, steps);
    }

    /**
     * Starts main with these JVM arguments and environment changes (a null value removes the
     * variable). Actinium's own variables and those that move the loader are removed unless given.
     */
    public static Child start(Path outputFile, List<String> jvmArgs, Map<String, String> environment, Class<?> main,
                              String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(outputFile.toFile());
        Map<String, String> env = builder.environment();
        List.of(NativeLibraries.PATH_ENV, NativeLibraries.CACHE_ENV, "XDG_CACHE_HOME", "LD_LIBRARY_PATH",
                "ACTINIUM_ISA").forEach(env::remove);
        environment.forEach((k, v) -> {
            if (v == null) env.remove(k);
            else env.put(k, v);
        });
        return new Child(builder.start(), outputFile);
    }

    static Result run(Path outputFile, Map<String, String> properties, String... steps)
            throws IOException, InterruptedException {
        return start(outputFile, properties, Map.of(), steps).await();
    }
}
