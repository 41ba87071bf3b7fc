package dev.actinium;

/** Where a tensor's memory lives: the host ({@link #CPU}) or a CUDA device ({@link #cuda(int)}). */
public record Device(Kind kind, int index) {
    public enum Kind { CPU, CUDA }

    public static final Device CPU = new Device(Kind.CPU, 0);

    public Device {
        if (kind == null) throw new NullPointerException("kind");
        if (index < 0) throw new IllegalArgumentException("index: device index " + index + " < 0");
        if (kind == Kind.CPU && index != 0) {
            throw new IllegalArgumentException("index: the CPU device has index 0, not " + index);
        }
    }

    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /** Parses {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}. */
    public static Device parse(String s) {
        if (s == null) throw new NullPointerException("device");
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("cpu")) return CPU;
        if (t.equals("cuda")) return cuda(0);
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring(5)));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("device must be cpu, cuda or cuda:N, not '" + s + "'");
    }

    public boolean isCpu() {
        return kind == Kind.CPU;
    }

    public boolean isCuda() {
        return kind == Kind.CUDA;
    }

    @Override
    public String toString() {
        return isCpu() ? "cpu" : "cuda:" + index;
    }
}
