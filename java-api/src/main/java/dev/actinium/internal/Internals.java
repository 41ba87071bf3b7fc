package dev.actinium.internal;

import dev.actinium.Device;
import dev.actinium.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * What the core package lends the kernel families ({@code dev.actinium.act} and later ones)
 * without making it public API: a tensor's memory and liveness checks, library loading, CUDA
 * availability. {@link Tensor}'s initialiser installs it; {@link #core()} initialises Tensor
 * first, so it is there whenever a family asks.
 *
 * <p>Not for users: it hands out memory without the arena's scope. Until the library is a named
 * module that does not export this package, both methods check their caller: only Tensor may
 * install, only classes of Actinium's own packages, loaded by Actinium's class loader, may ask
 * (once, into a static final field: the check is not on the path of every call).
 */
public final class Internals {
    private Internals() {}

    /** The core package's side. */
    public interface Core {
        /** The tensor's memory for native calls: a host segment, or a segment carrying a device address. */
        MemorySegment memory(Tensor t);

        /** The memory for the worker threads of a split call (see Tensor). */
        MemorySegment memoryForWorkers(Tensor t);

        /** Throws, naming arg, unless the tensor's arena is open and this thread may use it. */
        void requireUsable(Tensor t, String arg);

        /** Loads the native library on first use; throws what made that fail, every time. */
        void ensureLoaded();

        /** Throws, naming arg, unless CUDA device can be used. */
        void requireCuda(Device device, String arg);
    }

    private static volatile Core core;

    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    /** Called once, by Tensor's initialiser. */
    public static synchronized void install(Core c) {
        if (WALKER.getCallerClass() != Tensor.class) {
            throw new IllegalCallerException("Internals.install: only dev.actinium.Tensor installs the core");
        }
        if (core != null) throw new IllegalStateException("Internals.install: already installed");
        core = c;
    }

    /** The core, for Actinium's own classes only (IllegalCallerException for any other). */
    public static Core core() {
        Class<?> caller = WALKER.getCallerClass();
        String pkg = caller.getPackageName();
        boolean ours = pkg.equals("dev.actinium") || pkg.startsWith("dev.actinium.");
        if (caller.getClassLoader() != Internals.class.getClassLoader() || !ours) {
            throw new IllegalCallerException("Internals.core: not for " + caller.getName() + ": it is Actinium's own");
        }
        Core c = core;
        if (c != null) return c;
        try {
            Class.forName(Tensor.class.getName(), true, Tensor.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        return core;
    }
}
