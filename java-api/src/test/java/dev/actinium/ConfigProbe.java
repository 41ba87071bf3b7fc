package dev.actinium;

import dev.actinium.act.Activation;
import dev.actinium.act.Activations;

import java.util.function.Supplier;

/**
 * A child JVM's view of the settings read once: runs each probe named in args and prints
 * "probe: result" or "probe: ExceptionClass: message" per line (ConfigTest reads them).
 */
public final class ConfigProbe {
    private ConfigProbe() {}

    public static void main(String[] args) {
        for (String probe : args) {
            Supplier<Object> action = switch (probe) {
                case "isa" -> Actinium::isa;
                case "forward" -> () -> {
                    float[] y = new float[4];
                    Activations.forward(Activation.RELU, Tensor.wrap(new float[] {-1, 2, -3, 4}, 4), Tensor.wrap(y, 4));
                    return java.util.Arrays.toString(y);
                };
                case "wrapAddress" -> () -> Tensor.wrapAddress(1L << 20, DType.F32, Device.CPU, 4);
                default -> {
                    if (probe.startsWith("threads=")) {
                        yield () -> {
                            System.setProperty(Parallel.THREADS_PROPERTY, probe.substring("threads=".length()));
                            return Parallel.defaults().parallelism();
                        };
                    }
                    throw new IllegalArgumentException("no probe " + probe);
                }
            };
            try {
                System.out.println(probe + ": " + action.get());
            } catch (Throwable t) {
                System.out.println(probe + ": " + t.getClass().getName() + ": " + t.getMessage());
            }
        }
    }
}
